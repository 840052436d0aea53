"""RMI items per second with the Ray executor (nasbook.executor) on 1 and 2 workers, side by side,
with the local loop (this process, one torch thread) as the reference; all on this machine.

    NASBOOK_DATA=/work/shared/data .venv/bin/python bench/scale_out.py                  # 16 tiny items
    NASBOOK_DATA=/work/shared/data .venv/bin/python bench/scale_out.py --archs 32 --steps 40 --out bench/results/scale_out_cpu.json

Items: `rmi.evaluate` of --archs random NB201 architectures at a tiny scale (C=4, N=1, batch 16
from a pool of 64, --steps SGD steps; the pretrained ResNet-20 teacher), one architecture per
chunk as on a CPU. Each way starts from an empty store. A Ray instance of this process gets
1, then 2 CPUs (= workers, one torch thread each); before the clock starts, its workers are
started and have loaded the teacher and the batch (a warm-up on other architectures). Prints
items/s of each way, the speed-up of 2 workers over 1, and whether all three stored the same
scores (they must: one torch thread everywhere).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from nasbook import executor, rmi
from nasbook.spaces import nb201


def timed_evaluate(archs, warm, s, root) -> float:
    """Seconds for rmi.evaluate(archs) after a warm-up evaluate(warm) on the same store."""
    rmi.evaluate(warm, s, 0, root=root, progress=False)
    t = time.perf_counter()
    rmi.evaluate(archs, s, 0, root=root, progress=False)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archs", type=int, default=16, help="timed items per way (default 16)")
    ap.add_argument("--steps", type=int, default=20, help="SGD steps per item (default 20)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="Ray worker counts (default 1 2)")
    ap.add_argument("--out", help="also write the numbers to this JSON file")
    args = ap.parse_args()
    import ray

    s = rmi.resolve({"C": 4, "N": 1, "batch_size": 16, "gamma": 4, "steps": args.steps,
                     "record_every": args.steps, "teacher": {**rmi.TEACHER_RESNET20, "test_limit": 500}})
    rng = np.random.default_rng(0)
    picked = rng.choice(len(nb201.all_archs()), args.archs + 2 * max(args.workers), replace=False)
    archs = [nb201.arch_of(int(i)) for i in picked]
    timed, warm = archs[:args.archs], archs[args.archs:]
    rows, scores = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        torch.set_num_threads(1)
        os.environ["NASBOOK_EXECUTOR"] = "local"
        seconds = timed_evaluate(timed, warm[:1], s, Path(tmp) / "local")
        rows.append(("local (this process, 1 thread)", 1, seconds))
        scores["local"] = rmi.scores(timed, s, 0, root=Path(tmp) / "local", progress=False)
        os.environ.update(NASBOOK_EXECUTOR="ray", NASBOOK_RAY_CPUS="1")
        for k in args.workers:
            executor.start_ray(num_cpus=k)
            seconds = timed_evaluate(timed, warm[:2 * k], s, Path(tmp) / f"ray{k}")
            rows.append((f"ray, {k} worker{'s' if k > 1 else ''} (1 thread each)", k, seconds))
            scores[f"ray{k}"] = rmi.scores(timed, s, 0, root=Path(tmp) / f"ray{k}", progress=False)
            executor.close()
            ray.shutdown()
    same = all(np.array_equal(v, scores["local"]) for v in scores.values())
    print(f"{platform.node()}: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
          f"{args.archs} RMI items (C=4, N=1, {args.steps} steps, batch 16), one per chunk")
    print(f"{'way':<36}{'seconds':>9}{'items/s':>9}")
    for label, _, sec in rows:
        print(f"{label:<36}{sec:>9.2f}{args.archs / sec:>9.2f}")
    ray_rows = {k: sec for label, k, sec in rows if label.startswith("ray")}
    if 1 in ray_rows and 2 in ray_rows:
        print(f"2 workers / 1 worker (items/s): {ray_rows[1] / ray_rows[2]:.2f}x")
    print(f"stored scores identical across the ways: {same}")
    if args.out:
        Path(args.out).write_text(json.dumps({
            "machine": platform.node(), "cores": os.cpu_count(), "load_average": os.getloadavg()[0],
            "items": args.archs, "steps": args.steps, "ray": ray.__version__, "torch": torch.__version__,
            "rows": [{"way": label, "workers": k, "seconds": sec, "items_per_s": args.archs / sec}
                     for label, k, sec in rows], "identical_scores": same}, indent=1) + "\n")


if __name__ == "__main__":
    main()
