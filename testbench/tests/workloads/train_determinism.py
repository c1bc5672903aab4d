"""The smoke recipe of scripts/workloads/train.py (a few steps, seconds): the same seed gives the
same weights bit for bit, here through a second run stopped after 3 steps and resumed; another
seed gives other weights; the reported losses agree with an independent recomputation.

    train_determinism.py WORKLOADS_DIR OPENBLAS_DIR
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

wl, blas_dir = sys.argv[1], sys.argv[2]
env = dict(os.environ, LD_LIBRARY_PATH=blas_dir)


def train(out, seed, *extra):
    subprocess.run([sys.executable, f"{wl}/train.py", "--out", out, "--recipe", "smoke", "--seed", str(seed),
                    "--require-blas", "openblas-serial", *extra], env=env, check=True, stdout=subprocess.DEVNULL)


with tempfile.TemporaryDirectory() as w:
    train(f"{w}/a", 7)
    train(f"{w}/c", 7, "--stop-after", "3")
    assert os.path.exists(f"{w}/c/partial.pt") and not os.path.exists(f"{w}/c/model.pt"), "stop-after left no partial"
    train(f"{w}/c", 7)
    train(f"{w}/d", 8)
    r = {k: json.load(open(f"{w}/{k}/train.json")) for k in "acd"}
    assert r["c"]["resumed_at_step"] == 3, r["c"]["resumed_at_step"]
    # run c (stopped after 3 steps, then resumed) trained the weights of the uninterrupted run a
    assert r["c"]["weights_sha256"] == r["a"]["weights_sha256"], "seed 7: the resumed run's weights differ from run a"
    assert r["c"]["val_loss_nats_per_byte"] == r["a"]["val_loss_nats_per_byte"]
    assert r["d"]["weights_sha256"] != r["a"]["weights_sha256"], "seed 8 trained the same weights as seed 7"
    assert any("openblas-serial" in p for p in r["a"]["blas"]), r["a"]["blas"]

    # The validation loss, recomputed here from the checkpoint, and the unigram baseline from the bytes.
    sys.path.insert(0, wl)
    import torch
    import corpus
    from llama import BOS, LlamaShape, TinyLlama
    torch.set_num_threads(1)
    st = torch.load(f"{w}/a/model.pt")
    model = TinyLlama(LlamaShape(**st["shape"]))
    model.load_state_dict(st["model"])
    model.eval()
    train_bytes, val, _ = corpus.load_split()
    seq, n = st["recipe"]["seq"], st["recipe"]["eval_windows"]
    nll = []
    with torch.no_grad():
        for i in range(n):
            ids = torch.tensor([BOS] + list(val[i * (seq - 1):(i + 1) * (seq - 1)]))
            logp = torch.log_softmax(model(ids[None, :-1])[0].double(), -1)
            nll.append(-logp[torch.arange(seq - 1), ids[1:]].mean().item())
    got = r["a"]["val_loss_nats_per_byte"]
    assert abs(np.mean(nll) - got) < 1e-4, (np.mean(nll), got)
    freq = np.bincount(train_bytes, minlength=256) + 1.0
    uni = -np.mean(np.log(freq / freq.sum())[val])
    assert abs(uni - r["a"]["unigram_nats_per_byte"]) < 1e-9, (uni, r["a"]["unigram_nats_per_byte"])
    # six steps already move the model off the uniform byte guess of an untrained one
    assert got < math.log(257) - 0.2, got
print("train determinism: ok", r["a"]["weights_sha256"][:12], f"val {got:.4f} nats/byte, unigram {uni:.4f}")
