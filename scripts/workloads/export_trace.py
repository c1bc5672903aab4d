#!/usr/bin/python3
"""Exports a Llama-style PyTorch model's attention on a text as a sinkattn trace (docs/traces.md).

    export_trace.py MODEL.pt --out DIR [--text FILE | --val-offset N] [--tokens T] [--prompt P]
                    [--dtype float32|float16]

Runs the model once over BOS + the text's first T-1 bytes and writes, per layer, q [Hq,T,D] and
k, v [Hkv,T,D] after RoPE (the vectors the attention really multiplies), stacked to
q.npy [L,Hq,T,D], k.npy and v.npy [L,Hkv,T,D], plus meta.json (prompt_len, a description, and
under "generator" the model, its checkpoint digest, the text's source, offset and sha256).

Self-check, on the files as written and read back: full causal attention recomputed in float64
with NumPy from q.npy, k.npy and v.npy (query head h reads KV head h // (Hq/Hkv), scale
1/sqrt(D)) must equal the attention output the model itself computed, within
max |diff| <= TOL * max(1, max |out|): TOL 1e-5 for float32 files, 1e-2 for float16 (its
rounding of q and k moves the scores). A failure exits 1 naming the layer and head.
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
from llama import BOS, LlamaShape, TinyLlama  # noqa: E402

TOL = {"float32": 1e-5, "float16": 1e-2}


def capture_attention(model, ids):
    """Per layer: q [Hq,T,D], k, v [Hkv,T,D] after RoPE, out [Hq,T,D], as float32 numpy."""
    cap = []
    with torch.no_grad():
        model(torch.as_tensor(ids).unsqueeze(0), capture=cap)
    return [{n: d[n][0].float().numpy() for n in ("q", "k", "v", "out")} for d in cap]


def reference_attention(q, k, v):
    """Causal softmax(q k^T / sqrt(D)) v in float64; q [Hq,T,D], k and v [Hkv,T,D]."""
    hq, t, d = q.shape
    group = hq // k.shape[0]
    out = np.empty((hq, t, d))
    mask = np.triu(np.ones((t, t), dtype=bool), 1)
    for h in range(hq):
        kk, vv = k[h // group].astype(np.float64), v[h // group].astype(np.float64)
        s = q[h].astype(np.float64) @ kk.T / np.sqrt(d)
        s[mask] = -np.inf
        s -= s.max(axis=1, keepdims=True)
        p = np.exp(s)
        out[h] = (p / p.sum(axis=1, keepdims=True)) @ vv
    return out


def self_check(out_dir, model_out, dtype):
    """Worst error of the recomputed attention against the model's, over every layer and head."""
    q, k, v = (np.load(os.path.join(out_dir, f"{n}.npy")) for n in ("q", "k", "v"))
    worst = {"max_abs_err": 0.0, "layer": -1, "head": -1}
    bound = TOL[dtype] * max(1.0, max(float(np.abs(o).max()) for o in model_out))
    for layer, mo in enumerate(model_out):
        err = np.abs(reference_attention(q[layer], k[layer], v[layer]) - mo).max(axis=(1, 2))
        h = int(err.argmax())
        if err[h] > worst["max_abs_err"]:
            worst = {"max_abs_err": float(err[h]), "layer": layer, "head": h}
    worst.update(bound=bound, tolerance=TOL[dtype], passed=worst["max_abs_err"] <= bound)
    return worst


def export(model, ids, out_dir, prompt_len, dtype, generator):
    """Writes the trace of `model` on token ids `ids` to out_dir; returns the self-check record."""
    return write_trace(capture_attention(model, ids), out_dir, prompt_len, dtype, generator)


def write_trace(layers, out_dir, prompt_len, dtype, generator):
    """Any model's capture: layers[l] = {q [Hq,T,D], k, v [Hkv,T,D] after RoPE, out [Hq,T,D]} as numpy.

    Writes the trace, runs the self-check on the files and returns its record; generator must
    name generator["model"]["name"] and generator["text"]["source"] (meta.json's description).
    """
    os.makedirs(out_dir, exist_ok=True)
    np_dtype = np.float32 if dtype == "float32" else np.float16
    for n in ("q", "k", "v"):
        np.save(os.path.join(out_dir, f"{n}.npy"), np.stack([d[n] for d in layers]).astype(np_dtype))
    check = self_check(out_dir, [d["out"] for d in layers], dtype)
    meta = {"prompt_len": prompt_len,
            "description": f"{generator['model']['name']} on {generator['text']['source']}, "
                           f"{layers[0]['q'].shape[1]} tokens, q/k/v after RoPE",
            "generator": dict(generator, self_check=check)}
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
    return check


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="model.pt written by train.py")
    ap.add_argument("--out", required=True)
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--text", help="a text file (its bytes are the tokens after BOS)")
    src.add_argument("--val-offset", type=int, default=0, help="byte offset into the validation text (default)")
    ap.add_argument("--tokens", type=int, help="T, BOS included (default: the model's training length)")
    ap.add_argument("--prompt", type=int, help="prompt_len P (default T/2)")
    ap.add_argument("--dtype", choices=sorted(TOL), default="float32")
    a = ap.parse_args()
    torch.set_num_threads(1)

    st = torch.load(a.model)
    shape = LlamaShape(**st["shape"])
    if a.tokens is None:
        a.tokens = shape.max_seq
    if not 2 <= a.tokens <= shape.max_seq:
        sys.exit(f"export_trace.py: --tokens {a.tokens} is outside [2, {shape.max_seq}] (the model's max_seq)")
    model = TinyLlama(shape)
    model.load_state_dict(st["model"])
    model.eval()
    if a.text:
        data, source, offset = open(a.text, "rb").read(), os.path.abspath(a.text), 0
    else:
        _, val, info = corpus.load_split()
        data, source, offset = val.tobytes(), f"{info['source']}, validation split", a.val_offset
    text = data[offset:offset + a.tokens - 1]
    if len(text) < a.tokens - 1:
        sys.exit(f"export_trace.py: {source}: {len(text)} bytes from offset {offset}, need {a.tokens - 1}")
    prompt = a.tokens // 2 if a.prompt is None else a.prompt
    if not 0 <= prompt < a.tokens:
        sys.exit(f"export_trace.py: --prompt {prompt} is outside [0, {a.tokens - 1}]")
    generator = {"tool": "scripts/workloads/export_trace.py",
                 "model": {"name": "TinyLlama (scripts/workloads/llama.py)", "checkpoint": os.path.abspath(a.model),
                           "digest": st["digest"], "shape": st["shape"], "recipe": st["recipe"]},
                 "text": {"source": source, "offset": offset, "bytes": len(text),
                          "sha256": hashlib.sha256(text).hexdigest(), "bos": True},
                 "dtype": a.dtype}
    ids = np.concatenate([[BOS], np.frombuffer(text, dtype=np.uint8)]).astype(np.int64)
    check = export(model, ids, a.out, prompt, a.dtype, generator)
    verdict = "ok" if check["passed"] else "FAILED"
    print(f"export_trace.py: {a.out}: T={a.tokens} P={prompt} {a.dtype}; self-check {verdict}: recomputed attention "
          f"max |diff| {check['max_abs_err']:.3g} (layer {check['layer']}, head {check['head']}) "
          f"{'<=' if check['passed'] else '>'} bound {check['bound']:.3g}")
    sys.exit(0 if check["passed"] else 1)


if __name__ == "__main__":
    main()
