#!/usr/bin/python3
"""Prints the rows of sweep stores without their timings (wall, model and load seconds), one per
line, sorted by key, so that two stores can be compared for identical rows.

Usage: rows_equal.py STORE_A STORE_B   exit 0 when the rows are identical, else 1 (first difference)
       rows_equal.py STORE             print them
"""
import json
import sqlite3
import sys

TIMINGS = ("model_seconds", "load_seconds")


def rows(path):
    db = sqlite3.connect(path)
    out = []
    for key, wl, fid, idx, point, status, code, err, result in db.execute(
            "select key, workload, fidelity, point_index, point, status, exit_status, error, result from rows order by key"):
        r = json.loads(result)
        for t in TIMINGS:
            r.pop(t, None)
        out.append(json.dumps([key, wl, fid, idx, json.loads(point), status, code, err, r], sort_keys=True))
    return out


if len(sys.argv) == 2:
    print("\n".join(rows(sys.argv[1])))
    sys.exit(0)
a, b = rows(sys.argv[1]), rows(sys.argv[2])
if a == b:
    print(f"identical: {len(a)} rows")
    sys.exit(0)
print(f"rows differ: {len(a)} in {sys.argv[1]}, {len(b)} in {sys.argv[2]}")
for x, y in zip(a, b):
    if x != y:
        print(f"first difference:\n  {x}\n  {y}")
        break
sys.exit(1)
