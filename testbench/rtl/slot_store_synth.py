#!/usr/bin/env python3
"""The slot store's cells are real memories to Yosys 0.23 (rtl/sinkattn_slot_store.sv).

At each geometry: (1) generic synthesis up to memory inference (`flatten; proc; opt; memory
-nomap`) leaves exactly three $mem_v2, the order array, the scores and {n, next}, each with one
write port and one clocked read port and the words and width the block's parameters give;
(2) `synth_xilinx` maps them all (no memory left, no storage in flip-flops), those of 512 words
and more to block RAM at least at their capacity bound.

Usage: slot_store_synth.py RTL_DIR
"""
import json
import os
import sys

from yosys_memories import bram36_bound, param, run_cases, yosys

# MaxLayers, MaxKvHeads, Slots, ScanWidth, MaxTokens (ScoreW: the numeric contract's 48)
GEOMETRIES = [
    (8, 4, 128, 8, 4096),   # words of 8 entries, a 4096-token context
    (4, 3, 48, 16, 1000),   # lists and scopes not powers of two, wide words
]
SCORE_W = 48


def clog2(v):
    return (v - 1).bit_length() if v > 1 else 0


def check(rtl, layers, kv, slots, scan, tokens, work):
    srcs = " ".join(os.path.abspath(os.path.join(rtl, f)) for f in ("cells/ram_2p.sv", "sinkattn_slot_store.sv"))
    chparam = (f"chparam -set MaxLayers {layers} -set MaxKvHeads {kv} -set Slots {slots} -set ScanWidth {scan} "
               f"-set MaxTokens {tokens} -set ScoreW {SCORE_W} sinkattn_slot_store")
    where = f"{layers} scopes x {kv} lists x {slots} slots (words of {scan}), {tokens} tokens"
    lists, tok_w = layers * kv, clog2(tokens + 1)
    want = {  # cell: (words, width)
        "u_ord": (lists * slots // scan, scan * (layers + tok_w)),
        "u_score": (lists * slots, SCORE_W),
        "u_len": (max(2, lists), clog2(slots + 1) + tok_w),
    }
    errors = []

    # (1) Inferred memories.
    yosys(f"read_verilog -sv {srcs}; {chparam}; hierarchy -top sinkattn_slot_store; flatten; proc; opt; "
          f"memory -nomap; write_json {work}/mem.json", work)
    with open(f"{work}/mem.json") as f:
        mod = json.load(f)["modules"]["sinkattn_slot_store"]
    mems = {name.split(".")[0].lstrip("\\"): c for name, c in mod["cells"].items() if c["type"] == "$mem_v2"}
    if sorted(mems) != sorted(want):
        errors.append(f"inferred memories {sorted(mems)}, expected {sorted(want)}")
    for name, (words, width) in want.items():
        if name not in mems:
            continue
        m = mems[name]
        got = (param(m, "SIZE"), param(m, "WIDTH"), param(m, "RD_PORTS"), param(m, "WR_PORTS"), param(m, "RD_CLK_ENABLE"))
        if got != (words, width, 1, 1, 1):
            errors.append(f"{name}: (words, width, read ports, write ports, clocked read) = {got}, "
                          f"expected {(words, width, 1, 1, 1)}")

    # (2) FPGA mapping.
    yosys(f"read_verilog -sv {srcs}; {chparam}; synth_xilinx -flatten -top sinkattn_slot_store; "
          f"tee -q -o {work}/stat.json stat -json", work)
    with open(f"{work}/stat.json") as f:
        stat = json.load(f)["design"]
    types = stat["num_cells_by_type"]
    bram36 = types.get("RAMB36E1", 0) + 0.5 * types.get("RAMB18E1", 0)
    # Memories of 512 words and more (a block RAM's shallowest full-width shape); the mapper may
    # keep a shallower one in distributed RAM.
    bound = sum(bram36_bound(w, b) for w, b in want.values() if w >= 512)
    flops = sum(n for t, n in types.items() if t.startswith("FD"))
    if stat["num_memories"] != 0:
        errors.append(f"{stat['num_memories']} memories left unmapped")
    if bram36 < bound:
        errors.append(f"{bram36} RAMB36 equivalents, below the capacity bound {bound}")
    # The controller's registers and the cells' read registers; the smallest memory's storage
    # alone would be more.
    if flops > 8 * (want["u_ord"][1] + SCORE_W):
        errors.append(f"{flops} flip-flops: storage was not mapped to RAM")
    print(f"{where}: {bram36:g} RAMB36 (bound {bound}), {types.get('RAM32M', 0) + types.get('RAM64M', 0)} "
          f"distributed RAM cells, {flops} flip-flops" + ("" if not errors else " -- FAIL: " + "; ".join(errors)))
    return not errors


if __name__ == "__main__":
    sys.exit(run_cases(check, GEOMETRIES, __doc__))
