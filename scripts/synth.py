#!/usr/bin/python3
"""Synthesize RTL blocks with Yosys for one preset and write one CSV row per block.

Usage: synth.py --preset-svh FILE --gen-dir DIR --out CSV [--set Name=value ...] [BLOCK ...]

--set overrides one preset parameter (for a quick synthesizability check at small sizes, which
the normal test run does, or a smaller MaxTokens for the top, whose memories are plain arrays);
the override is recorded in the CSV's params column. The preset's own sizes take minutes and
run under the slow label.

Each block is synthesized twice: generic `synth` (cell count) and `synth_xilinx` (LUT, FF, DSP,
BRAM). Block parameters come from the preset's generated header and the numeric contract's
(GEN_DIR/sinkattn_numerics.svh), never from this script.
"""
import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Block -> (top module, RTL files, {module parameter: preset parameter name, or a literal
# string in quotes}). "@GEN@" in a literal is the generated-files directory.
BLOCKS = {
    "qk_lanes": ("qk_lanes", ["rtl/qk_lanes.sv"], {"HeadDim": "HeadDim", "QkLanes": "QkLanes"}),
    "pv_lanes": ("pv_lanes", ["rtl/pv_lanes.sv"],
                 {"HeadDim": "HeadDim", "PvLanes": "PvLanes", "MaxTokens": "MaxTokens"}),
    "softmax_unit": ("softmax_unit", ["rtl/softmax_unit.sv"],
                     {"MaxTokens": "MaxTokens", "Exp2LutFile": '"@GEN@/exp2_lut.hex"',
                      "RecipLutFile": '"@GEN@/recip_lut.hex"'}),
    "topk_engine": ("topk_engine", ["rtl/topk_engine.sv"],
                    {"P": "TopkParallelism", "ScoreW": "ImportanceBits", "MaxN": "MaxTokens",
                     "LfsrSeed": "TopkLfsrSeed"}),
    "top": ("sinkattn_top",
            ["rtl/sinkattn_top.sv", "rtl/kv_fetch.sv", "rtl/qk_lanes.sv", "rtl/softmax_unit.sv", "rtl/pv_lanes.sv",
             "rtl/topk_engine.sv"],
            {"HeadDim": "HeadDim", "QkLanes": "QkLanes", "PvLanes": "PvLanes", "MaxTokens": "MaxTokens",
             "MaxLayers": "MaxLayers", "MaxQHeads": "MaxQHeads", "MaxKvHeads": "MaxKvHeads",
             "SinkTokens": "SinkSramTokens", "TopkP": "TopkParallelism", "LfsrSeed": "TopkLfsrSeed",
             "BusBytes": "DramBytesPerCycle", "BurstBytes": "DramBurstBytes",
             "Exp2LutFile": '"@GEN@/exp2_lut.hex"', "RecipLutFile": '"@GEN@/recip_lut.hex"'}),
}


def preset_params(svh):
    vals = {}
    with open(svh) as f:
        for line in f:
            m = re.match(r"\s*localparam int (\w+) = (-?\d+);", line)
            if m:
                vals[m.group(1)] = int(m.group(2))
    return vals


def run_yosys(script, log_name):
    r = subprocess.run(["yosys", "-q", "-l", log_name, "-p", script], capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit(f"yosys failed, see {log_name}")
    with open(log_name) as f:
        return f.read()


def last_stat(log):
    """Cell counts of the last `stat` in a log: {cell type: count} and the total."""
    block = log[log.rfind("Number of cells:"):]
    total = int(re.search(r"Number of cells:\s+(\d+)", block).group(1))
    cells = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\$?\w+)\s+(\d+)\s*$", block, re.M)}
    return total, cells


def synth(name, values, gen_dir, work):
    top, files, params = BLOCKS[name]
    resolved = {p: (v.replace("@GEN@", gen_dir) if v.startswith('"') else values[v]) for p, v in params.items()}
    chparams = [f"-set {p} {v}" for p, v in resolved.items()]
    # -defer: parameters (the table paths among them) are set before elaboration reads them.
    read = f"read_verilog -defer -sv -I{gen_dir} " + " ".join(os.path.join(ROOT, f) for f in files)
    chp = f"chparam {' '.join(chparams)} {top}; " if chparams else ""
    generic = run_yosys(f"{read}; {chp}synth -top {top}; stat", os.path.join(work, name + "_synth.log"))
    xil = run_yosys(f"{read}; {chp}synth_xilinx -top {top}; stat", os.path.join(work, name + "_xilinx.log"))
    cells, _ = last_stat(generic)
    _, xc = last_stat(xil)
    lut = sum(n for c, n in xc.items() if re.match(r"LUT\d$", c))
    ff = sum(n for c, n in xc.items() if re.match(r"FD[RSCPE]*$", c))
    dsp = sum(n for c, n in xc.items() if c.startswith("DSP48"))
    bram = sum(n for c, n in xc.items() if c.startswith("RAMB"))
    lutram = sum(n for c, n in xc.items() if c.startswith("RAM") and not c.startswith("RAMB"))
    carry = sum(n for c, n in xc.items() if c.startswith("CARRY"))
    return {"block": name, "top": top, "cells": cells, "lut": lut, "ff": ff, "dsp": dsp, "bram": bram,
            "lutram": lutram, "carry": carry,
            "params": " ".join(f"{p}={v}" for p, v in resolved.items() if not str(v).startswith('"'))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset-svh", required=True)
    ap.add_argument("--gen-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--set", action="append", default=[], metavar="Name=value",
                    help="override a preset parameter")
    ap.add_argument("blocks", nargs="*")
    a = ap.parse_args()
    values = preset_params(os.path.join(a.gen_dir, "sinkattn_numerics.svh"))
    values.update(preset_params(a.preset_svh))
    for item in a.set:
        m = re.fullmatch(r"(\w+)=(-?\d+)", item)
        if not m:
            raise SystemExit(f"error: synth.py: --set: '{item}' is not Name=integer")
        if m.group(1) not in values:
            raise SystemExit(f"error: synth.py: --set: unknown parameter '{m.group(1)}'")
        values[m.group(1)] = int(m.group(2))
    names = a.blocks or sorted(n for n in BLOCKS if n != "top")
    for n in names:
        if n not in BLOCKS:
            raise SystemExit(f"error: synth.py: block: unknown block '{n}' (have: {', '.join(sorted(BLOCKS))})")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for n in names:
            rows.append(synth(n, values, a.gen_dir, work))
            print(f"synthesized {n}: {rows[-1]['cells']} cells, {rows[-1]['lut']} LUT, {rows[-1]['ff']} FF, "
                  f"{rows[-1]['dsp']} DSP, {rows[-1]['bram']} BRAM", file=sys.stderr)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
