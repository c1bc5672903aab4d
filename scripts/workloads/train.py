#!/usr/bin/python3
"""Trains the byte-level TinyLlama (llama.py) on the fortunes text (corpus.py).

    train.py --out DIR [--recipe full|smoke] [--steps N] [--seed N] ...

Deterministic for a seed: one thread, the initial weights from torch's seeded generator, and
the batch of step s drawn from numpy's generator seeded with (seed, s), so that an interrupted
run resumes (DIR/partial.pt, written every --save-every steps) to the very same weights.
Writes DIR/model.pt (weights, shape, recipe) and DIR/train.json (validation loss against the
unigram baseline, wall time, the BLAS library the process loaded). Progress on a terminal only.
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
from llama import BOS, LlamaShape, TinyLlama  # noqa: E402

RECIPES = {
    # one core of the project's shared machines with OpenBLAS: minutes (docs/workloads.md)
    "full": {"steps": 400, "batch": 8, "seq": 256, "lr": 3e-3, "min_lr": 3e-4, "warmup": 60,
             "weight_decay": 0.1, "grad_clip": 1.0, "eval_windows": 64},
    # seconds: the CI's determinism check and the exporter's tests
    "smoke": {"steps": 6, "batch": 2, "seq": 128, "lr": 3e-3, "min_lr": 3e-4, "warmup": 2,
              "weight_decay": 0.1, "grad_clip": 1.0, "eval_windows": 4},
}
SOURCES = ["llama.py", "corpus.py", "train.py"]


def loaded_blas():
    """The BLAS shared objects this process has mapped (what torch really calls)."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "blas" in os.path.basename(path) and path.startswith("/"):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def recipe_digest(recipe, shape, corpus_sha):
    """Content key of a checkpoint: the scripts' bytes, the recipe, the shape and the corpus."""
    h = hashlib.sha256()
    here = os.path.dirname(os.path.abspath(__file__))
    for name in SOURCES:
        h.update(name.encode() + b"\0" + open(os.path.join(here, name), "rb").read() + b"\0")
    h.update(json.dumps({"recipe": recipe, "shape": shape.to_dict(), "corpus": corpus_sha}, sort_keys=True).encode())
    return h.hexdigest()[:16]


def batch(data, rng, n, seq):
    """n windows of seq-1 bytes at random offsets, each after a BOS: inputs and targets [n, seq-1]."""
    starts = rng.integers(0, len(data) - seq, size=n)
    win = np.stack([data[s:s + seq - 1] for s in starts]).astype(np.int64)
    ids = torch.from_numpy(np.concatenate([np.full((n, 1), BOS), win], axis=1))
    return ids[:, :-1], ids[:, 1:]


def lr_at(step, r):
    if step < r["warmup"]:
        return r["lr"] * (step + 1) / r["warmup"]
    frac = (step - r["warmup"]) / max(1, r["steps"] - r["warmup"])
    return r["min_lr"] + 0.5 * (r["lr"] - r["min_lr"]) * (1 + math.cos(math.pi * frac))


