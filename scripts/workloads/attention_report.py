#!/usr/bin/python3
"""Where the trained model's attention goes, per layer and head, against the uniform share.

    attention_report.py MODEL.pt [--windows N] [--json FILE]

For validation windows of the training length (BOS at position 0), over the queries of the
second half of each window (the decode steps of a trace with prompt_len = T/2), the mean share
of each row's attention that falls on:
  first1  - the BOS token (position 0);  first4 - positions 0..3 (the sinks S = 4 pins);
  newline - "\\n" bytes;  space - " " bytes;  punct - one of . , ; : ! ? bytes;
  local8  - the last 8 tokens (the query's own and the 7 before it).
Each share sits next to the uniform share (what a row spreading evenly over its causal
context would give the same tokens), and a head counts as a sink head of a kind when its share
is at least 0.3 and 5 times the uniform share: a plain, stated threshold, not a claim from the
literature.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
from llama import BOS, LlamaShape, TinyLlama  # noqa: E402

CLASSES = ["first1", "first4", "newline", "space", "punct", "local8"]
SINK_SHARE, SINK_RATIO = 0.3, 5.0


def load_model(path):
    st = torch.load(path)
    model = TinyLlama(LlamaShape(**st["shape"]))
    model.load_state_dict(st["model"])
    model.eval()
    return model, st


def token_masks(ids):
    """[classes, T] booleans of which key positions belong to each class (local8 is per row)."""
    t = len(ids)
    pos = np.arange(t)
    b = np.asarray(ids)
    return {"first1": pos == 0, "first4": pos < 4, "newline": b == 10, "space": b == 32,
            "punct": np.isin(b, [46, 44, 59, 58, 33, 63])}


@torch.no_grad()
def attention_shares(model, val, seq, windows):
    shape = model.shape
    acc = {c: np.zeros((shape.layers, shape.q_heads)) for c in CLASSES}
    uni = {c: 0.0 for c in CLASSES}
    rows = 0
    for w in range(windows):
        chunk = val[w * (seq - 1):(w + 1) * (seq - 1)].astype(np.int64)
        ids = np.concatenate([[BOS], chunk])
        cap = []
        model(torch.from_numpy(ids).unsqueeze(0), capture=cap)
        masks = token_masks(ids)
        qs = np.arange(seq // 2, seq)
        ctx = qs + 1  # causal context sizes
        for c in CLASSES:
            if c == "local8":
                m = (np.arange(seq)[None, :] > qs[:, None] - 8) & (np.arange(seq)[None, :] <= qs[:, None])
            else:
                m = np.broadcast_to(masks[c][None, :], (len(qs), seq)) & (np.arange(seq)[None, :] <= qs[:, None])
            uni[c] += float((m.sum(1) / ctx).sum())
            for layer, d in enumerate(cap):
                p = d["probs"][0][:, qs, :].numpy()  # [Hq, rows, T]
                acc[c][layer] += (p * m[None]).sum(axis=(1, 2))
        rows += len(qs)
    return {c: acc[c] / rows for c in CLASSES}, {c: uni[c] / rows for c in CLASSES}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--windows", type=int, default=16)
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.set_num_threads(1)
    model, st = load_model(a.model)
    _, val, _ = corpus.load_split()
    seq = st["recipe"]["seq"]
    share, uni = attention_shares(model, val, seq, a.windows)
    L, H = model.shape.layers, model.shape.q_heads
    print(f"attention share per layer/head (queries {seq // 2}..{seq - 1} of {a.windows} val windows of "
          f"{seq} tokens); uniform share in brackets")
    print("layer head " + " ".join(f"{c:>16}" for c in CLASSES))
    sinks = {c: [] for c in CLASSES if c != "local8"}
    for layer in range(L):
        for h in range(H):
            cells = []
            for c in CLASSES:
                s = share[c][layer, h]
                cells.append(f"{s:7.3f} [{uni[c]:5.3f}]")
                if c in sinks and s >= SINK_SHARE and s >= SINK_RATIO * uni[c]:
                    sinks[c].append([layer, h])
            print(f"{layer:5d} {h:4d} " + " ".join(f"{x:>16}" for x in cells))
    for c, heads in sinks.items():
        print(f"{c} sink heads (share >= {SINK_SHARE} and >= {SINK_RATIO}x uniform): "
              f"{', '.join(f'L{l}H{h}' for l, h in heads) if heads else 'none'}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"model": os.path.abspath(a.model), "digest": st["digest"], "windows": a.windows,
                       "seq": seq, "queries": [seq // 2, seq - 1],
                       "share": {c: share[c].tolist() for c in CLASSES}, "uniform": uni,
                       "sink_rule": {"min_share": SINK_SHARE, "min_ratio_to_uniform": SINK_RATIO},
                       "sink_heads": sinks}, f, indent=2)


if __name__ == "__main__":
    main()
