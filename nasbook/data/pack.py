"""The data pack: what a run on a bare GPU machine needs, in one folder (`nasbook data pack DIR`).

A GPU machine is lent for short bursts with a copy of the checkout; it has torch, numpy,
pandas, scipy, scikit-learn, matplotlib, seaborn and tqdm, no network and nothing else. The
pack holds the data the paper profile reads (the CIFAR-10 source that `cifar.find_source()`
picks, the NAS-Bench-201 table, the pretrained teacher ResNets) at the same relative paths as
in the data folder, so that ``NASBOOK_DATA=DIR`` finds them, plus pure-Python copies of the
installed packages nasbook imports that such a machine lacks (PACKAGES) under DIR/python/,
which `use()` (called by `python -m nasbook burst`) appends to sys.path.

The pack is written to a temporary folder beside DIR and renamed into place, so DIR is either
the previous pack or the whole new one; a pack over LIMIT bytes is refused before anything is
copied (the GPU machine receives at most 64 MiB with the checkout).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from ..config import data_dir
from ..files import umask
from . import cifar, nb201
from .download import TEACHERS
from .errors import DataError

LIMIT = 40_000_000        # bytes: the pack travels with the checkout (64 MiB in all)
PACKAGES = ("filelock",)  # imported by nasbook, missing on the GPU machines (pure Python)
PYTHON = "python"         # DIR/python/: the copied packages


def _data_files() -> list[Path]:
    """The files of the data folder the paper profile reads (DataError if one is missing)."""
    source = cifar.find_source()
    if source is None:
        raise DataError(f"data pack: no CIFAR-10 under {data_dir()}; expected cifar10/ as `nasbook data status` "
                        f"describes it")
    files = sorted(p for p in source.path.rglob("*") if p.is_file()) if source.path.is_dir() else [source.path]
    if not nb201.table_path().is_file():
        raise DataError(f"data pack: no NAS-Bench-201 table at {nb201.table_path()}; expected nb201/nb201.csv "
                        f"(`nasbook data import-nb201`)")
    files.append(nb201.table_path())
    for name in TEACHERS.values():
        path = data_dir() / "teachers" / name
        if not path.is_file():
            raise DataError(f"data pack: teacher checkpoint {path} missing; expected all of "
                            f"{', '.join(TEACHERS.values())} (`nasbook data fetch teachers`)")
        files.append(path)
    return files


def _package_files(name: str) -> list[tuple[Path, str]]:
    """(installed file, path under DIR/python) of a pure-Python installed distribution, from its RECORD."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        raise DataError(f"data pack: package {name!r} is not installed here; expected it in "
                        f"{sys.prefix} (pip install {name})") from None
    out = []
    for entry in dist.files or []:
        rel = entry.as_posix()
        if "__pycache__" in entry.parts or rel.endswith(".pyc") or rel.startswith(("..", "/")):
            continue  # compiled caches and scripts outside site-packages (bin/)
        if rel.endswith((".so", ".pyd", ".dylib")):
            raise DataError(f"data pack: {name} has a compiled extension ({rel}); expected a pure-Python package")
        path = Path(dist.locate_file(entry))
        if path.is_file():
            out.append((path, rel))
    if not out:
        raise DataError(f"data pack: found no files of {name!r} in its installed RECORD; expected a "
                        f"pip-installed package")
    return out


def pack(directory: str | Path) -> tuple[Path, int]:
    """Copy the data and PACKAGES into `directory` (replacing a previous pack); (folder, bytes)."""
    directory, root = Path(directory).resolve(), data_dir()
    copies = []
    for path in _data_files():
        try:
            copies.append((path, path.resolve().relative_to(root.resolve()).as_posix()))
        except ValueError:
            raise DataError(f"data pack: {path} is outside the data folder {root}; expected every file "
                            f"under it") from None
    for name in PACKAGES:
        copies += [(path, f"{PYTHON}/{rel}") for path, rel in _package_files(name)]
    total = sum(path.stat().st_size for path, _ in copies)
    if total > LIMIT:
        biggest = max(copies, key=lambda c: c[0].stat().st_size)[0]
        raise DataError(f"data pack: {total / 1e6:.1f} MB is over the {LIMIT / 1e6:.0f} MB limit (largest: {biggest}, "
                        f"{biggest.stat().st_size / 1e6:.1f} MB); expected the CIFAR-10 JPEG tarball, not the "
                        f"official 163 MB files")
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    os.chmod(tmp, 0o777 & ~umask())  # mkdtemp makes it 0700; give it the mode mkdir would
    try:
        for path, rel in copies:
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, tmp / rel)
        needs = ", ".join(f"{name} {metadata.version(name)} (Python "
                          f"{metadata.metadata(name)['Requires-Python'] or 'any'})" for name in PACKAGES)
        (tmp / "README.md").write_text(
            f"# nasbook data pack\n\nWritten by `nasbook data pack` from {root}: the data of the paper profile "
            f"and pure-Python copies of {needs} under {PYTHON}/. Use it with "
            f"`NASBOOK_DATA={directory.name} PYTHONPATH=. python3 -m nasbook burst ...`.\n")
        if directory.exists():
            old = directory.with_name(tmp.name + ".old")
            directory.rename(old)
            tmp.rename(directory)
            shutil.rmtree(old)
        else:
            tmp.rename(directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return directory, total + (directory / "README.md").stat().st_size


def use() -> Path | None:
    """Append the data folder's python/ (a pack's packages) to sys.path, after what is installed."""
    path = data_dir() / PYTHON
    if path.is_dir() and str(path) not in sys.path:
        sys.path.append(str(path))
        return path
    return None
