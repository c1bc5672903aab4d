#!/usr/bin/python3
"""Turns benchmark output into the tables scripts/bench.sh prints."""
import csv
import json
import sys


def golden(path):
    # Names look like "BM_Golden/dense/threads:1/real_time".
    with open(path) as f:
        runs, kernels = {}, {}
        for b in json.load(f)["benchmarks"]:
            if b.get("run_type", "iteration") != "iteration":
                continue
            parts = b["name"].split("/")
            if parts[0] == "BM_Kernel":  # "BM_Kernel/qk_simd"
                kernels[parts[1]] = b
                continue
            if parts[0] == "BM_Reference":  # "BM_Reference/simd/D:128"
                kernels[f"ref{parts[2].split(':')[1]}_{parts[1]}"] = b
                continue
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
    for loop in ("qk", "pv", "ref64", "ref128"):
        sc, si = kernels.get(f"{loop}_scalar"), kernels.get(f"{loop}_simd")
        if sc and si:
            what = f"float reference (double) D {loop[3:]}, q.k + p.v" if loop.startswith("ref") else f"{loop} inner loop"
            print(f"{what}, one thread: scalar {sc['mac_per_s']:.3e} MAC/s, Highway ({si.get('label', '?')}) "
                  f"{si['mac_per_s']:.3e} MAC/s, ratio {si['mac_per_s'] / sc['mac_per_s']:.2f}")


def hls(path):
    # Names look like "BM_Hls/sinkattn/real_time": golden and the HLS C-simulation per preset.
    with open(path) as f:
        runs = {}
        for b in json.load(f)["benchmarks"]:
            if b.get("run_type", "iteration") != "iteration":
                continue
            parts = b["name"].split("/")
            model, preset = parts[0][3:].lower(), parts[1]
            runs[(preset, model)] = b
    print(f"{'preset':<10} {'model':<7} {'time_ms':>10} {'MAC/s':>12} {'MACs':>14}")
    for (preset, model), b in sorted(runs.items()):
        print(f"{preset:<10} {model:<7} {b['real_time']:>10.1f} {b['mac_per_s']:>12.3e} {b['macs']:>14.0f}")
    for preset in sorted({p for p, _ in runs}):
        g, h = runs[(preset, "golden")], runs[(preset, "hls")]
        print(f"{preset}: HLS C-simulation / golden time ratio {h['real_time'] / g['real_time']:.2f} "
              f"(both one thread, same trace, one run)")


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


