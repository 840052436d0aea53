"""The RMI-NAS search algorithm (Zheng et al., CVPR 2022, Sec. 3.2, Alg. 1, Eq. 6),
following the official code (``sampler/RF_sampling.py``, ``RMINAS_nb201.py``).

1. Warm-up: `n_warm` = 100 distinct random architectures; threshold tau = the `quantile`
   (5%) quantile of their losses (+1e-9); "good" = loss < tau.
2. A random forest (scikit-learn, 30 trees, other settings default) on the 30-dim one-hot
   encoding learns good vs bad. Each round it scores `n_fitting` = 1,000 fresh random
   candidates (distinct, not yet evaluated), the most confident one is evaluated and the
   forest is refitted on everything evaluated so far.
3. Stop after `n_collect` = 100 good hits in the rounds of step 2.
4. Eq. 6: the `top` = 50 lowest-loss good architectures (warm-up ones included, as in the
   official ``optimal_arch(method='sum', top=50)``) vote per edge; the per-edge mode is
   the answer (ties go to the first op in OPS order, as ``np.argmax``).

Loss = minus the signal's fitness: the RMI loss itself, or minus the 12-epoch validation
accuracy when the table drives the search. `budget` caps the number of evaluated
architectures; if it runs out first, Eq. 6 uses the good architectures found so far.
"""
from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from ..spaces import nb201
from .signals import Signal


def onehots() -> np.ndarray:
    """15,625 x 30 one-hot encodings in official index order."""
    return np.eye(nb201.NUM_OPS, dtype=np.float64)[nb201.ops_matrix()].reshape(nb201.NUM_ARCHS, -1)


def per_edge_mode(ops: np.ndarray) -> tuple[int, ...]:
    """Eq. 6: the most frequent op on each edge of an n x 6 op-index array."""
    counts = np.stack([np.bincount(ops[:, e], minlength=nb201.NUM_OPS) for e in range(nb201.NUM_EDGES)])
    return tuple(int(o) for o in counts.argmax(axis=1))


def search(sig: Signal, seed: int, n_warm: int = 100, quantile: float = 0.05, n_trees: int = 30,
           n_fitting: int = 1000, n_collect: int = 100, top: int = 50) -> tuple[int, list[dict]]:
    rng = np.random.default_rng(seed)
    enc, ops = onehots(), nb201.ops_matrix()
    forest = RandomForestClassifier(n_estimators=n_trees, random_state=int(rng.integers(2**31)))

    warm = rng.choice(nb201.NUM_ARCHS, size=min(n_warm, sig.remaining), replace=False).tolist()
    loss = {int(i): -f for i, f in zip(warm, sig(warm))}
    tau = float(np.quantile(list(loss.values()), quantile)) + 1e-9
    trace = [{"round": 0, "queries": len(loss), "tau": tau, "hits": 0,
              "good": int(sum(v < tau for v in loss.values()))}]

    def fit():
        idx = list(loss)
        forest.fit(enc[idx], np.array([loss[i] < tau for i in idx], dtype=np.float64))

    fit()
    hits = 0
    while hits < n_collect and not sig.exhausted:
        cand = rng.choice(nb201.NUM_ARCHS, size=n_fitting, replace=False)
        cand = cand[~np.isin(cand, list(loss))]
        if len(forest.classes_) == 2:
            conf = forest.predict_proba(enc[cand])[:, list(forest.classes_).index(1.0)]
            pick = int(cand[np.argmax(conf)])
        else:  # no good (or no bad) example yet: the forest cannot rank, take a random one
            pick = int(cand[0])
        loss[pick] = -sig.one(pick)
        hit = loss[pick] < tau
        hits += int(hit)
        fit()
        trace.append({"round": len(trace), "queries": len(loss), "index": pick, "loss": loss[pick], "hit": bool(hit),
                      "hits": hits})

    good = sorted((i for i in loss if loss[i] < tau), key=lambda i: loss[i])[:top]
    if not good:  # nothing below the threshold (only possible with ties at tau): fall back to the best seen
        good = [min(loss, key=loss.get)]
    answer = nb201.index_of(per_edge_mode(ops[good]))
    trace.append({"final": True, "hits": hits, "n_good_used": len(good), "tau": tau})
    return answer, trace
