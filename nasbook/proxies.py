"""Training-free (zero-cost) proxies of architecture quality, computed at initialisation.

NASWOT (Mellor et al., "Neural Architecture Search without Training", ICML 2021): push one
mini-batch through the freshly initialised network, record for every ReLU the binary code
of which units are active for each image, and score the architecture by

    log |det K|,   K[i, j] = sum over ReLUs of (units where images i and j agree)
                           = N_A - Hamming(c_i, c_j)

(the official code: ``K += x @ x.T + (1 - x) @ (1 - x).T`` per ReLU, then ``slogdet``).
Higher is better. An architecture whose images all map to the same code (e.g. a cell of
"none" edges) has a singular K and scores -inf; we return a large negative number instead
so that rankings stay total.

`NaswotProxy` computes lazily, only for the architectures asked for, and caches every score
in a ResultStore keyed by the official index, so nothing is ever computed twice (across
seeds, methods and runs). The network, the image batch and the initialisation are fixed by
the proxy's configuration (seed included), so a score is a deterministic function of the
architecture.

Differences from the official NASWOT code, on purpose:
- default network C=16, N=5 (the NB201 size) but one batch of 64 images (official: 128) to
  keep a CPU run cheap; `NaswotProxy(C=..., N=..., batch_size=...)` changes it;
- the nasbook network skips edges whose output cannot reach the cell output, so the ReLUs
  of such dead-end ops (which do compute in the official network) do not contribute to K.
"""
from __future__ import annotations

import math
import time
from typing import Callable, Iterable

import numpy as np
import torch
import torch.nn as nn

from .spaces import nb201

NEG_SCORE = -1e9  # stands in for log(0) of a singular kernel


def naswot_score(net: nn.Module, x: torch.Tensor) -> float:
    """log |det K| of the ReLU activation-code kernel of `net` on batch `x` (train-mode BN)."""
    n = x.shape[0]
    K = torch.zeros(n, n, dtype=torch.float64)

    def hook(module, inputs, output):
        codes = (inputs[0].detach().reshape(n, -1) > 0).float()
        K.add_((codes @ codes.T + (1 - codes) @ (1 - codes).T).double())

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, nn.ReLU)]
    try:
        net.train()
        with torch.no_grad():
            net(x)
    finally:
        for h in handles:
            h.remove()
    sign, logdet = torch.linalg.slogdet(K)
    value = float(logdet)
    if sign <= 0 or not math.isfinite(value):
        return NEG_SCORE
    return value


def proxy_batch(batch_size: int = 64, seed: int = 0, split: str = "search_train") -> torch.Tensor:
    """A fixed, seeded batch of real CIFAR-10 images (normalised float NCHW) for the proxies."""
    from . import data as _data  # nasbook.data: cifar10(), normalize(), CIFAR_MEAN/STD
    x, _ = _data.cifar10(split)
    idx = np.random.default_rng(seed).choice(len(x), size=batch_size, replace=False)
    return _data.normalize(x[torch.as_tensor(np.sort(idx))], _data.CIFAR_MEAN, _data.CIFAR_STD).float()


class NaswotProxy:
    """NASWOT score of NB201 architectures, computed on demand and cached in a ResultStore.

    >>> proxy = NaswotProxy(root=results_dir() / "cpu")
    >>> proxy(1234)            # float, higher is better; computed once, then read back
    >>> proxy.many([1, 2, 3])  # list of floats
    """

    name = "naswot"

    def __init__(self, *, C: int = 16, N: int = 5, batch_size: int = 64, seed: int = 0,
                 root=None, readonly: bool | None = None, threads: int | None = None):
        from .store import ResultStore
        self.config = dict(proxy="naswot", C=C, N=N, batch_size=batch_size, seed=seed, images="cifar10 search_train")
        self.store = ResultStore("proxy_naswot", self.config, root=root, readonly=readonly)
        self._x = None
        self.threads = threads
        self.computed = 0      # scores computed by this object (not read from the store)
        self.seconds = 0.0     # time spent computing them

    def _batch(self) -> torch.Tensor:
        if self._x is None:
            self._x = proxy_batch(self.config["batch_size"], self.config["seed"])
        return self._x

    def _compute(self, index: int) -> float:
        t0 = time.perf_counter()
        x = self._batch()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.config["seed"])  # the same initialisation recipe for every architecture
            net = nb201.build_network(nb201.arch_of(index), C=self.config["C"], N=self.config["N"])
            if self.threads:
                old = torch.get_num_threads()
                torch.set_num_threads(self.threads)
            try:
                score = naswot_score(net, x)
            finally:
                if self.threads:
                    torch.set_num_threads(old)
        self.computed += 1
        self.seconds += time.perf_counter() - t0
        return score

    def __call__(self, index: int) -> float:
        index = int(index)
        return float(self.store.compute(("arch", index), lambda: self._compute(index)))

    def many(self, indices: Iterable[int]) -> list[float]:
        return [self(i) for i in indices]

    @property
    def seconds_per_arch(self) -> float:
        return self.seconds / self.computed if self.computed else float("nan")

    def cached(self) -> dict[int, float]:
        """Every score in the store: {official index: score}."""
        return {int(r["item"][1]): float(r["value"]) for r in self.store.records()}


class TableProxy:
    """A cheap stand-in proxy for tests: any function of the official index, counted."""

    name = "table"

    def __init__(self, fn: Callable[[int], float]):
        self.fn = fn
        self.calls: list[int] = []

    def __call__(self, index: int) -> float:
        self.calls.append(int(index))
        return float(self.fn(int(index)))

    def many(self, indices):
        return [self(i) for i in indices]
