#!/usr/bin/python3
"""The on-chip memory inventory (`sinkattn area --memories`, model/src/area_memories.cpp) against
the memories Yosys infers from the top's RTL, live, at several small hardware configurations:
lanes that are and are not powers of two, Q.K and P.V lanes that differ, a sink SRAM smaller than
a beat, alive-bitmap words of 2, 4 and 8 tokens.

For each configuration the test writes a preset (base: sinkattn_hw_tiny, whose short window and
budget fit small hardware, with the hw overrides), asks the
CLI for the inventory, runs Yosys's front end on sinkattn_top with the datapath blocks as black
boxes (scripts/synth.py, up to the coarse netlist) and compares, memory by memory and bank by
bank, words, width and ports. It also holds the top to the RTL rules of DESIGN.md: every memory has
at most two ports, and every memory above a register file's size has a registered read.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import synth  # noqa: E402

# Register files the top keeps with a combinational read (small: a distributed RAM on an FPGA).
REGISTER_FILE_MAX_BITS = 1024

# (name, hw overrides, policy overrides)
POINTS = [
    ("tiny", dict(head_dim=8, qk_lanes=2, pv_lanes=2, max_tokens=64, max_layers=2, max_q_heads=4, max_kv_heads=2,
                  sink_sram_tokens=4, topk_parallelism=4, scan_width=4, out_lanes=2), {}),
    ("odd_lanes", dict(head_dim=8, qk_lanes=3, pv_lanes=5, max_tokens=104, max_layers=2, max_q_heads=4,
                       max_kv_heads=2, sink_sram_tokens=6, topk_parallelism=8, scan_width=2, out_lanes=4), {}),
    ("sinks_below_a_beat", dict(head_dim=16, qk_lanes=4, pv_lanes=1, max_tokens=128, max_layers=4, max_q_heads=8,
                                max_kv_heads=4, sink_sram_tokens=2, topk_parallelism=4, scan_width=8, out_lanes=16),
     {"sinks": 2}),
]

PARAM = {"head_dim": "HeadDim", "qk_lanes": "QkLanes", "pv_lanes": "PvLanes", "max_tokens": "MaxTokens",
         "max_layers": "MaxLayers", "max_q_heads": "MaxQHeads", "max_kv_heads": "MaxKvHeads",
         "sink_sram_tokens": "SinkSramTokens", "topk_parallelism": "TopkParallelism", "scan_width": "ScanWidth",
         "out_lanes": "OutLanes"}


def inventory(cli, name, hw, policy, work):
    path = os.path.join(work, name + ".yaml")
    with open(path, "w") as f:
        f.write(f"name: {name}\ndescription: area_memories_yosys point\nbase: sinkattn_hw_tiny\nhw:\n")
        for k, v in hw.items():
            f.write(f"  {k}: {v}\n")
        if policy:
            f.write("policy:\n")
            for k, v in policy.items():
                f.write(f"  {k}: {v}\n")
    out = os.path.join(work, name + ".json")
    subprocess.run([cli, "area", "--config", path, "--json", out, "--quiet"], check=True)
    with open(out) as f:
        mems = json.load(f)["memories"]
    rows = set()
    for m in mems:
        if m["name"].startswith(("u_sm.", "u_topk.")):  # inside the black-boxed datapath blocks
            continue
        for b in range(m["banks"]):
            n = m["name"].replace("[]", f"[{b}]", 1)
            rows.add((n, m["words"], m["width"], m["read_ports"], m["write_ports"]))
    return rows


def yosys_memories(hw, gen_dir, work, name):
    values = synth.preset_params(os.path.join(gen_dir, "sinkattn_numerics_pkg.sv"))
    values.update({PARAM[k]: v for k, v in hw.items()})
    values.update(TopkLfsrSeed=44257, DramBytesPerCycle=16, DramBurstBytes=64)
    read, _ = synth.elaborate("top", values, gen_dir)
    top = synth.BLOCKS["top"][0]
    boxes = "blackbox " + " ".join("*" + b for b in synth.DATAPATH) + "; "
    dump = os.path.join(work, name + "_mem.txt")
    synth.run_yosys(f"{read}hierarchy -top {top}; {boxes}synth -flatten -top {top} -run begin:fine; "
                    f"tee -q -o {dump} dump t:$mem_v2", os.path.join(work, name + "_yosys.log"))
    with open(dump) as f:
        return synth.memories(f.read())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", required=True, help="the sinkattn binary")
    ap.add_argument("--gen-dir", required=True, help="generated RTL (build/generated/rtl)")
    a = ap.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="area_memories_yosys.") as work:
        for name, hw, policy in POINTS:
            modeled = inventory(a.cli, name, hw, policy, work)
            mems = yosys_memories(hw, a.gen_dir, work, name)
            inferred = {(m["memory"], m["words"], m["width"], m["read_ports"], m["write_ports"]) for m in mems}
            for row in sorted(modeled - inferred):
                print(f"FAIL {name}: the inventory has {row}, Yosys does not")
                failures += 1
            for row in sorted(inferred - modeled):
                print(f"FAIL {name}: Yosys infers {row}, the inventory does not")
                failures += 1
            for m in mems:
                if m["read_ports"] + m["write_ports"] > 2:
                    print(f"FAIL {name}: {m['memory']} has {m['read_ports']}R{m['write_ports']}W, more than two ports")
                    failures += 1
                if m["read"] != "registered" and m["bits"] > REGISTER_FILE_MAX_BITS:
                    print(f"FAIL {name}: {m['memory']} ({m['bits']} bits) has a {m['read']} read")
                    failures += 1
            print(f"{name}: {len(mems)} memories, {sum(m['bits'] for m in mems)} bits, "
                  f"{sum(m['read'] == 'registered' for m in mems)} with a registered read")
    if failures:
        print(f"area_memories_yosys: {failures} failure(s)")
        return 1
    print("area_memories_yosys: inventory matches Yosys at every point")
    return 0


if __name__ == "__main__":
    sys.exit(main())
