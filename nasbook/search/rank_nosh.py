"""RANK-NOSH (Wang 2021, thesis chapter 4): predictor-based search with NOn-uniform
Successive Halving and a pairwise ranking predictor, on NAS-Bench-201.

NOSH pool. A pyramid of levels with increasing training budgets; level 0 is a
training-free proxy (cost 0). Every round

  1. fit the ranking predictor on pairs drawn from the whole pool (below);
  2. score `n_candidates` random architectures not in the pool; the `n_add` best
     predicted join level 0 (their proxy is computed, free in epochs);
  3. refit, then promote, from the top level down: at level l >= 1 the `promote[l]`
     best architectures *by their measured accuracy at level l* resume training to level
     l+1 (paying only the extra epochs, as successive halving); at level 0, where
     nothing has been trained, the `promote[0]` best by the predictor are trained to
     level 1.
  Nothing is ever discarded: an architecture left behind keeps its level and can be
  resumed in any later round. The search returns the best architecture of the highest
  level reached (by its accuracy there).

Pairwise ranking predictor. An MLP s(x) on the 30-d one-hot encoding, trained with the
RankNet loss  BCE(sigmoid(s(a) - s(b)), [a beats b])  on pairs from the mixed pool. Two
architectures are compared at the highest level both have reached (every member has
the proxy score, level-l members all have the level-k accuracy for k <= l), so pairs of
architectures trained for different lengths are never compared on numbers that mean
different things. Up to `pairs_per_level` pairs are drawn per level.

Fidelities on the NB201 table (see nasbook.search.budget): level 0 = the proxy
(nasbook.proxies, NASWOT by default, cost 0), level 1 = 12 epochs (observes
``cifar10_valid_12``, cost 12). The table has no 200-epoch validation accuracy (its
200-epoch numbers are test accuracies, the reported metric), so a 200-epoch level would
cost 188 more epochs and observe nothing new; the default pyramid therefore stops at 12
epochs: ``levels=(12,)``. ``levels=(12, 200)`` is accepted and does what it says.
The searches never see a test column (the tests run them on a table whose test
columns are NaN).

Budget: simulated training epochs; the proxy is free (its wall time is reported in
``SearchResult.seconds``). The search stops at the first promotion it cannot pay for,
so a run with budget B makes exactly the first decisions of a run with a larger budget
(its `trace` is the anytime curve).

Differences from the thesis: it searches the DARTS space with a trained proxy pyramid
of several epoch levels (its Algorithm and hyper-parameters are not in the thesis
text); here the levels are the two the table supports, the predictor is a 2-layer MLP
on one-hot encodings (the thesis does not say which encoder), candidates are random
architectures scored by the predictor.
"""
from __future__ import annotations

import time
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from ..spaces import nb201
from ..data.nb201 import load_table
from .budget import EpochOracle, finish
from .result import BudgetExhausted
from .predictor_search import all_encodings, mlp, unseen


# --- the pairwise ranking predictor ---------------------------------------------------

def fit_ranker(X: np.ndarray, a: np.ndarray, b: np.ndarray, a_wins: np.ndarray, seed: int, steps: int = 200,
               lr: float = 3e-3, weight_decay: float = 1e-4) -> Callable[[np.ndarray], np.ndarray]:
    """RankNet: learn s with P(a beats b) = sigmoid(s(X[a]) - s(X[b])); returns s (higher = better).

    `a`, `b` index rows of `X` (the pool's encodings), so each step scores every member once.
    """
    X = torch.as_tensor(X, dtype=torch.float32)
    a, b = torch.as_tensor(np.asarray(a, dtype=np.int64)), torch.as_tensor(np.asarray(b, dtype=np.int64))
    target = torch.as_tensor(np.asarray(a_wins, dtype=np.float32))
    net = mlp(seed, X.shape[1])
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    for _ in range(steps):
        opt.zero_grad()
        s = net(X).squeeze(1)
        loss = F.binary_cross_entropy_with_logits(s[a] - s[b], target)
        loss.backward()
        opt.step()
    return lambda Z: net(torch.as_tensor(Z, dtype=torch.float32)).squeeze(1).detach().numpy()


def sample_pairs(members: np.ndarray, values: np.ndarray, n: int, rng: np.random.Generator):
    """Up to n distinct unordered pairs of `members` with different `values`: (a, b, a_wins)."""
    m = len(members)
    if m < 2:
        return np.empty(0, int), np.empty(0, int), np.empty(0)
    total = m * (m - 1) // 2
    if total <= n:
        i, j = np.triu_indices(m, 1)
    else:
        i = rng.integers(m, size=2 * n)
        j = rng.integers(m, size=2 * n)
        keep = i < j
        i, j = i[keep], j[keep]
        _, first = np.unique(i * m + j, return_index=True)
        first = np.sort(first)[:n]
        i, j = i[first], j[first]
    differ = values[i] != values[j]
    i, j = i[differ], j[differ]
    return members[i], members[j], (values[i] > values[j]).astype(np.float64)


# --- the NOSH pool ---------------------------------------------------------------------

