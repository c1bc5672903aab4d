#!/usr/bin/python3
"""Turns benchmark output into the tables scripts/bench.sh prints."""
import csv
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


# SpAtten's published quick-select latency model, mean cycles per (n, k) and P.
SPATTEN_TOPK = {(1024, 128): {4: 734, 16: 216, 64: 86},
                (4096, 256): {4: 2558, 16: 670, 64: 208},
                (8192, 512): {4: 5140, 16: 1303, 64: 363}}


def topk(*paths):
    """CSV files of topk_engine_tb --bench, one per P: the requested CSV, then the comparison."""
    rows = []
    for path in paths:
        with open(path) as f:
            # The harness also prints its seed and parameters; the CSV starts at its header.
            rows += [r for r in csv.DictReader(line for line in f if line.startswith("n,") or line[:1].isdigit())]
    rows.sort(key=lambda r: (int(r["P"]), int(r["n"])))
    print("n,k,P,cycles_mean,cycles_max")
    for r in rows:
        print(f"{r['n']},{r['k']},{r['P']},{r['cycles_mean']},{r['cycles_max']}")
    print()
    print("quick-select cycles (load and index output excluded, as in SpAtten's model); "
          "'formula' is the documented latency formula's mean over many more vectors")
    print(f"{'n':>5} {'k':>4} {'P':>3} {'mean':>8} {'max':>6} {'formula':>8} {'SpAtten':>8} {'ratio':>6}  "
          f"{'end-to-end':>10}")
    worse = []
    for r in rows:
        n, k, p = int(r["n"]), int(r["k"]), int(r["P"])
        ref = SPATTEN_TOPK[(n, k)][p]
        mean = float(r["cycles_mean"])
        verdict = "beats" if mean <= ref else "SLOWER"
        if mean > ref:
            worse.append((n, k, p))
        print(f"{n:>5} {k:>4} {p:>3} {mean:>8.1f} {int(r['cycles_max']):>6} {float(r['expected_mean']):>8.1f} "
              f"{ref:>8} {mean / ref:>6.2f}  {float(r['total_mean']):>10.1f}  {verdict}")
    print("every cell equals or beats SpAtten's mean" if not worse else f"slower than SpAtten in {worse}")


if __name__ == "__main__":
    {"golden": golden, "topk": topk}[sys.argv[1]](*sys.argv[2:])
