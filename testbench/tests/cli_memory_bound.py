#!/usr/bin/python3
"""Issue #15's memory bound, end to end: the peak resident memory of `sinkattn golden` and
`sinkattn sim` on a float16 trace of a few hundred MB stays within 1.5x the bytes of k.npy +
v.npy plus the configuration's own state, taken as the same command's peak on a tiny trace of the
same configuration (libraries, SystemC kernel, plan and tables). Each run is a process of its
own, measured by the kernel (wait4's ru_maxrss), not by the tool about itself.
  cli_memory_bound.py SINKATTN [MODEL...]   (models: golden sim; default both)"""
import os
import shutil
import subprocess
import sys
import tempfile

BOUND = 1.5


def peak_rss_bytes(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited with status {status}")
    return usage.ru_maxrss * 1024  # Linux reports KiB


def gen(sinkattn, out, tokens, prompt):
    subprocess.run([sinkattn, "gen-trace", "--out", out, "--layers", "8", "--q-heads", "8", "--kv-heads", "8",
                    "--head-dim", "128", "--tokens", str(tokens), "--prompt", str(prompt), "--dtype", "float16",
                    "--decode-queries", "--quiet"], check=True)


def main():
    sinkattn, models = sys.argv[1], sys.argv[2:] or ["golden", "sim"]
    work = tempfile.mkdtemp(prefix="sinkattn_membound_")
    try:
        # 8 layers x 8 KV heads x 4096 tokens x D 128, float16: k + v = 134 MB; 16 decode steps.
        gen(sinkattn, f"{work}/big", 4096, 4080)
        gen(sinkattn, f"{work}/tiny", 64, 48)
        kv = sum(os.path.getsize(f"{work}/big/{f}") for f in ("k.npy", "v.npy"))
        failed = False
        for model in models:
            run = lambda trace: peak_rss_bytes([sinkattn, model, "--config", "sinkattn", "--trace", trace, "--quiet"])
            base, big = run(f"{work}/tiny"), run(f"{work}/big")
            limit = base + BOUND * kv
            ok = big <= limit
            failed |= not ok
            print(f"{model}: peak RSS {big / 1e6:.1f} MB on k+v {kv / 1e6:.1f} MB; own state {base / 1e6:.1f} MB "
                  f"(tiny trace); bound {limit / 1e6:.1f} MB; (peak - own) / (k+v) = {(big - base) / kv:.2f} "
                  f"{'ok' if ok else 'OVER THE BOUND'}")
        sys.exit(1 if failed else 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
