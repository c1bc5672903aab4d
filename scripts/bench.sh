#!/usr/bin/env bash
# The one entry for every benchmark of the project:  scripts/bench.sh NAME
#   golden   golden-model MAC/s for dense and sinkattn on a 4-layer, 8-head, D=64, T=2048
#            trace, with the ratio of their times beside the ratio of their attended tokens
#   topk     RTL top-k engine (Verilated) quick-select cycles for SpAtten's (n, k) cells at
#            P = 4, 16, 64 over random scores, beside SpAtten's published latency model
#            (SINKATTN_SEED picks the scores; TOPK_VECTORS vectors per cell, default 200)
#   roofline RTL cycles of the default preset on a decode trace (L 2, Hq 8, Hkv 2, D 64, T 512,
#            32 decode steps) against max(compute at full lane use, DRAM bytes / bandwidth),
#            where the cycles go (counters), and the dense preset on the same hardware
#            (speedup in cycles and DRAM bytes). A few minutes: dense reads every token.
#   simspeed simulated cycles/s of the SystemC model and of the Verilated RTL on the same
#            configuration and stimulus (default preset, 2 layers, 4 heads, 32 steps), and the ratio;
#            then the Verilated RTL against Icarus on the tiny configuration (iverilog_top's
#            stimulus, same cycle count), and that ratio
# Benchmarks report ratios measured in one run; absolute times on shared machines are noise.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
name="${1:-}"
case "$name" in
  golden)
    install_missing_packages
    build bench_golden
    out="$BUILD_DIR/results/bench_golden.json"
    mkdir -p "$(dirname "$out")"
    "$BUILD_DIR/bin/bench_golden" --benchmark_out="$out" --benchmark_out_format=json >&2
    /usr/bin/python3 "$SINKATTN_ROOT/scripts/bench_report.py" golden "$out"
    ;;
  topk)
    install_missing_packages
    build topk_engine_bench_p4 topk_engine_bench_p16 topk_engine_bench_p64
    dir="$BUILD_DIR/results"
    mkdir -p "$dir"
    csvs=()
    for p in 4 16 64; do
      "$BUILD_DIR/bin/topk_engine_bench_p$p" --bench --bench-vectors "${TOPK_VECTORS:-200}" >"$dir/bench_topk_p$p.csv"
      grep '^\[' "$dir/bench_topk_p$p.csv" >&2 || true  # the seed and the parameters
      csvs+=("$dir/bench_topk_p$p.csv")
    done
    /usr/bin/python3 "$SINKATTN_ROOT/scripts/bench_report.py" topk "${csvs[@]}"
    ;;
  roofline)
    install_missing_packages
    build sinkattn
    out="$BUILD_DIR/results/roofline"
    mkdir -p "$out"
    "$BUILD_DIR/bin/sinkattn" gen-trace --out "$out/trace" --layers 2 --q-heads 8 --kv-heads 2 --head-dim 64 \
      --tokens 512 --prompt 480 --quiet
    for preset in sinkattn dense; do
      echo "running the RTL on $preset ..." >&2
      "$BUILD_DIR/bin/sinkattn" rtl --config "$preset" --trace "$out/trace" --json "$out/rtl_$preset.json" --quiet
    done
    /usr/bin/python3 "$SINKATTN_ROOT/scripts/bench_report.py" roofline "$out/rtl_sinkattn.json" "$out/rtl_dense.json"
    ;;
  simspeed)
    install_missing_packages
    build bench_simspeed top_vectors
    "$BUILD_DIR/bin/bench_simspeed" "${2:-sinkattn}" "${3:-32}"
    # The Verilated RTL against Icarus on the tiny configuration (test iverilog_top's stimulus):
    # the same vectors and the same cycle count (the Icarus bench checks it), wall times of each.
    gen="$BUILD_DIR/generated/rtl" tb="$SINKATTN_ROOT/testbench/cosim"
    seed="$(sed -n 's/^localparam int TopkLfsrSeed = \([0-9]*\);$/\1/p' "$gen/params/sinkattn_params_sinkattn.svh")"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    vec="$("$BUILD_DIR/bin/top_vectors" "$work")"
    mapfile -t top < <(grep -v '^#' "$SINKATTN_ROOT/rtl/sinkattn_top.files" | sed "s#^@GEN@/#$gen/#; t; s#^#$SINKATTN_ROOT/#")
    iverilog -g2012 -o "$work/tb.vvp" -I "$gen" -s top_iverilog_tb \
      -Ptop_iverilog_tb.LfsrSeed="$seed" -Ptop_iverilog_tb.VecDir="\"$work\"" \
      -Ptop_iverilog_tb.Exp2LutFile="\"$gen/exp2_lut.hex\"" -Ptop_iverilog_tb.RecipLutFile="\"$gen/recip_lut.hex\"" \
      "${top[@]}" "$tb/top_iverilog_tb.sv" 2>&1 | grep -v "sorry: constant selects in always_\* processes" >&2 || true
    t0="$(date +%s.%N)"
    out="$(vvp -n "$work/tb.vvp")"
    t1="$(date +%s.%N)"
    grep -q '^PASS' <<<"$out" || { echo "bench simspeed: Icarus run failed: $out" >&2; exit 1; }
    /usr/bin/python3 - "$vec" "$t0" "$t1" <<'PY'
import json, re, sys
vec, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
cycles = int(re.search(r"Verilator: (\d+) cycles", vec).group(1))
vl = float(re.search(r"verilator_seconds ([0-9.e+-]+)", vec).group(1))
iv = t1 - t0
print(json.dumps({"tiny_config_cycles": cycles, "verilator_cycles_per_s": cycles / vl,
                  "icarus_cycles_per_s": cycles / iv, "verilator_over_icarus": iv / vl}))
PY
    ;;
  *)
    echo "usage: scripts/bench.sh NAME   (NAME: golden | topk | roofline | simspeed)" >&2
    exit 2
    ;;
esac
