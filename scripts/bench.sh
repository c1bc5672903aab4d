#!/usr/bin/env bash
# The one entry for every benchmark of the project:  scripts/bench.sh NAME
#   golden   golden-model MAC/s for dense and sinkattn on a 4-layer, 8-head, D=64, T=2048
#            trace, with the ratio of their times beside the ratio of their attended tokens
#   topk     RTL top-k engine (Verilated) quick-select cycles for SpAtten's (n, k) cells at
#            P = 4, 16, 64 over random scores, beside SpAtten's published latency model
#            (SINKATTN_SEED picks the scores; TOPK_VECTORS vectors per cell, default 200)
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
  *)
    echo "usage: scripts/bench.sh NAME   (NAME: golden | topk)" >&2
    exit 2
    ;;
esac
