"""Bootstrap replicates of Kendall tau: scipy on each resampled sample (the architectures
repeated by how often they are drawn, one call per replicate, as nasbook did before) vs
nasbook.stats.kendall_weighted (all replicates at once from the draw counts), side by side
in one process on the same draws.

    .venv/bin/python bench/bootstrap_tau.py                                  # 1,000 replicates
    .venv/bin/python bench/bootstrap_tau.py --out bench/results/bootstrap_tau_cpu.json

Sizes: 30 architectures (notebook 01's paper-size scale), 50 (notebook 08's top 5%) and
1,000 (notebook 08's whole sample); scores with ties and a diverged (inf) one. Prints seconds
for each way, their ratio, and whether the replicates are equal bit for bit (they must be).
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from nasbook import stats


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--sizes", type=int, nargs="+", default=[30, 50, 1000])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="also write the numbers to this JSON file")
    args = ap.parse_args()

    rows = []
    for m in args.sizes:
        rng = np.random.default_rng(args.seed)
        acc = rng.uniform(10, 95, m).round(1)                      # ties, as NB201 accuracies have
        scores = (-acc + rng.normal(0, 10, m)).round(0)            # a loss with ties
        scores[0] = np.inf                                         # a diverged candidate
        weights = np.stack([np.bincount(rng.integers(0, m, m), minlength=m) for _ in range(args.replicates)])

        t = time.perf_counter()
        one_by_one = np.array([stats.kendall(np.repeat(scores, w), np.repeat(acc, w)) for w in weights])
        t_loop = time.perf_counter() - t
        t = time.perf_counter()
        at_once = stats.kendall_weighted(scores, acc, weights)
        t_once = time.perf_counter() - t
        equal = bool(np.array_equal(one_by_one, at_once, equal_nan=True))
        rows.append({"archs": m, "replicates": args.replicates, "scipy_loop_s": t_loop,
                     "kendall_weighted_s": t_once, "ratio": t_loop / t_once, "equal": equal})
        print(f"{m:5d} archs x {args.replicates} replicates: scipy loop {t_loop:.3f} s, "
              f"kendall_weighted {t_once:.3f} s: x{t_loop / t_once:.1f}; bit-equal: {equal}", flush=True)

    if args.out:
        Path(args.out).write_text(json.dumps({"machine": platform.processor() or platform.machine(),
                                              "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
