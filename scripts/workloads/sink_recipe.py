#!/usr/bin/python3
"""Does a training recipe that fits these machines make first-token attention sinks form?

    sink_recipe.py [--recipe NAME] [--cache-root DIR] [--seed N]

Trains train.py's model with one of the experimental recipes below (train.py itself, with the
recipe added to its table, so the run is deterministic, resumable and cached like the default
one, under DIR/<recipe>-s<seed>-<digest>), then runs attention_report.py on it and prints where
the attention goes and which heads are sink heads by the report's rule. Label `slow`
(workload_sink_recipe): tens of minutes of one core. docs/workloads.md, "Sink recipes", says what
was tried and what formed.

The recipes change what the attention-sink literature names as what makes sinks emerge: more
training, a larger learning rate and stronger weight decay (Gu et al., "When Attention Sink
Emerges in Language Models: An Empirical View", ICLR 2025); BOS at position 0 of every sequence
is already the default.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train  # noqa: E402

RECIPES = {
    # twice the default's steps, twice its learning rate, five times its weight decay
    "sink-lr-wd": dict(train.RECIPES["full"], steps=800, lr=6e-3, min_lr=6e-4, weight_decay=0.5),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recipe", choices=sorted(RECIPES), default="sink-lr-wd")
    ap.add_argument("--cache-root", default=os.path.join(os.path.dirname(os.path.dirname(HERE)), "build", "workloads"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="write the attention report here too")
    ap.add_argument("--check", action="store_true", help="exit 1 unless the model learned (validation loss below unigram)")
    a = ap.parse_args()
    train.RECIPES.update(RECIPES)
    common = ["--cache-root", a.cache_root, "--recipe", a.recipe, "--seed", str(a.seed)]
    sys.argv = ["train.py"] + common + ["--print-dir"]
    import io
    import contextlib
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        train.main()
    out = buf.getvalue().strip()
    sys.argv = ["train.py"] + common
    train.main()
    report = a.json or os.path.join(out, "attention.json")
    subprocess.run([sys.executable, os.path.join(HERE, "attention_report.py"), os.path.join(out, "model.pt"),
                    "--windows", "16", "--json", report], check=True)
    r = json.load(open(report))
    t = json.load(open(os.path.join(out, "train.json")))
    print(f"{a.recipe}: val loss {t['val_loss_nats_per_byte']:.4f} nats/byte; sink heads by the report's rule: "
          + ", ".join(f"{k} {v or 'none'}" for k, v in r["sink_heads"].items()))
    if a.check and not t["val_loss_nats_per_byte"] < t["unigram_nats_per_byte"]:
        sys.exit(f"sink_recipe.py: {a.recipe} did not learn: val loss {t['val_loss_nats_per_byte']:.4f} >= unigram "
                 f"{t['unigram_nats_per_byte']:.4f}")


if __name__ == "__main__":
    main()
