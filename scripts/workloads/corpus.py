"""The training text: the English fortunes that Debian's `fortunes` and `fortunes-min` ship.

Each fortune file is a list of entries separated by lines holding a single "%". Every 20th
entry (over the files in name order) goes to validation, the rest to training, so both halves
sample every file. The entries are joined back with the "%" separator lines, as shipped.
"""
import hashlib
import os

import numpy as np

FORTUNE_DIR = "/usr/share/games/fortunes"
VAL_EVERY = 20
SEP = b"\n%\n"


def fortune_files(root=FORTUNE_DIR):
    """The data files (not the .dat indices, not the .u8 links to them), in name order."""
    if not os.path.isdir(root):
        raise SystemExit(f"{root}: no such directory; install the Debian packages fortunes and fortunes-min")
    out = []
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if name.endswith((".dat", ".u8")) or os.path.islink(path) or not os.path.isfile(path):
            continue
        out.append(path)
    if not out:
        raise SystemExit(f"{root}: no fortune files; install the Debian packages fortunes and fortunes-min")
    return out


def load_split(root=FORTUNE_DIR):
    """(train, val, info): the two halves as uint8 arrays and what they were made from."""
    train, val, files = [], [], []
    n = 0
    for path in fortune_files(root):
        data = open(path, "rb").read()
        files.append(os.path.basename(path))
        for entry in data.split(SEP):
            entry = entry.strip(b"\n%")
            if not entry:
                continue
            (val if n % VAL_EVERY == 0 else train).append(entry)
            n += 1
    tr, va = SEP.join(train) + SEP, SEP.join(val) + SEP
    info = {"source": f"Debian packages fortunes + fortunes-min, {root}", "files": files, "entries": n,
            "val_every": VAL_EVERY, "train_bytes": len(tr), "val_bytes": len(va),
            "sha256": hashlib.sha256(tr + va).hexdigest()}
    return np.frombuffer(tr, dtype=np.uint8), np.frombuffer(va, dtype=np.uint8), info


def unigram_nats(train, val):
    """Cross-entropy (nats/byte) of val under train's byte frequencies (add-one smoothed)."""
    counts = np.bincount(train, minlength=256).astype(np.float64) + 1.0
    logp = np.log(counts / counts.sum())
    return float(-logp[val].mean())
