#!/usr/bin/env bash
# The SRAM cells under Icarus: ram_cells_iverilog_tb.sv checks them against its own reference.
# Usage: run_ram_cells_iverilog.sh CELLS_DIR TB_SV [IVERILOG_ARGS...]; SINKATTN_SEED picks the seed.
set -euo pipefail
cells="$1" tb="$2"
shift 2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
iverilog -g2012 -s ram_cells_iverilog_tb "$@" -o "$work/tb.vvp" "$cells/ram_2p.sv" "$cells/ram_1p.sv" "$tb"
out="$(vvp -n "$work/tb.vvp" +seed="${SINKATTN_SEED:-1}")"
echo "$out" | tail -6
echo "$out" | grep -q "^PASS" && ! echo "$out" | grep -q "FAIL"
