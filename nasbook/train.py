"""Training and evaluation loops: SGD + per-step cosine schedule, bf16 autocast on CUDA.

Loaders yield (x, y) already on the device (see nasbook.data.Loader) and have a len().
Seeding is the caller's job (nasbook.config.seed_everything).
"""
from __future__ import annotations

import math
import time
from typing import Callable, Iterable

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from . import config


def cosine_lr(step: int, total_steps: int, lr: float) -> float:
    """Learning rate of optimisation step `step` (0-based) of `total_steps`: cosine from lr to 0."""
    return 0.5 * lr * (1.0 + math.cos(math.pi * step / total_steps))


def _autocast(device: torch.device):
    return torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")


def _prepare(x: torch.Tensor) -> torch.Tensor:
    return x.contiguous(memory_format=torch.channels_last) if x.is_cuda and x.dim() == 4 else x


def _logits(out):
    return out[0] if isinstance(out, tuple) else out


def train(model: nn.Module, loader: Iterable, *, epochs: int, lr: float = 0.1, momentum: float = 0.9,
          weight_decay: float = 5e-4, nesterov: bool = True, label_smoothing: float = 0.0,
          eval_loader: Iterable | None = None, device=None, progress: bool = True,
          on_epoch_end: Callable[[dict], None] | None = None) -> list[dict]:
    """Train `model` in place on `device` (default nasbook.config.device()); one record per epoch.

    SGD (weight decay on every parameter, as NAS-Bench-201 does), lr set before every
    step by `cosine_lr`, reaching 0 after the last step.

    Record keys: epoch (1-based), loss (mean training loss), acc (training accuracy, %),
    lr (rate of the epoch's last step), seconds; plus eval_loss / eval_acc with
    `eval_loader`. `on_epoch_end(record)` is called after each epoch.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    try:
        steps_per_epoch = len(loader)
    except TypeError:
        raise TypeError("train() needs a loader with len() (the number of batches per epoch), "
                        "e.g. nasbook.data.Loader") from None
    if steps_per_epoch < 1:
        raise ValueError("the training loader yields no batches: use a smaller batch_size or more data")
    device = torch.device(device) if device is not None else config.device()
    model.to(device)
    if device.type == "cuda":
        model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum,
                                weight_decay=weight_decay, nesterov=nesterov and momentum > 0)
    total = epochs * steps_per_epoch
    step, history = 0, []
    bar = tqdm(total=total, desc="train", disable=not progress, leave=False)
    for epoch in range(1, epochs + 1):
        model.train()
        start = time.perf_counter()
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.long)
        seen = 0
        for x, y in loader:
            step_lr = cosine_lr(step, total, lr)
            for group in optimizer.param_groups:
                group["lr"] = step_lr
            with _autocast(device):
                logits = _logits(model(_prepare(x)))
                loss = F.cross_entropy(logits.float(), y, label_smoothing=label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach() * len(y)
            correct += (logits.argmax(1) == y).sum()
            seen += len(y)
            step += 1
            bar.update()
        record = {"epoch": epoch, "loss": loss_sum.item() / max(seen, 1), "acc": 100.0 * correct.item() / max(seen, 1),
                  "lr": step_lr, "seconds": time.perf_counter() - start}
        if eval_loader is not None:
            result = evaluate(model, eval_loader)
            record.update(eval_loss=result["loss"], eval_acc=result["acc"])
        bar.set_postfix(loss=f"{record['loss']:.3f}", acc=f"{record['acc']:.1f}",
                        **({"eval_acc": f"{record['eval_acc']:.1f}"} if eval_loader is not None else {}))
        history.append(record)
        if on_epoch_end is not None:
            on_epoch_end(record)
    bar.close()
    return history


@torch.no_grad()
def evaluate(model: nn.Module, loader: Iterable) -> dict:
    """{"acc": top-1 accuracy in %, "loss": mean cross-entropy} over the whole loader (eval mode)."""
    was_training = model.training
    model.eval()
    totals, seen = None, 0
    for x, y in loader:
        with _autocast(x.device):
            logits = _logits(model(_prepare(x))).float()
        batch = torch.stack([F.cross_entropy(logits, y, reduction="sum"), (logits.argmax(1) == y).sum().float()])
        totals = batch if totals is None else totals + batch
        seen += len(y)
    model.train(was_training)
    if seen == 0:
        raise ValueError("evaluate() got an empty loader")
    loss_sum, correct = totals.tolist()
    return {"acc": 100.0 * correct / seen, "loss": loss_sum / seen}
