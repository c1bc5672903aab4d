#!/usr/bin/python3
"""Synthesize RTL blocks with Yosys for one preset and write one CSV row per block.

Usage: synth.py --preset-svh FILE --gen-dir DIR --out CSV [--set Name=value ...]
                [--macro-bits N] [BLOCK ...]

--set overrides one preset parameter (for a quick synthesizability check at small sizes, which
the normal test run does); the override is recorded in the CSV's params column. The preset's own
sizes take minutes and run under the slow label.

Each block is synthesized twice: generic `synth` (logic cells, every inferred memory kept as an
SRAM or ROM macro, as an ASIC flow hands memories to an SRAM compiler) and `synth_xilinx` (LUT,
FF, DSP, BRAM: the memories go to the FPGA memory mapper). Block parameters come from the
preset's generated header and the numeric contract's (GEN_DIR/sinkattn_numerics_pkg.sv), never
from this script. Each row has the block's memory bits, a block-RAM lower bound and Yosys's run
time.

The block `top` is synthesized bottom-up, as large designs are: every datapath block on its own
(one row each), then the top's own logic (controller, K/V fetch, muxing, counters) with those
blocks as black boxes (row `top_logic`, also alone as the block `top_logic`), and a `top_total`
row that adds them up. The top's memories (words, width, ports, read style: the SRAM macro list of
the ASIC view) go to a second CSV next to --out (`*_memories.csv`). --macro-bits N keeps memories
of at least N bits out of the FPGA memory mapper as opaque macros (default 0: none).
"""
import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def top_files():
    """The top's sources (rtl/sinkattn_top.files), "@GEN@/" for the generated directory."""
    with open(os.path.join(ROOT, "rtl", "sinkattn_top.files")) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


