#!/usr/bin/python3
"""Turns a Google Benchmark JSON file into the table scripts/bench.sh prints."""
import json
import sys


def golden(path):
    with open(path) as f:
        runs = {b["name"].split("/")[1]: b for b in json.load(f)["benchmarks"]
                if b.get("run_type", "iteration") == "iteration"}
    print(f"{'preset':<10} {'time_ms':>10} {'MAC/s':>12} {'MACs':>14} {'token_reads':>12}")
    for name, b in runs.items():
        print(f"{name:<10} {b['real_time']:>10.1f} {b['mac_per_s']:>12.3e} {b['macs']:>14.0f} {b['token_reads']:>12.0f}")
    d, s = runs["dense"], runs["sinkattn"]
    t_ratio = d["real_time"] / s["real_time"]
    r_ratio = d["token_reads"] / s["token_reads"]
    m_ratio = d["macs"] / s["macs"]
    print(f"dense/sinkattn: time ratio {t_ratio:.2f}, attended-token ratio {r_ratio:.2f}, "
          f"MAC ratio {m_ratio:.2f}; time tracks tokens to {t_ratio / r_ratio:.2f}x")


if __name__ == "__main__":
    {"golden": golden}[sys.argv[1]](sys.argv[2])
