"""Discretization accuracy at convergence (thesis Sec. 2.3.1, DARTS-PT).

The strength of op `o` on edge `e` of a pretrained supernet: discretize `e` to `o`,
fine-tune the rest of the supernet until its validation accuracy stops improving, and
record that validation accuracy. Every (edge, op) result is an item of a ResultStore, so
a killed run resumes with the next unfinished one.

The early-stopping loop is independent of the model so that it can be tested with a
fake training step and a scripted accuracy sequence:

>>> early_stopping(train_epoch, validate, max_epochs=20, patience=2)
{'acc': best validation accuracy, 'best_epoch': ..., 'epochs': epochs run, 'history': [...]}
"""
from __future__ import annotations

import copy
import time
from typing import Any, Callable

from .store import ResultStore


class DiscretizationError(ValueError):
    pass


def early_stopping(train_epoch: Callable[[int], Any], validate: Callable[[], float], *, max_epochs: int,
                   patience: int = 1, min_delta: float = 0.0, min_epochs: int = 0,
                   validate_first: bool = True) -> dict:
    """Train epoch by epoch until validation accuracy has not improved by more than
    `min_delta` for `patience` epochs in a row (or `max_epochs` were run).

    The convergence rule: an accuracy counts only after at least `min_epochs` epochs of
    training (min_epochs=1: the accuracy right after discretization is never the converged
    one); from then on, the run has converged once `patience` epochs in a row fail to beat the
    last improvement by more than `min_delta` (set it to the validation noise, so that noise
    neither extends nor ends a run). `max_epochs` is a cap: a run it ends has `converged` False.
    Epoch 0 is the accuracy before any fine-tuning (when `validate_first`), kept in the history.
    Returns the best counted accuracy, the epoch it was reached, the number of epochs trained,
    `converged` and the per-epoch history [{"epoch", "acc"}].
    """
    if max_epochs < 0 or patience < 1 or not 0 <= min_epochs <= max(max_epochs, 0):
        raise DiscretizationError(f"need max_epochs >= 0, patience >= 1 and 0 <= min_epochs <= max_epochs, "
                                  f"got {max_epochs}, {patience}, {min_epochs}")
    history = []
    best, best_epoch = -float("inf"), -1  # the highest counted accuracy
    ref, bad = -float("inf"), 0           # the accuracy of the last improvement by more than min_delta

    def count(epoch: int, acc: float) -> bool:  # -> whether to go on
        nonlocal best, best_epoch, ref, bad
        if acc > best:
            best, best_epoch = acc, epoch
        if acc > ref + min_delta:
            ref, bad = acc, 0
            return True
        bad += 1
        return bad < patience

    if validate_first:
        acc = float(validate())
        history.append({"epoch": 0, "acc": acc})
        if min_epochs == 0:
            count(0, acc)
    epochs, converged = 0, False
    for epoch in range(1, max_epochs + 1):
        train_epoch(epoch)
        epochs = epoch
        acc = float(validate())
        history.append({"epoch": epoch, "acc": acc})
        if epoch >= min_epochs and not count(epoch, acc):
            converged = True
            break
    return {"acc": best, "best_epoch": best_epoch, "epochs": epochs, "converged": converged, "history": history}


def discretization_accuracy(supernet, edge: int, op: int, *, discretize: Callable[[Any, int, int], None],
                            train_epoch: Callable[[Any, int], Any], validate: Callable[[Any], float],
                            max_epochs: int, patience: int = 1, min_delta: float = 0.0, min_epochs: int = 0) -> dict:
    """Discretize `edge` of a copy of `supernet` to op `op` (an index into its op list),
    fine-tune it with `train_epoch(net, epoch)` until `validate(net)` stops improving.

    The pretrained supernet itself is never modified. Returns `early_stopping`'s record
    plus `acc_discretized` (before fine-tuning) and the seconds spent.
    """
    t0 = time.time()
    net = copy.deepcopy(supernet)
    discretize(net, edge, op)
    rec = early_stopping(lambda e: train_epoch(net, e), lambda: validate(net), max_epochs=max_epochs,
                         patience=patience, min_delta=min_delta, min_epochs=min_epochs, validate_first=True)
    rec["acc_discretized"] = rec["history"][0]["acc"]
    rec["seconds"] = time.time() - t0
    return rec


def operation_strengths(supernet, edges, ops, store: ResultStore, *, tag: str = "disc", progress: bool = True,
                        **kwargs) -> list[dict]:
    """`discretization_accuracy` for every (edge, op) pair, each stored as item
    (tag, edge, op) in `store` (finished pairs are read back, not recomputed)."""
    from tqdm.auto import tqdm
    pairs = [(int(e), int(o)) for e in edges for o in ops]
    out = []
    for e, o in tqdm(pairs, desc="discretize", disable=not progress, leave=False):
        rec = store.compute((tag, e, o), lambda: discretization_accuracy(supernet, e, o, **kwargs))
        out.append({"edge": e, "op": o, **rec})
    return out
