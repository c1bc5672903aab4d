#!/usr/bin/env bash
# gen-trace -> golden --json --csv --dump for every preset; the results are read back with NumPy
# and checked against the documented layout and against each other.
set -euo pipefail
bin="$1"
py="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin" gen-trace --out "$work/trace" --layers 3 --q-heads 4 --kv-heads 2 --head-dim 32 --tokens 160 --prompt 80 --quiet
# Another tool's metadata in meta.json: kept, listed in the results and the summary, not refused.
"$py" - "$work/trace/meta.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["model"] = "llama-3-8b"
m["exporter"] = {"tool": "x", "seed": 7}
m["tool, version"] = "a \"b\", c"  # CSV quoting of header and cell
json.dump(m, open(sys.argv[1], "w"))
PY
"$bin" golden --config dense --trace "$work/trace" >"$work/summary.txt"
grep -q "trace meta.json keys kept, not used: exporter model tool, version" "$work/summary.txt" ||
  { echo "the summary does not list the unknown meta.json keys" >&2; cat "$work/summary.txt" >&2; exit 1; }
# duo as its documented hash fallback (configs/duo/duo_hash.yaml): the trace is not the shape of
# the head pattern the duo preset names (checked below).
config_of() { if [ "$1" = duo_hash ]; then echo "$root/configs/duo/duo_hash.yaml"; else echo "$1"; fi; }
for preset in dense streamingllm h2o spatten duo_hash sinkattn; do
  "$bin" golden --config "$(config_of "$preset")" --trace "$work/trace" --json "$work/$preset.json" --csv "$work/$preset.csv" \
    --dump "$work/dump_$preset" --quiet
  "$bin" area --config "$(config_of "$preset")" --json "$work/area_$preset.json" --memories >"$work/area_$preset.txt"
done

# The duo preset names DuoAttention's Llama-3.1-8B head pattern (32 layers x 8 KV heads): on this
# 3 x 2 trace it is refused with exit 2, naming the preset file, the field and the way out.
set +e
"$bin" golden --config duo --trace "$work/trace" --quiet 2>"$work/duo_err.txt"
rc=$?
set -e
[ "$rc" = 2 ] || { echo "duo on a 3 x 2 trace: exit $rc, expected 2" >&2; cat "$work/duo_err.txt" >&2; exit 1; }
for want in "configs/presets/duo.yaml" "policy.head_policy.pattern_file" "Meta-Llama-3.1-8B-Instruct.full_attention_heads.tsv" \
    "32 layers x 8 KV heads" "has 3 layers x 2 KV heads" "configs/duo/duo_hash.yaml"; do
  grep -qF "$want" "$work/duo_err.txt" || { echo "duo's shape error does not say '$want':" >&2; cat "$work/duo_err.txt" >&2; exit 1; }
done
# On a trace of that shape (tiny head_dim and length), run from another working directory, each
# (layer, KV head) keeps what the thresholded gate gives it (checked with NumPy below).
"$bin" gen-trace --out "$work/llama" --layers 32 --q-heads 8 --kv-heads 8 --head-dim 16 --tokens 160 --prompt 40 --quiet
(cd / && "$bin" golden --config duo --trace "$work/llama" --json "$work/duo_llama.json" --dump "$work/dump_duo_llama" --quiet)
# The area table names every block, the total and the model's provenance.
for want in "qk_lanes" "importance" "total" "on-chip memory bits" "nangate45 at 45 nm" "calibrated against Yosys"; do
  grep -q "$want" "$work/area_sinkattn.txt" || { echo "sinkattn area: no '$want' in its table" >&2; exit 1; }
done
# The same run twice gives the same digest (determinism through the CLI).
"$bin" golden --config sinkattn --trace "$work/trace" --json "$work/again.json" --quiet

"$py" - "$work" "$root/configs/duo/Meta-Llama-3.1-8B-Instruct.full_attention_heads.tsv" <<'PY'
import csv, hashlib, json, sys
import numpy as np
w = sys.argv[1]
presets = ["dense", "streamingllm", "h2o", "spatten", "duo_hash", "sinkattn"]
need = ["outputs_sha256", "dram_bytes", "dense_dram_bytes", "sram_sink_hits", "lsb_refetches",
        "kept_tokens_per_layer", "fidelity", "wall_seconds", "energy_pj", "energy_pj_by_block",
        "area_um2", "area_um2_by_block", "area_memory_bits", "area_model"]
