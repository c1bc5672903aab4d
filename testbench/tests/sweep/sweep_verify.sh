#!/usr/bin/env bash
# verify: N end to end on two tiny workloads: the points re-run at systemc are exactly the N best
# (first objective, then point index) of a brute-force Pareto front over each workload's golden
# rows; each re-run row has the configuration hash and workload digest of its golden row, and the
# figures the contracts make equal (bit-exact outputs, hence accuracy; DRAM bytes by region;
# energy, which is counters x table) are equal. Then: verify larger than a front verifies the
# whole front and says so, and verify at the highest fidelity (rtl) is a sweep-file error.
set -euo pipefail
bin="$1"; py="$2"; data="$3"
work="$(mktemp -d /tmp/sweep_verify.XXXXXX)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

check() {  # check STORE N
  "$py" - "$1" "$2" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
rows = [dict(key=k, workload=w, fidelity=f, index=i, status=s, result=json.loads(r))
        for k, w, f, i, s, r in db.execute("select key, workload, fidelity, point_index, status, result from rows")]
# The objectives of verify.yaml, as minimization: dram_bytes (min), cosine_mean (max).
obj = lambda r: (r["result"]["dram_bytes"], -r["result"]["cosine_mean"])
equal_fields = ["outputs_sha256", "config_sha256", "workload_digest", "cosine_mean", "cosine_min", "mass_recall",
                "max_rel_err", "dram_bytes", "dram_bytes_sink", "dram_bytes_window", "dram_bytes_middle",
                "dram_bytes_lsb", "dense_dram_bytes", "lsb_refetches", "sram_sink_hits", "energy_pj", "preset"]
for wl in ("tiny", "tiny2"):
    gold = [r for r in rows if r["workload"] == wl and r["fidelity"] == "golden" and r["status"] == "ok"]
    assert len(gold) == 16, (wl, len(gold))
    front = [r for r in gold if not any(all(a <= b for a, b in zip(obj(q), obj(r))) and obj(q) != obj(r) for q in gold)]
    best = sorted(front, key=lambda r: (obj(r)[0], r["index"]))[:n]
    sysc = [r for r in rows if r["workload"] == wl and r["fidelity"] == "systemc"]
    assert sorted(r["index"] for r in sysc) == sorted(r["index"] for r in best), \
        (wl, "re-run", sorted(r["index"] for r in sysc), "expected", sorted(r["index"] for r in best))
    by_index = {r["index"]: r for r in gold}
    for s in sysc:
        g = by_index[s["index"]]
        assert s["status"] == "ok", (wl, s["key"], s["status"])
        for f in equal_fields:
            assert s["result"][f] == g["result"][f], (wl, s["index"], f, s["result"][f], g["result"][f])
        for k, v in g["result"].items():  # the energy breakdown block by block
            if k.startswith("energy_pj_"):
                assert s["result"][k] == v, (wl, s["index"], k)
        assert s["result"]["cycles"] > 0 and s["result"]["cycles_estimator"] == "systemc"
        assert s["result"]["dram_estimator"] == "systemc" and g["result"]["dram_estimator"] == "golden"
        assert s["key"] != g["key"]
    assert 0 < len(front) < len(gold), (wl, "a front of every point checks nothing", len(front))
    print(f"{wl}: {len(gold)} golden rows, front {len(front)}, verified {sorted(r['index'] for r in sysc)}")
PY
}

echo "== verify: 2"
"$bin" sweep "$data/verify.yaml" --out "$work/v2" --no-plots > "$work/v2.log" 2>&1 || { cat "$work/v2.log"; fail "verify sweep"; }
grep -q "verify: workload tiny: 2 front points at systemc" "$work/v2.log" || { cat "$work/v2.log"; fail "verify message"; }
check "$work/v2/store.db" 2 || fail "verify: 2 re-ran other points than the 2 best, or its rows disagree"
# Both rows of a verified point are in the export.
[ "$("$py" -c "import json,sys; print(sum(r['fidelity'] == 'systemc' for r in json.load(open(sys.argv[1]))))" "$work/v2/results.json")" = 4 ] ||
  fail "results.json lacks the systemc rows"

echo "== verify larger than the front: the whole front, said so"
sed 's/^verify: 2/verify: 500/' "$data/verify.yaml" > "$work/v500.yaml"
"$bin" sweep "$work/v500.yaml" --out "$work/v500" --no-plots > "$work/v500.log" 2>&1 || { cat "$work/v500.log"; fail "verify 500"; }
grep -q "verify: workload tiny: the front has [0-9]* points, fewer than verify: 500; verifying all of them" "$work/v500.log" ||
  { cat "$work/v500.log"; fail "no note that the front is smaller than verify"; }
check "$work/v500/store.db" 500 || fail "verify: 500 did not verify exactly the whole front"

echo "== verify at the highest fidelity is an error"
sed 's/^fidelity: golden/fidelity: rtl/' "$data/verify.yaml" > "$work/vrtl.yaml"
set +e
"$bin" sweep "$work/vrtl.yaml" --out "$work/vrtl" 2> "$work/vrtl.err"; status=$?
set -e
[ "$status" = 2 ] || fail "verify at rtl: exit status $status"
grep -q "vrtl.yaml:[0-9]*: verify: rtl is the highest fidelity; nothing to verify with" "$work/vrtl.err" ||
  { cat "$work/vrtl.err"; fail "verify at rtl message"; }
echo PASS
