"""Batches from a split held whole on the device (uint8), augmented with tensor ops.

Per batch: gather, (train) random crop with 4-px zero padding + horizontal flip per image,
convert to float, normalise. Shuffling and augmentation draw from a CPU torch.Generator
seeded with ``seed + epoch``, so the same seed gives the same batches on every device.
The zero padding is applied to the uint8 image before normalisation, as in the official
NAS-Bench-201 pipeline (torchvision RandomCrop(32, padding=4) on the PIL image).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..config import device as default_device
from .cifar import cifar10

# The NAS-Bench-201 code's CIFAR statistics: mean [125.3, 123.0, 113.9] / 255, std [63.0, 62.1, 66.7] / 255
CIFAR_MEAN = (125.3 / 255, 123.0 / 255, 113.9 / 255)
CIFAR_STD = (63.0 / 255, 62.1 / 255, 66.7 / 255)
# The statistics the pretrained CIFAR ResNets (akamaster) were trained with.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def normalize(x: torch.Tensor, mean: Sequence[float] = CIFAR_MEAN, std: Sequence[float] = CIFAR_STD) -> torch.Tensor:
    """uint8 [N, C, H, W] in 0..255 -> float32 (x / 255 - mean) / std, per channel."""
    mean = torch.as_tensor(mean, dtype=torch.float32, device=x.device).view(1, -1, 1, 1)
    std = torch.as_tensor(std, dtype=torch.float32, device=x.device).view(1, -1, 1, 1)
    return x.float().mul_(1 / 255).sub_(mean).div_(std)


def augment(x: torch.Tensor, generator: torch.Generator, pad: int = 4, flip: bool = True) -> torch.Tensor:
    """Random crop (zero padding `pad`) and random horizontal flip, independently per image.

    Works on any dtype (uint8 in the Loader). The random numbers are drawn from
    `generator` (on its own device) in a fixed order: crop offsets [2, B] (rows, columns),
    then flips [B]. Output pixel (i, j) of image b is padded[b, :, dy + i, dx + j], or
    padded[b, :, dy + i, dx + W - 1 - j] when flipped: two gathers (rows, then columns).
    """
    B, C, H, W = x.shape
    gdev = generator.device
    shifts = torch.randint(0, 2 * pad + 1, (2, B), generator=generator, device=gdev).to(x.device)
    flips = torch.randint(0, 2, (B,), generator=generator, device=gdev).to(x.device).bool() if flip \
        else torch.zeros(B, dtype=torch.bool, device=x.device)
    padded = F.pad(x, (pad, pad, pad, pad)) if pad else x
    ar_h = torch.arange(H, device=x.device)
    ar_w = torch.arange(W, device=x.device)
    rows = shifts[0, :, None] + ar_h                                              # [B, H]
    cols = shifts[1, :, None] + torch.where(flips[:, None], W - 1 - ar_w, ar_w)  # [B, W]
    out = torch.gather(padded, 2, rows[:, None, :, None].expand(B, C, H, W + 2 * pad))
    return torch.gather(out, 3, cols[:, None, None, :].expand(B, C, H, W))


def balanced_subset(y, n: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of n images, as equal per class as possible (first classes get the rest).

    Deterministic: per class the images are taken in the order of a permutation drawn
    with `np.random.default_rng(seed)`.
    """
    y = np.asarray(y.cpu() if isinstance(y, torch.Tensor) else y)
    classes = np.unique(y)
    if n >= len(y):
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    base, extra = divmod(n, len(classes))
    chosen = []
    for k, c in enumerate(classes):
        idx = np.flatnonzero(y == c)
        idx = idx[rng.permutation(len(idx))]
        chosen.append(idx[: base + (k < extra)])
    out = np.sort(np.concatenate(chosen))
    if len(out) != n:
        raise ValueError(f"limit={n}: some class has fewer than {base + 1} images; use a smaller limit")
    return out


class Loader:
    """Iterate (x float32 normalised [B, 3, 32, 32], y int64 [B]) over one split on the device.

    data: a split name for `cifar10()` or an (x uint8 [N, C, H, W], y [N]) pair.
    train=True: reshuffle every epoch (epoch e uses seed + e) and augment; the epoch counter
    advances at each `iter()` (or set it with `set_epoch`). train=False: fixed order, no
    augmentation. limit=n: a class-balanced deterministic subset of n images (`balanced_subset`,
    the same for every seed). drop_last (default: train and at least one full batch)
    drops the incomplete last batch.

    order_seed (train=False only): iterate in one fixed permutation drawn from this seed
    instead of storage order. Needed wherever batch statistics enter the evaluation (the
    supernets' BatchNorm, a subset of batches): CIFAR-10 decoded from an image-folder tree
    is stored class by class, so storage order gives one-class batches.
    """

    def __init__(self, data, batch_size: int, *, train: bool, device=None, seed: int = 0, limit: int | None = None,
                 mean: Sequence[float] = CIFAR_MEAN, std: Sequence[float] = CIFAR_STD, drop_last: bool | None = None,
                 order_seed: int | None = None):
        x, y = cifar10(data) if isinstance(data, str) else data
        x, y = torch.as_tensor(x), torch.as_tensor(y)
        if x.dtype != torch.uint8 or x.ndim != 4 or len(x) != len(y):
            raise ValueError(f"Loader expects uint8 images [N, C, H, W] and N labels, got {x.dtype} "
                             f"{tuple(x.shape)} and {tuple(y.shape)} labels")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if limit is not None:
            if limit < 1:
                raise ValueError(f"limit must be a positive number of images, got {limit}")
            idx = torch.from_numpy(balanced_subset(y, limit))
            x, y = x[idx], y[idx]
        if order_seed is not None:
            if train:
                raise ValueError("order_seed is for train=False loaders; train=True reshuffles every epoch from seed")
            perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(int(order_seed)))
            x, y = x[perm], y[perm]
        self.device = torch.device(device) if device is not None else default_device()
        self.x = x.to(self.device)
        self.y = y.to(self.device, torch.int64)
        self.batch_size = batch_size
        self.train = train
        self.seed = seed
        self.epoch = 0
        self.drop_last = (train and len(self.y) >= batch_size) if drop_last is None else drop_last
        self.mean = torch.as_tensor(mean, dtype=torch.float32, device=self.device)
        self.std = torch.as_tensor(std, dtype=torch.float32, device=self.device)

    @property
    def num_images(self) -> int:
        return len(self.y)

    def __len__(self) -> int:
        n = len(self.y)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        epoch, self.epoch = self.epoch, self.epoch + 1
        generator = order = None
        if self.train:
            generator = torch.Generator().manual_seed(self.seed + epoch)
            order = torch.randperm(len(self.y), generator=generator).to(self.device)
        for i in range(len(self)):
            lo, hi = i * self.batch_size, min((i + 1) * self.batch_size, len(self.y))
            if order is None:
                xb, yb = self.x[lo:hi], self.y[lo:hi]
            else:
                idx = order[lo:hi]
                xb, yb = augment(self.x[idx], generator), self.y[idx]
            yield normalize(xb, self.mean, self.std), yb

    def __repr__(self) -> str:
        return (f"Loader({self.num_images} images, batch_size={self.batch_size}, train={self.train}, "
                f"device={self.device}, seed={self.seed}, epoch={self.epoch})")
