#!/usr/bin/python3
"""Calibrate the area model's logic terms against Yosys (docs/area.md).

Usage: area_calibrate.py --gen-dir DIR [--model configs/area/nangate45.yaml]
                         [--data DIR] [--fit-only | --no-fit] [--only BLOCK ...] [--points fit|holdout|all]
                         [--limit N]

For every block of the model's `logic` section and every point of POINTS below (small sizes:
seconds to a couple of minutes each, never the default preset's), Yosys 0.23 `synth -flatten`
runs with every memory kept out as an opaque macro, and the netlist's generic gate counts go to
DATA/yosys_logic.csv; the memories Yosys inferred (words, width, ports) go to
DATA/yosys_memories.csv. Points already in the CSV are not run again, so an interrupted run
resumes where it stopped. Then the coefficients of the block's terms are fitted by least
squares (relative error, coefficients kept non-negative) on the `fit` points and written to the
model's fit file, with the error on the held-out points, which the fit never sees.

Logic area of a point = sum over Yosys gate types of count x the model's cell area (the model's
`cells` table); keeping the raw counts in the CSV lets the test re-price them the same way.
"""
import argparse
import csv
import datetime
import math
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402  (the block table, parameter loading and Yosys helpers)

ROOT = synth.ROOT

# The points per block, in preset parameter names (parameter_list in model/src/config.cpp).
# Parameters not named keep the small base below. "fit" points determine the coefficients;
# "holdout" points only check them. OutLanes (hw.out_lanes) is no term of the model: it sizes
# the gather's |out| sum and the P.V lanes' output shift, a few hundred gates (docs/area.md), and
# the points keep it at 4, which divides every HeadDim below.
BASE = {"HeadDim": 8, "QkLanes": 2, "PvLanes": 2, "MaxTokens": 64, "MaxLayers": 2, "MaxQHeads": 4,
        "MaxKvHeads": 2, "SinkSramTokens": 4, "TopkParallelism": 4, "ScanWidth": 8, "OutLanes": 4}
POINTS = {
    "qk_lanes": [
        ("fit", {"HeadDim": 4, "QkLanes": 1}), ("fit", {"HeadDim": 8, "QkLanes": 1}),
        ("fit", {"HeadDim": 16, "QkLanes": 1}), ("fit", {"HeadDim": 4, "QkLanes": 2}),
        ("fit", {"HeadDim": 8, "QkLanes": 2}), ("fit", {"HeadDim": 4, "QkLanes": 4}),
        ("fit", {"HeadDim": 16, "QkLanes": 2}),
        ("holdout", {"HeadDim": 8, "QkLanes": 4}), ("holdout", {"HeadDim": 32, "QkLanes": 1}),
    ],
    "pv_lanes": [
        ("fit", {"HeadDim": 4, "PvLanes": 1, "MaxTokens": 16}), ("fit", {"HeadDim": 8, "PvLanes": 1, "MaxTokens": 16}),
        ("fit", {"HeadDim": 8, "PvLanes": 2, "MaxTokens": 16}), ("fit", {"HeadDim": 4, "PvLanes": 2, "MaxTokens": 64}),
        ("fit", {"HeadDim": 8, "PvLanes": 1, "MaxTokens": 256}), ("fit", {"HeadDim": 16, "PvLanes": 1, "MaxTokens": 64}),
        ("fit", {"HeadDim": 4, "PvLanes": 4, "MaxTokens": 16}),
        ("holdout", {"HeadDim": 8, "PvLanes": 2, "MaxTokens": 64}), ("holdout", {"HeadDim": 16, "PvLanes": 2, "MaxTokens": 16}),
    ],
    "softmax_unit": [
        ("fit", {"MaxTokens": 16}), ("fit", {"MaxTokens": 64}), ("fit", {"MaxTokens": 1024}),
        ("fit", {"MaxTokens": 64, "PvLanes": 1}), ("fit", {"MaxTokens": 64, "PvLanes": 4}),
        ("holdout", {"MaxTokens": 256}), ("holdout", {"MaxTokens": 4096}),
        ("holdout", {"MaxTokens": 256, "PvLanes": 3}),
    ],
    "topk_engine": [
        ("fit", {"TopkParallelism": 2, "MaxTokens": 32}), ("fit", {"TopkParallelism": 4, "MaxTokens": 32}),
        ("fit", {"TopkParallelism": 8, "MaxTokens": 64}), ("fit", {"TopkParallelism": 4, "MaxTokens": 256}),
        ("fit", {"TopkParallelism": 2, "MaxTokens": 1024}), ("fit", {"TopkParallelism": 8, "MaxTokens": 32}),
        ("holdout", {"TopkParallelism": 4, "MaxTokens": 64}), ("holdout", {"TopkParallelism": 8, "MaxTokens": 256}),
    ],
    "top_logic": [
        ("fit", {}), ("fit", {"QkLanes": 1, "PvLanes": 1}), ("fit", {"HeadDim": 16}),
        ("fit", {"MaxTokens": 256}), ("fit", {"MaxLayers": 4, "MaxQHeads": 8}),
        ("fit", {"MaxKvHeads": 4, "TopkParallelism": 8}), ("fit", {"ScanWidth": 1}),
        ("fit", {"ScanWidth": 32, "MaxTokens": 256}),
        ("holdout", {"HeadDim": 16, "PvLanes": 1, "MaxTokens": 128, "MaxLayers": 4}),
        ("holdout", {"QkLanes": 1, "MaxQHeads": 8, "MaxKvHeads": 4, "TopkParallelism": 8}),
        ("holdout", {"ScanWidth": 16, "MaxTokens": 128}),
    ],
}
# top_logic is the top with its datapath blocks as black boxes (synth.py's bottom-up flow).
SYNTH_BLOCK = {"top_logic": "top"}
GATE = re.compile(r"\$_[A-Z0-9]+_[A-Z0-9_]*$")


