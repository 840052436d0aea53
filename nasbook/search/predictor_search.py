"""Full-fidelity predictor-based search: the baseline RANK-NOSH is measured against.

The framework of thesis section 4.1.1 (Wang 2021; as BANANAS / arch2vec / NPENAS): start
from a pool of random architectures trained *fully*, then repeat (1) fit a regression
predictor of accuracy on the pool, (2) score `n_candidates` random unseen architectures,
(3) train the `per_round` best predicted ones fully and add them to the pool.
The answer is the best trained architecture by its observed validation accuracy.

Budget is in simulated epochs (`nasbook.search.budget`): a full training costs
``epochs=200``. What it observes is the 12-epoch validation accuracy, because the NB201
table has no 200-epoch validation accuracy (see budget.py); ``epochs=12`` gives the same
search at the 12-epoch price (an ablation: the predictor search without NOSH, ranking
loss or proxy).

The predictor is the same small MLP on the 30-d one-hot encoding that RANK-NOSH uses,
trained with a mean-squared error on standardised accuracies, so the two searches differ
only in what the thesis changes (pool schedule, loss, proxy level).
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch
import torch.nn as nn

from ..spaces import nb201
from ..data.nb201 import load_table
from .budget import EpochOracle, finish
from .result import BudgetExhausted


def all_encodings() -> np.ndarray:
    """15,625 x 30 one-hot encodings in official index order."""
    ops = nb201.ops_matrix()
    X = np.zeros((nb201.NUM_ARCHS, nb201.NUM_EDGES, nb201.NUM_OPS), dtype=np.float32)
    X[np.arange(nb201.NUM_ARCHS)[:, None], np.arange(nb201.NUM_EDGES)[None, :], ops] = 1.0
    return X.reshape(nb201.NUM_ARCHS, -1)


def mlp(seed: int, d_in: int = 30, hidden: int = 64) -> nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                             nn.Linear(hidden, 1))


def fit_regressor(X: np.ndarray, y: np.ndarray, seed: int, steps: int = 200, lr: float = 3e-3,
                  weight_decay: float = 1e-4):
    """MLP regression on standardised targets; returns predict(X) -> scores (higher = better)."""
    X = torch.as_tensor(X, dtype=torch.float32)
    y = np.asarray(y, dtype=np.float64)
    y = torch.as_tensor((y - y.mean()) / (y.std() + 1e-8), dtype=torch.float32)
    net = mlp(seed, X.shape[1])
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((net(X).squeeze(1) - y) ** 2).mean()
        loss.backward()
        opt.step()
    return lambda Z: net(torch.as_tensor(Z, dtype=torch.float32)).squeeze(1).detach().numpy()


def unseen(rng: np.random.Generator, seen, n: int) -> np.ndarray:
    """Up to n distinct random architectures not in `seen`, in random order."""
    mask = np.ones(nb201.NUM_ARCHS, dtype=bool)
    mask[list(seen)] = False
    pool = np.flatnonzero(mask)
    return rng.choice(pool, size=min(n, len(pool)), replace=False)


def search(oracle: EpochOracle, seed: int, *, epochs: int = 200, n_init: int = 10, per_round: int = 10,
           n_candidates: int = 1000, fit_steps: int = 200) -> None:
    """Spend the oracle's budget; the pick is `oracle.incumbent`."""
    rng = np.random.default_rng(seed)
    X = all_encodings()
    y: dict[int, float] = {}
    try:
        for i in unseen(rng, [], n_init):
            y[int(i)] = oracle.train(int(i), epochs)
        while len(y) < nb201.NUM_ARCHS:
            idx = np.fromiter(y, dtype=np.int64)
            vals = np.nan_to_num(np.array([y[i] for i in idx]), nan=0.0)
            predict = fit_regressor(X[idx], vals, seed=int(rng.integers(2**31)), steps=fit_steps)
            cand = unseen(rng, y, n_candidates)
            for i in cand[np.argsort(-predict(X[cand]), kind="stable")[:per_round]]:
                y[int(i)] = oracle.train(int(i), epochs)
    except BudgetExhausted:
        pass


def run(*, signal: str = "benchmark", budget: float, seed: int, dataset: str = "cifar10",
        epochs: int = 200, table: pd.DataFrame | None = None, **kw):
    """Predictor search with `budget` simulated epochs, every candidate trained `epochs` epochs."""
    if signal != "benchmark":
        raise ValueError(f"predictor search runs on the NB201 table only: signal='benchmark', got {signal!r}")
    table = load_table() if table is None else table
    oracle = EpochOracle(table, budget=budget, dataset=dataset)
    t0 = time.perf_counter()
    search(oracle, seed, epochs=epochs, **kw)
    return finish("predictor" if epochs == 200 else f"predictor_{epochs}", oracle, table, seed=seed,
                  seconds=time.perf_counter() - t0)
