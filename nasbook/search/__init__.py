"""Searches on the NB201 cell behind one entry point.

    from nasbook.search import run
    res = run("rea", signal="benchmark", budget=200, seed=0, dataset="cifar10")
    res.arch, res.index, res.queried, res.seconds, res.test_acc["cifar100"]

Methods driven by a search signal (signals.py): "random", "rea", "reinforce", "rminas",
"gpnas" (and "gpnas_rdm", GP-NAS with random sampling). Signals: "benchmark" (the 12-epoch
validation accuracy of `dataset`, the NATS-Bench protocol) and "rmi" (the RMI loss of
RMI-NAS, CIFAR-10 teacher). Extra keyword options go to the method (e.g. ``n_collect`` for
"rminas", ``answer`` = "best_queried" / "argmax" for "gpnas") or, prefixed ``rmi_``, to the RMI signal
(``rmi_settings``: None = the paper's or a dict, e.g. ``nasbook.rmi.SIGNAL_PROFILES["cpu"]``;
``rmi_seed``; ``rmi_root``). "rank_nosh" (``nasbook.search.rank_nosh``) is forwarded.
Weight-sharing methods ("darts", "gdas", "darts_pt", "drnas", "vimnas") train a supernet
with a profile's settings: ``nasbook.supernet.search.train_supernet`` is the method,
notebook 07's experiment module runs them; `run` refuses them with that pointer.
"""
from __future__ import annotations

import importlib
import time

from .result import BudgetExhausted, SearchResult
from .signals import Signal, make_signal, report

# name -> (module, keyword options fixed by the name)
SIGNAL_METHODS = {
    "random": ("random_search", {}),
    "rea": ("rea", {}),
    "reinforce": ("reinforce", {}),
    "rminas": ("rminas", {}),
    "gpnas": ("gpnas", {"sampler": "mi"}),
    "gpnas_rdm": ("gpnas", {"sampler": "random"}),
}
# An implementation change that changes a method's results bumps its revision here; stores
# key their searches by it (nasbook.search.revision), so nothing stored earlier is reused.
REVISIONS = {
    "rea": "nats-mutation",   # 2026-11: node, then incoming edge (was: a uniform edge)
    # 2026-11: AEA alternated to convergence, priors on w and sigma, a noise term; the answer
    # is the best measured architecture (answer="best_queried"), not the argmax of the prediction
    "gpnas": "aea-2",
    "gpnas_rdm": "aea-2",
}
SUPERNET_METHODS = ("darts", "gdas", "darts_pt", "drnas", "vimnas")
OTHER_METHODS = ("rank_nosh",)
METHODS = tuple(SIGNAL_METHODS) + SUPERNET_METHODS + OTHER_METHODS


def revision(method: str) -> dict:
    """{"revision": ...} for a method whose implementation changed since its first stored
    results, else {} (so the keys of unchanged methods stay as they were)."""
    return {"revision": REVISIONS[method]} if method in REVISIONS else {}


def run(method: str, *, signal: str = "benchmark", budget: int | None = None, seed: int = 0,
        dataset: str = "cifar10", score=None, **options) -> SearchResult:
    """Run one search and return its SearchResult (pick, its accuracies, queries, time).

    `budget` = the number of distinct architectures the search may evaluate. `score`
    replaces the signal's fitness function (``indices -> (fitness, seconds)``; tests use
    a cheap fake).
    """
    if method in SUPERNET_METHODS:
        raise ValueError(f"{method!r} is a weight-sharing method: it needs a supernet's settings, so it is run "
                         f"by nasbook.experiments.nb201_weight_sharing.run({method!r}, p, seed) with p its resolved Profile "
                         f"(or nasbook.supernet.search.train_supernet), not by nasbook.search.run")
    if method in OTHER_METHODS:
        module = importlib.import_module(f".{method}", __name__)
        return module.run(seed=seed, dataset=dataset, **({"budget": budget} if budget is not None else {}), **options)
    if method not in SIGNAL_METHODS:
        raise ValueError(f"unknown search method {method!r}: expected one of {', '.join(METHODS)}")
    if budget is None:
        raise ValueError(f"method {method!r} needs budget= (the number of architectures it may evaluate, "
                         f"e.g. 200 as in RMI-NAS Table 1)")
    rmi_kw = {k: options.pop(k) for k in list(options) if k.startswith("rmi_")}
    module_name, fixed = SIGNAL_METHODS[method]
    module = importlib.import_module(f".{module_name}", __name__)
    sig = make_signal(signal, dataset, budget, score=score, **rmi_kw)
    t0 = time.perf_counter()
    index, trace = module.search(sig, seed, **fixed, **options)
    return report(method, sig, seed, index, time.perf_counter() - t0, trace)


__all__ = ["run", "revision", "REVISIONS", "METHODS", "SIGNAL_METHODS", "SearchResult", "Signal", "BudgetExhausted", "make_signal"]
