import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from nasbook.train import cosine_lr, evaluate, train


class TensorLoader:
    """Minimal stand-in for nasbook.data.Loader: fixed batches of tensors on the CPU."""

    def __init__(self, x, y, batch_size, shuffle_seed=None):
        self.x, self.y, self.batch_size, self.seed = x, y, batch_size, shuffle_seed
        self.epoch = 0

    def __len__(self):
        return math.ceil(len(self.y) / self.batch_size)

    def __iter__(self):
        order = torch.arange(len(self.y))
        if self.seed is not None:
            order = torch.randperm(len(self.y), generator=torch.Generator().manual_seed(self.seed + self.epoch))
            self.epoch += 1
        for i in range(0, len(order), self.batch_size):
            idx = order[i:i + self.batch_size]
            yield self.x[idx], self.y[idx]


def separable_data(n=256, classes=4, seed=0):
    """Each class has its own mean image; noise of the same scale."""
    g = torch.Generator().manual_seed(seed)
    means = torch.randn(classes, 3, 8, 8, generator=g)
    y = torch.arange(n) % classes
    x = means[y] + torch.randn(n, 3, 8, 8, generator=g)
    return x, y


def tiny_model(classes=4):
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(32, classes))


def test_training_reduces_loss_and_raises_accuracy():
    torch.manual_seed(0)
    x, y = separable_data()
    model = tiny_model()
    before = evaluate(model, TensorLoader(x, y, 64))
    seen = []
    history = train(model, TensorLoader(x, y, 32, shuffle_seed=0), epochs=4, lr=0.1, device="cpu",
                    progress=False, eval_loader=TensorLoader(x, y, 64), on_epoch_end=seen.append)
    after = evaluate(model, TensorLoader(x, y, 64))
    assert [h["epoch"] for h in history] == [1, 2, 3, 4] and seen == history
    assert set(history[0]) == {"epoch", "loss", "acc", "lr", "seconds", "eval_loss", "eval_acc"}
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]
    assert history[-1]["acc"] > history[0]["acc"]
    assert after["loss"] < 0.5 * before["loss"]
    assert after["acc"] > 90 and before["acc"] < 50
    assert history[-1]["eval_acc"] == pytest.approx(after["acc"])


def test_training_is_deterministic_given_the_seed():
    runs = []
    for _ in range(2):
        torch.manual_seed(1)
        x, y = separable_data(seed=1)
        model = tiny_model()
        h = train(model, TensorLoader(x, y, 32, shuffle_seed=3), epochs=2, lr=0.05, device="cpu", progress=False)
        runs.append(([r["loss"] for r in h], [p.detach().clone() for p in model.parameters()]))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        assert torch.equal(a, b)


def test_evaluate_equals_direct_computation():
    torch.manual_seed(2)
    x, y = separable_data(n=100, seed=2)
    model = tiny_model()
    model.train()
    result = evaluate(model, TensorLoader(x, y, 32))  # 4 batches, the last one of 4 images
    assert model.training  # mode restored
    model.eval()
    with torch.no_grad():
        logits = model(x)
    assert result["loss"] == pytest.approx(F.cross_entropy(logits, y).item(), rel=1e-5)
    assert result["acc"] == pytest.approx(100 * (logits.argmax(1) == y).float().mean().item())


def test_cosine_schedule_per_step(monkeypatch):
    lrs = []
    step = torch.optim.SGD.step

    def recording_step(self, *args, **kwargs):
        lrs.append(self.param_groups[0]["lr"])
        assert self.param_groups[0]["nesterov"] and self.param_groups[0]["weight_decay"] == 5e-4
        return step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.SGD, "step", recording_step)
    torch.manual_seed(0)
    x, y = separable_data(n=40)
    history = train(tiny_model(), TensorLoader(x, y, 16), epochs=3, lr=0.2, device="cpu", progress=False)
    total = 3 * 3
    expected = [0.1 * (1 + math.cos(math.pi * s / total)) for s in range(total)]
    assert lrs == pytest.approx(expected)
    assert lrs[0] == pytest.approx(0.2) and 0 < lrs[-1] < 0.01
    assert [h["lr"] for h in history] == pytest.approx([expected[2], expected[5], expected[8]])
    # the same values as PyTorch's own cosine annealing to 0 over `total` steps
    monkeypatch.undo()
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.2)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total, eta_min=0.0)
    torch_lrs = []
    for _ in range(total):
        torch_lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs == pytest.approx(torch_lrs)
    assert cosine_lr(total, total, 0.2) == pytest.approx(0.0, abs=1e-12)


def test_bad_input():
    model = tiny_model()
    with pytest.raises(ValueError, match="epochs"):
        train(model, TensorLoader(*separable_data(n=8), 4), epochs=0, device="cpu", progress=False)
    with pytest.raises(TypeError, match="len"):
        train(model, iter([]), epochs=1, device="cpu", progress=False)
