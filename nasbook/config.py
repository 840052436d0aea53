"""Where things live, which device computes, and seeding.

Every directory can be moved with an environment variable; a relative value is taken from the
project root (ROOT), not from the current folder (a notebook's kernel runs in notebooks/):
  NASBOOK_DATA     input data (CIFAR-10, the NB201 table, teachers)   default: see data_dir()
  NASBOOK_CACHE    decoded caches (uint8 arrays)                       default <repo>/.cache
  NASBOOK_RESULTS  the result store                                    default <repo>/results
  NASBOOK_FIGURES  figures, tables and manifests                       default <repo>/figures
  NASBOOK_DEVICE   force a device ("cpu", "cuda", "cuda:N", "mps"; DeviceError if it is not there)

The data folder is found the same way by `nasbook run`, `nasbook lab`, a notebook opened in
JupyterLab and the library: NASBOOK_DATA, else the folder saved by `nasbook data use PATH`
(in <repo>/.nasbook.json, untracked), else <repo>/data if it holds more than its README, else
../shared/data beside the checkout, else <repo>/data.
"""
from __future__ import annotations

import json
import os
import random
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent

# float32 means float32 on every device: cuDNN convolutions would otherwise use TF32 on
# Ampere and later GPUs (torch's default), which the CPU results and the papers never did.
torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = False
SETTINGS = ".nasbook.json"  # per-checkout settings written by `nasbook data use` (untracked)


def resolve(value: str | os.PathLike) -> Path:
    """A user-given path as an absolute one; a relative path is taken from ROOT."""
    path = Path(value).expanduser()
    return (path if path.is_absolute() else ROOT / path).resolve()


DIRS = ("NASBOOK_DATA", "NASBOOK_CACHE", "NASBOOK_RESULTS", "NASBOOK_FIGURES")


def absolute_dirs(env) -> None:
    """Rewrite the NASBOOK_* folders set in `env` (a mapping such as os.environ) as absolute paths,
    for processes that run elsewhere (a notebook's kernel runs in notebooks/)."""
    for name in DIRS:
        if env.get(name):
            env[name] = str(resolve(env[name]))


def _dir(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    return resolve(value) if value else default


def settings_path() -> Path:
    return ROOT / SETTINGS


def saved_data() -> str | None:
    """The data folder saved by `nasbook data use` (as it was given), or None."""
    path = settings_path()
    if not path.is_file():
        return None
    try:
        value = json.loads(path.read_text()).get("data")
    except (ValueError, AttributeError):
        value = None
    if not isinstance(value, str) or not value:
        from .data.errors import DataError
        raise DataError(f"{path} is not valid: expected {{\"data\": \"PATH\"}}; fix it with "
                         f"`nasbook data use PATH` or delete the file")
    return value


def save_data(value: str) -> Path:
    """`nasbook data use PATH`: remember PATH (as given; relative to ROOT) in ROOT/.nasbook.json."""
    from .files import atomic_write
    return atomic_write(settings_path(), json.dumps({"data": value}, indent=1) + "\n")


def data_source() -> tuple[Path, str]:
    """The data folder and the reason it was chosen (the resolution order of the module docstring)."""
    if os.environ.get("NASBOOK_DATA"):
        return resolve(os.environ["NASBOOK_DATA"]), "NASBOOK_DATA"
    saved = saved_data()
    if saved:
        return resolve(saved), f"saved by `nasbook data use` in {settings_path()}"
    local = ROOT / "data"
    if local.is_dir() and any(p.name != "README.md" and not p.name.startswith(".") for p in local.iterdir()):
        return local, "data/ in the checkout"
    shared = ROOT.parent / "shared" / "data"
    if shared.is_dir():
        return shared.resolve(), "../shared/data beside the checkout"
    return local, "the default (nothing found elsewhere)"


def data_dir() -> Path:
    return data_source()[0]


def cache_dir() -> Path:
    return _dir("NASBOOK_CACHE", ROOT / ".cache")


def results_dir() -> Path:
    return _dir("NASBOOK_RESULTS", ROOT / "results")


def figures_dir() -> Path:
    return _dir("NASBOOK_FIGURES", ROOT / "figures")


class DeviceError(ValueError):
    """NASBOOK_DEVICE names a device this machine (or this torch build) does not have."""


def _mps_available() -> bool:
    return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()


def _available() -> list[str]:
    out = ["cpu"]
    if torch.cuda.is_available():
        out += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if _mps_available():
        out.append("mps")
    return out


def _forced_device(value: str) -> torch.device:
    """NASBOOK_DEVICE as a torch.device, checked against what this machine has."""
    available = _available()
    fix = f"(available: {', '.join(available)}); unset NASBOOK_DEVICE or set it to {available[-1]}"
    try:
        dev = torch.device(value.strip())
    except RuntimeError:
        dev = None
    if dev is None or dev.type not in ("cpu", "cuda", "mps"):
        raise DeviceError(f"NASBOOK_DEVICE={value} is not a device nasbook can use: expected cpu, cuda, "
                          f"cuda:N or mps {fix}")
    if dev.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise DeviceError(f"NASBOOK_DEVICE={value} asks for CUDA, but this torch has no CUDA device {fix}")
        if dev.index is not None and dev.index >= count:
            raise DeviceError(f"NASBOOK_DEVICE={value} asks for CUDA device {dev.index}, but this machine "
                              f"has {count} {fix}")
    if dev.type == "mps" and not _mps_available():
        raise DeviceError(f"NASBOOK_DEVICE={value} asks for MPS (Apple GPU), but this torch has no MPS "
                          f"device {fix}")
    return dev


def device() -> torch.device:
    """cuda > mps > cpu, unless NASBOOK_DEVICE says otherwise (DeviceError if it names a missing device)."""
    forced = os.environ.get("NASBOOK_DEVICE")
    if forced:
        return _forced_device(forced)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
