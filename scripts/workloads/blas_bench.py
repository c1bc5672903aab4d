#!/usr/bin/python3
"""Seconds per training step of the full recipe's shape (batch 8 x 256 tokens) with the BLAS this
process loaded: scripts/bench.sh workload runs it once per BLAS and prints the ratio.

    blas_bench.py [STEPS]   -> one JSON line {"blas": [...], "seconds_per_step": S}
"""
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
from llama import LlamaShape, TinyLlama  # noqa: E402
from train import RECIPES, batch, loaded_blas, make_optimizer  # noqa: E402

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
torch.set_num_threads(1)
r = RECIPES["full"]
torch.manual_seed(0)
model = TinyLlama(LlamaShape(max_seq=r["seq"]))
opt = make_optimizer(model, r)
train, _, _ = corpus.load_split()
times = []
for s in range(steps + 1):  # the first step warms up and is not counted
    x, y = batch(train, np.random.default_rng([0, s]), r["batch"], r["seq"])
    t0 = time.perf_counter()
    loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, 257), y.reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    times.append(time.perf_counter() - t0)
print(json.dumps({"blas": loaded_blas(), "seconds_per_step": float(np.median(times[1:])), "steps": steps}))