res = {}
for p in presets:
    j = json.load(open(f"{w}/{p}.json"))
    res[p] = j
    assert j["trace"]["dir"] == f"{w}/trace", (p, j["trace"])
    assert j["trace"]["unknown_meta"] == {"model": "llama-3-8b", "exporter": {"tool": "x", "seed": 7},
                                          "tool, version": 'a "b", c'}, (p, j["trace"])
    for k in need:
        assert k in j, (p, k)
    for k in ["cosine_mean", "cosine_min", "max_rel_err", "mass_recall_mean"]:
        assert k in j["fidelity"], (p, k)
    out = np.load(f"{w}/dump_{p}/out_int.npy")
    ref = np.load(f"{w}/dump_{p}/out_float.npy")
    keep = np.load(f"{w}/dump_{p}/keep.npy")
    assert out.dtype == np.int16 and out.shape == (80, 3, 4, 32), out.shape
    assert ref.dtype == np.float32 and ref.shape == out.shape
    assert keep.dtype == np.uint8 and keep.shape == (80, 3, 2, 160), keep.shape
    assert hashlib.sha256(out.tobytes()).hexdigest() == j["outputs_sha256"], p
    # kept_tokens_per_layer is keep.npy's mean reads per (step, KV head)
    assert np.allclose(keep.sum(axis=(0, 2, 3)) / (80 * 2), j["kept_tokens_per_layer"]), p
    # area: the blocks add up to the total, and equal `sinkattn area` on the same configuration
    a = j["area_um2_by_block"]
    assert j["area_model"] == "nangate45" and j["area_um2"] > 0, p
    assert abs(sum(a.values()) - j["area_um2"]) <= 1e-9 * j["area_um2"], p
    ar = json.load(open(f"{w}/area_{p}.json"))
    assert ar["area_um2"] == j["area_um2"] and ar["area_um2_by_block"] == a, p
    assert ar["mode"] == "area" and ar["preset"] == p and ar["area_model"] == "nangate45", p
    for k in ["table", "fit", "node_nm", "calibration_date", "calibration_commit", "yosys"]:
        assert k in ar["provenance"], (p, k)
    assert sum(m["bits"] for m in ar["memories"]) == ar["area_memory_bits"] == j["area_memory_bits"], p
    assert abs(sum(m["um2"] for m in ar["memories"]) - ar["area_memory_um2"]) <= 1e-9 * ar["area_um2"], p
    assert abs(ar["area_logic_um2"] + ar["area_memory_um2"] - ar["area_um2"]) <= 1e-9 * ar["area_um2"], p
    # energy: the blocks add up, DRAM is priced per byte read, every block is non-negative
    e = j["energy_pj_by_block"]
    assert abs(sum(e.values()) - j["energy_pj"]) <= 1e-9 * j["energy_pj"], p
    assert abs(e["dram"] - 162.5 * j["dram_bytes"]) <= 1e-6 * e["dram"] and min(e.values()) >= 0, p
    row = list(csv.reader(open(f"{w}/{p}.csv")))
    assert len(row) == 2 and len(row[0]) == len(row[1]) and "fidelity.cosine_mean" in row[0], p
    assert dict(zip(*row))["trace.unknown_meta.tool, version"] == 'a "b", c', p
d = res["dense"]
assert d["dram_bytes"] == d["dense_dram_bytes"] and d["sram_sink_hits"] == 0
assert abs(d["fidelity"]["mass_recall_mean"] - 1) < 1e-9
assert res["streamingllm"]["sram_sink_hits"] > 0 and res["streamingllm"]["lsb_refetches"] == 0
assert res["sinkattn"]["dram_bytes"] < d["dram_bytes"]
assert res["sinkattn"]["energy_pj"] < d["energy_pj"]
assert json.load(open(f"{w}/again.json"))["outputs_sha256"] == res["sinkattn"]["outputs_sha256"]
# duo on the Llama-shaped trace: DuoAttention's sparsify_attention_heads without its tie noise
# (np.quantile of the clipped gates at sparsity 0.5; a head at or above it is a retrieval head,
# which keeps every token); a streaming head keeps sink_size 4 and recent_size 124 cached tokens
# and the step's own.
gates = np.clip(np.loadtxt(sys.argv[2], delimiter="\t"), 0, 1)
retrieval = gates >= np.quantile(gates, 0.5)
assert gates.shape == (32, 8) and retrieval.sum() == 128, retrieval.sum()
dj = json.load(open(f"{w}/duo_llama.json"))
assert dj["preset"] == "duo", dj["preset"]
keep = np.load(f"{w}/dump_duo_llama/keep.npy")
assert keep.shape == (120, 32, 8, 160), keep.shape
for s in range(120):
    t = 40 + s
    stream = np.zeros(160, dtype=bool)
    stream[:t + 1] = True
    if t > 4 + 124:
        stream[4:t - 124] = False
    full = np.zeros(160, dtype=bool)
    full[:t + 1] = True
    want = np.where(retrieval[:, :, None], full[None, None, :], stream[None, None, :])
    bad = np.argwhere((keep[s] != 0) != want)
    assert not len(bad), f"duo step {t}: layer {bad[0][0]} KV head {bad[0][1]} token {bad[0][2]} differs"
assert (keep[-1].sum(axis=2)[~retrieval] == 4 + 124 + 1).all()
print("1 passed, 0 failed")
PY