@torch.no_grad()
def evaluate(model, val, seq, windows):
    """Mean next-byte loss (nats/byte) over `windows` consecutive val windows, and its standard error."""
    model.eval()
    per = []
    step = seq - 1
    for w in range(min(windows, (len(val) - 1) // step)):
        chunk = torch.from_numpy(val[w * step:(w + 1) * step].astype(np.int64))
        ids = torch.cat([torch.tensor([BOS]), chunk]).unsqueeze(0)
        logits = model(ids[:, :-1])
        per.append(torch.nn.functional.cross_entropy(logits[0], ids[0, 1:]).item())
    model.train()
    per = np.array(per)
    return float(per.mean()), float(per.std(ddof=1) / math.sqrt(len(per))) if len(per) > 1 else 0.0


def make_optimizer(model, r):
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    other = [p for n, p in model.named_parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": r["weight_decay"]},
                              {"params": other, "weight_decay": 0.0}], lr=r["lr"], betas=(0.9, 0.95))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", help="checkpoint directory")
    where.add_argument("--cache-root", help="train into ROOT/<recipe>-s<seed>-<digest>, unless model.pt is there")
    ap.add_argument("--print-dir", action="store_true", help="with --cache-root: print the directory and stop")
    ap.add_argument("--recipe", choices=sorted(RECIPES), default="full")
    ap.add_argument("--steps", type=int, help="override the recipe's step count")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--save-every", type=int, default=100)
    ap.add_argument("--stop-after", type=int, help="save DIR/partial.pt after this step and exit (resume later)")
    ap.add_argument("--require-blas", default="", help="fail unless a loaded BLAS path contains this")
    a = ap.parse_args()

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    blas = loaded_blas()
    if a.require_blas and not any(a.require_blas in p for p in blas):
        sys.exit(f"train.py: wanted a BLAS from '{a.require_blas}', the process loaded {blas or 'none'} "
                 "(LD_LIBRARY_PATH is set by scripts/workload.sh)")
    r = dict(RECIPES[a.recipe], seed=a.seed, recipe=a.recipe)
    if a.steps is not None:
        r["steps"] = a.steps
    shape = LlamaShape(max_seq=r["seq"])
    train, val, info = corpus.load_split()
    digest = recipe_digest(r, shape, info["sha256"])
    if a.cache_root:
        a.out = os.path.join(a.cache_root, f"{a.recipe}-s{a.seed}-{digest}")
        if a.print_dir:
            print(a.out)
            return
        if os.path.exists(os.path.join(a.out, "model.pt")):
            print(f"train.py: cached: {a.out}", file=sys.stderr)
            return
    os.makedirs(a.out, exist_ok=True)

    torch.manual_seed(a.seed)
    model = TinyLlama(shape)
    opt = make_optimizer(model, r)
    start = 0
    partial = os.path.join(a.out, "partial.pt")
    if os.path.exists(partial):
        st = torch.load(partial)
        if st["digest"] == digest:
            model.load_state_dict(st["model"])
            opt.load_state_dict(st["opt"])
            start = st["step"]
            print(f"train.py: resuming at step {start} from {partial}", file=sys.stderr)

    tty = sys.stderr.isatty()
    t0 = time.time()
    loss_ema = None
    for step in range(start, r["steps"]):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, r)
        x, y = batch(train, np.random.default_rng([a.seed, step]), r["batch"], r["seq"])
        loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, 257), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), r["grad_clip"])
        opt.step()
        loss_ema = loss.item() if loss_ema is None else 0.95 * loss_ema + 0.05 * loss.item()
        done = step + 1
        if tty:
            el = time.time() - t0
            eta = el / (done - start) * (r["steps"] - done)
            print(f"\rstep {done}/{r['steps']} loss {loss_ema:.3f} nats/byte, {el:.0f} s, eta {eta:.0f} s",
                  end="", file=sys.stderr, flush=True)
        stop = a.stop_after is not None and done >= a.stop_after
        if (done % a.save_every == 0 or stop) and done < r["steps"]:
            torch.save({"digest": digest, "step": done, "model": model.state_dict(), "opt": opt.state_dict()},
                       partial + ".tmp")
            os.replace(partial + ".tmp", partial)
            if stop:
                if tty:
                    print(file=sys.stderr)
                print(f"train.py: stopped after step {done}; {partial} resumes it", file=sys.stderr)
                return
    if tty:
        print(file=sys.stderr)
    train_s = time.time() - t0
    val_loss, val_se = evaluate(model, val, r["seq"], r["eval_windows"])
    uni = corpus.unigram_nats(train, val)
    torch.save({"digest": digest, "shape": shape.to_dict(), "recipe": r, "model": model.state_dict()},
               os.path.join(a.out, "model.pt"))
    report = {"digest": digest, "recipe": r, "shape": shape.to_dict(), "corpus": info,
              "val_loss_nats_per_byte": val_loss, "val_loss_stderr": val_se,
              "unigram_nats_per_byte": uni, "train_loss_ema": loss_ema,
              "train_seconds": train_s, "resumed_at_step": start, "blas": blas,
              "torch": torch.__version__, "threads": torch.get_num_threads(),
              "weights_sha256": hashlib.sha256(b"".join(
                  t.detach().numpy().tobytes() for t in model.state_dict().values())).hexdigest()}
    with open(os.path.join(a.out, "train.json"), "w") as f:
        json.dump(report, f, indent=2)
    if os.path.exists(partial):
        os.remove(partial)
    print(f"val loss {val_loss:.4f} ± {val_se:.4f} nats/byte (unigram {uni:.4f}), "
          f"{r['steps']} steps in {train_s:.0f} s, BLAS {', '.join(blas) or 'none'}")


if __name__ == "__main__":
    main()
