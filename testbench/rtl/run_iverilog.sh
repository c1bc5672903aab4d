#!/usr/bin/env bash
# The same random vectors through Icarus: the Verilator harness writes them (with the golden
# model's expected outputs), the Icarus testbench drives the block with its own random
# back-pressure and compares. Usage: run_iverilog.sh BLOCK HARNESS GEN_RTL_DIR RTL_DIR TB_DIR [IVERILOG_ARGS...]
set -euo pipefail
block="$1" harness="$2" gen="$3" rtl="$4" tb="$5"
shift 5
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
seed="${SINKATTN_SEED:-1}"
case "$block" in
  qk_lanes) filter='QkLanes.RandomBeatsWithBackPressureMatchReference' ;;
  pv_lanes) filter='PvLanes.RandomGroupsUnderBackPressuresMatchReference' ;;
  softmax_unit) filter='SoftmaxUnit.RandomGroupsWithBackPressureMatchReference' ;;
  topk_engine) filter='TopkEngine.IcarusVectors' ;;
  sinkattn_slot_store) filter='SlotStore.RandomTrafficMatchesReferenceAndSystemC' ;;
  *) echo "run_iverilog.sh: unknown block $block" >&2; exit 2 ;;
esac
SINKATTN_RTL_VECTORS="$work" SINKATTN_SEED="$seed" "$harness" --gtest_filter="$filter" >/dev/null
iverilog -g2012 -I"$gen" -I"$tb" -s "${block}_iverilog_tb" "$@" -o "$work/tb.vvp" "$gen/sinkattn_numerics_pkg.sv" "$rtl"/cells/*.sv "$rtl/$block"*.sv "$tb/${block}_iverilog_tb.sv"
out="$(vvp -n "$work/tb.vvp" +vectors="$work/${block}_vectors.txt" +seed="$seed")"
echo "$out" | tail -3
echo "$out" | grep -q "^PASS" && ! echo "$out" | grep -q "FAIL"
