#!/usr/bin/env bash
# Runs the golden model for every preset on each trace and tabulates cost against accuracy:
#   scripts/compare.sh [TRACE_DIR...]
# Default: the default synthetic trace (build/traces/default, made by gen-trace) and, when
# scripts/workload.sh has built it, the trained-model trace (build/traces/fortunes-llama),
# side by side (docs/workloads.md). Writes build/results/compare/<trace name>/{PRESET.json,
# presets.csv, presets.png} per trace.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_missing_packages python3-matplotlib
build sinkattn
bin="$BUILD_DIR/bin/sinkattn"
traces=("$@")
if ((${#traces[@]} == 0)); then
  traces=("$BUILD_DIR/traces/default")
  if [ -f "$BUILD_DIR/traces/fortunes-llama/meta.json" ]; then
    traces+=("$BUILD_DIR/traces/fortunes-llama")
  else
    echo "compare.sh: no trained-model trace; scripts/workload.sh builds build/traces/fortunes-llama" >&2
  fi
fi
presets=(dense streamingllm h2o spatten duo sinkattn)
default="$BUILD_DIR/traces/default"
for trace in "${traces[@]}"; do
  if [ "$(realpath -m "$trace")" = "$(realpath -m "$default")" ] && [ ! -f "$default/meta.json" ]; then
    "$bin" gen-trace --out "$default" --quiet
  fi
  out="$BUILD_DIR/results/compare/$(basename "$trace")"
  mkdir -p "$out"
  echo "== $trace"
  for p in "${presets[@]}"; do
    "$bin" golden --config "$p" --trace "$trace" --json "$out/$p.json" --quiet
  done
  /usr/bin/python3 "$SINKATTN_ROOT/scripts/plot_presets.py" "$out" "${presets[@]}"
done
