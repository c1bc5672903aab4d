#!/usr/bin/env bash
# The main job: the default preset on the default synthetic workload. Usage:
#   scripts/run.sh [PRESET|CONFIG.yaml]      (default: sinkattn)
# Writes build/results/<preset>.json and prints the summary table.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_missing_packages
build sinkattn
config="${1:-sinkattn}"
trace="$BUILD_DIR/traces/default"
bin="$BUILD_DIR/bin/sinkattn"
[ -f "$trace/meta.json" ] || "$bin" gen-trace --out "$trace"
mkdir -p "$BUILD_DIR/results"
"$bin" golden --config "$config" --trace "$trace" --json "$BUILD_DIR/results/$(basename "$config" .yaml).json"
