#!/usr/bin/python3
"""The soak (scripts/bench.sh soak [N]): N random (configuration, trace, back-pressure) cases
through golden, the SystemC model and the Verilated RTL, on every hardware the RTL is built for.

Usage: soak.py BIN_DIR CASES SUITE_SEED --state FILE [--workers W] [--chunk C]

The cases are cut into chunks of C (default 50); chunk c runs on hardware c mod 4 of
(default, default, each variant ...): the default preset's top twice as often as each variant.
A worker is one process of soak_tb[_<variant>] (testbench/cosim/soak_tb.cpp) running one chunk
in-process, so a case costs its simulations only (no process start, no trace files); W workers
(default 2) run chunks side by side. Case i depends on the suite seed and i only.

Every failure is printed with its hardware, configuration, case seed and the command that reruns
it alone, and the soak goes on. FILE keeps the chunks done and the failures after each chunk:
interrupted (Ctrl-C), the same command resumes. Progress goes to a terminal; piped, only the
failures and the summary line are printed. Exit status 1 if any case failed.
"""
import json
import os
import select
import signal
import subprocess
import sys
import time


def parse(argv):
    opts = {"--state": None, "--workers": "2", "--chunk": "50"}
    pos = []
    it = iter(argv)
    for a in it:
        if a in opts:
            opts[a] = next(it)
        else:
            pos.append(a)
    if len(pos) != 3 or not opts["--state"]:
        sys.stderr.write(__doc__)
        sys.exit(2)
    return pos[0], int(pos[1]), int(pos[2]), opts["--state"], int(opts["--workers"]), int(opts["--chunk"])


def hardware(bin_dir):
    """The workers, by hardware: the default preset's top twice, then each variant's."""
    default = os.path.join(bin_dir, "soak_tb")
    variants = sorted(os.path.join(bin_dir, f) for f in os.listdir(bin_dir) if f.startswith("soak_tb_"))
    if not os.access(default, os.X_OK):
        sys.exit(f"soak.py: {default} is missing (cmake --build build --target soak_tb)")
    return [default, default] + variants


def main():
    bin_dir, cases, seed, state_file, workers, chunk = parse(sys.argv[1:])
    hws = hardware(bin_dir)
    chunks = (cases + chunk - 1) // chunk
    state = {"seed": seed, "cases": cases, "chunk": chunk, "hardware": [os.path.basename(h) for h in hws],
             "done": [], "failures": [], "seconds": 0.0}
    if os.path.exists(state_file):
        saved = json.load(open(state_file))
        if all(saved.get(k) == state[k] for k in ("seed", "cases", "chunk", "hardware")):
            state = saved
    done = set(state["done"])
    todo = [c for c in range(chunks) if c not in done]
    cases_done = sum(min(chunk, cases - c * chunk) for c in done)
    tty = sys.stdout.isatty()
    print(f"[   SEED   ] {seed}: {cases} cases on {', '.join(state['hardware'])} (chunks of {chunk}, {workers} workers)"
          + (f"; resuming, {cases_done} done ({state_file})" if done else ""), flush=True)

    def save():
        tmp = state_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(state, f)
        os.replace(tmp, state_file)

    running = {}  # fd -> [process, chunk, buffered text, cases ok]
    t0, seconds0, ran = time.time(), state["seconds"], 0

    def start(c):
        first, last = c * chunk, min(cases, (c + 1) * chunk)
        p = subprocess.Popen([hws[c % len(hws)], str(seed), str(first), str(last)], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, bufsize=1)
        running[p.stdout.fileno()] = [p, c, "", 0]

    def progress():
        if not tty:
            return
        rate = ran / max(1e-9, time.time() - t0)
        left = cases - cases_done
        eta = f"{int(left / rate) // 60}:{int(left / rate) % 60:02d}" if rate > 0 else "?"
        print(f"\r[{cases_done}/{cases}] {rate:.2f} cases/s, ETA {eta}, failures {len(state['failures'])}   ",
              end="", flush=True)

    def stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        while todo or running:
            while todo and len(running) < workers:
                start(todo.pop(0))
            ready, _, _ = select.select(list(running), [], [])
            for fd in ready:
                entry = running[fd]
                p, c = entry[0], entry[1]
                line = p.stdout.readline()
                if line:
                    if line.startswith("ok "):
                        entry[3] += 1
                        cases_done += 1
                        ran += 1
                        progress()
                    else:  # a failure, or whatever else the worker says
                        entry[2] += line
                        if line.startswith("FAIL "):
                            i = int(line.split()[1])
                            cases_done += 1
                            ran += 1
                            msg = (f"{line.strip()}\n  rerun: {hws[c % len(hws)]} {seed} {i} {i + 1}")
                            state["failures"].append(msg)
                            print(("\n" if tty else "") + msg, flush=True)
                    continue
                rc = p.wait()
                del running[fd]
                expected = min(cases, (c + 1) * chunk) - c * chunk
                if rc not in (0, 1) or entry[3] + entry[2].count("FAIL ") != expected:
                    i = c * chunk + entry[3] + entry[2].count("FAIL ")
                    msg = (f"FAIL {i} worker {os.path.basename(hws[c % len(hws)])} ended with status {rc} in chunk "
                           f"{c}: {entry[2].strip()[-2000:]}\n  rerun: {hws[c % len(hws)]} {seed} {i} {i + 1}")
                    state["failures"].append(msg)
                    print(("\n" if tty else "") + msg, flush=True)
                    cases_done += expected - entry[3] - entry[2].count("FAIL ")
                state["done"].append(c)
                state["seconds"] = seconds0 + time.time() - t0
                save()
    except KeyboardInterrupt:
        for entry in running.values():
            entry[0].terminate()
        for entry in running.values():
            entry[0].wait()
        state["seconds"] = seconds0 + time.time() - t0
        save()
        finished = sum(min(chunk, cases - c * chunk) for c in state["done"])
        print(f"\ninterrupted: {finished} of {cases} cases done and kept in {state_file}; "
              "the same command resumes", flush=True)
        return 130
    wall = state["seconds"]
    failed = len(state["failures"])
    print(("\n" if tty else "") +
          f"soak: {cases} random cases through golden, SystemC and RTL on {len(set(hws))} hardware builds: "
          f"{cases - failed} matched, {failed} failed (suite seed {seed}; {wall:.0f} s of wall with "
          f"{workers} workers, {cases / max(wall, 1e-9):.2f} cases/s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
