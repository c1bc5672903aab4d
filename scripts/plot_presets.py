#!/usr/bin/python3
"""Table, CSV and plot of cost against accuracy, one row per preset's golden JSON.

Usage: plot_presets.py DIR PRESET...   (reads DIR/PRESET.json; writes DIR/presets.csv and .png)
       plot_presets.py --side-by-side OUT.md DIR... -- PRESET...
                                         (one markdown table over several traces' DIRs)

On a model workload (golden run with --loss-windows) the rows also carry the model's next-byte
loss change against dense float with its standard error and the perplexity ratio; on a
synthetic trace those cells are empty.
"""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLUMNS = ["preset", "dram_pct_of_dense", "sram_sink_hits", "lsb_refetches", "pruned_rows",
           "kept_tokens_mean", "cosine_mean", "cosine_min", "max_rel_err", "mass_recall_mean",
           "loss_delta", "loss_delta_se", "perplexity_ratio", "loss_windows"]


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
        **{k: j.get("model_loss", {}).get(k, "") for k in ("loss_delta", "loss_delta_se", "perplexity_ratio", "loss_windows")},
    }


def loss_cell(r):
    return f"{r['loss_delta']:+.4f} ± {r['loss_delta_se']:.4f}" if r["loss_delta"] != "" else "—"


def side_by_side(out_md, dirs, presets):
    """Markdown: per preset, DRAM share, mean cosine and loss change (model traces) on each trace."""
    rows = {d: {p: row(json.load(open(os.path.join(d, p + ".json")))) for p in presets} for d in dirs}
    names = [os.path.basename(os.path.normpath(d)) for d in dirs]
    head = " / ".join(names)
    lines = [f"| preset | DRAM % of dense: {head} | cosine mean: {head} | loss change ± SE, nats/byte: {head} |",
             "|---|---|---|---|"]
    for p in presets:
        rs = [rows[d][p] for d in dirs]
        lines.append(f"| {p} | " + " / ".join(f"{r['dram_pct_of_dense']:.1f}" for r in rs) + " | " +
                     " / ".join(f"{r['cosine_mean']:.3f}" for r in rs) + " | " + " / ".join(loss_cell(r) for r in rs) + " |")
    windows = sorted({r["loss_windows"] for d in dirs for r in rows[d].values() if r["loss_windows"] != ""})
    note = (f"\nLoss change: the model's next-byte loss with the preset in its decoding loop minus dense float's, "
            f"mean over {', '.join(map(str, windows))} text windows ± its standard error (paired); — : not a model "
            f"workload.\n") if windows else ""
    text = "\n".join(lines) + "\n" + note
    with open(out_md, "w") as f:
        f.write(text)
    print(text)


def main():
    if sys.argv[1] == "--side-by-side":
        sep = sys.argv.index("--")
        return side_by_side(sys.argv[2], sys.argv[3:sep], sys.argv[sep + 1:])
    out, presets = sys.argv[1], sys.argv[2:]
    rows = []
    for p in presets:
        with open(os.path.join(out, p + ".json")) as f:
            rows.append(row(json.load(f)))
    print(f"{'preset':<13}{'DRAM % dense':>13}{'sink hits':>11}{'refetches':>10}{'pruned':>8}{'kept/step':>10}"
          f"{'cos mean':>10}{'cos min':>9}{'max rel':>9}{'recall':>8}  {'loss change ± SE':>18}")
    for r in rows:
        print(f"{r['preset']:<13}{r['dram_pct_of_dense']:>13.1f}{r['sram_sink_hits']:>11}{r['lsb_refetches']:>10}"
              f"{r['pruned_rows']:>8}{r['kept_tokens_mean']:>10.1f}{r['cosine_mean']:>10.4f}{r['cosine_min']:>9.4f}"
              f"{r['max_rel_err']:>9.4f}{r['mass_recall_mean']:>8.4f}  {loss_cell(r):>18}")
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
