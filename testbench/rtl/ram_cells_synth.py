#!/usr/bin/env python3
"""The SRAM cells are real memories to Yosys 0.23.

For each geometry: (1) generic synthesis up to memory inference (`proc; opt; memory -nomap`)
leaves exactly one $mem_v2 with one write port and one read port whose read is clocked
(registered), so any SRAM compiler's two-port or single-port macro fits it; (2) `synth_xilinx`
maps it entirely to block RAM (no memory left for the LUT/flip-flop mapper, no storage
flip-flops), using at least the capacity bound ceil(bits / 36 Kbit) and at most twice it.

Usage: ram_cells_synth.py RTL_CELLS_DIR
"""
import json
import os
import sys

from yosys_memories import bram36_bound, param, run_cases, yosys

# cell, Width, Depth, MaskBits, WriteFirst (ram_2p's bypass: its registers sit outside the array)
CASES = [
    ("ram_2p", 48, 4096, 48, 0),   # importance-store-like words, one word enable
    ("ram_2p", 64, 1024, 8, 0),    # byte enables
    ("ram_2p", 64, 2048, 64, 1),   # K/V-store-like cell with the write-first bypass
    ("ram_1p", 72, 2048, 72, 0),   # single port
    ("ram_1p", 32, 8192, 8, 0),    # single port, byte enables
]


def check(cells_dir, cell, width, depth, mask_bits, write_first, work):
    src = os.path.abspath(os.path.join(cells_dir, f"{cell}.sv"))
    chparam = (f"chparam -set Width {width} -set Depth {depth} -set MaskBits {mask_bits}"
               + (f" -set WriteFirst {write_first}" if cell == "ram_2p" else "") + f" {cell}")
    where = f"{cell} {depth}x{width} (MaskBits {mask_bits}{', WriteFirst' if write_first else ''})"
    errors = []

    # (1) Inferred memory: one $mem_v2, one write and one read port, registered read.
    yosys(f"read_verilog -sv {src}; {chparam}; hierarchy -top {cell}; proc; opt; memory -nomap; "
          f"write_json {work}/mem.json", work)
    with open(f"{work}/mem.json") as f:
        mod = json.load(f)["modules"][cell]
    mems = [c for c in mod["cells"].values() if c["type"] == "$mem_v2"]
    if len(mems) != 1:
        errors.append(f"{len(mems)} inferred memories, expected 1")
    else:
        m = mems[0]
        got = (param(m, "SIZE"), param(m, "WIDTH"), param(m, "RD_PORTS"), param(m, "WR_PORTS"),
               param(m, "RD_CLK_ENABLE"))
        if got != (depth, width, 1, 1, 1):
            errors.append(f"memory (words, width, read ports, write ports, clocked read) = {got}, "
                          f"expected {(depth, width, 1, 1, 1)}")

    # (2) FPGA mapping: all block RAM, within the capacity bound.
    yosys(f"read_verilog -sv {src}; {chparam}; synth_xilinx -top {cell}; tee -q -o {work}/stat.json stat -json",
          work)
    with open(f"{work}/stat.json") as f:
        stat = json.load(f)["design"]
    types = stat["num_cells_by_type"]
    bram36 = types.get("RAMB36E1", 0) + 0.5 * types.get("RAMB18E1", 0)
    bound = bram36_bound(depth, width)
    flops = sum(n for t, n in types.items() if t.startswith("FD"))
    if stat["num_memories"] != 0:
        errors.append(f"{stat['num_memories']} memories left unmapped")
    if not bound <= bram36 <= 2 * bound:
        errors.append(f"{bram36} RAMB36 equivalents, expected {bound} .. {2 * bound}")
    # Address/output registers (and the bypass's data and hit registers) at most; storage in
    # flip-flops would be depth x width.
    if flops > (4 if write_first else 2) * width:
        errors.append(f"{flops} flip-flops: storage was not mapped to block RAM")
    print(f"{where}: {bram36:g} RAMB36 (bound {bound}), {flops} flip-flops"
          + ("" if not errors else " -- FAIL: " + "; ".join(errors)))
    return not errors


if __name__ == "__main__":
    sys.exit(run_cases(check, CASES, __doc__))
