#!/usr/bin/env bash
# End-to-end sweeps through the sinkattn binary on a tiny workload: a grid with constraints and
# refused points, re-running skips every stored row, random and nsga2 give the same rows for a
# seed, injected crash and timeout points do not stop a sweep, and bad sweep files exit 2.
set -euo pipefail
bin="$1"; py="$2"; data="$3"
work="$(mktemp -d /tmp/sweep_cli.XXXXXX)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Rows of a store as sorted "key status" lines, or a query's single value.
q() { "$py" - "$1" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute(sys.argv[2]):
    print(" ".join(str(x) for x in row))
PY
}

echo "== grid: 16 ok, 18 refused by the loader, 2 filtered"
"$bin" sweep "$data/grid.yaml" --out "$work/grid" > "$work/grid.log" 2>&1 || { cat "$work/grid.log"; fail "grid sweep"; }
[ "$(q "$work/grid/store.db" "select count(*) from rows where status='ok'")" = 16 ] || fail "ok rows"
[ "$(q "$work/grid/store.db" "select count(*) from rows where status='invalid'")" = 18 ] || fail "invalid rows"
q "$work/grid/store.db" "select error from rows where status='invalid' limit 1" | grep -q "16 sinks do not fit hw.sink_sram_tokens" ||
  fail "invalid rows carry the loader's message"
[ "$(q "$work/grid/store.db" "select count(*) from rows where point like '%\"hw.qk_lanes\":\"8\"%' and point like '%\"policy.window\":\"24\"%' and status='ok'")" = 0 ] ||
  fail "the constraint lets qk_lanes 8 x window 24 through"
for f in results.csv results.json report.md; do [ -s "$work/grid/$f" ] || fail "no $f"; done
ls "$work/grid/plots/"*dram_bytes_vs_cosine_mean.png > /dev/null || fail "no objective plot"
# The exported front against a brute-force check, and every axis a column.
"$py" - "$work/grid/results.json" <<'PY' || fail "pareto marks"
import json, sys
rows = [r for r in json.load(open(sys.argv[1])) if r["status"] == "ok"]
pts = [(r["dram_bytes"], -r["cosine_mean"]) for r in rows]
for r, p in zip(rows, pts):
    dominated = any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in pts)
    assert r["pareto"] == (not dominated), (r["key"], r["pareto"], p)
    for axis in ("base", "hw.qk_lanes", "policy.window", "policy.sinks"):
        assert axis in r, axis
    assert r["dram_estimator"] == "golden" and "horowitz45" in r["energy_estimator"]
    assert "area_um2" not in r  # no area model yet: absent, never zero
assert any(r["pareto"] for r in rows)
PY
key="$(q "$work/grid/store.db" "select key from rows where status='ok' order by key limit 1")"
"$bin" sweep show-point "$work/grid" "${key:0:12}" > "$work/show.txt"
cfg="$(grep -o -- "--config [^ ]*" "$work/show.txt" | head -1 | cut -d' ' -f2)"
trace="$(grep -o -- "--trace [^ ]*" "$work/show.txt" | head -1 | cut -d' ' -f2)"
# The stand-alone command gives the row's DRAM bytes and outputs.
"$bin" golden --config "$cfg" --trace "$trace" --json "$work/alone.json" --quiet
"$py" - "$work/alone.json" "$work/grid/results.json" "$key" <<'PY' || fail "show-point's command does not reproduce the row"
import json, sys
alone = json.load(open(sys.argv[1]))
row = next(r for r in json.load(open(sys.argv[2])) if r["key"] == sys.argv[3])
assert alone["dram_bytes"] == row["dram_bytes"] and alone["outputs_sha256"] == row["outputs_sha256"]
assert abs(alone["fidelity"]["cosine_mean"] - row["cosine_mean"]) < 1e-12
PY

echo "== running it again runs nothing"
before="$(q "$work/grid/store.db" "select key, result from rows order by key" | sha256sum)"
"$bin" sweep "$data/grid.yaml" --out "$work/grid" --resume --no-plots > "$work/again.log" 2>&1
grep -q "0 to run, 34 already stored" "$work/again.log" || { cat "$work/again.log"; fail "rerun ran points"; }
[ "$before" = "$(q "$work/grid/store.db" "select key, result from rows order by key" | sha256sum)" ] || fail "rerun changed rows"

echo "== random and nsga2: the same rows for a seed"
for s in random nsga2; do
  for run in a b; do "$bin" sweep "$data/$s.yaml" --out "$work/$s.$run" --no-plots > /dev/null 2>&1 || fail "$s sweep"; done
  ka="$(q "$work/$s.a/store.db" "select key, status from rows order by key")"
  [ -n "$ka" ] && [ "$ka" = "$(q "$work/$s.b/store.db" "select key, status from rows order by key")" ] || fail "$s differs between runs"
done
[ "$(q "$work/random.a/store.db" "select count(*) from rows")" = 10 ] || fail "random count"
[ "$(q "$work/nsga2.a/store.db" "select count(*) from rows where status='ok'")" -ge 8 ] || fail "nsga2 ran too few points"
sed 's/seed: 5/seed: 6/' "$data/nsga2.yaml" > "$work/nsga2_seed6.yaml"
"$bin" sweep "$work/nsga2_seed6.yaml" --out "$work/nsga2.c" --no-plots > /dev/null 2>&1 || fail "nsga2 seed 6"
[ "$(q "$work/nsga2.a/store.db" "select key from rows order by key")" != "$(q "$work/nsga2.c/store.db" "select key from rows order by key")" ] ||
  fail "nsga2 ignores its seed"

echo "== a crashing and a hanging point do not stop the sweep"
cat > "$work/faulty_worker.sh" <<EOF
#!/bin/sh
# Crashes (SIGSEGV) on qk_lanes 8, hangs on qk_lanes 2 with window 8; else the real worker.
case "\$*" in
  *hw.qk_lanes=8*) kill -SEGV \$\$ ;;
  *hw.qk_lanes=2*policy.window=8*) exec sleep 100 ;;
esac
exec "$bin" "\$@"
EOF
chmod +x "$work/faulty_worker.sh"
"$bin" sweep "$data/grid.yaml" --out "$work/faults" --worker "$work/faulty_worker.sh" --timeout 2 --no-plots > "$work/faults.log" 2>&1 ||
  { cat "$work/faults.log"; fail "the faulty sweep stopped"; }
# Valid points: qk 2: 3 windows, qk 4: 3, qk 8: 2 (window 24 filtered), per preset.
[ "$(q "$work/faults/store.db" "select count(*) from rows where status='failed' and exit_status=139")" = 4 ] || fail "crash rows"
[ "$(q "$work/faults/store.db" "select count(*) from rows where status='timeout'")" = 2 ] || fail "timeout rows"
q "$work/faults/store.db" "select error from rows where status='timeout' limit 1" | grep -q "timed out after 2" || fail "timeout message"
[ "$(q "$work/faults/store.db" "select count(*) from rows where status='ok'")" = 10 ] || fail "the other points"

echo "== bad sweep files exit 2 with file, line, field and reason"
sed 's/pow2: \[2, 8\]/pow2: [3, 8]/' "$data/grid.yaml" > "$work/bad.yaml"
set +e
"$bin" sweep "$work/bad.yaml" --out "$work/bad" 2> "$work/bad.err"; status=$?
set -e
[ "$status" = 2 ] || fail "bad sweep file exit status $status"
grep -q "bad.yaml:8: axes.hw.qk_lanes.pow2: low and high must be powers of two" "$work/bad.err" || { cat "$work/bad.err"; fail "bad sweep message"; }
echo PASS