def params_key(block, values, model):
    names = model["logic"][block]["params"]
    return " ".join(f"{n}={values[n]}" for n in names)


def yosys_point(block, values, gen_dir, work):
    """Gate counts of the block's logic (memories and sub-blocks opaque) and its memories."""
    name = SYNTH_BLOCK.get(block, block)
    top = synth.BLOCKS[name][0]
    read, _ = synth.elaborate(name, values, gen_dir)
    boxes = ("blackbox " + " ".join("*" + b for b in synth.DATAPATH) + "; ") if name == "top" else ""
    dump = os.path.join(work, block + "_mem.txt")
    log = os.path.join(work, block + ".log")
    synth.run_yosys(f"{read}hierarchy -top {top}; {boxes}synth -flatten -top {top} -run begin:fine; "
                    f"tee -q -o {dump} dump t:$mem_v2; chtype -set $__sram_macro t:$mem_v2; "
                    f"synth -flatten -top {top} -run fine:; stat", log)
    with open(log) as f:
        _, cells = synth.last_stat(f.read())
    with open(dump) as f:
        mems = synth.memories(f.read())
    gates = {c: n for c, n in cells.items() if GATE.match(c) and not c.startswith("$__")}
    return gates, mems


def read_rows(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def append_rows(path, rows, fields):
    new = not os.path.exists(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        if new:
            w.writeheader()
        w.writerows(rows)


LOGIC_FIELDS = ["block", "role", "params", "gates", "cell_counts", "yosys_seconds"]
MEM_FIELDS = ["block", "params", "memory", "words", "width", "read_ports", "write_ports", "read"]


def cell_area(cell_counts, cells):
    total = 0.0
    for item in cell_counts.split():
        cell, n = item.rsplit("=", 1)
        for c in cells:
            if re.fullmatch(c["pattern"], cell):
                total += int(n) * c["um2"]
                break
        else:
            raise SystemExit(f"error: area_calibrate.py: no cell area for Yosys cell {cell} in the model's `cells`")
    return total


def clog2(x):
    return max(0, math.ceil(math.log2(x))) if x > 1 else 0


def evaluate(expr, values):
    return float(eval(expr, {"__builtins__": {}}, dict(values, clog2=clog2)))  # the model's own expressions


def nnls_relative(x, y):
    """Least squares of the relative error with non-negative coefficients: drop the most negative
    term and solve again until none is negative (few terms, so this active-set loop is enough)."""
    active = list(range(x.shape[1]))
    w = 1.0 / y
    while True:
        coef, *_ = np.linalg.lstsq(x[:, active] * w[:, None], np.ones_like(y), rcond=None)
        if (coef >= 0).all() or len(active) == 1:
            full = np.zeros(x.shape[1])
            full[active] = np.maximum(coef, 0)
            return full
        active.pop(int(np.argmin(coef)))


def git_commit():
    r = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


def fit(model, data_dir, fit_path, numerics):
    rows = read_rows(os.path.join(data_dir, "yosys_logic.csv"))
    cells = model["cells"]
    out = {"generated_by": "scripts/area_calibrate.py (do not edit: re-run it)",
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
           "commit": git_commit(), "yosys": subprocess.run(["yosys", "-V"], capture_output=True, text=True).stdout.strip(),
           "data": os.path.relpath(os.path.join(data_dir, "yosys_logic.csv"), ROOT), "blocks": {}}
    print(f"{'block':14} {'role':8} {'params':60} {'yosys um2':>11} {'model um2':>11} {'error':>7}")
    for block, spec in model["logic"].items():
        pts = [r for r in rows if r["block"] == block]
        if not [r for r in pts if r["role"] == "fit"]:
            raise SystemExit(f"error: area_calibrate.py: {block}: no fit points in the data; run without --fit-only")
        def features(r):
            values = dict(numerics)
            values.update({k: int(v) for k, v in (p.split("=") for p in r["params"].split())})
            return [evaluate(t["expr"], values) for t in spec["terms"]]
        fitp = [r for r in pts if r["role"] == "fit"]
        x = np.array([features(r) for r in fitp])
        y = np.array([cell_area(r["cell_counts"], cells) for r in fitp])
        coef = nnls_relative(x, y)
        errs = {"fit": [], "holdout": []}
        for r in pts:
            yos = cell_area(r["cell_counts"], cells)
            mod = float(np.dot(coef, features(r)))
            errs[r["role"]].append(abs(mod - yos) / yos)
            print(f"{block:14} {r['role']:8} {r['params']:60} {yos:11.0f} {mod:11.0f} {100 * (mod - yos) / yos:6.1f}%")
        out["blocks"][block] = {
            "terms": [{"name": t["name"], "um2": float(f"{c:.6g}")} for t, c in zip(spec["terms"], coef)],
            "fit_points": len(fitp), "holdout_points": len(errs["holdout"]),
            "fit_max_error": round(max(errs["fit"]), 4),
            "holdout_max_error": round(max(errs["holdout"]), 4) if errs["holdout"] else None}
    with open(fit_path, "w") as f:
        f.write("# Logic coefficients of the area model, fitted to Yosys by scripts/area_calibrate.py.\n"
                "# Generated: do not edit; re-run the script (docs/area.md).\n")
        yaml.safe_dump(out, f, sort_keys=False, width=120)
    print(f"wrote {os.path.relpath(fit_path, ROOT)}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen-dir", required=True, help="generated RTL headers and tables (build/generated/rtl)")
    ap.add_argument("--model", default=os.path.join(ROOT, "configs/area/nangate45.yaml"))
    ap.add_argument("--data", default=os.path.join(ROOT, "configs/area/calibration"))
    ap.add_argument("--fit-only", action="store_true", help="fit the committed data, run no synthesis")
    ap.add_argument("--only", nargs="*", default=None, metavar="BLOCK", help="synthesize only these blocks")
    ap.add_argument("--points", choices=["fit", "holdout", "all"], default="all")
    ap.add_argument("--limit", type=int, default=None, metavar="N", help="synthesize at most the first N points chosen")
    ap.add_argument("--no-fit", action="store_true", help="only synthesize (the live test's fresh held-out data)")
    a = ap.parse_args()
    with open(a.model) as f:
        model = yaml.safe_load(f)
    numerics = synth.preset_params(os.path.join(a.gen_dir, "sinkattn_numerics_pkg.sv"))
    for b in a.only or []:
        if b not in POINTS:
            raise SystemExit(f"error: area_calibrate.py: --only: unknown block '{b}' (have: {', '.join(POINTS)})")
    logic_csv = os.path.join(a.data, "yosys_logic.csv")
    mem_csv = os.path.join(a.data, "yosys_memories.csv")
    if not a.fit_only:
        # The preset supplies what the points leave alone (the DRAM beat and burst, the LFSR seed).
        preset = synth.preset_params(os.path.join(a.gen_dir, "params", "sinkattn_params_sinkattn.svh"))
        todo = [(b, role, p) for b, pts in POINTS.items() if a.only is None or b in a.only
                for role, p in pts if a.points in ("all", role)][:a.limit]
        interactive = sys.stderr.isatty()
        for i, (block, role, p) in enumerate(todo):
            values = {**numerics, **preset, **BASE, **p}
            key = params_key(block, values, model)
            # Read again before every point: another run may be filling the same CSV.
            if (block, key) in {(r["block"], r["params"]) for r in read_rows(logic_csv)}:
                continue
            if interactive:
                print(f"[{i + 1}/{len(todo)}] {block} {key} ...", file=sys.stderr, flush=True)
            t0 = time.time()
            with tempfile.TemporaryDirectory() as work:
                gates, mems = yosys_point(block, values, a.gen_dir, work)
            secs = round(time.time() - t0, 1)
            append_rows(logic_csv, [{"block": block, "role": role, "params": key, "gates": sum(gates.values()),
                                     "cell_counts": " ".join(f"{c}={n}" for c, n in sorted(gates.items())),
                                     "yosys_seconds": secs}], LOGIC_FIELDS)
            append_rows(mem_csv, [{"block": block, "params": key, **{k: m[k] for k in MEM_FIELDS[2:]}} for m in mems],
                        MEM_FIELDS)
            print(f"{block} {key}: {sum(gates.values())} gates, {len(mems)} memories, {secs} s", file=sys.stderr)
    if not a.no_fit:
        fit(model, a.data, os.path.join(os.path.dirname(a.model), model["fit_file"]), numerics)


if __name__ == "__main__":
    main()
