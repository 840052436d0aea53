"""Atomic file writes, and checksums of the data files a run read.

Nothing half-written is ever left behind: every writer goes through `atomic_path`,
which hands out a temporary name in the target's directory and renames it into place
only when the block finishes without an exception.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

_USED_DATA: dict[str, str] = {}


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None):
    """Yield a temporary path beside `path`; rename it to `path` on success.

    `suffix` defaults to the target's suffix (some writers, e.g. matplotlib and
    np.savez, choose the format from it).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix if suffix is not None else path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write text or bytes to `path` atomically."""
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data)
        else:
            tmp.write_bytes(data)
    return Path(path)


def sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def record_data_file(path: str | os.PathLike) -> None:
    """Note that this process read `path` (its checksum goes into the run manifest)."""
    path = str(Path(path).resolve())
    if path not in _USED_DATA:
        _USED_DATA[path] = sha256(path) if Path(path).is_file() else "directory"


def used_data_files() -> dict[str, str]:
    return dict(_USED_DATA)
