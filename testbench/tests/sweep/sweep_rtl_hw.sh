#!/usr/bin/env bash
# rtl fidelity at any hardware (docs/sweep.md, "RTL at any hardware"): one sweep over the default
# preset's hardware, a hardware-variant preset's and the smallest hardware the tiny workload fits,
# run at golden, systemc and rtl fidelity. Every rtl row is ok, its outputs equal the golden
# row's bit for bit and its cycles the systemc row's exactly; each records the Verilated model
# that ran: the default build, the main build's variant top (not Verilated again) and a top
# Verilated on demand. A runner that fails to build makes failed rows with the build log's tail.
#
# Its runner cache is fresh (SINKATTN_RTL_CACHE in the test's directory): the small top is
# Verilated once per run (minutes of CPU; label rtl, in the normal run), by the first of two
# `sinkattn rtl` started together; the second waits for it and reuses it.
set -euo pipefail
bin="$1"; py="$2"; data="$3"
work="$(mktemp -d /tmp/sweep_rtl_hw.XXXXXX)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The sweep file names rtl_small_hw.yaml relative to itself: the copies go beside it.
cp "$data/rtl_small_hw.yaml" "$work/rtl_small_hw.yaml"
export SINKATTN_RTL_CACHE="$work/rtl_cache"

echo "== two sinkattn rtl at once on new hardware: one Verilation, both bit-exact"
"$bin" gen-trace --out "$work/trace" --layers 2 --q-heads 2 --kv-heads 1 --head-dim 16 --tokens 48 --prompt 32 --seed 3 > /dev/null
start=$(date +%s)
for i in 1 2; do
  "$bin" rtl --config "$work/rtl_small_hw.yaml" --trace "$work/trace" --json "$work/alone_rtl$i.json" > "$work/alone$i.log" 2>&1 &
  eval "pid$i=$!"
done
wait "$pid1" || { cat "$work/alone1.log"; fail "first sinkattn rtl"; }
wait "$pid2" || { cat "$work/alone2.log"; fail "second sinkattn rtl"; }
echo "   $(( $(date +%s) - start )) s"
log="$(ls "$work"/rtl_cache/*/build.log)"
[ "$(grep -c "^== pid" "$log")" = 2 ] || { cat "$log"; fail "expected two build checks in $log"; }
[ "$(grep -c "Linking CXX executable sinkattn-rtl" "$log")" = 1 ] || { cat "$log"; fail "the runner was built more than once"; }
"$bin" sim --config "$work/rtl_small_hw.yaml" --trace "$work/trace" --json "$work/alone_sim.json" --quiet
"$py" - "$work/alone_rtl1.json" "$work/alone_rtl2.json" "$work/alone_sim.json" <<'PY' || fail "sinkattn rtl at other hardware"
import json, sys
r1, r2, s = (json.load(open(f)) for f in sys.argv[1:4])
for r in (r1, r2):
    assert r["match"] and r["outputs_sha256"] == r["golden_outputs_sha256"] == s["outputs_sha256"], "outputs"
    assert r["cycles"] == s["cycles"] and r["total_cycles"] == s["total_cycles"], (r["cycles"], s["cycles"])
    assert "built on demand" in r["model"], r["model"]
PY
for f in golden systemc rtl; do
  sed "s/^fidelity: rtl/fidelity: $f/" "$data/rtl_hw.yaml" > "$work/rtl_hw_$f.yaml"
done
# At systemc, verify: 2 re-runs the 2 best front points at rtl too (systemc to rtl).
echo "verify: 2" >> "$work/rtl_hw_systemc.yaml"

for f in golden systemc rtl; do
  echo "== $f"
  start=$(date +%s)
  "$bin" sweep "$work/rtl_hw_$f.yaml" --out "$work/$f" --no-plots > "$work/$f.log" 2>&1 || { cat "$work/$f.log"; fail "$f sweep"; }
  echo "   $(( $(date +%s) - start )) s"
done
grep -q "rtl: hw [0-9a-f]*: runner .*sinkattn-rtl (the main build's Verilated top of sinkattn_hw_small)" "$work/rtl.log" ||
  { cat "$work/rtl.log"; fail "the variant preset's hardware did not reuse the main build's top"; }

"$py" - "$work" <<'PY' || fail "rtl rows disagree with golden or systemc"
import json, sqlite3, sys
def rows(f, fidelity):
    db = sqlite3.connect(f"{sys.argv[1]}/{f}/store.db")
    return {json.loads(r)["config_sha256"] if s == "ok" else k: (s, json.loads(r), e)
            for k, s, r, e in db.execute("select key, status, result, error from rows where fidelity = ?", (fidelity,))}
gold, sysc, rtl = rows("golden", "golden"), rows("systemc", "systemc"), rows("rtl", "rtl")
verified = rows("systemc", "rtl")
assert len(verified) == 2, verified
for cfg, (status, r, err) in verified.items():
    assert status == "ok" and r == rtl[cfg][1] | {k: r[k] for k in ("model_seconds", "load_seconds")}, (cfg, status, err)
assert len(rtl) == 6, f"{len(rtl)} rtl rows: {rtl}"
origins = set()
for cfg, (status, r, err) in rtl.items():
    assert status == "ok", (cfg, status, err)
    g, s = gold[cfg][1], sysc[cfg][1]
    assert r["outputs_sha256"] == g["outputs_sha256"], (r["preset"], "outputs differ from golden")
    assert r["cycles"] == s["cycles"] and r["total_cycles"] == s["total_cycles"], (r["preset"], r["cycles"], s["cycles"])
    for k in ("dram_bytes", "dram_bytes_window", "dram_bytes_middle", "dram_bytes_lsb", "energy_pj", "cosine_mean", "mass_recall"):
        assert r[k] == g[k], (r["preset"], k, r[k], g[k])
    assert r["cycles_estimator"] == "rtl" and r["dram_estimator"] == "rtl"
    origins.add((r["preset"], r["rtl_model"].split(" (", 1)[1].rstrip(")")))
print("\n".join(f"{p}: {o}" for p, o in sorted(origins)))
kinds = {p: o for p, o in origins}
assert kinds["sinkattn"].startswith("default build"), kinds
assert kinds["sinkattn_hw_small"].startswith("hw variant sinkattn_hw_small, main build"), kinds
assert kinds["rtl_small_hw"].startswith("built on demand in "), kinds
PY

echo "== a runner that fails to build: failed rows with the log's tail, the other points run"
# A fresh cache whose builds get a compiler flag that does not exist: the configure step fails.
CXXFLAGS=--no-such-compiler-flag SINKATTN_RTL_CACHE="$work/bad_cache" \
  "$bin" sweep "$work/rtl_hw_rtl.yaml" --out "$work/bad" --no-plots > "$work/bad.log" 2>&1 || { cat "$work/bad.log"; fail "bad sweep"; }
"$py" - "$work/bad/store.db" <<'PY' || { cat "$work/bad.log"; fail "failed-build rows"; }
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = list(db.execute("select status, exit_status, error, result from rows"))
failed = [r for r in rows if r[0] == "failed"]
ok = [r for r in rows if r[0] == "ok"]
# The small hardware and the variant both need a runner from the bad cache; the default does not.
assert len(failed) == 4 and len(ok) == 2, [(r[0], r[2][:80]) for r in rows]
for status, code, err, _ in failed:
    assert code == 1 and "building the RTL runner for hw" in err and "failed at configure" in err, err
    assert "no-such-compiler-flag" in err, err  # the log's tail
PY
echo PASS
