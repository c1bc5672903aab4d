#!/usr/bin/env bash
# Builds the trained-model workload in one command (docs/workloads.md):
#   scripts/workload.sh [full|smoke] [SEED]
# Trains the byte-level TinyLlama on Debian's fortunes text (cached under
# build/workloads/<recipe>-s<seed>-<digest>/, keyed by the scripts, recipe and corpus), reports
# its validation loss and where its attention goes (attention.json), and exports its trace to
# build/traces/fortunes-llama[-smoke] (T the training length, prompt T/2; self-checked against the model).
# The training process alone loads OpenBLAS (serial) through its own LD_LIBRARY_PATH; the
# machine's libblas.so.3 alternative is left as it is.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_missing_packages "${SINKATTN_WORKLOAD_PACKAGES[@]}"
recipe="${1:-full}"
seed="${2:-1}"
py=/usr/bin/python3
wl="$SINKATTN_ROOT/scripts/workloads"
blas_env=(env "LD_LIBRARY_PATH=$OPENBLAS_SERIAL_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
dir="$("$py" "$wl/train.py" --cache-root "$BUILD_DIR/workloads" --recipe "$recipe" --seed "$seed" --print-dir)"
if [ ! -f "$dir/model.pt" ]; then
  "${blas_env[@]}" nice -n 5 "$py" "$wl/train.py" --out "$dir" --recipe "$recipe" --seed "$seed" \
    --require-blas openblas-serial
fi
"$py" - "$dir/train.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"model {sys.argv[1].rsplit('/', 2)[-2]}: val loss {r['val_loss_nats_per_byte']:.4f} ± {r['val_loss_stderr']:.4f} "
      f"nats/byte against unigram {r['unigram_nats_per_byte']:.4f}; trained {r['recipe']['steps']} steps in "
      f"{r['train_seconds']:.0f} s on {', '.join(r['blas'])}")
PY
[ "$recipe" = full ] || windows=2
"${blas_env[@]}" "$py" "$wl/attention_report.py" "$dir/model.pt" --windows "${windows:-16}" --json "$dir/attention.json"
trace="$BUILD_DIR/traces/fortunes-llama"
[ "$recipe" = full ] || trace="$trace-$recipe"
"${blas_env[@]}" "$py" "$wl/export_trace.py" "$dir/model.pt" --out "$trace"
echo "trace: $trace"
