#!/usr/bin/python3
"""Writes the seed corpus of every harness into fuzz/corpus/<harness>/ (committed; rerun only to
change the seeds). Small valid inputs of each kind plus a few near-misses, so that the fuzzer
starts from files that reach deep into each parser."""
import io
import json
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SEP = b"\n--sinkattn-fuzz-next-file--\n"  # fuzz_files.hpp's kSeparator


def npy_bytes(arr, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, arr)
    else:
        np.lib.format.write_array(buf, arr, version=version)
    return buf.getvalue()


def put(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    shutil.rmtree(os.path.join(HERE, "corpus"), ignore_errors=True)
    rng = np.random.default_rng(1)

    # .npy: each dtype, 0-d and empty arrays, header versions 2.0 and 3.0.
    put("npy", "f4_2x3", npy_bytes(rng.standard_normal((2, 3)).astype("<f4")))
    put("npy", "f2_4", npy_bytes(rng.standard_normal(4).astype("<f2")))
    put("npy", "i1_2x2x2", npy_bytes(np.arange(8, dtype="i1").reshape(2, 2, 2)))
    put("npy", "u1_3", npy_bytes(np.arange(3, dtype="u1")))
    put("npy", "i2_2", npy_bytes(np.array([1, -2], dtype="<i2")))
    put("npy", "i4_scalar", npy_bytes(np.array(7, dtype="<i4")))
    put("npy", "f8_empty", npy_bytes(np.zeros((0, 3), dtype="<f8")))
    put("npy", "v2_f4", npy_bytes(np.ones((1, 2), dtype="<f4"), version=(2, 0)))
    put("npy", "v3_f2", npy_bytes(np.ones(3, dtype="<f2"), version=(3, 0)))

    # Trace directories: q, k, v [, meta.json [, prompt_scores.npy]] joined by SEP.
    L, Hq, Hkv, T, D, P = 1, 2, 1, 4, 2, 2
    def tensors(dtype):
        q = rng.standard_normal((L, Hq, T, D)).astype(dtype)
        k = rng.standard_normal((L, Hkv, T, D)).astype(dtype)
        v = rng.standard_normal((L, Hkv, T, D)).astype(dtype)
        return q, k, v
    meta = json.dumps({"prompt_len": P, "description": "fuzz seed"}).encode()
    q, k, v = tensors("<f4")
    put("trace", "f4_no_meta", SEP.join(npy_bytes(x) for x in (q, k, v)))
    put("trace", "f4_meta", SEP.join([npy_bytes(q), npy_bytes(k), npy_bytes(v), meta]))
    # Other tools' keys are kept, not refused (docs/traces.md): the reader's path past the checks.
    meta_extra = json.dumps({"prompt_len": P, "model": "fuzz", "seed": 3, "exporter": {"tool": "x"}}).encode()
    put("trace", "f4_meta_unknown_keys", SEP.join([npy_bytes(q), npy_bytes(k), npy_bytes(v), meta_extra]))
    q, k, v = tensors("<f2")
    put("trace", "f2_meta", SEP.join([npy_bytes(q), npy_bytes(k), npy_bytes(v), meta]))
    qd = q[:, :, P:, :].copy()  # decode-only queries
    put("trace", "f2_decode_q", SEP.join([npy_bytes(qd), npy_bytes(k), npy_bytes(v), meta]))
    scores = rng.random((L, Hkv, P)).astype("<f4")
    put("trace", "f2_prompt_scores",
        SEP.join([npy_bytes(q), npy_bytes(k), npy_bytes(v), meta, npy_bytes(scores)]))
    qi = np.arange(L * Hq * T * D, dtype="i1").reshape(L, Hq, T, D)
    ki = np.ones((L, Hkv, T, D), dtype="i1")
    scales = {"q": [[0.5] * Hq] * L, "k": [[0.25] * Hkv] * L, "v": [[1.0] * Hkv] * L}
    meta_i8 = json.dumps({"prompt_len": P, "scales": scales}).encode()
    put("trace", "i1_scales", SEP.join([npy_bytes(qi), npy_bytes(ki), npy_bytes(ki), meta_i8]))

    # Configurations: every shipped preset, and a few overrides on a base.
    for name in sorted(os.listdir(os.path.join(ROOT, "configs", "presets"))):
        with open(os.path.join(ROOT, "configs", "presets", name), "rb") as f:
            put("config", name, f.read())
    put("config", "override.yaml",
        b"name: v\nbase: sinkattn\npolicy:\n  window: 16\n  heavy_hitters:\n"
        b"    budget: {schedule: list, per_layer: [8, 8, 4, 4]}\nhw:\n  max_tokens: 1024\n")
    put("config", "map.yaml",
        b"name: m\nbase: duo\npolicy:\n  head_policy:\n    pattern_file: \"\"\n    map: [RS, ST, TT, RR]\n")

    # Energy tables.
    for name in sorted(os.listdir(os.path.join(ROOT, "configs", "energy"))):
        with open(os.path.join(ROOT, "configs", "energy", name), "rb") as f:
            put("energy", name, f.read())

    # Sweep files: the shipped ones, every strategy and workload kind, and near-misses that stop
    # in each of the loader's checks. A relative trace "trace" is the harness's empty directory.
    for name in sorted(os.listdir(os.path.join(ROOT, "configs", "sweeps"))):
        with open(os.path.join(ROOT, "configs", "sweeps", name), "rb") as f:
            put("sweep", name, f.read())
    small = (b"workloads:\n  - name: w\n    gen: {layers: 2, q_heads: 2, kv_heads: 1, head_dim: 16, "
             b"tokens: 48, prompt: 32, seed: 3}\n")
    objectives = b"objectives:\n  - {metric: dram_bytes, goal: min}\n  - {metric: cosine_mean, goal: max}\n"
    put("sweep", "grid.yaml",
        b"name: g\nbase: sinkattn\naxes:\n  hw.qk_lanes: {pow2: [2, 16]}\n  policy.window: {range: [8, 20, 4]}\n"
        b"  policy.sinks: [0, 4]\n" + small + objectives)
    put("sweep", "random_constraints.yaml",
        b"base: h2o\naxes:\n  base: [sinkattn, duo, ../nosuch/x.yaml]\n  policy.window: {range: [0, 64]}\n"
        b"constraints: [\"policy.window * 2 >= hw.qk_lanes && policy.sinks < 8\"]\n" + small + objectives +
        b"strategy: {kind: random, count: 5}\nseed: 11\njobs: 1\ntimeout: 0.5\nenergy: horowitz45\n")
    put("sweep", "trace_systemc.yaml",
        b"name: t\nbase: streamingllm\naxes:\n  hw.dram.bytes_per_cycle: [16, 32]\n"
        b"workloads:\n  - {name: a.b-c_d, trace: trace}\n"
        b"objectives:\n  - {metric: cycles, goal: min}\n  - {metric: energy_pj, goal: min}\n"
        b"strategy: {kind: nsga2, population: 8, generations: 1}\nfidelity: systemc\nverify: 1\n")
    put("sweep", "overrides_nested.yaml",
        b"base: sinkattn\naxes:\n  policy.heavy_hitters.budget.per_layer: [[8, 8], [4, 4, 4]]\n"
        b"  policy.head_policy.map: [[RS, ST], null]\n" + small + b"objectives: [{metric: mass_recall, goal: max}]\n")
    put("sweep", "bad_axis.yaml",
        b"base: sinkattn\naxes:\n  hw.qk_lanes: {pow2: [3, 16], range: [1, 2]}\n" + small + objectives)
    put("sweep", "bad_constraint.yaml",
        b"base: sinkattn\naxes: {policy.sinks: [1]}\nconstraints: [\"policy.sinks +\", \"sin(hw.nosuch)\"]\n" +
        small + objectives)
    put("sweep", "bad_workload.yaml",
        b"base: sinkattn\naxes: {policy.sinks: [1]}\nworkloads:\n  - {name: w, gen: {tokens: 8, prompt: 64}}\n"
        b"  - {name: w, trace: nosuch}\n" + objectives)


if __name__ == "__main__":
    sys.exit(main())
