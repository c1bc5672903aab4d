#!/usr/bin/python3
"""scripts/coverage_report.py on a coverage file written the way Verilator 5.006 writes one
(verilated_cov.cpp: "C '<\\001key\\002value...>' count"), with counts chosen by hand: two
instances of one module whose line points are covered by different instances, a point no
instance covers, toggle bits, a second module and a user point the report must ignore. The
expected figures are counted here, not by the report's code.

Usage: coverage_report_test.py REPORT_SCRIPT
"""
import json
import os
import subprocess
import sys
import tempfile


def point(page, f, line, col, comment, span, hier, count):
    keys = [("t", page.split("/")[0][2:]), ("page", page), ("f", f), ("l", str(line)), ("n", str(col)),
            ("o", comment), ("S", span), ("h", hier)]
    return "C '" + "".join(f"\x01{k}\x02{v}" for k, v in keys) + f"' {count}\n"


def main():
    script = sys.argv[1]
    lines = ["# SystemC::Coverage-3\n"]
    # the second instance is a parameterized clone, named as Verilator names it (blk__W8)
    for hier, counts in (("TOP.top.u_a0", (3, 0, 0, 0)), ("TOP.top.u_a1", (0, 5, 0, 0))):
        page_of = "blk" if hier.endswith("a0") else "blk__W8"
        # four line points of module blk: the first two covered by one instance each, the third
        # by none; the fourth spans lines 20-21 and is never hit either
        for (line, comment, span), c in zip(((10, "block", "10-11"), (12, "if", "12"), (14, "else", "14"),
                                             (20, "case", "20-21")), counts):
            lines.append(point(f"v_line/{page_of}", "/src/blk.sv", line, 0, comment, span, hier, c))
        # eight toggle bits of blk: bits 0..2 toggled in u_a0, bit 3 in u_a1 -> 4 of 8
        for bit in range(8):
            c = 1 if (bit < 3 and hier.endswith("a0")) or (bit == 3 and hier.endswith("a1")) else 0
            lines.append(point(f"v_toggle/{page_of}", "/src/blk.sv", 5, 0, f"data_q[{bit}]", "", hier, c))
    lines.append(point("v_line/top", "/src/top.sv", 7, 0, "block", "7-9", "TOP.top", 1))
    lines.append(point("v_toggle/top", "/src/top.sv", 3, 0, "st_q[0]", "", "TOP.top", 0))
    lines.append(point("sp_user/top", "/src/top.sv", 50, 0, "cover", "", "TOP.top", 0))
    with tempfile.TemporaryDirectory() as work:
        dat = os.path.join(work, "merged.dat")
        with open(dat, "w", encoding="latin-1") as f:
            f.writelines(lines)
        out = os.path.join(work, "cov.json")
        run = subprocess.run([sys.executable, script, dat, "--json", out, "--uncovered"], capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stdout, run.stderr)
            return 1
        got = json.load(open(out))
    expected = {
        "blk": {"line_points": 4, "line_covered": 2, "toggle_points": 8, "toggle_covered": 4,
                # source lines 10, 11 (block), 12 (if), 14 (else), 20, 21 (case); 10-12 covered
                "source_lines": 6, "source_lines_covered": 3},
        "top": {"line_points": 1, "line_covered": 1, "toggle_points": 1, "toggle_covered": 0,
                "source_lines": 3, "source_lines_covered": 3},
    }
    failures = [f"{m}.{k}: expected {v}, got {got.get(m, {}).get(k)}" for m, e in expected.items() for k, v in e.items()
                if got.get(m, {}).get(k) != v]
    if set(got) != set(expected):
        failures.append(f"modules: expected {sorted(expected)}, got {sorted(got)}")
    for want in ("| blk | 2/4 | 50.0 | 3/6 | 4/8 | 50.0 |", "| top | 1/1 | 100.0 | 3/3 | 0/1 | 0.0 |",
                 "uncovered blk blk.sv:14 else", "uncovered blk blk.sv:20 case"):
        if want not in run.stdout:
            failures.append(f"missing from the report: {want!r}")
    if failures:
        print("\n".join(failures) + "\n--- report:\n" + run.stdout)
        return 1
    print("coverage_report.py: per-module figures as counted by hand")
    return 0


if __name__ == "__main__":
    sys.exit(main())
