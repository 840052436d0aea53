"""RMI evaluation throughput: K candidates one after the other vs K trained together
(``nasbook.rmi.train_group``: one optimiser, one backward over the K independent losses),
side by side in one process, on the same batch, teacher and device.

    NASBOOK_DATA=/work/shared/data .venv/bin/python bench/rmi_group.py                # paper settings
    NASBOOK_DATA=/work/shared/data .venv/bin/python bench/rmi_group.py --steps 20 --k 4 --json bench/results/rmi_group_cpu.json
    ... --settings cpu                                                                # C=8, N=1

Paper settings: NB201 C=16, N=5 candidates, 150 SGD steps on one batch of 32. The teacher is
the pretrained ResNet-20 as it is (its accuracy does not change the cost). Prints
architectures per second for both, their ratio (grouped / sequential), and the largest
difference between the two ways' scores (they must agree up to float noise).
"""
from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from nasbook import config, rmi
from nasbook import teacher as teachers
from nasbook.spaces import nb201


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--settings", default="paper", choices=list(rmi.SIGNAL_PROFILES))
    ap.add_argument("--k", type=int, default=None, help="candidates per group (default 16 on a GPU, 4 on a CPU)")
    ap.add_argument("--steps", type=int, default=None, help="override the number of steps (default: the settings')")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the measurements to this JSON file")
    args = ap.parse_args()

    device = config.device()
    k = args.k or (16 if device.type == "cuda" else 4)
    s = rmi.resolve({**rmi.SIGNAL_PROFILES[args.settings], "teacher": {**rmi.TEACHER_RESNET20, "test_limit": 500}})
    if args.steps:
        s.update(steps=args.steps, record_every=min(int(s["record_every"]), args.steps))
    rng = np.random.default_rng(args.seed)
    archs = [nb201.sample(rng) for _ in range(k)]
    with tempfile.TemporaryDirectory() as root:
        batch = rmi.make_batch(teachers.load(s["teacher"], root=root, device=device, progress=False), s,
                               args.seed, device)
    rmi.train_group(archs[:1], batch, {**s, "steps": 2, "record_every": 1}, args.seed, device)  # warm-up

    def timed(fn):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        out = fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return out, time.perf_counter() - t

    seq, t_seq = timed(lambda: [rmi.train_group([a], batch, s, args.seed, device)[0] for a in archs])
    grp, t_grp = timed(lambda: rmi.train_group(archs, batch, s, args.seed, device))
    diff = max(abs(a["score"] - b["score"]) for a, b in zip(seq, grp))
    print(f"device {device}, torch threads {torch.get_num_threads()}, settings {args.settings} "
          f"(C={s['C']}, N={s['N']}, {s['steps']} steps, batch {s['batch_size']}), K={k}")
    print(f"{'way':<12}{'seconds':>10}{'archs/s':>10}")
    print(f"{'sequential':<12}{t_seq:>10.2f}{k / t_seq:>10.3f}")
    print(f"{'grouped':<12}{t_grp:>10.2f}{k / t_grp:>10.3f}")
    print(f"ratio grouped/sequential (archs/s): {t_seq / t_grp:.2f}x; largest score difference {diff:.2e}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "machine": platform.processor() or platform.machine(), "device": str(device), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "settings": args.settings, "C": s["C"], "N": s["N"],
            "steps": s["steps"], "batch": s["batch_size"], "k": k, "engine": rmi.engine_of(s, device),
            "sequential_s": t_seq, "grouped_s": t_grp, "ratio": t_seq / t_grp, "largest_score_difference": diff},
            indent=1) + "\n")


if __name__ == "__main__":
    main()
