#!/usr/bin/python3
"""Table, CSV and plot of cost against accuracy, one row per preset's golden JSON.

Usage: plot_presets.py DIR PRESET...   (reads DIR/PRESET.json; writes DIR/presets.csv and .png)
"""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLUMNS = ["preset", "dram_pct_of_dense", "sram_sink_hits", "lsb_refetches", "pruned_rows",
           "kept_tokens_mean", "cosine_mean", "cosine_min", "max_rel_err", "mass_recall_mean"]


def row(j):
    f = j["fidelity"]
    kept = j["kept_tokens_per_layer"]
    return {
        "preset": j["preset"],
        "dram_pct_of_dense": 100.0 * j["dram_bytes"] / j["dense_dram_bytes"],
        "sram_sink_hits": j["sram_sink_hits"],
        "lsb_refetches": j["lsb_refetches"],
        "pruned_rows": j["pruned_rows"],
        "kept_tokens_mean": sum(kept) / len(kept),
        "cosine_mean": f["cosine_mean"],
        "cosine_min": f["cosine_min"],
        "max_rel_err": f["max_rel_err"],
        "mass_recall_mean": f["mass_recall_mean"],
    }


def main():
    out, presets = sys.argv[1], sys.argv[2:]
    rows = []
    for p in presets:
        with open(os.path.join(out, p + ".json")) as f:
            rows.append(row(json.load(f)))
    print(f"{'preset':<13}{'DRAM % dense':>13}{'sink hits':>11}{'refetches':>10}{'pruned':>8}{'kept/step':>10}"
          f"{'cos mean':>10}{'cos min':>9}{'max rel':>9}{'recall':>8}")
    for r in rows:
        print(f"{r['preset']:<13}{r['dram_pct_of_dense']:>13.1f}{r['sram_sink_hits']:>11}{r['lsb_refetches']:>10}"
              f"{r['pruned_rows']:>8}{r['kept_tokens_mean']:>10.1f}{r['cosine_mean']:>10.4f}{r['cosine_min']:>9.4f}"
              f"{r['max_rel_err']:>9.4f}{r['mass_recall_mean']:>8.4f}")
    with open(os.path.join(out, "presets.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    fig, ax = plt.subplots(figsize=(6, 4))
    for r in rows:
        ax.scatter(r["dram_pct_of_dense"], r["cosine_mean"])
        ax.annotate(r["preset"], (r["dram_pct_of_dense"], r["cosine_mean"]), textcoords="offset points", xytext=(4, 4))
    ax.set_xlabel("DRAM bytes read, % of dense")
    ax.set_ylabel("mean cosine vs float full attention")
    ax.set_title("Cost against accuracy per preset")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "presets.png"), dpi=120)
    print(f"wrote {out}/presets.csv and {out}/presets.png")


if __name__ == "__main__":
    main()
