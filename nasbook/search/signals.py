"""What a search is allowed to see: a budget-counting view of one search signal.

Two signals drive the searches of notebook 04:

  "benchmark"  the 12-epoch validation accuracy of the NB201 table (the NATS-Bench
               protocol; ``VALID[dataset]``), higher is better
  "rmi"        the RMI loss of RMI-NAS (``nasbook.rmi.search_signal``), lower is better

`Signal` turns both into one "fitness" (higher is better: the accuracy, or minus the RMI
loss), answers repeated questions from its cache for free, counts the *unique*
architectures queried against the budget and records the query order. The searches
never see the 200-epoch test accuracies; `report` looks them up once the pick is made.
"""
from __future__ import annotations

import time
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from ..spaces import nb201
from ..data.nb201 import DATASETS, check_dataset, column, load_table, test_col, valid_col
from .result import BudgetExhausted, SearchResult

SIGNALS = ("benchmark", "rmi")


# --- signals --------------------------------------------------------------------------

ScoreFn = Callable[[list[int]], tuple[np.ndarray, np.ndarray]]  # indices -> (fitness, seconds each)


def benchmark_fitness(dataset: str) -> ScoreFn:
    """Fitness = 12-epoch validation accuracy of `dataset` (a table lookup, 0 s)."""
    values = column(valid_col(dataset))

    def score(indices: list[int]) -> tuple[np.ndarray, np.ndarray]:
        idx = np.asarray(indices, dtype=np.int64)
        return values[idx], np.zeros(len(idx))
    return score


def rmi_fitness(settings: dict | None = None, seed: int = 0, root=None) -> ScoreFn:
    """Fitness = minus the RMI loss of ``nasbook.rmi`` (settings: None = the paper's, or a dict
    of RMI settings resolved by the caller, e.g. ``nasbook.rmi.SIGNAL_PROFILES["cpu"]``; a
    profile name is refused). ``nasbook.rmi.evaluate`` keeps every architecture's
    loss and evaluation seconds in its store, so searches with the same settings share them
    and a killed run resumes; the stored seconds still count in each search's cost.
    A diverged (NaN) loss ranks last (fitness -inf).
    """
    from .. import rmi  # written by the RMI developer; imported only when used
    settings = rmi.resolve(settings)  # validated now (a profile name is refused), not at the first query

    def score(indices: list[int]) -> tuple[np.ndarray, np.ndarray]:
        recs = rmi.evaluate([nb201.arch_of(i) for i in indices], settings, seed, root=root, progress=len(indices) > 1)
        loss = np.array([np.inf if r["score"] is None or np.isnan(r["score"]) else r["score"] for r in recs])
        return -loss, np.array([float(r.get("seconds", 0.0)) for r in recs])
    return score


class Signal:
    """Budget-counting, caching view of a fitness function (higher is better).

    ``sig(archs)`` takes official strings, op tuples or indices and returns their fitness;
    architectures already seen cost nothing, new ones count against `budget`, and
    asking for a new one beyond it raises `BudgetExhausted`.
    """

    def __init__(self, score: ScoreFn, budget: int, name: str = "benchmark"):
        if int(budget) < 1:
            raise ValueError(f"budget must be a positive number of architectures, got {budget!r}")
        self.score, self.budget, self.name = score, int(budget), name
        self.cache: dict[int, float] = {}
        self.queried: list[int] = []       # unique indices in query order
        self.eval_seconds = 0.0            # the signal's own evaluation time (0 for the table)
        self.score_wall = 0.0              # wall time spent inside `score` (cached RMI: ~0)
        self.calls = 0                     # all questions, repeats included

    @property
    def remaining(self) -> int:
        return self.budget - len(self.queried)

    @property
    def exhausted(self) -> bool:
        return self.remaining <= 0

    def __call__(self, archs: Iterable) -> np.ndarray:
        indices = [to_index(a) for a in archs]
        new = list(dict.fromkeys(i for i in indices if i not in self.cache))
        if len(new) > self.remaining:
            raise BudgetExhausted(f"{len(new)} new architecture(s) asked with {self.remaining} of the "
                                  f"budget of {self.budget} left; check `remaining` before asking")
        if new:
            t0 = time.perf_counter()
            fitness, seconds = self.score(new)
            self.score_wall += time.perf_counter() - t0
            for i, f in zip(new, fitness):
                self.cache[i] = float(f)
            self.queried += new
            self.eval_seconds += float(np.sum(seconds))
        self.calls += len(indices)
        return np.array([self.cache[i] for i in indices], dtype=np.float64)

    def one(self, arch) -> float:
        return float(self([arch])[0])

    def best(self) -> int:
        """The queried architecture with the highest fitness (first one on ties)."""
        if not self.queried:
            raise RuntimeError("no architecture queried yet")
        return max(self.queried, key=lambda i: self.cache[i])

    def best_so_far(self) -> list[float]:
        out, best = [], -np.inf
        for i in self.queried:
            best = max(best, self.cache[i])
            out.append(best)
        return out


def to_index(arch) -> int:
    if isinstance(arch, (int, np.integer)):
        index = int(arch)
        if not 0 <= index < nb201.NUM_ARCHS:
            raise nb201.ArchError(f"NB201 index {index} out of range: expected 0..{nb201.NUM_ARCHS - 1}")
        return index
    return nb201.index_of(arch)


def make_signal(signal: str, dataset: str, budget: int, *, rmi_settings: dict | None = None,
                rmi_seed: int = 0, rmi_root=None, score: ScoreFn | None = None) -> Signal:
    """The Signal a search sees. `score` overrides the fitness (tests use a cheap fake)."""
    check_dataset(dataset)
    if signal not in SIGNALS:
        raise ValueError(f"unknown signal {signal!r}: expected one of {', '.join(SIGNALS)}")
    if score is None:
        if signal == "benchmark":
            score = benchmark_fitness(dataset)
        else:
            if dataset != "cifar10":
                raise ValueError(f"signal='rmi' scores architectures against the CIFAR-10 teacher; "
                                 f"got dataset={dataset!r}. Use dataset='cifar10' (its pick is still "
                                 f"reported on all three datasets) or signal='benchmark'.")
            score = rmi_fitness(rmi_settings, rmi_seed, rmi_root)
    return Signal(score, budget, signal)


# --- what a search returns ------------------------------------------------------------

def accuracies(index: int) -> tuple[dict[str, float], dict[str, float]]:
    """(12-epoch validation accuracy, 200-epoch test accuracy) of `index` on all datasets."""
    row = load_table().iloc[int(index)]
    return ({d: float(row[valid_col(d)]) for d in DATASETS}, {d: float(row[test_col(d)]) for d in DATASETS})


def report(method: str, sig: Signal, seed: int, index: int, seconds: float,
           trace: Sequence[dict] | None = None) -> SearchResult:
    """The SearchResult of a finished search: its pick with the pick's table accuracies.

    cost = search wall time outside the signal + the signal's own evaluation seconds of
    every unique query: the wall time for the table, and with cached RMI losses the time
    the search would have taken computing them all.
    """
    index = int(index)
    valid, test = accuracies(index)
    return SearchResult(method=method, signal=sig.name, seed=int(seed), arch=nb201.arch_of(index), index=index,
                        queried=[int(i) for i in sig.queried], seconds=float(seconds),
                        cost=float(max(seconds - sig.score_wall, 0.0) + sig.eval_seconds),
                        valid_acc=valid, test_acc=test, trace=list(trace or []))