class NoshPool:
    """Level 0: proxy (free); level l >= 1: trained `epochs[l-1]` epochs. Members never leave."""

    def __init__(self, epochs: Sequence[int]):
        self.epochs = tuple(int(e) for e in epochs)
        self.level: dict[int, int] = {}                 # index -> highest level reached
        self.obs: list[dict[int, float]] = [dict() for _ in range(len(self.epochs) + 1)]

    @property
    def top(self) -> int:
        return len(self.epochs)

    def add(self, index: int, proxy_score: float) -> None:
        if index in self.level:
            raise ValueError(f"architecture {index} is already in the pool")
        self.level[index] = 0
        self.obs[0][index] = float(proxy_score)

    def at(self, level: int) -> np.ndarray:
        """Members whose highest level is exactly `level` (candidates for promotion)."""
        return np.array([i for i, l in self.level.items() if l == level], dtype=np.int64)

    def reached(self, level: int) -> np.ndarray:
        return np.array([i for i, l in self.level.items() if l >= level], dtype=np.int64)

    def counts(self) -> list[int]:
        return [int(sum(1 for l in self.level.values() if l == k)) for k in range(self.top + 1)]


def search(oracle: EpochOracle, proxy: Callable[[int], float], seed: int, *, levels: Sequence[int] = (12,),
           n_init: int = 50, n_add: int = 20, promote: Sequence[int] | None = None, n_candidates: int = 1000,
           pairs_per_level: int = 2000, fit_steps: int = 200, on_round: Callable | None = None) -> NoshPool:
    """Spend the oracle's budget with RANK-NOSH; the pick is `oracle.incumbent`."""
    levels = tuple(int(e) for e in levels)
    if not levels or list(levels) != sorted(set(levels)):
        raise ValueError(f"levels must be increasing training epochs, e.g. (12,) or (12, 200); got {levels}")
    promote = tuple(promote) if promote is not None else (10,) + (3,) * (len(levels) - 1)
    if len(promote) != len(levels):
        raise ValueError(f"promote needs one count per promotion step (level 0->1, 1->2, ...): "
                         f"{len(levels)} for levels={levels}, got {promote}")
    rng = np.random.default_rng(seed)
    X = all_encodings()
    pool = NoshPool(levels)

    def ranker():
        members = np.fromiter(pool.level, dtype=np.int64)
        row = {int(i): r for r, i in enumerate(members)}
        A, B, wins = [], [], []
        for level in range(pool.top + 1):
            reached = pool.reached(level)
            values = np.nan_to_num(np.array([pool.obs[level][i] for i in reached], dtype=float), nan=-np.inf)
            a, b, w = sample_pairs(reached, values, pairs_per_level, rng)
            A += [row[int(i)] for i in a]
            B += [row[int(i)] for i in b]
            wins.append(w)
        wins = np.concatenate(wins)
        seed_fit = int(rng.integers(2**31))
        if len(wins) == 0:   # nothing to learn from yet: random scores
            return lambda Z: np.random.default_rng(seed_fit).random(len(Z))
        return fit_ranker(X[members], np.array(A), np.array(B), wins, seed=seed_fit, steps=fit_steps)

    for i in unseen(rng, [], n_init):
        pool.add(int(i), proxy(int(i)))
    try:
        while True:
            score = ranker()
            cand = unseen(rng, pool.level, n_candidates)
            for i in cand[np.argsort(-score(X[cand]), kind="stable")[:n_add]]:
                pool.add(int(i), proxy(int(i)))
            score = ranker()
            promoted = 0
            for level in range(pool.top - 1, -1, -1):      # resume the best of each level, top down
                members = pool.at(level)
                if len(members) == 0:
                    continue
                if level == 0:
                    key = score(X[members])
                else:
                    key = np.nan_to_num(np.array([pool.obs[level][i] for i in members]), nan=-np.inf)
                for i in members[np.argsort(-key, kind="stable")[:promote[level]]]:
                    i = int(i)
                    pool.obs[level + 1][i] = oracle.train(i, levels[level])   # raises when unaffordable
                    pool.level[i] = level + 1
                    promoted += 1
            if on_round is not None:
                on_round(pool)
            if promoted == 0:  # the whole space is in the pool and at the top level
                break
    except BudgetExhausted:
        pass
    return pool


def default_proxy(dataset: str = "cifar10", **kw):
    """NASWOT on CIFAR-10 images, cached under cache_dir() (notebooks pass their own)."""
    from ..config import cache_dir
    from ..proxies import NaswotProxy
    return NaswotProxy(root=cache_dir(), readonly=False, **kw)


def run(*, signal: str = "benchmark", budget: float, seed: int, dataset: str = "cifar10",
        proxy: Callable[[int], float] | None = None, table: pd.DataFrame | None = None, **kw):
    """RANK-NOSH on NB201 with `budget` simulated training epochs (12 per 12-epoch evaluation,
    the proxy free). `proxy`: index -> score (higher = better), default NASWOT (cached).
    Other keywords go to `search` (levels, n_init, n_add, promote, n_candidates, ...)."""
    if signal != "benchmark":
        raise ValueError(f"RANK-NOSH runs on the NB201 table with simulated epochs: signal='benchmark', "
                         f"got {signal!r}")
    table = load_table() if table is None else table
    proxy = default_proxy(dataset) if proxy is None else proxy
    oracle = EpochOracle(table, budget=budget, dataset=dataset)
    t0 = time.perf_counter()
    pool = search(oracle, proxy, seed, **kw)
    result = finish("rank_nosh", oracle, table, seed=seed, seconds=time.perf_counter() - t0)
    result.trace.append({"pool_levels": pool.counts()})   # members per level at the end (no "epochs" key)
    return result
