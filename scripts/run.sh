#!/usr/bin/env bash
# The main job: `sinkattn cosim` (golden, the SystemC model and the Verilated RTL in one SystemC
# simulation, with scoreboards) on the default preset and the run workload. Usage:
#   scripts/run.sh [PRESET|CONFIG.yaml]      (default: sinkattn)
# The run workload is gen-trace's default synthetic trace (4 layers, 8 query and 2 KV heads,
# head dim 64, prompt 256) cut to 64 decode steps (--tokens 320), so that the RTL finishes in
# well under a minute; `sinkattn golden` takes the full default trace in a second.
# Writes build/results/<preset>.json and prints the summary table; exits 1 on any mismatch.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_missing_packages
build sinkattn
config="${1:-sinkattn}"
trace="$BUILD_DIR/traces/run"
bin="$BUILD_DIR/bin/sinkattn"
[ -f "$trace/meta.json" ] || "$bin" gen-trace --out "$trace" --tokens 320 --prompt 256 --quiet
mkdir -p "$BUILD_DIR/results"
"$bin" cosim --config "$config" --trace "$trace" --json "$BUILD_DIR/results/$(basename "$config" .yaml).json"
