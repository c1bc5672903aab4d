"""What the memory checks share (ram_cells_synth.py, slot_store_synth.py): running Yosys 0.23 on
a script, a cell's parameter from its JSON netlist, the block RAM capacity bound, and the driver
that runs every case and prints PASS or FAIL."""
import math
import subprocess
import sys
import tempfile

BRAM36_BITS = 36 * 1024


def yosys(script, work):
    """Runs `script`; exits with its output if Yosys fails."""
    r = subprocess.run(["yosys", "-q", "-p", script], cwd=work, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"yosys failed:\n{script}\n{r.stdout}{r.stderr}")


def param(cell, name):
    """A parameter of a cell of a `write_json` netlist, as an integer."""
    v = cell["parameters"][name]
    return int(v, 2) if isinstance(v, str) else int(v)


def bram36_bound(words, width):
    """The fewest RAMB36 that hold words x width bits."""
    return math.ceil(words * width / BRAM36_BITS)


def run_cases(check, cases, usage):
    """check(arg, *case, work) for every case with the one command-line argument; 0 if all pass."""
    if len(sys.argv) != 2:
        sys.exit(usage)
    ok = True
    with tempfile.TemporaryDirectory() as work:
        for case in cases:
            ok &= check(sys.argv[1], *case, work)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1
