#!/usr/bin/env bash
# Runs the golden model for every preset on each trace and tabulates cost against accuracy:
#   scripts/compare.sh [TRACE_DIR...]
# Default: the default synthetic trace (build/traces/default, made by gen-trace) and, when
# scripts/workload.sh has built it, the trained-model trace (build/traces/fortunes-llama),
# side by side (docs/workloads.md). Writes build/results/compare/<trace name>/{PRESET.json,
# presets.csv, presets.png} per trace, and build/results/compare/side_by_side.md over all of them.
# On a model workload (its meta.json names the checkpoint) every preset also runs in the model's
# decoding loop over LOSS_WINDOWS text windows (default 16) and reports the loss change.
# duo runs as its documented hash fallback, duo_hash (configs/duo/duo_hash.yaml): the duo preset
# names Llama-3.1-8B's head pattern (32 layers x 8 KV heads) and refuses traces of another shape.
# On such a trace, DUO=duo runs the preset itself instead.
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
duo="${DUO:-duo_hash}"
presets=(dense streamingllm h2o spatten "$duo" sinkattn)
config_of() { if [ "$1" = duo_hash ]; then echo "$SINKATTN_ROOT/configs/duo/duo_hash.yaml"; else echo "$1"; fi; }
dirs=()
default="$BUILD_DIR/traces/default"
for trace in "${traces[@]}"; do
  if [ "$(realpath -m "$trace")" = "$(realpath -m "$default")" ] && [ ! -f "$default/meta.json" ]; then
    "$bin" gen-trace --out "$default" --quiet
  fi
  out="$BUILD_DIR/results/compare/$(basename "$trace")"
  mkdir -p "$out"
  echo "== $trace"
  loss=()
  if /usr/bin/python3 -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1])).get("generator", {}).get("model", {}).get("checkpoint") else 1)' \
      "$trace/meta.json" 2>/dev/null; then
    loss=(--loss-windows "${LOSS_WINDOWS:-16}")
  fi
  for p in "${presets[@]}"; do
    "$bin" golden --config "$(config_of "$p")" --trace "$trace" --json "$out/$p.json" --quiet "${loss[@]}"
  done
  /usr/bin/python3 "$SINKATTN_ROOT/scripts/plot_presets.py" "$out" "${presets[@]}"
  dirs+=("$out")
done
/usr/bin/python3 "$SINKATTN_ROOT/scripts/plot_presets.py" --side-by-side "$BUILD_DIR/results/compare/side_by_side.md" \
  "${dirs[@]}" -- "${presets[@]}"
