#!/usr/bin/env bash
# sinkattn sim end to end: its outputs digest equals the golden model's on the same trace, the
# JSON has the documented keys (the same as sinkattn rtl's, whose cycles, events, counters and
# energy it equals on the same seed), the same seed gives the same cycles, bad input exits 2.
set -euo pipefail
bin="$1"
py="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin" gen-trace --out "$work/trace" --layers 2 --q-heads 4 --kv-heads 2 --head-dim 32 --tokens 112 --prompt 96 --quiet
"$bin" golden --config sinkattn --trace "$work/trace" --json "$work/golden.json" --quiet
"$bin" sim --config sinkattn --trace "$work/trace" --seed 5 --stall 0.2 --json "$work/sim.json" --quiet
"$bin" sim --config sinkattn --trace "$work/trace" --seed 5 --stall 0.2 --json "$work/again.json" --quiet
"$bin" rtl --config sinkattn --trace "$work/trace" --seed 5 --stall 0.2 --json "$work/rtl.json" --quiet
"$py" - "$work" <<'PY'
import json, sys
w = sys.argv[1]
g = json.load(open(f"{w}/golden.json"))
s = json.load(open(f"{w}/sim.json"))
a = json.load(open(f"{w}/again.json"))
r = json.load(open(f"{w}/rtl.json"))
for k in ["outputs_sha256", "cycles", "total_cycles", "dram_bytes", "counters", "events", "seed", "match",
          "energy_pj", "energy_pj_by_block", "simulated_cycles_per_second",
          "area_um2", "area_um2_by_block", "area_memory_bits", "area_model"]:
    assert k in s, k
assert s["outputs_sha256"] == g["outputs_sha256"], (s["outputs_sha256"], g["outputs_sha256"])
assert s["dram_bytes"] == g["dram_bytes"], (s["dram_bytes"], g["dram_bytes"])
assert s["cycles"] > 0 and s["counters"]["cycles"] == s["cycles"]
assert s["events"] == a["events"] and s["total_cycles"] == a["total_cycles"]
# The same keys as sinkattn rtl's, and on the same seed the same cycles, events and energy.
assert set(s) == set(r), set(s) ^ set(r)
assert s["match"] and r["match"] and s["outputs_sha256"] == r["outputs_sha256"]
assert s["events"] == r["events"] and s["cycles"] == r["cycles"] and s["counters"] == r["counters"]
assert s["energy_pj"] == r["energy_pj"] > 0
assert s["area_um2"] == r["area_um2"] == g["area_um2"] > 0
assert sum(e["kind"] == 1 for e in s["events"]) == 16 * 2 * 2
PY
# Bad input: exit status 2 and a message naming the field.
set +e
out="$("$bin" sim --config sinkattn --trace "$work/trace" --stall 1.5 2>&1)"; rc=$?
set -e
[ "$rc" -eq 2 ] || { echo "expected exit 2 for --stall 1.5, got $rc: $out"; exit 1; }
grep -q -- "--stall" <<<"$out" || { echo "message does not name --stall: $out"; exit 1; }
set +e
out="$("$bin" sim --config sinkattn --trace "$work/missing" 2>&1)"; rc=$?
set -e
[ "$rc" -eq 2 ] || { echo "expected exit 2 for a missing trace, got $rc: $out"; exit 1; }
echo "cli_sim: ok"
