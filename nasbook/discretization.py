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
                   patience: int = 1, min_delta: float = 0.0, validate_first: bool = True) -> dict:
    """Train epoch by epoch until validation accuracy has not improved by more than
    `min_delta` for `patience` epochs in a row (or `max_epochs` were run).

    Epoch 0 is the accuracy before any fine-tuning (when `validate_first`). Returns the
    best accuracy seen, the epoch it was reached, the number of epochs trained and the
    per-epoch history [{"epoch", "acc"}].
    """
    if max_epochs < 0 or patience < 1:
        raise DiscretizationError(f"need max_epochs >= 0 and patience >= 1, got {max_epochs}, {patience}")
    history = []
    best, best_epoch, bad = -float("inf"), -1, 0
    if validate_first:
        best, best_epoch = float(validate()), 0
        history.append({"epoch": 0, "acc": best})
    epochs = 0
    for epoch in range(1, max_epochs + 1):
        train_epoch(epoch)
        epochs = epoch
        acc = float(validate())
        history.append({"epoch": epoch, "acc": acc})
        if acc > best + min_delta:
            best, best_epoch, bad = acc, epoch, 0
        else:
            bad += 1
            if bad >= patience:
                break
    return {"acc": best, "best_epoch": best_epoch, "epochs": epochs, "history": history}


def discretization_accuracy(supernet, edge: int, op: int, *, discretize: Callable[[Any, int, int], None],
                            train_epoch: Callable[[Any, int], Any], validate: Callable[[Any], float],
                            max_epochs: int, patience: int = 1, min_delta: float = 0.0) -> dict:
    """Discretize `edge` of a copy of `supernet` to op `op` (an index into its op list),
    fine-tune it with `train_epoch(net, epoch)` until `validate(net)` stops improving.

    The pretrained supernet itself is never modified. Returns `early_stopping`'s record
    plus `acc_discretized` (before fine-tuning) and the seconds spent.
    """
    t0 = time.time()
    net = copy.deepcopy(supernet)
    discretize(net, edge, op)
    rec = early_stopping(lambda e: train_epoch(net, e), lambda: validate(net), max_epochs=max_epochs,
                         patience=patience, min_delta=min_delta, validate_first=True)
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
