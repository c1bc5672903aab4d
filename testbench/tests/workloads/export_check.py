"""scripts/workloads/export_trace.py on a smoke-trained model: the trace's layout and meta.json
are as docs/traces.md says, its self-check passes and fails when it should, the attention report
agrees with its own uniform shares, and `sinkattn golden` runs every preset on the trace.

    export_check.py SINKATTN WORKLOADS_DIR OPENBLAS_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sinkattn, wl, blas_dir = sys.argv[1:4]
env = dict(os.environ, LD_LIBRARY_PATH=blas_dir)
py = sys.executable
T, P = 96, 40
with tempfile.TemporaryDirectory() as w:
    subprocess.run([py, f"{wl}/train.py", "--out", f"{w}/m", "--recipe", "smoke", "--seed", "3"], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    for dtype in ("float32", "float16"):
        out = f"{w}/trace_{dtype}"
        subprocess.run([py, f"{wl}/export_trace.py", f"{w}/m/model.pt", "--out", out, "--tokens", str(T),
                        "--prompt", str(P), "--val-offset", "1000", "--dtype", dtype], env=env, check=True)
        q, k, v = (np.load(f"{out}/{n}.npy") for n in "qkv")
        assert q.dtype == k.dtype == v.dtype == np.dtype(dtype), q.dtype
        assert q.shape == (4, 4, T, 32) and k.shape == v.shape == (4, 2, T, 32), (q.shape, k.shape)
        meta = json.load(open(f"{out}/meta.json"))
        assert set(meta) == {"prompt_len", "description", "generator"}, sorted(meta)
        assert meta["prompt_len"] == P
        g = meta["generator"]
        assert g["self_check"]["passed"] and g["self_check"]["max_abs_err"] <= g["self_check"]["bound"], g["self_check"]
        assert g["text"]["offset"] == 1000 and g["text"]["bytes"] == T - 1 and g["model"]["digest"]

    # The self-check fails on a trace that is not the model's attention: swap the two KV heads.
    sys.path.insert(0, wl)
    import torch
    import export_trace
    from attention_report import attention_shares, load_model
    torch.set_num_threads(1)
    model, st = load_model(f"{w}/m/model.pt")
    out = f"{w}/trace_float32"
    import corpus
    _, val, _ = corpus.load_split()
    ids = np.concatenate([[256], val[1000:1000 + T - 1]]).astype(np.int64)
    model_out = [d["out"] for d in export_trace.capture_attention(model, ids)]
    assert export_trace.self_check(out, model_out, "float32")["passed"], "self-check of the written trace"
    k = np.load(f"{out}/k.npy")
    np.save(f"{out}/k.npy", k[:, ::-1].copy())
    bad = export_trace.self_check(out, model_out, "float32")
    assert not bad["passed"], f"self-check passed a trace with its KV heads swapped: {bad}"
    np.save(f"{out}/k.npy", k)

    # The attention report: shares in [0, 1], first4 >= first1, and the uniform share of BOS is
    # the mean of 1/(t+1) over the queries it averages (t = seq/2 .. seq-1).
    seq = st["recipe"]["seq"]
    share, uni = attention_shares(model, val, seq, 2)
    assert all(((s >= -1e-6) & (s <= 1 + 1e-6)).all() for s in share.values())
    assert (share["first4"] >= share["first1"] - 1e-6).all()
    t = np.arange(seq // 2, seq)
    assert abs(uni["first1"] - np.mean(1.0 / (t + 1))) < 1e-12, uni["first1"]
    assert abs(uni["local8"] - np.mean(8.0 / (t + 1))) < 1e-12, uni["local8"]

    # sinkattn golden reads the trace and runs every preset on it; dense integer attention is the
    # float reference's up to the integer numerics.
    for dtype in ("float32", "float16"):
        res = {}
        # duo as its documented hash fallback: this model is not the duo preset's pattern's shape.
        duo_hash = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "configs", "duo", "duo_hash.yaml")
        for preset in ("dense", "streamingllm", "h2o", "spatten", duo_hash, "sinkattn"):
            j = f"{w}/{dtype}_{os.path.basename(preset)}.json"
            subprocess.run([sinkattn, "golden", "--config", preset, "--trace", f"{w}/trace_{dtype}", "--json", j,
                            "--quiet"], check=True)
            res[preset] = json.load(open(j))
        assert res["dense"]["fidelity"]["cosine_mean"] > 0.999, res["dense"]["fidelity"]
        assert res["dense"]["dram_bytes"] == res["dense"]["dense_dram_bytes"]
        assert res["streamingllm"]["dram_bytes"] < res["dense"]["dram_bytes"]
print("export check: ok")
