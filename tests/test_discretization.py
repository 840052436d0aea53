"""Discretization accuracy at convergence: early stopping on validation accuracy."""
import pytest
import torch

from nasbook.discretization import (DiscretizationError, discretization_accuracy, early_stopping,
                                    operation_strengths)
from nasbook.store import ResultStore


def _scripted(accs):
    """A fake run: validate() returns accs[i] after i training epochs."""
    state = {"epochs": 0}
    trained = []

    def train_epoch(e):
        trained.append(e)
        state["epochs"] += 1

    return train_epoch, lambda: accs[state["epochs"]], trained


@pytest.mark.parametrize("accs,patience,best,best_epoch,epochs", [
    ([50, 60, 70, 65, 80, 90], 1, 70, 2, 3),     # stops at the first drop
    ([50, 60, 70, 65, 80, 90], 2, 90, 5, 5),     # a drop followed by a recovery is tolerated
    ([50, 60, 60, 60, 60, 60], 2, 60, 1, 3),     # no improvement (ties) counts as not improving
    ([50, 40, 45, 49, 30, 30], 3, 50, 0, 3),     # fine-tuning never beats the start
    ([10, 20, 30, 40, 50, 60], 1, 60, 5, 5),     # max_epochs reached
])
def test_early_stopping_stops_at_the_right_epoch(accs, patience, best, best_epoch, epochs):
    train_epoch, validate, trained = _scripted(accs)
    rec = early_stopping(train_epoch, validate, max_epochs=5, patience=patience)
    assert (rec["acc"], rec["best_epoch"], rec["epochs"]) == (best, best_epoch, epochs)
    assert trained == list(range(1, epochs + 1))
    assert [h["acc"] for h in rec["history"]] == accs[:epochs + 1]


def test_min_delta_and_bad_arguments():
    """Gains within min_delta end the run (converged) but the best accuracy seen is reported."""
    train_epoch, validate, _ = _scripted([50, 50.05, 50.1, 60, 61, 62])
    rec = early_stopping(train_epoch, validate, max_epochs=5, patience=2, min_delta=0.5)
    assert (rec["epochs"], rec["acc"], rec["best_epoch"], rec["converged"]) == (2, 50.1, 2, True)
    # creeping up: the last improvement by more than 0.5 (epoch 2) is the reference, the best is reported
    train_epoch, validate, _ = _scripted([50, 50.3, 50.6, 50.7, 50.8, 60])
    rec = early_stopping(train_epoch, validate, max_epochs=5, patience=2, min_delta=0.5)
    assert (rec["epochs"], rec["acc"], rec["best_epoch"], rec["converged"]) == (4, 50.8, 4, True)
    for bad in (dict(patience=0), dict(min_epochs=4), dict(min_epochs=-1)):
        with pytest.raises(DiscretizationError):
            early_stopping(train_epoch, validate, **{"max_epochs": 3, "patience": 1, **bad})


@pytest.mark.parametrize("accs,best,best_epoch,epochs,converged", [
    ([50, 40, 45, 49, 30, 30], 49, 3, 5, True),   # the start never counts: the best fine-tuned epoch does
    ([50, 40, 39, 38, 61, 62], 40, 1, 3, True),   # two epochs without a gain after epoch 1: converged
    ([10, 20, 30, 40, 50, 60], 60, 5, 5, False),  # still improving at the cap: not converged (cap-bound)
])
def test_min_epochs_never_counts_the_start_and_the_cap_is_reported(accs, best, best_epoch, epochs, converged):
    train_epoch, validate, trained = _scripted(accs)
    rec = early_stopping(train_epoch, validate, max_epochs=5, patience=2, min_epochs=1)
    assert (rec["acc"], rec["best_epoch"], rec["epochs"], rec["converged"]) == (best, best_epoch, epochs, converged)
    assert rec["history"][0] == {"epoch": 0, "acc": accs[0]} and trained == list(range(1, epochs + 1))


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(3))
        self.fixed = None


def test_discretization_accuracy_copies_and_stores(tmp_path):
    net = Tiny()
    curve = {0: [10, 30, 20], 1: [10, 40, 50]}          # validation accuracy per op and epoch

    def discretize(n, edge, op):
        n.fixed = (edge, op)

    def train_epoch(n, e):
        with torch.no_grad():
            n.w += 1

    validate = lambda n: curve[n.fixed[1]][int(n.w.detach()[0])]
    store = ResultStore("disc_test", {"x": 1}, root=tmp_path)
    kw = dict(discretize=discretize, train_epoch=train_epoch, validate=validate, max_epochs=2, patience=1)
    rec = discretization_accuracy(net, 4, 0, **kw)
    assert net.fixed is None and float(net.w.detach().sum()) == 0     # the pretrained net is untouched
    assert (rec["acc"], rec["best_epoch"], rec["epochs"], rec["acc_discretized"]) == (30, 1, 2, 10)
    out = operation_strengths(net, [4], [0, 1], store, progress=False, **kw)
    assert [r["acc"] for r in out] == [30, 50]
    boom = dict(kw, train_epoch=lambda n, e: (_ for _ in ()).throw(AssertionError("recomputed")))
    again = operation_strengths(net, [4], [0, 1], store, progress=False, **boom)   # resumes from the store
    assert [r["acc"] for r in again] == [30, 50]
