"""Regularized evolution (REA, Real et al. 2019), as NATS-Bench ``regularized_ea.py``.

Population 10 of random architectures; each cycle draws a tournament of 3 members with
replacement, mutates the best one on one edge (NATS-Bench's mutation: a node uniformly, then one of its
incoming edges uniformly, then a different op; see `nb201.mutate`),
adds the child and removes the oldest member (aging). The answer is the best architecture
in the whole history. The budget counts unique architectures: a child already seen is
answered from the cache for free, as in NATS-Bench it would only cost simulated time.
"""
from __future__ import annotations

from collections import deque

import numpy as np

from ..spaces import nb201
from .signals import Signal


def search(sig: Signal, seed: int, population: int = 10, tournament: int = 3,
           max_steps_per_query: int = 50) -> tuple[int, list[dict]]:
    rng = np.random.default_rng(seed)
    pop: deque[tuple[str, float]] = deque()
    max_steps = max_steps_per_query * sig.budget   # a converged population may stop finding new archs
    steps = 0
    while len(pop) < population and not sig.exhausted and steps < max_steps:
        arch = nb201.sample(rng)
        pop.append((arch, sig.one(arch)))
        steps += 1
    while not sig.exhausted and steps < max_steps:
        picks = rng.integers(len(pop), size=tournament)
        parent = max((pop[i] for i in picks), key=lambda m: m[1])
        child = nb201.mutate(parent[0], rng)
        pop.append((child, sig.one(child)))
        pop.popleft()
        steps += 1
    trace = [{"queries": n + 1, "best_fitness": b} for n, b in enumerate(sig.best_so_far())]
    return sig.best(), trace
