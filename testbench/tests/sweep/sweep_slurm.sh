#!/usr/bin/env bash
# The sweep through a real single-node Slurm cluster (started by the sweep_slurm_cluster fixture,
# testbench/tests/sweep/slurm_cluster.sh): job arrays of shards with a %N limit, then collect; the store must
# hold the same rows as the same sweep run locally, and collecting again must change nothing.
set -euo pipefail
bin="$1"; py="$2"; data="$3"; cluster="$4"; here="$(cd "$(dirname "$0")" && pwd)"
fail() { echo "FAIL: $*" >&2; exit 1; }
# shellcheck disable=SC1091
source "$cluster/env"
work="$(mktemp -d /tmp/sweep_slurm.XXXXXX)"
trap 'rm -rf "$work"' EXIT

"$bin" sweep "$data/systemc.yaml" --out "$work/local" --no-plots > /dev/null 2>&1 || fail "local sweep"
t0=$(date +%s.%N)
"$bin" sweep "$data/systemc.yaml" --out "$work/slurm" --backend slurm --shard-size 5 --array-limit 2 \
  --sbatch=--time=00:10:00 --wait --no-plots > "$work/slurm.log" 2>&1 || { cat "$work/slurm.log"; fail "slurm sweep"; }
t1=$(date +%s.%N)
cat "$work/slurm.log"
grep -q "24 points in 5 array tasks" "$work/slurm.log" || fail "expected 24 points in ceil(24/5) = 5 shards"
[ "$(ls "$work/slurm/slurm/results/"*.jsonl | wc -l)" = 5 ] || fail "one result file per array task"
"$py" "$here/rows_equal.py" "$work/local/store.db" "$work/slurm/store.db" || fail "Slurm rows differ from local rows"

before="$("$py" "$here/rows_equal.py" "$work/slurm/store.db" | sha256sum)"
"$bin" sweep collect "$work/slurm" --no-plots > "$work/collect.log"
grep -q "collected 0 new rows, 24 already stored, of 24 submitted points" "$work/collect.log" || { cat "$work/collect.log"; fail "second collect"; }
[ "$before" = "$("$py" "$here/rows_equal.py" "$work/slurm/store.db" | sha256sum)" ] || fail "collecting twice changed the store"

# Submitting the finished sweep again submits nothing.
"$bin" sweep "$data/systemc.yaml" --out "$work/slurm" --backend slurm --wait --no-plots > "$work/again.log" 2>&1
grep -q "0 to run, 24 already stored" "$work/again.log" || { cat "$work/again.log"; fail "resubmission"; }

# A task that fails is reported with its shard and array index: remove one result file.
rm "$work/slurm/slurm/results/2.jsonl"
"$py" - "$work/slurm/store.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("delete from rows"); db.commit()
PY
set +e
"$bin" sweep collect "$work/slurm" --no-plots > "$work/collect2.log"; status=$?
set -e
[ "$status" = 1 ] || fail "collect with a missing task should exit 1"
grep -q "shard 2: 5 of 5 points missing (.*_2.err, array task .*_2)" "$work/collect2.log" || { cat "$work/collect2.log"; fail "missing task report"; }
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "slurm: 24 systemc points in 5 array tasks (%%2) took %.1f s end to end\n", b - a }'
echo PASS
