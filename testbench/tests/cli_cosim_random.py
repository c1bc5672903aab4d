#!/usr/bin/python3
"""sinkattn cosim (golden, SystemC model and Verilated RTL in one simulation) on seeded random
configurations and traces: each case draws a trace shape (gen-trace), a policy (a YAML file
deriving from a random preset), DRAM and row-port back-pressure (bursty in some cases) and a
seed. Every case must MATCH (exit 0), and its outputs digest must equal `sinkattn golden`'s on
the same configuration and trace.

Usage: cli_cosim_random.py SINKATTN_BIN [CASES] [SUITE_SEED] [--state FILE]
The CLI path of the three-way check (`sinkattn cosim`, the SystemC-mode top in one SystemC
simulation); the soak runs the same models in-process (testbench/cosim/soak.py).
The suite seed (default 20261202, or SINKATTN_SEED) is printed; a failure prints the case, its
configuration, the case's seed and the command that reruns it. With --state FILE
the number of cases done is kept in FILE after each case, and a rerun
with the same suite seed resumes after the last one; progress goes to the terminal.
"""
import json
import os
import random
import subprocess
import sys
import tempfile


def draw_case(rng, i, work):
    """One random (trace, configuration, back-pressure) case; returns its files and arguments."""
    kv, group = rng.randint(1, 2), rng.randint(1, 3)
    prompt, steps = rng.randint(12, 40), rng.randint(2, 8)
    shape = dict(layers=rng.randint(1, 3), q_heads=kv * group, kv_heads=kv,
                 head_dim=rng.choice([8, 16, 24, 32, 64, 128]), tokens=prompt + steps, prompt=prompt)
    trace = os.path.join(work, f"trace{i}")
    gen = ["gen-trace", "--out", trace, "--layers", shape["layers"], "--q-heads", shape["q_heads"],
           "--kv-heads", kv, "--head-dim", shape["head_dim"], "--tokens", shape["tokens"],
           "--prompt", prompt, "--sinks", rng.randint(1, 4), "--heavy", 3, "--seed", rng.randint(1, 10**6),
           "--quiet"] + (["--recency", 0] if shape["head_dim"] < 16 else [])  # gen-trace needs 16 dims for it
    base = rng.choice(["sinkattn", "h2o", "streamingllm", "spatten", "duo", "dense"])
    sinks, window = rng.randint(0, 8), rng.randint(0, 12)
    default = rng.choice(["retrieval", "streaming", "topk"])
    if default == "streaming" and sinks + window == 0:
        window = 4
    lines = [f"name: random{i}", "description: a random policy for cli_cosim_random", f"base: {base}", "policy:",
             f"  sinks: {sinks}", f"  window: {window}", "  head_policy:", f"    default: {default}",
             # every head the default: no hash, no map, no head-pattern file (duo's names one)
             "    retrieval_ratio: 0.0", "    map: []", '    pattern_file: ""', "  heavy_hitters:",
             f"    granularity: {rng.choice(['token', 'head'])}", f"    cascade: {rng.choice(['true', 'false'])}",
             "    budget:", "      schedule: constant", f"      tokens: {(k := rng.randint(0, 10))}",
             f"      min_tokens: {k}", "  head_pruning:", f"    enabled: {rng.choice(['true', 'false'])}",
             f"    warmup_steps: {rng.randint(0, 3)}", f"    min_keep_frac: {rng.choice([0.25, 0.5, 0.75, 1.0])}",
             f"    unpruned_frac: {rng.choice([0.0, 0.25, 0.5])}", "  progressive_quant:",
             f"    enabled: {rng.choice(['true', 'false'])}", f"    tau: {rng.choice([0.05, 0.1, 0.3, 0.6])}"]
    # The loader's rule (make_plan): with cascade and neither sink nor window, a budget of 0 would
    # leave the deeper layers' rows with no token; such a point gets a window token instead.
    if default == "topk" and sinks + window == 0 and k == 0 and "    cascade: true" in lines:
        lines[lines.index("  window: 0")] = "  window: 1"
    config = os.path.join(work, f"config{i}.yaml")
    with open(config, "w") as f:
        f.write("\n".join(lines) + "\n")
    bursty = rng.random() < 0.5
    pressure = ["--seed", rng.randint(1, 10**9), "--stall", rng.choice([0.0, 0.1, 0.3] if bursty else [0.0, 0.3, 0.6, 0.8]),
                "--row-stall", rng.choice([0.0, 0.2, 0.6]), "--stall-burst", rng.randint(4, 24) if bursty else 1]
    what = f"case {i}: {shape}, base {base}, S {sinks} W {window} default {default}, pressure {pressure}"
    return gen, config, trace, [str(x) for x in pressure], what


def main():
    args = [a for a in sys.argv[1:] if a != "--state"]
    state = None
    if "--state" in sys.argv:
        state = sys.argv[sys.argv.index("--state") + 1]
        args.remove(state)
    if not args:
        sys.stderr.write(__doc__)
        return 2
    binary = args[0]
    cases = int(args[1]) if len(args) > 1 else 4
    seed = int(args[2]) if len(args) > 2 else int(os.environ.get("SINKATTN_SEED", "20261202"))
    print(f"[   SEED   ] {seed} (rerun with SINKATTN_SEED={seed})", flush=True)
    start = 0
    if state and os.path.exists(state):
        saved = json.load(open(state))
        if saved.get("seed") == seed:
            start = saved["done"]
            print(f"resuming after case {start} ({state})", flush=True)
    rng = random.Random(seed)
    tty = sys.stdout.isatty() and state is not None
    with tempfile.TemporaryDirectory() as work:
        for i in range(cases):
            gen, config, trace, pressure, what = draw_case(rng, i, work)
            if i < start:
                continue  # drawn, so that the later cases are the same as in one uninterrupted run
            if tty:
                print(f"\r[{i + 1}/{cases}] {what[:100]:<100}", end="", flush=True)
            elif state is None:
                print(what, flush=True)
            subprocess.run([binary] + [str(x) for x in gen], check=True)
            golden_json, cosim_json = os.path.join(work, f"golden{i}.json"), os.path.join(work, f"cosim{i}.json")
            subprocess.run([binary, "golden", "--config", config, "--trace", trace, "--json", golden_json, "--quiet"],
                           check=True)
            cmd = [binary, "cosim", "--config", config, "--trace", trace, "--json", cosim_json, "--quiet"] + pressure
            run = subprocess.run(cmd, capture_output=True, text=True)
            ok = run.returncode == 0
            if ok:
                g, c = json.load(open(golden_json)), json.load(open(cosim_json))
                ok = (c["match"] is True and c["outputs_sha256"] == g["outputs_sha256"] == c["systemc_outputs_sha256"]
                      and c["cycles_systemc"] == c["cycles_rtl"] and c["rows_checked"] > 0)
            if not ok:
                print(f"\nFAILED {what} (suite seed {seed}, case seed {pressure[1]})\n  exit {run.returncode}: "
                      f"{run.stdout}{run.stderr}\n  config:\n{open(config).read()}"
                      f"  rerun: {sys.argv[0]} {binary} {i + 1} {seed}")
                return 1
            for f in (golden_json, cosim_json, config):
                os.remove(f)
            subprocess.run(["rm", "-rf", trace], check=True)
            if state:
                with open(state + ".tmp", "w") as f:
                    json.dump({"seed": seed, "done": i + 1, "cases": cases}, f)
                os.replace(state + ".tmp", state)
    print(f"\n{cases} random cases matched (suite seed {seed})" if tty else f"{cases} random cases matched (suite seed {seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
