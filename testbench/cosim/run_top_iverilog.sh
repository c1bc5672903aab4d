#!/usr/bin/env bash
# The tiny accelerator top under Icarus: vectors from top_vectors (golden rows, and the cycle
# counts of the Verilated tiny top), replayed by top_iverilog_tb.sv.
#   run_top_iverilog.sh TOP_VECTORS GEN_RTL_DIR SOURCE_ROOT TB_DIR
set -euo pipefail
vectors="$1" gen="$2" root="$3" tb="$4"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$vectors" "$work"
# The top's sources: rtl/sinkattn_top.files, @GEN@ for the generated directory.
mapfile -t top < <(grep -v '^#' "$root/rtl/sinkattn_top.files" | sed "s#^@GEN@/#$gen/#; t; s#^#$root/#")
iverilog -g2012 -o "$work/tb.vvp" -I "$gen" -s top_iverilog_tb \
  -Ptop_iverilog_tb.VecDir="\"$work\"" \
  -Ptop_iverilog_tb.Exp2LutFile="\"$gen/exp2_lut.hex\"" -Ptop_iverilog_tb.RecipLutFile="\"$gen/recip_lut.hex\"" \
  "${top[@]}" "$tb/top_iverilog_tb.sv" 2>&1 | grep -v "sorry: constant selects in always_\* processes" || true
out="$(vvp -n "$work/tb.vvp")"
echo "$out"
grep -q '^PASS' <<<"$out"
