#!/usr/bin/env bash
# Runs the golden model for every preset on one trace and tabulates cost against accuracy:
#   scripts/compare.sh [TRACE_DIR]      (default: the default synthetic trace)
# Writes build/results/compare/{PRESET.json, presets.csv, presets.png}.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_missing_packages python3-matplotlib
build sinkattn
bin="$BUILD_DIR/bin/sinkattn"
trace="${1:-$BUILD_DIR/traces/default}"
[ -n "${1:-}" ] || [ -f "$trace/meta.json" ] || "$bin" gen-trace --out "$trace" --quiet
out="$BUILD_DIR/results/compare"
mkdir -p "$out"
presets=(dense streamingllm h2o spatten duo sinkattn)
for p in "${presets[@]}"; do
  "$bin" golden --config "$p" --trace "$trace" --json "$out/$p.json" --quiet
done
/usr/bin/python3 "$SINKATTN_ROOT/scripts/plot_presets.py" "$out" "${presets[@]}"
