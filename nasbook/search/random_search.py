"""Random search (RS): query `budget` distinct uniformly random architectures, keep the best.

As NATS-Bench ``random_wo_share.py`` with the budget counted in architectures instead of
simulated seconds; sampling without replacement equals sampling with replacement when
repeats are free (the Signal answers them from its cache).
"""
from __future__ import annotations

import numpy as np

from ..spaces import nb201
from .signals import Signal


def search(sig: Signal, seed: int) -> tuple[int, list[dict]]:
    rng = np.random.default_rng(seed)
    indices = rng.choice(nb201.NUM_ARCHS, size=min(sig.remaining, nb201.NUM_ARCHS), replace=False)
    sig(indices.tolist())  # one batch: the RMI signal may evaluate it in one go
    trace = [{"queries": n + 1, "best_fitness": b} for n, b in enumerate(sig.best_so_far())]
    return sig.best(), trace