def roofline(*paths):
    """RTL cycles against max(compute at full lane use, DRAM bytes / bandwidth), one row per preset.

    Each argument is one run's JSON result (`sinkattn rtl --json`), named by its `preset`.
    Every run must use the same hardware and trace, so that the ratios compare the policies.
    The bound is the decode's (the prefill pass reads no DRAM); `ratio` counts every cycle of the
    run, `decode` leaves out the prefill pass's eviction pass (`prefill`), which a long prompt
    makes long and a run of 32 decode steps does not amortize."""
    runs = {}
    for path in paths:
        with open(path) as f:
            r = json.load(f)
        runs[r["preset"]] = r
    first = next(iter(runs.values()))
    for name, r in runs.items():
        if r["hw"] != first["hw"] or r["shape"] != first["shape"]:
            sys.exit(f"roofline: {name} ran on other hardware or another trace than {next(iter(runs))}")
    print(f"model: {first.get('model', '?')}; hardware: {first['hw']['qk_lanes']} Q.K and "
          f"{first['hw']['pv_lanes']} P.V lanes, {first['hw']['dram_bytes_per_cycle']} DRAM bytes/cycle")
    print(f"{'preset':<13} {'cycles':>10} {'compute':>9} {'memory':>9} {'bound':>9} {'ratio':>6} "
          f"{'prefill':>8} {'decode':>6} {'softmax':>9} {'DRAM bytes':>11} {'sim cyc/s':>10}")
    for name, r in runs.items():
        c = r["counters"]
        lanes_qk, lanes_pv, bw = r["hw"]["qk_lanes"], r["hw"]["pv_lanes"], r["hw"]["dram_bytes_per_cycle"]
        d = r["shape"]["head_dim"]
        # Q.K and P.V lanes work in parallel: MACs / (both lane sets * D) cycles at full use.
        compute = c["macs"] / ((lanes_qk + lanes_pv) * d)
        memory = r["dram_bytes"] / bw
        bound = max(compute, memory)
        # The softmax unit takes one score per cycle: the rows' lengths are a lower bound too.
        softmax = c["macs"] / (2 * d)
        # The prefill pass's cycles inside `cycles` (its eviction pass; its importance loads are
        # taken while the controller is idle, which `cycles` does not count).
        prefill = r.get("prefill", {}).get("engine", {}).get("eviction_pass_cycles", 0)
        print(f"{name:<13} {r['cycles']:>10} {compute:>9.0f} {memory:>9.0f} {bound:>9.0f} {r['cycles'] / bound:>6.2f} "
              f"{prefill:>8} {(r['cycles'] - prefill) / bound:>6.2f} "
              f"{softmax:>9.0f} {r['dram_bytes']:>11} {r['simulated_cycles_per_second']:>10.0f}")
    if "dense" in runs:
        dn = runs["dense"]
        for name, r in runs.items():
            if name != "dense":
                print(f"dense/{name} on the same hardware: cycles {dn['cycles'] / r['cycles']:.2f}x, "
                      f"DRAM bytes {dn['dram_bytes'] / r['dram_bytes']:.2f}x")
    keys = ("list_scan", "fetch_busy", "data_stall", "qk_busy", "softmax_busy", "pv_busy", "select_cycles",
            "topk_busy", "dram_req_stall")
    print("where the cycles go (counters as a share of each run's cycles; phases overlap, so shares do not add up):")
    print(f"  {'counter':<15}" + "".join(f" {n:>12}" for n in runs))
    for k in keys:
        print(f"  {k:<15}" + "".join(f" {r['counters'][k] / r['cycles']:>12.1%}" for r in runs.values()))


def sweep(out):
    """Points per hour of each timed sweep, and where the workers' time went."""
    import sqlite3
    jobs = 2
    print(f"{'fidelity':<9} {'points':>6} {'wall s':>7} {'points/h':>9} {'model s/pt':>10} {'outside models':>15} "
          f"{'overhead/model':>15} {'per point outside':>18}")
    for line in open(f"{out}/times.txt"):
        fid, t0, t1 = line.split()
        wall = float(t1) - float(t0)
        got = list(sqlite3.connect(f"{out}/{fid}/store.db").execute(
            "select result, wall_seconds from rows where status = 'ok'"))
        rows = [json.loads(r) for r, _ in got]
        worker = sum(w for _, w in got)
        model = sum(r["model_seconds"] for r in rows)
        # The pool's capacity is wall x jobs worker-seconds; what the models did not use went to
        # process start, loading the workload cache, the store and idle slots.
        outside = 1 - model / (wall * jobs)
        print(f"{fid:<9} {len(rows):>6} {wall:>7.1f} {len(rows) / wall * 3600:>9.0f} {model / len(rows):>10.3f} "
              f"{outside:>15.1%} {(wall * jobs - model) / model:>15.1%} {1 - model / worker:>18.1%}")
    print("outside models: of the pool's wall x 2 worker-seconds, the share not spent in the models (process")
    print("start, workload preparation once per sweep and cache loading, store, idle slots); per point: of each")
    print("worker's own life, the share outside the models (start, cache loading, exit)")


if __name__ == "__main__":
    {"golden": golden, "hls": hls, "topk": topk, "roofline": roofline, "sweep": sweep}[sys.argv[1]](*sys.argv[2:])
