#!/usr/bin/env bash
# gen-trace -> golden --json --csv --dump for every preset; the results are read back with NumPy
# and checked against the documented layout and against each other.
set -euo pipefail
bin="$1"
py="$2"
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
for preset in dense streamingllm h2o spatten duo sinkattn; do
  "$bin" golden --config "$preset" --trace "$work/trace" --json "$work/$preset.json" --csv "$work/$preset.csv" \
    --dump "$work/dump_$preset" --quiet
  "$bin" area --config "$preset" --json "$work/area_$preset.json" --memories >"$work/area_$preset.txt"
done
# The area table names every block, the total and the model's provenance.
for want in "qk_lanes" "importance" "total" "on-chip memory bits" "nangate45 at 45 nm" "calibrated against Yosys"; do
  grep -q "$want" "$work/area_sinkattn.txt" || { echo "sinkattn area: no '$want' in its table" >&2; exit 1; }
done
# The same run twice gives the same digest (determinism through the CLI).
"$bin" golden --config sinkattn --trace "$work/trace" --json "$work/again.json" --quiet

"$py" - "$work" <<'PY'
import csv, hashlib, json, sys
import numpy as np
w = sys.argv[1]
presets = ["dense", "streamingllm", "h2o", "spatten", "duo", "sinkattn"]
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
print("1 passed, 0 failed")
PY
