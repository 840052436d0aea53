"""Where things live, which device computes, and seeding.

Every directory can be moved with an environment variable:
  NASBOOK_DATA     input data (CIFAR-10, the NB201 table, teachers)   default <repo>/data
  NASBOOK_CACHE    decoded caches (uint8 arrays)                       default <repo>/.cache
  NASBOOK_RESULTS  the result store                                    default <repo>/results
  NASBOOK_FIGURES  figures, tables and manifests                       default <repo>/figures
  NASBOOK_DEVICE   force a device ("cpu", "cuda", "mps")
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent


def _dir(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    return Path(value).expanduser().resolve() if value else default


def data_dir() -> Path:
    return _dir("NASBOOK_DATA", ROOT / "data")


def cache_dir() -> Path:
    return _dir("NASBOOK_CACHE", ROOT / ".cache")


def results_dir() -> Path:
    return _dir("NASBOOK_RESULTS", ROOT / "results")


def figures_dir() -> Path:
    return _dir("NASBOOK_FIGURES", ROOT / "figures")


def device() -> torch.device:
    """cuda > mps > cpu, unless NASBOOK_DEVICE says otherwise."""
    forced = os.environ.get("NASBOOK_DEVICE")
    if forced:
        return torch.device(forced)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
