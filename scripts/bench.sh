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
#            configuration and stimulus (default preset, 2 layers, 4 heads, 32 steps), and the ratio
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
    build bench_simspeed
    "$BUILD_DIR/bin/bench_simspeed" "${2:-sinkattn}" "${3:-32}"
    ;;
  *)
    echo "usage: scripts/bench.sh NAME   (NAME: golden | topk | roofline | simspeed)" >&2
    exit 2
    ;;
esac
