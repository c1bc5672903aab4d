#!/usr/bin/python3
"""Turns a Google Benchmark JSON file into the table scripts/bench.sh prints."""
import json
import sys


def golden(path):
    # Names look like "BM_Golden/dense/threads:1/real_time".
    with open(path) as f:
        runs = {}
        for b in json.load(f)["benchmarks"]:
            if b.get("run_type", "iteration") != "iteration":
                continue
            parts = b["name"].split("/")
            runs[(parts[1], int(parts[2].split(":")[1]))] = b
    print(f"{'preset':<10} {'threads':>7} {'time_ms':>10} {'MAC/s':>12} {'MACs':>14} {'token_reads':>12}")
    for (name, threads), b in sorted(runs.items()):
        print(f"{name:<10} {threads:>7} {b['real_time']:>10.1f} {b['mac_per_s']:>12.3e} {b['macs']:>14.0f} "
              f"{b['token_reads']:>12.0f}")
    for threads in sorted({t for _, t in runs}):
        d, s = runs[("dense", threads)], runs[("sinkattn", threads)]
        t_ratio = d["real_time"] / s["real_time"]
        r_ratio = d["token_reads"] / s["token_reads"]
        m_ratio = d["macs"] / s["macs"]
        print(f"{threads} thread(s), dense/sinkattn: time ratio {t_ratio:.2f}, attended-token ratio {r_ratio:.2f}, "
              f"MAC ratio {m_ratio:.2f}; time/token ratio {t_ratio / r_ratio:.2f}")


if __name__ == "__main__":
    {"golden": golden}[sys.argv[1]](sys.argv[2])
