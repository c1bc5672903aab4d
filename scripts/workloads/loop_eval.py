#!/usr/bin/python3
"""Accuracy in the loop: the trained model's next-byte loss with each policy replacing its attention.

    loop_eval.py MODEL.pt [--config NAME_OR_YAML ...] [--set FIELD=VALUE ...] [--windows N]
                 [--tokens T] [--prompt P] [--json OUT]

For each of N validation windows (BOS + T bytes, at evenly spaced offsets of the validation text),
the model computes the prompt (P tokens) densely in float, then decodes tokens P .. T-1 one at a
time (teacher-forced: the next input is the text's next byte). At every layer of every step the
golden model's streaming engine (model/python, sinkattn_golden.Stream), one stream per
configuration, takes the new token's q, k, v after RoPE, quantized with scales fixed on the
prompt, and returns its integer attention outputs, which the model dequantizes and continues
with. The policy's keep decisions and the integer numerics thus decide what every later layer and
token sees, as on the accelerator.

Quantization scales (a stream cannot see the future): per (layer, head, tensor), max |x| over the
prompt's rows of the model's own prefill, mapped to DATA_MAX (the rule quantize_trace applies to a
whole trace, restricted to what is known when decoding starts). Decode values beyond it saturate
(docs/numerics.md's rule); their count is reported per configuration.

Reported per configuration: next-byte loss (nats/byte) over the decode steps, its mean over
windows and standard error, the change against dense float attention (loss_delta, paired over
windows, with its standard error), perplexity exp(loss) and its ratio to float's, and the DRAM
share of dense from the engine's own counters. The float baseline is the model's own forward pass;
the step decoder's float path is checked against it on every window (max |logit diff| <= 1e-4,
else exit 1) so that the loop is known to be the model.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import corpus  # noqa: E402
from llama import BOS, LlamaShape, TinyLlama  # noqa: E402
from loss_bound import first_order_bound  # noqa: E402
from stepwise import FloatCache, StepDecoder  # noqa: E402

# duo as its documented hash fallback (configs/duo/duo_hash.yaml): a small model's shape is not
# that of the head pattern the duo preset names (Llama-3.1-8B's, docs/policy.md "duo").
PRESETS = ["dense", "streamingllm", "h2o", "spatten",
           os.path.join(os.path.dirname(os.path.dirname(HERE)), "configs", "duo", "duo_hash.yaml"), "sinkattn"]
STEP_CHECK_TOL = 1e-4


def import_engine(build_dir):
    sys.path.insert(0, os.path.join(build_dir, "python"))
    try:
        import sinkattn_golden
    except ImportError as e:
        sys.exit(f"loop_eval.py: {build_dir}/python: cannot import sinkattn_golden ({e}); build the target sinkattn_golden")
    return sinkattn_golden


def prompt_scales(prompt_layers, data_max):
    """Per (layer, head) of q, k, v: max |x| over the prompt rows / DATA_MAX (1 where all zero)."""
    out = {}
    for n in ("q", "k", "v"):
        m = np.stack([c[n].abs().amax(dim=(1, 2)).double().numpy() for c in prompt_layers])  # [L, heads]
        out[n] = np.where(m > 0, m / data_max, 1.0)
    return out


class EngineAttend:
    """One streaming engine per configuration; batch member i is configuration i."""

    def __init__(self, eng, configs, overrides, shape, tokens, prompt, prompt_layers):
        self.eng = eng
        self.sc = prompt_scales(prompt_layers, eng.DATA_MAX)
        self.out_unit = 2.0 ** -eng.OUT_FRAC_BITS
        self.group = shape.q_heads // shape.kv_heads
        self.streams, self.saturated, self.values = [], np.zeros(len(configs), dtype=np.int64), 0
        for c in configs:
            s = eng.Stream(c, shape.layers, shape.q_heads, shape.kv_heads, shape.head_dim, tokens, prompt,
                           self.sc["q"], self.sc["k"], self.sc["v"], overrides=overrides)
            k = np.stack([self.quant(c_["k"], self.sc["k"][l]) for l, c_ in enumerate(prompt_layers)])
            v = np.stack([self.quant(c_["v"], self.sc["v"][l]) for l, c_ in enumerate(prompt_layers)])
            q = np.stack([self.quant(c_["q"], self.sc["q"][l]) for l, c_ in enumerate(prompt_layers)])
            s.prefill(k, v, q)  # the prompt's queries: prefill importance (docs/policy.md)
            self.streams.append(s)

    def quant(self, x, scales, i=None):
        """x [heads, ..., D] with one scale per head -> int16 (saturated values counted for stream i)."""
        rows = []
        for h in range(x.shape[0]):
            q, sat = self.eng.quantize(x[h].double().numpy(), float(scales[h]))
            rows.append(q)
            if i is not None:
                self.saturated[i] += sat
        if i is not None:
            self.values += x.numel()
        return np.stack(rows)

    def __call__(self, layer, q, k, v):
        out = np.empty(tuple(q.shape), dtype=np.float32)
        vs = self.sc["v"][layer]
        for i, s in enumerate(self.streams):
            o = s.step_layer(layer, self.quant(q[i], self.sc["q"][layer], i), self.quant(k[i], self.sc["k"][layer], i),
                             self.quant(v[i], vs, i))
            for h in range(q.shape[1]):
                out[i, h] = o[h] * (vs[h // self.group] * self.out_unit)
        return torch.from_numpy(out)


def window_ids(val, w, windows, tokens):
    """BOS + `tokens` bytes of window w: evenly spaced over the validation text."""
    stride = (len(val) - tokens) // max(1, windows)
    off = w * stride
    return np.concatenate([[BOS], val[off:off + tokens]]).astype(np.int64), off


def window_bound(model, eng, ids, tokens, prompt, scales):
    """loss_bound.py's first-order bound on the dense integer path's loss change in this window."""
    cap = []
    with torch.no_grad():
        model(torch.from_numpy(ids[:tokens]).unsqueeze(0), capture=cap)
    layers = [{n: c[n][0] for n in ("q", "k", "v")} for c in cap]
    return first_order_bound(model, ids, prompt, tokens, layers, scales, eng.DATA_MAX, eng.OUT_FRAC_BITS)


def run_window(model, dec, eng, ids, configs, overrides, tokens, prompt):
    """Per-step losses [C, T-P] of the configurations and of float, and the float step-path check."""
    shape = model.shape
    with torch.no_grad():
        full = model(torch.from_numpy(ids[:tokens]).unsqueeze(0))[0]  # the model's own pass, positions 0..T-1
    target = torch.from_numpy(ids[prompt + 1:tokens + 1])
    float_loss = F.cross_entropy(full[prompt:tokens], target, reduction="none").numpy()
    prompt_layers = dec.prefill(ids[:prompt])
    att = EngineAttend(eng, configs, overrides, shape, tokens, prompt, prompt_layers)
    fc = FloatCache(prompt_layers, 1)
    losses = np.empty((len(configs), tokens - prompt))
    worst = 0.0
    for t in range(prompt, tokens):
        logits = dec.step(ids[t], t, len(configs), att)
        losses[:, t - prompt] = F.cross_entropy(logits, target[t - prompt].repeat(len(configs)), reduction="none").numpy()
        step_float = dec.step(ids[t], t, 1, fc)[0]
        worst = max(worst, float((step_float - full[t]).abs().max()))
    return losses, float_loss, worst, att


def mean_se(x):
    x = np.asarray(x, dtype=np.float64)
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else 0.0


def summarize(name, per_window, float_per_window, counters, saturated, values):
    loss, se = mean_se(per_window)
    delta, dse = mean_se(np.asarray(per_window) - np.asarray(float_per_window))
    fl, _ = mean_se(float_per_window)
    dram = sum(c["dram_bytes"] for c in counters)
    dense = sum(c["dense_dram_bytes"] for c in counters)
    return {"config": name, "loss": loss, "loss_se": se, "loss_delta": delta, "loss_delta_se": dse,
            "perplexity": math.exp(loss), "perplexity_ratio": math.exp(loss - fl),
            "dram_bytes": dram, "dense_dram_bytes": dense, "dram_share": dram / dense if dense else 0.0,
            "saturated_values": int(saturated), "quantized_values": int(values)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="model.pt written by train.py")
    ap.add_argument("--config", action="append", help=f"preset name or YAML file, repeatable (default: {' '.join(PRESETS)})")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="a field set on top of every --config, as a sweep point sets it (policy.window=16)")
    ap.add_argument("--windows", type=int, default=16)
    ap.add_argument("--tokens", type=int, help="T: decode up to position T-1 (default: the model's max_seq - 1, "
                    "the last position it was trained at)")
    ap.add_argument("--prompt", type=int, help="P (default T/2)")
    ap.add_argument("--build", default=os.path.join(os.path.dirname(os.path.dirname(HERE)), "build"))
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--bound", action="store_true",
                    help="also compute loss_bound.py's first-order bound on the dense integer path's loss change per window")
    a = ap.parse_args()
    torch.set_num_threads(1)
    configs = a.config or PRESETS
    overrides = []
    for s in a.set:
        if "=" not in s:
            sys.exit(f"loop_eval.py: --set {s}: expected FIELD=VALUE")
        overrides.append(tuple(s.split("=", 1)))
    eng = import_engine(a.build)
    st = torch.load(a.model)
    shape = LlamaShape(**st["shape"])
    model = TinyLlama(shape)
    model.load_state_dict(st["model"])
    model.eval()
    tokens = a.tokens or shape.max_seq - 1
    prompt = tokens // 2 if a.prompt is None else a.prompt
    if not 1 <= prompt < tokens <= shape.max_seq - 1:
        sys.exit(f"loop_eval.py: need 1 <= prompt {prompt} < tokens {tokens} <= {shape.max_seq - 1}")
    if a.windows < 2:
        sys.exit("loop_eval.py: --windows must be at least 2 (a standard error needs two)")
    _, val, info = corpus.load_split()
    dec = StepDecoder(model)
    per = np.empty((len(configs), a.windows))
    fper = np.empty(a.windows)
    counters = [[] for _ in configs]
    saturated, values = np.zeros(len(configs), dtype=np.int64), 0
    offsets, worst, bounds = [], 0.0, []
    t0 = time.time()
    tty = sys.stderr.isatty()
    for w in range(a.windows):
        ids, off = window_ids(val, w, a.windows, tokens)
        offsets.append(int(off))
        losses, fl, wc, att = run_window(model, dec, eng, ids, configs, overrides, tokens, prompt)
        if wc > STEP_CHECK_TOL:
            sys.exit(f"loop_eval.py: window {w}: the step decoder's float path differs from the model's own pass by "
                     f"{wc:.3g} > {STEP_CHECK_TOL} in the logits")
        worst = max(worst, wc)
        if a.bound:
            bounds.append(window_bound(model, eng, ids, tokens, prompt, att.sc))
        per[:, w], fper[w] = losses.mean(axis=1), fl.mean()
        for i, s in enumerate(att.streams):
            counters[i].append(s.counters())
        saturated += att.saturated
        values += att.values // len(configs)
        if tty:
            print(f"\rwindow {w + 1}/{a.windows}  {time.time() - t0:.0f} s", end="", file=sys.stderr, flush=True)
    if tty:
        print(file=sys.stderr)
    fl, fse = mean_se(fper)
    res = {"tool": "scripts/workloads/loop_eval.py", "model": "golden",
           "checkpoint": {"path": os.path.abspath(a.model), "digest": st["digest"], "shape": st["shape"]},
           "text": {"source": f"{info['source']}, validation split", "sha256": info["sha256"], "offsets": offsets},
           "windows": a.windows, "tokens": tokens, "prompt": prompt, "overrides": [f"{p}={v}" for p, v in overrides],
           "calibration": "per (layer, head, tensor): max |x| over the prompt's rows -> DATA_MAX; decode values saturate",
           "step_check_max_logit_diff": worst,
           "float": {"loss": fl, "loss_se": fse, "perplexity": math.exp(fl)},
           "configs": [summarize(c, per[i], fper, counters[i], saturated[i], values) for i, c in enumerate(configs)],
           "per_window": {"float": fper.tolist(), **{c: per[i].tolist() for i, c in enumerate(configs)}},
           "seconds": time.time() - t0}
    if a.bound:
        res["dense_loss_bound"] = {
            "worst_case": [b[0] for b in bounds], "statistical": [b[1] for b in bounds],
            "what": "first-order bounds on |loss(dense integer) - loss(float)| per window (loss_bound.py): every error "
                    "at its worst at once, and 4 sigma for independent zero-mean errors (the stated bound)"}
    print(f"float: loss {fl:.4f} ± {fse:.4f} nats/byte, perplexity {math.exp(fl):.3f} "
          f"({a.windows} windows, decode {prompt}..{tokens - 1})")
    print(f"{'config':<14} {'DRAM %':>7} {'loss':>8} {'loss change ± SE':>20} {'ppl':>7} {'saturated':>10}")
    for r in res["configs"]:
        print(f"{r['config']:<14} {100 * r['dram_share']:7.1f} {r['loss']:8.4f} "
              f"{r['loss_delta']:+10.4f} ± {r['loss_delta_se']:.4f} {r['perplexity']:7.3f} "
              f"{r['saturated_values'] / max(1, r['quantized_values']):10.2e}")
    if a.bound:
        wc_b, st_b = [b[0] for b in bounds], [b[1] for b in bounds]
        print(f"bound on the dense integer path's loss change per window (loss_bound.py): statistical (4 sigma) "
              f"{min(st_b):.4f} .. {max(st_b):.4f}, worst case {min(wc_b):.3f} .. {max(wc_b):.3f} nats/byte")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
