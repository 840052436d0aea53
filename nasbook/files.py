"""Atomic file writes (also of a generated section of a text file), and checksums of the data
files a run read.

Nothing half-written is ever left behind: every writer goes through `atomic_path`,
which hands out a temporary name in the target's directory and renames it into place
only when the block finishes without an exception. The file it leaves gets the mode a
plain ``open(path, "w")`` would give it (0o666 minus the umask), so others can read a
shared results folder when the umask allows it.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import threading
from pathlib import Path

_USED_DATA: dict[str, str] = {}
_UMASK_LOCK = threading.Lock()


def umask() -> int:
    """The process umask, read without changing it (Linux: /proc; elsewhere set and restored at once)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def is_temp(path: str | os.PathLike) -> bool:
    """Whether `path` is a temporary file of `atomic_path` (left behind only by a killed process)."""
    return _TEMP.fullmatch(Path(path).name) is not None


# ".<target name>.<8 random characters from mkstemp><suffix>"
_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}(\.[^.]*)?")


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
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes it 0600; give it the mode open() would
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


def replace_section(path: str | os.PathLike, begin: str, end: str, body: str) -> bool | None:
    """Put `body` between the marker lines `begin` and `end` of the text file `path` (a generated
    table in the README), atomically and only when it changes. True if it changed, False if it was
    current, None if `path` lacks the markers (the caller says how to add them)."""
    text = Path(path).read_text()
    if begin not in text or end not in text.split(begin, 1)[1]:
        return None
    head, rest = text.split(begin, 1)
    new = f"{head}{begin}\n{body}\n{end}{rest.split(end, 1)[1]}"
    if new != text:
        atomic_write(path, new)
    return new != text


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