# Block -> (top module, RTL files, {module parameter: preset parameter name, or a literal
# string in quotes}). "@GEN@" in a literal is the generated-files directory. The softmax unit and
# the P.V lanes are built as the top builds them: groups of up to PvLanes rows.
BLOCKS = {
    "qk_lanes": ("qk_lanes", ["@GEN@/sinkattn_numerics_pkg.sv", "rtl/qk_lanes_lane.sv", "rtl/qk_lanes.sv"], {"HeadDim": "HeadDim", "QkLanes": "QkLanes"}),
    "pv_lanes": ("pv_lanes", ["@GEN@/sinkattn_numerics_pkg.sv", "rtl/pv_lanes_elem.sv", "rtl/pv_lanes.sv"],
                 {"HeadDim": "HeadDim", "PvLanes": "PvLanes", "MaxTokens": "MaxTokens", "OutLanes": "OutLanes"}),
    "softmax_unit": ("softmax_unit", ["@GEN@/sinkattn_numerics_pkg.sv", "rtl/cells/sync_fifo.sv", "rtl/cells/row_issue.sv",
                                      "rtl/cells/ram_2p.sv", "rtl/softmax_unit.sv"],
                     {"MaxTokens": "MaxTokens", "MaxGroup": "PvLanes", "Exp2LutFile": '"@GEN@/exp2_lut.hex"',
                      "RecipLutFile": '"@GEN@/recip_lut.hex"'}),
    "topk_engine": ("topk_engine", ["rtl/cells/ram_2p.sv", "rtl/topk_engine.sv"],
                    {"TopkParallelism": "TopkParallelism", "ScoreW": "ImportanceBits", "MaxN": "MaxTokens",
                     "TopkLfsrSeed": "TopkLfsrSeed"}),
    # Bottom-up: the datapath blocks above, then this with them as black boxes.
    "top": ("sinkattn_top", top_files(),
            {"HeadDim": "HeadDim", "QkLanes": "QkLanes", "PvLanes": "PvLanes", "MaxTokens": "MaxTokens",
             "MaxLayers": "MaxLayers", "MaxQHeads": "MaxQHeads", "MaxKvHeads": "MaxKvHeads",
             "SinkSramTokens": "SinkSramTokens", "TopkParallelism": "TopkParallelism",
             "TopkLfsrSeed": "TopkLfsrSeed", "ScanWidth": "ScanWidth", "OutLanes": "OutLanes",
             "DramBytesPerCycle": "DramBytesPerCycle",
             "DramBurstBytes": "DramBurstBytes",
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


DATAPATH = ["qk_lanes", "pv_lanes", "softmax_unit", "topk_engine"]
# Blocks built of identical slices and without memories: their generic flow keeps the hierarchy,
# so Yosys maps the slice once and `stat` counts it as often as it is instantiated (bottom-up, as
# large designs are synthesized); within 1 % of the flattened cell count. Their synth_xilinx run
# flattens them (a few seconds more), since LUT mapping across the slices' ports halves the LUTs. Flattened, pv_lanes' 128 element slices and qk_lanes' 4 lanes took
# 13 of the flow's 34 minutes (rtl/README.md, "Synthesis").
HIERARCHICAL = {"qk_lanes", "pv_lanes"}
BRAM36_BITS = 36 * 1024


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


def elaborate(name, values, gen_dir):
    """Yosys commands that read a block and set its parameters, and the resolved parameters."""
    top, files, params = BLOCKS[name]
    resolved = {p: (v.replace("@GEN@", gen_dir) if v.startswith('"') else values[v]) for p, v in params.items()}
    chparams = [f"-set {p} {v}" for p, v in resolved.items()]
    # -defer: parameters (the table paths among them) are set before elaboration reads them.
    paths = [f.replace("@GEN@", gen_dir) if f.startswith("@GEN@") else os.path.join(ROOT, f) for f in files]
    read = f"read_verilog -defer -sv -I{gen_dir} " + " ".join(paths)
    chp = f"chparam {' '.join(chparams)} {top}; " if chparams else ""
    return read + "; " + chp, resolved


def row(name, top, resolved, cells, xc):
    """One CSV row from the generic cell count and the synth_xilinx cell types."""
    lut = sum(n for c, n in xc.items() if re.match(r"LUT\d$", c))
    ff = sum(n for c, n in xc.items() if re.match(r"FD[RSCPE]*$", c))
    dsp = sum(n for c, n in xc.items() if c.startswith("DSP48"))
    bram = sum(n for c, n in xc.items() if c.startswith("RAMB"))
    lutram = sum(n for c, n in xc.items() if c.startswith("RAM") and not c.startswith("RAMB"))
    carry = sum(n for c, n in xc.items() if c.startswith("CARRY"))
    return {"block": name, "top": top, "cells": cells, "lut": lut, "ff": ff, "dsp": dsp, "bram": bram,
            "lutram": lutram, "carry": carry, "macro_bits": 0, "macro_bram36_lower_bound": 0,
            "memory_bits": 0, "memory_bram36_lower_bound": 0, "yosys_seconds": 0,
            "params": " ".join(f"{p}={v}" for p, v in resolved.items() if not str(v).startswith('"'))}


def generic_logic(head, top, work, name, flatten=True):
    """The generic (ASIC) flow: every inferred memory kept as one SRAM or ROM macro (an SRAM
    compiler's job, not the gate mapper's: mapped to gates, a block's banks and tables become
    flip-flops and read-mux trees that dominate its cell count and Yosys's run time), the rest
    mapped to generic gates. Returns the logic cells (macros and black boxes excluded), the
    memories and the log."""
    dump_file = os.path.join(work, name + "_memories.txt")
    # Flattened, so that every instance of a memory cell is its own $mem_v2 (one per bank); a
    # block without memories may keep its hierarchy (HIERARCHICAL), and `stat`'s last section is
    # then the whole hierarchy's.
    fl = "-flatten " if flatten else ""
    log = run_yosys(f"{head}synth {fl}-top {top} -run begin:fine; tee -q -o {dump_file} dump t:$mem_v2; "
                    f"chtype -set $__sram_macro t:$mem_v2; synth {fl}-top {top} -run fine:; stat",
                    os.path.join(work, name + "_synth.log"))
    with open(dump_file) as f:
        mems = memories(f.read())
    cells, gc = last_stat(log)
    opaque = sum(n for c, n in gc.items() if c == "$__sram_macro" or any(c.endswith(b) for b in DATAPATH))
    for m in mems:
        # Block RAM if each memory were one simple-dual-port RAM per read port (a lower bound:
        # widths and depths rarely fill a RAMB36 exactly).
        m["bram36_lower_bound"] = -(-m["bits"] // BRAM36_BITS) * m["read_ports"]
    return cells - opaque, mems


def synth(name, values, gen_dir, work):
    t0 = time.time()
    top = BLOCKS[name][0]
    read, resolved = elaborate(name, values, gen_dir)
    cells, mems = generic_logic(f"{read}hierarchy -top {top}; ", top, work, name, flatten=name not in HIERARCHICAL)
    fl = "-flatten " if name in HIERARCHICAL else ""
    xil = run_yosys(f"{read}synth_xilinx {fl}-top {top}; stat", os.path.join(work, name + "_xilinx.log"))
    r = row(name, top, resolved, cells, last_stat(xil)[1])
    r["memory_bits"] = sum(m["bits"] for m in mems)
    r["memory_bram36_lower_bound"] = sum(m["bram36_lower_bound"] for m in mems)
    r["yosys_seconds"] = round(time.time() - t0, 1)
    return r


MEM_PARAM = re.compile(r"^\s+parameter \\(SIZE|WIDTH|RD_PORTS|WR_PORTS|RD_CLK_ENABLE) (\S+)", re.M)


def memories(dump):
    """The $mem_v2 cells of a Yosys `dump`: name, words, width, ports and read style."""
    mems = []
    for cell in re.split(r"^\s*cell \$mem_v2 ", dump, flags=re.M)[1:]:
        name = cell.split()[0].lstrip("\\")
        p = dict(MEM_PARAM.findall(cell))
        clk = p["RD_CLK_ENABLE"].split("'")[-1]
        mems.append({"memory": name, "words": int(p["SIZE"]), "width": int(p["WIDTH"]),
                     "bits": int(p["SIZE"]) * int(p["WIDTH"]), "read_ports": int(p["RD_PORTS"]),
                     "write_ports": int(p["WR_PORTS"]),
                     "read": "registered" if set(clk) == {"1"} else "combinational" if set(clk) == {"0"} else "mixed"})
    return mems


def synth_top_logic(values, gen_dir, work, macro_bits):
    """The top with its datapath blocks as black boxes. The generic flow keeps every memory as a
    macro (generic_logic); synth_xilinx maps them to block RAM, or keeps those of at least
    macro_bits bits out as SRAM macros (0: none)."""
    t0 = time.time()
    top = BLOCKS["top"][0]
    read, resolved = elaborate("top", values, gen_dir)
    boxes = "blackbox " + " ".join("*" + b for b in DATAPATH) + "; "
    head = f"{read}hierarchy -top {top}; {boxes}"
    cells, mems = generic_logic(head, top, work, "top")
    macros = [m for m in mems if macro_bits and m["bits"] >= macro_bits]
    for m in mems:
        m["macro"] = m in macros
    keep = ("chtype -set $__sram_macro " + " ".join(f"*/{m['memory']}" for m in macros) + "; ") if macros else ""
    xil = run_yosys(f"{head}synth_xilinx -top {top} -run begin:map_memory; {keep}"
                    f"synth_xilinx -top {top} -run map_memory:; stat", os.path.join(work, "top_xilinx.log"))
    logic = row("top_logic", top, resolved, cells, last_stat(xil)[1])
    logic["memory_bits"] = sum(m["bits"] for m in mems)
    logic["macro_bits"] = sum(m["bits"] for m in macros)
    logic["macro_bram36_lower_bound"] = sum(m["bram36_lower_bound"] for m in macros)
    logic["memory_bram36_lower_bound"] = sum(m["bram36_lower_bound"] for m in mems)
    logic["yosys_seconds"] = round(time.time() - t0, 1)
    return logic, mems


def synth_top(values, gen_dir, work, macro_bits):
    """Bottom-up synthesis of the top: the blocks' rows, the top's own logic and the total."""
    rows = []
    for b in DATAPATH:
        rows.append(synth(b, values, gen_dir, work))
        report(rows[-1])
    logic, mems = synth_top_logic(values, gen_dir, work, macro_bits)
    rows.append(logic)
    report(logic)
    total = dict(logic, block="top_total")
    for k in ("cells", "lut", "ff", "dsp", "bram", "lutram", "carry", "macro_bits", "macro_bram36_lower_bound",
              "memory_bits", "memory_bram36_lower_bound", "yosys_seconds"):
        total[k] = round(sum(r[k] for r in rows), 1)
    rows.append(total)
    return rows, mems


def report(r):
    print(f"synthesized {r['block']}: {r['cells']} cells, {r['lut']} LUT, {r['ff']} FF, "
          f"{r['dsp']} DSP, {r['bram']} BRAM", file=sys.stderr)


def write_csv(path, rows):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset-svh", required=True)
    ap.add_argument("--gen-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--set", action="append", default=[], metavar="Name=value",
                    help="override a preset parameter")
    ap.add_argument("--macro-bits", type=int, default=0, metavar="N",
                    help="top: memories of at least N bits stay SRAM macros, the ASIC view "
                         "(default 0: every memory goes to the FPGA memory mapper)")
    ap.add_argument("blocks", nargs="*")
    a = ap.parse_args()
    values = preset_params(os.path.join(a.gen_dir, "sinkattn_numerics_pkg.sv"))
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
        if n not in BLOCKS and n != "top_logic":
            raise SystemExit(f"error: synth.py: block: unknown block '{n}' "
                             f"(have: {', '.join(sorted(BLOCKS) + ['top_logic'])})")
    if a.macro_bits < 0:
        raise SystemExit(f"error: synth.py: --macro-bits: {a.macro_bits} is not a bit count (0: no macros)")
    if "top" in names:  # the top's rows include every datapath block
        names = [n for n in names if n not in DATAPATH]
    rows, mems = [], []
    with tempfile.TemporaryDirectory() as work:
        for n in names:
            if n == "top":
                top_rows, mems = synth_top(values, a.gen_dir, work, a.macro_bits)
                rows += top_rows
            elif n == "top_logic":  # the top's own logic and memories, the blocks as black boxes
                logic, mems = synth_top_logic(values, a.gen_dir, work, a.macro_bits)
                rows.append(logic)
                report(logic)
            else:
                rows.append(synth(n, values, a.gen_dir, work))
                report(rows[-1])
    write_csv(a.out, rows)
    if mems:
        write_csv(re.sub(r"(\.csv)?$", "_memories.csv", a.out, count=1), mems)


if __name__ == "__main__":
    main()
