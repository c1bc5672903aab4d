#!/usr/bin/python3
"""Per-module line and toggle coverage from a Verilator coverage file (scripts/bench.sh coverage).

Usage: coverage_report.py MERGED.dat [--json OUT.json] [--uncovered]

What is counted (Verilator 5.006, --coverage-line --coverage-toggle):
- line points: Verilator's "line" coverage counts blocks and branches, not source lines: one
  point at the start of every process body (always_ff, always_comb, initial, ...), one per
  if and else branch, per case item (default included), and per ternary-free statement block
  inside them. A point is covered if its counter is non-zero. Each point carries the source
  lines it spans ("linescov"); a source line is covered when every point spanning it is.
- toggle points: one per bit of every signal at most --coverage-max-width (256) bits wide (so
  the wide data buses and the memory arrays are not counted), covered once it has toggled.
Points are merged over instances, parameterizations and Verilated builds (a module inside the
top, as a stand-alone block, in each hardware variant): a point is covered if any instance
covered it.
--uncovered lists the uncovered line points with their source line.
"""
import collections
import json
import re
import sys


def parse_key(key):
    fields = {}
    for part in key.split("\x01"):
        if "\x02" in part:
            k, v = part.split("\x02", 1)
            fields[k] = v
    return fields


def lines_of(spec):
    out = set()
    for r in filter(None, spec.split(",")):
        a, _, b = r.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def load(path):
    """{(kind, module, point id): [count, file, line, comment, source lines]}"""
    points = {}
    pat = re.compile(r"^C '(.*)' (\d+)\s*$", re.S)
    with open(path, encoding="latin-1") as f:
        for raw in f:
            m = pat.match(raw)
            if not m:
                continue
            k, count = parse_key(m.group(1)), int(m.group(2))
            page = k.get("page", "")
            kind = "toggle" if page.startswith("v_toggle") else "line" if page.startswith(("v_line", "v_branch")) else None
            if kind is None:
                continue
            module = page.split("/", 1)[1] if "/" in page else "?"
            # Verilator names a module instantiated with non-default parameters <module>__<params>
            # (pv_lanes__H80_P4_M1000): one module of the source, whatever its parameters
            module = re.sub(r"__[A-Za-z0-9_]+$", "", module)
            ident = (kind, module, k.get("f", ""), k.get("l", ""), k.get("n", ""), k.get("o", ""))
            e = points.setdefault(ident, [0, k.get("f", ""), int(k.get("l", "0") or 0), k.get("o", ""),
                                          lines_of(k.get("S", ""))])
            e[0] += count
    return points


def summarize(points):
    mods = collections.defaultdict(lambda: {"line_points": 0, "line_covered": 0, "toggle_points": 0,
                                            "toggle_covered": 0, "lines": {}})
    for (kind, module, *_), (count, f, line, comment, span) in points.items():
        m = mods[module]
        m[kind + "_points"] += 1
        m[kind + "_covered"] += count > 0
        if kind == "line":
            for ln in span or {line}:
                key = (f, ln)
                m["lines"][key] = m["lines"].get(key, True) and count > 0
    out = {}
    for name, m in sorted(mods.items()):
        out[name] = {k: v for k, v in m.items() if k != "lines"}
        out[name]["source_lines"] = len(m["lines"])
        out[name]["source_lines_covered"] = sum(m["lines"].values())
    return out


def pct(a, b):
    return f"{100.0 * a / b:.1f}" if b else "-"


def table(summary):
    rows = ["| module | line points covered/total | line % | source lines covered/total | toggle bits covered/total | toggle % |",
            "|---|---|---|---|---|---|"]
    tot = collections.Counter()
    for name, s in summary.items():
        tot.update({k: v for k, v in s.items()})
        rows.append(f"| {name} | {s['line_covered']}/{s['line_points']} | {pct(s['line_covered'], s['line_points'])} | "
                    f"{s['source_lines_covered']}/{s['source_lines']} | {s['toggle_covered']}/{s['toggle_points']} | "
                    f"{pct(s['toggle_covered'], s['toggle_points'])} |")
    rows.append(f"| **all** | {tot['line_covered']}/{tot['line_points']} | {pct(tot['line_covered'], tot['line_points'])} | "
                f"{tot['source_lines_covered']}/{tot['source_lines']} | {tot['toggle_covered']}/{tot['toggle_points']} | "
                f"{pct(tot['toggle_covered'], tot['toggle_points'])} |")
    return "\n".join(rows)


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.stderr.write(__doc__)
        return 2
    points = load(argv[0])
    if not points:
        sys.stderr.write(f"coverage_report.py: {argv[0]}: no line or toggle coverage points\n")
        return 1
    summary = summarize(points)
    print(table(summary))
    if "--json" in argv:
        with open(argv[argv.index("--json") + 1], "w") as f:
            json.dump(summary, f, indent=1)
    if "--uncovered" in argv:
        print()
        for (kind, module, *_), (count, f, line, comment, span) in sorted(points.items(), key=lambda x: (x[0][1], x[1][2])):
            if kind == "line" and count == 0:
                print(f"uncovered {module} {f.rsplit('/', 1)[-1]}:{line} {comment}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
