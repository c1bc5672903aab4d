#!/usr/bin/python3
"""Plots and a markdown report of a sweep directory made by `sinkattn sweep`.

Usage: plot_sweep.py DIR   (reads DIR/sweep.json and DIR/results.json; writes DIR/plots/*.png
and DIR/report.md)

- one plot per pair of objectives and (workload, fidelity), every ok row a dot, the Pareto
  front highlighted and joined;
- cost against accuracy (DRAM bytes and energy against cosine mean), one colour per preset;
- report.md: per workload and fidelity, the front as a table with the command that re-runs
  each point alone (sinkattn sweep show-point).
"""
import json
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def fmt(v):
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def main():
    d = sys.argv[1]
    meta = json.load(open(os.path.join(d, "sweep.json")))
    rows = json.load(open(os.path.join(d, "results.json")))
    objectives = meta["objectives"]
    axes = meta["axes"]
    os.makedirs(os.path.join(d, "plots"), exist_ok=True)
    ok = [r for r in rows if r["status"] == "ok"]
    groups = defaultdict(list)
    for r in ok:
        groups[(r["workload"], r["fidelity"])].append(r)

    plots = []
    for (wl, fid), rs in sorted(groups.items()):
        for i in range(len(objectives)):
            for k in range(i + 1, len(objectives)):
                a, b = objectives[i]["metric"], objectives[k]["metric"]
                pts = [r for r in rs if a in r and b in r]
                if not pts:
                    continue
                fig, ax = plt.subplots(figsize=(6, 4.5))
                ax.scatter([r[a] for r in pts], [r[b] for r in pts], s=14, c="0.6", label="points")
                front = sorted((r for r in pts if r["pareto"]), key=lambda r: r[a])
                ax.plot([r[a] for r in front], [r[b] for r in front], "o-", c="C3", ms=6, label="Pareto front")
                ax.set_xlabel(f"{a} ({objectives[i]['goal']})")
                ax.set_ylabel(f"{b} ({objectives[k]['goal']})")
                ax.set_title(f"{meta['name']}: {wl}, {fid}")
                ax.legend()
                fig.tight_layout()
                name = f"{wl}_{fid}_{a}_vs_{b}.png"
                fig.savefig(os.path.join(d, "plots", name), dpi=110)
                plt.close(fig)
                plots.append(name)
        # Cost against accuracy, one colour per preset.
        for cost in ("dram_bytes", "energy_pj"):
            fig, ax = plt.subplots(figsize=(6, 4.5))
            by_preset = defaultdict(list)
            for r in rs:
                by_preset[r.get("preset", "?")].append(r)
            for preset, prs in sorted(by_preset.items()):
                ax.scatter([r[cost] for r in prs], [r["cosine_mean"] for r in prs], s=16, label=preset)
            ax.set_xlabel(cost)
            ax.set_ylabel("cosine_mean against float full attention")
            ax.set_title(f"cost against accuracy: {wl}, {fid}")
            ax.legend(fontsize=8)
            fig.tight_layout()
            name = f"{wl}_{fid}_{cost}_vs_cosine_by_preset.png"
            fig.savefig(os.path.join(d, "plots", name), dpi=110)
            plt.close(fig)
            plots.append(name)

    out = [f"# Sweep {meta['name']}", "",
           f"Sweep file `{meta['sweep_file']}`, {meta['tool_version']}; objectives: " +
           ", ".join(f"{o['metric']} ({o['goal']})" for o in objectives) + ".",
           f"{len(rows)} rows: " + ", ".join(f"{n} {s}" for s, n in sorted(
               {s: sum(1 for r in rows if r['status'] == s) for s in {r['status'] for r in rows}}.items())) + ".", ""]
    metrics = [o["metric"] for o in objectives]
    # loss_delta, loss_delta_se: only model workloads with loss_windows carry them (docs/workloads.md)
    for extra in ("preset", "cycles", "dram_bytes", "energy_pj", "cosine_mean", "mass_recall", "loss_delta", "loss_delta_se"):
        if extra not in metrics:
            metrics.append(extra)
    for (wl, fid), rs in sorted(groups.items()):
        front = sorted((r for r in rs if r["pareto"]), key=lambda r: r.get(objectives[0]["metric"], 0))
        cols = axes + [m for m in metrics if any(m in r for r in front)]
        out += [f"## {wl}, {fid}: Pareto front ({len(front)} of {len(rs)} ok points)", "",
                "| " + " | ".join(cols) + " | re-run alone |", "|" + "---|" * (len(cols) + 1)]
        for r in front:
            cells = [fmt(r.get(c, "")) for c in cols]
            cells.append(f"`sinkattn sweep show-point {d} {r['key'][:12]}`")
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        out += [f"![{p}](plots/{p})" for p in plots if p.startswith(f"{wl}_{fid}_")] + [""]
    failed = [r for r in rows if r["status"] != "ok"]
    if failed:
        out += ["## Rows that did not run to completion", "", "| key | workload | fidelity | status | exit | error |",
                "|---|---|---|---|---|---|"]
        for r in failed[:50]:
            err = r["error"].replace("\n", " ").replace("|", "\\|")[:160]
            out.append(f"| {r['key'][:12]} | {r['workload']} | {r['fidelity']} | {r['status']} | {r['exit_status']} | {err} |")
        out.append("")
    open(os.path.join(d, "report.md"), "w").write("\n".join(out))


if __name__ == "__main__":
    main()
