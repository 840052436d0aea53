"""The NB201 table as a search sees it when search cost is counted in simulated training epochs.

Fidelities the table can honestly simulate (CIFAR-10 column names; other datasets alike):

  level     cost (epochs)   what the search observes                     column
  proxy     0               a training-free score computed by nasbook     (nasbook.proxies)
  12        12              12-epoch validation accuracy                 cifar10_valid_12
  200       200             **the same** 12-epoch validation accuracy     cifar10_valid_12

The table has no 200-epoch *validation* accuracy: its only 200-epoch numbers are test
accuracies (``cifar10_test_200``), which are the reported metric and so must never be a
search signal; ``*_test_12`` are test-set numbers too. A "fully trained" (200-epoch)
evaluation therefore costs 200 epochs but observes the best validation signal there is,
the 12-epoch one. This is the NATS-Bench protocol (every search sees ``*_valid_12``) with
honest epoch prices; it favours cheap fidelities, because in reality 200 epochs would
tell a search more than 12 do. The oracle keeps the validation column only: it never holds
a test column, so no search built on it can read one.

Training is resumable: asking for an architecture at a higher fidelity pays only the
difference (``epochs - already trained``); asking again at a fidelity reached costs 0.
"""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd

from ..data.nb201 import TEST, load_table, valid_col
from .result import BudgetExhausted

FIDELITIES = (12, 200)   # epochs a simulated evaluation can train for


class EpochOracle:
    """Simulated training of NB201 architectures, paid in epochs.

    `train(index, epochs)` returns the validation accuracy observed after training
    architecture `index` to `epochs` epochs (see the module docstring) and charges the
    epochs not yet trained. `trace` holds one entry per change of the incumbent, i.e. of
    the architecture the search would return if stopped now: the best observed validation
    accuracy among the architectures trained to the highest fidelity reached so far.
    """

    def __init__(self, table: pd.DataFrame, *, budget: float, dataset: str = "cifar10"):
        column = valid_col(dataset)
        if column not in table.columns:
            raise ValueError(f"the NB201 table has no column {column!r}; load it with nasbook.data.nb201.load_table()")
        if not budget > 0:
            raise ValueError(f"budget must be a positive number of simulated epochs, got {budget!r}")
        self.dataset = dataset
        self._valid = table[column].to_numpy(dtype=float).copy()   # the only column a search can see
        self.budget = float(budget)
        self.spent = 0.0
        self.epochs: dict[int, int] = {}          # index -> epochs trained so far
        self.queried: list[int] = []               # indices in order of first training
        self.trace: list[dict] = []
        self._best = (-1, -math.inf, -1)           # (fidelity, valid, index) of the incumbent

    @property
    def left(self) -> float:
        return self.budget - self.spent

    def cost(self, index: int, epochs: int) -> float:
        return float(max(0, epochs - self.epochs.get(int(index), 0)))

    def can_afford(self, index: int, epochs: int) -> bool:
        return self.cost(index, epochs) <= self.left + 1e-9

    def train(self, index: int, epochs: int) -> float:
        index = int(index)
        if epochs not in FIDELITIES:
            raise ValueError(f"the table simulates training for {FIDELITIES} epochs only, got {epochs}")
        cost = self.cost(index, epochs)
        if cost > self.left + 1e-9:
            raise BudgetExhausted(f"training arch {index} to {epochs} epochs costs {cost:g}, {self.left:g} left")
        if index not in self.epochs:
            self.queried.append(index)
        self.spent += cost
        self.epochs[index] = max(epochs, self.epochs.get(index, 0))
        value = float(self._valid[index])
        key = (self.epochs[index], value if not math.isnan(value) else -math.inf, -index)
        if key[:2] > self._best[:2]:
            self._best = (key[0], key[1], index)
        if not self.trace or self.trace[-1]["index"] != self._best[2]:
            self.trace.append({"epochs": self.spent, "index": self._best[2], "valid": self._best[1]})
        return value

    def observed(self, index: int) -> float:
        """Validation accuracy of an architecture already trained (no cost)."""
        if int(index) not in self.epochs:
            raise KeyError(f"architecture {index} has not been trained")
        return float(self._valid[int(index)])

    @property
    def incumbent(self) -> int:
        if not self.trace:
            raise RuntimeError("no architecture trained yet: the budget is below the price of one evaluation")
        return self._best[2]


def finish(method: str, oracle: EpochOracle, table: pd.DataFrame, *, seed: int, seconds: float,
           extra_trace: Mapping | None = None):
    """The SearchResult of a finished search (test accuracies read from the table for reporting)."""
    from ..spaces import nb201
    from .result import SearchResult
    pick = oracle.incumbent
    ds = oracle.dataset
    test = table[TEST[ds]].to_numpy(dtype=float) if TEST[ds] in table else np.full(len(table), np.nan)
    return SearchResult(
        method=method, signal="benchmark", seed=int(seed), arch=nb201.arch_of(pick), index=int(pick),
        queried=list(oracle.queried), seconds=float(seconds), cost=float(oracle.spent),
        valid_acc={ds: float(oracle.observed(pick))}, test_acc={ds: float(test[pick])},
        trace=[dict(t, budget=oracle.budget, **(extra_trace or {})) for t in oracle.trace],
    )
