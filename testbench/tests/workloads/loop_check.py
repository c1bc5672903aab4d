"""Accuracy in the loop (scripts/workloads/loop_eval.py) and the golden model's Python binding.

    loop_check.py SINKATTN WORKLOADS_DIR OPENBLAS_DIR BUILD_DIR [MODEL.pt]

Without MODEL.pt a smoke-trained model (seconds) is used; the `slow` label passes the full one.
  1. The binding's streaming engine, fed the model's exported trace one layer of one step at a
     time with the trace's own scales (docs/numerics.md's rule, applied here in Python through
     sinkattn_golden.quantize), equals `sinkattn golden --dump` bit for bit on every preset;
     a mismatch names the preset, step, layer, head and element.
  2. Dense integer decoding stays within loss_bound.py's stated bound of float in every window
     (the bound is derived from the quantization steps, the spec's datapath bounds and the
     model's gradient; no measured loss enters it), and loop_eval.py's own check that its float
     step path is the model passed (it exits 1 otherwise).
  3. `sinkattn golden --loss-windows` reports the loss in the loop, equal to loop_eval.py's.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sinkattn, wl, blas_dir, build = sys.argv[1:5]
model_arg = sys.argv[5] if len(sys.argv) > 5 else None
env = dict(os.environ, LD_LIBRARY_PATH=blas_dir)
py = sys.executable
sys.path.insert(0, os.path.join(build, "python"))
import sinkattn_golden as g  # noqa: E402

# duo as its documented hash fallback: the model's shape is not that of the head pattern the duo
# preset names (Llama-3.1-8B's, docs/policy.md "duo").
DUO_HASH = os.path.normpath(os.path.join(wl, "..", "..", "configs", "duo", "duo_hash.yaml"))
PRESETS = ["dense", "streamingllm", "h2o", "spatten", DUO_HASH, "sinkattn"]
T, P = 96, 40


def trace_scales(x, data_max):
    """quantize_trace's rule: per (layer, head) slice, max |x| over every row -> DATA_MAX."""
    m = np.abs(x.astype(np.float64)).max(axis=(2, 3))
    return np.where(m > 0, m / data_max, 1.0)


def quantize_all(x, scales):
    out = np.empty(x.shape, dtype=np.int16)
    for l in range(x.shape[0]):
        for h in range(x.shape[1]):
            out[l, h], _ = g.quantize(x[l, h].astype(np.float64), float(scales[l, h]))
    return out


def check_stream_equals_golden(trace, work):
    q, k, v = (np.load(f"{trace}/{n}.npy") for n in "qkv")
    L, Hq, _, D = q.shape
    Hkv = k.shape[1]
    sq, sk, sv = (trace_scales(x, g.DATA_MAX) for x in (q, k, v))
    qi, ki, vi = quantize_all(q, sq), quantize_all(k, sk), quantize_all(v, sv)
    for preset in PRESETS:
        dump = f"{work}/dump_{os.path.basename(preset)}"
        subprocess.run([sinkattn, "golden", "--config", preset, "--trace", trace, "--dump", dump, "--quiet"], check=True)
        want, want_keep = np.load(f"{dump}/out_int.npy"), np.load(f"{dump}/keep.npy")
        s = g.Stream(preset, L, Hq, Hkv, D, T, P, sq, sk, sv, record_keep=True)
        s.prefill(ki[:, :, :P], vi[:, :, :P], qi[:, :, :P])
        for t in range(P, T):
            for l in range(L):
                got = s.step_layer(l, qi[l, :, t], ki[l, :, t], vi[l, :, t])
                bad = np.argwhere(got != want[t - P, l])
                assert not len(bad), (f"{preset}: step {t} layer {l} head {bad[0][0]} element {bad[0][1]}: stream "
                                      f"{got[tuple(bad[0])]}, sinkattn golden {want[t - P, l][tuple(bad[0])]}")
                assert (s.keep(t - P, l) == want_keep[t - P, l]).all(), f"{preset}: keep mask differs at step {t} layer {l}"
        print(f"stream == golden: {preset}, {T - P} steps x {L} layers")


with tempfile.TemporaryDirectory() as work:
    model = model_arg
    if model is None:
        subprocess.run([py, f"{wl}/train.py", "--out", f"{work}/m", "--recipe", "smoke", "--seed", "3"], env=env,
                       check=True, stdout=subprocess.DEVNULL)
        model = f"{work}/m/model.pt"
    trace = f"{work}/trace"
    subprocess.run([py, f"{wl}/export_trace.py", model, "--out", trace, "--tokens", str(T), "--prompt", str(P),
                    "--val-offset", "3000"], env=env, check=True, stdout=subprocess.DEVNULL)

    # 1. the binding's stream against the whole-trace engine of the CLI
    check_stream_equals_golden(trace, work)

    # 2. dense integer decoding within the stated bound of float, window by window
    windows = 3 if model_arg is None else 8
    res = f"{work}/dense.json"
    subprocess.run([py, f"{wl}/loop_eval.py", model, "--config", "dense", "--windows", str(windows), "--bound",
                    "--build", build, "--json", res], env=env, check=True)
    r = json.load(open(res))
    deltas = np.array(r["per_window"]["dense"]) - np.array(r["per_window"]["float"])
    bound = np.array(r["dense_loss_bound"]["statistical"])
    for w, (d, b) in enumerate(zip(deltas, bound)):
        print(f"window {w}: dense integer - float = {d:+.5f} nats/byte, bound {b:.5f}")
        assert abs(d) <= b, f"window {w}: the dense integer path moved the loss by {d:+.5f}, beyond the bound {b:.5f}"
    assert r["step_check_max_logit_diff"] <= 1e-4

    # 3. the CLI's loss in the loop is loop_eval.py's
    gj = f"{work}/golden.json"
    subprocess.run([sinkattn, "golden", "--config", "sinkattn", "--trace", trace, "--loss-windows", "2", "--json", gj,
                    "--quiet"], check=True)
    ml = json.load(open(gj))["model_loss"]
    le = f"{work}/le.json"
    subprocess.run([py, f"{wl}/loop_eval.py", model, "--config", "sinkattn", "--windows", "2", "--prompt", str(P),
                    "--build", build, "--json", le], check=True, stdout=subprocess.DEVNULL)  # the CLI's BLAS, not OpenBLAS
    c = json.load(open(le))["configs"][0]
    for key in ("loss", "loss_delta", "loss_delta_se", "perplexity", "perplexity_ratio"):
        assert ml[key] == c[key], (key, ml[key], c[key])
    print(f"sinkattn golden --loss-windows 2: loss_delta {ml['loss_delta']:+.5f} == loop_eval.py's")
print("loop_check: ok")
