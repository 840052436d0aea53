"""Theorem 1 of RMI-NAS checked on the whole NB201 table.

Theorem 1: for uniform P(alpha) and noise sigma > 0,
    argmax_alpha f(alpha) = argmax_alpha P(alpha | f(alpha) + sigma eps > tau).
The joint mode of the posterior is the optimum (P is proportional to Phi((f - tau)/sigma),
increasing in f), but RMI-NAS uses the *per-edge* mode (Eq. 6), a product of marginals.
Here, for thresholds tau at tightening quantiles of f, we take all architectures with
f > tau (noise-free) or weight every architecture by Phi((f - tau)/sigma) (noisy), and
compare the per-edge mode with the true optimum.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm, rankdata

from ..data import nb201 as bench
from ..spaces import nb201

QUANTILES = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995)


def weighted_edge_mode(ops: np.ndarray, weights: np.ndarray) -> tuple[int, ...]:
    """Per-edge op with the largest total weight (Eq. 6 with weights)."""
    counts = np.zeros((nb201.NUM_EDGES, nb201.NUM_OPS))
    for e in range(nb201.NUM_EDGES):
        counts[e] = np.bincount(ops[:, e], weights=weights, minlength=nb201.NUM_OPS)
    return tuple(int(o) for o in counts.argmax(axis=1))


def check(f: np.ndarray, quantiles=QUANTILES, noise: float = 0.0) -> pd.DataFrame:
    """One row per threshold: the per-edge mode of P(alpha | f + noise*eps > tau) vs argmax f."""
    ops = nb201.ops_matrix()
    f = np.asarray(f, float)
    ok = np.isfinite(f)
    ranks = rankdata(-np.where(ok, f, -np.inf), method="min")
    best = int(np.argmax(np.where(ok, f, -np.inf)))
    rows = []
    for q in quantiles:
        tau = float(np.quantile(f[ok], q))
        if noise > 0:
            w = np.where(ok, norm.cdf((np.where(ok, f, 0) - tau) / noise), 0.0)
        else:
            w = (ok & (f > tau)).astype(float)
        if w.sum() == 0:
            continue
        mode = nb201.index_of(weighted_edge_mode(ops, w))
        joint = int(np.argmax(w + 1e-12 * np.where(ok, f, -np.inf)))  # joint mode; ties broken by f
        rows.append({"quantile": q, "tau": tau, "n_above": int((ok & (f > tau)).sum()), "noise": noise,
                     "mode_index": mode, "mode_f": float(f[mode]), "mode_rank": int(ranks[mode]),
                     "mode_is_optimum": mode == best, "joint_mode_is_optimum": f[joint] == f[best],
                     "optimum_index": best, "optimum_f": float(f[best])})
    return pd.DataFrame(rows)


def check_table(noise_levels=(0.0, 0.5)) -> pd.DataFrame:
    """Theorem 1 on f = the 200-epoch test accuracy and on f = the 12-epoch validation
    accuracy of each dataset, noise-free and with noise sigma (in accuracy points)."""
    frames = []
    for d in bench.DATASETS:
        for kind, col in (("test_200", bench.test_col(d)), ("valid_12", bench.valid_col(d))):
            for noise in noise_levels:
                df = check(bench.column(col), noise=noise)
                df.insert(0, "f", kind)
                df.insert(0, "dataset", d)
                frames.append(df)
    return pd.concat(frames, ignore_index=True)
