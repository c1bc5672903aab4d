#!/usr/bin/env bash
# The one entry for every benchmark of the project:  scripts/bench.sh NAME
#   golden   golden-model MAC/s for dense and sinkattn on a 4-layer, 8-head, D=64, T=2048
#            trace, with the ratio of their times beside the ratio of their attended tokens
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
  simspeed)
    install_missing_packages
    build bench_simspeed
    "$BUILD_DIR/bin/bench_simspeed" "${2:-sinkattn}" "${3:-32}"
    ;;
  *)
    echo "usage: scripts/bench.sh NAME   (NAME: golden, simspeed)" >&2
    exit 2
    ;;
esac
