"""The result store: every finished unit of work, keyed by (experiment, configuration, item).

Layout on disk (plain JSON, small, committed for the cpu and paper profiles):

    <results>/<experiment>/<config-hash>/config.json       the configuration, verbatim
    <results>/<experiment>/<config-hash>/items/<key>.json  one finished item each
    <results>/<experiment>/<config-hash>/artifacts/        large files (checkpoints), never committed

An item is written atomically once it is finished, so a killed run leaves either the
whole item or nothing; `compute` skips items that already exist, so a restarted run
continues where it stopped and nothing finished is computed twice.

Concurrent runs on one store never compute the same item twice: `compute` works under a
per-item file lock (`locks/`, never committed) and re-checks the store once it holds it; batch
computations (`nasbook.rmi.evaluate`) `claim` the missing items no other process holds and
wait for the rest. NASBOOK_STORE_LOG=path appends one line per stored item (an audit of that).

With NASBOOK_RESULTS_ONLY=1 (``nasbook run --from-results``) a missing item raises
`MissingResult` instead of being computed: this is how CI checks that committed
figures still come out of the committed results.

An item file that is not a JSON object with "item" and "value" (truncated by a full disk,
edited by hand, a bad merge) raises `CorruptResult` naming the file; `check(root)` lists all
such files under a results folder and `check(root, repair=True)` deletes them so that they
are computed again (``nasbook store check [--repair]``).

Deadline (`deadline(seconds, margin)`, used by the GPU burst runner `nasbook.burst`): inside the
block, `compute` and the claim-based loop of `nasbook.rmi.evaluate` refuse to START an item when
less time remains than the margin, the longest item this process finished inside the block or
the stated minimum, whichever is larger; they raise `DeadlineReached`, so a run stops at an item
boundary before the deadline and a rerun continues with the next item.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
from filelock import FileLock, Timeout

from .config import results_dir
from .files import atomic_write, is_temp


class MissingResult(KeyError):
    pass


# ---------------------------------------------------------------- deadline
class DeadlineReached(BaseException):
    """Not enough time left before the deadline (`deadline`) to start another item.

    A BaseException, like KeyboardInterrupt: an `except Exception` in experiment code does not
    swallow it, and every writer on the way out (atomic_path, the item locks) cleans up."""


_CLOCK = {"end": None, "margin": 0.0, "longest": 0.0, "untimed": 0}  # the one deadline of this process


@contextlib.contextmanager
def deadline(seconds: float, margin: float = 0.0):
    """Within the block, refuse to start an item when fewer than `margin()` of `seconds` (from
    now) remain: margin() = max(`margin`, the longest item finished within the block)."""
    saved = dict(_CLOCK)
    _CLOCK.update(end=time.monotonic() + float(seconds), margin=float(margin), longest=0.0, untimed=0)
    try:
        yield
    finally:
        _CLOCK.update(saved)


def remaining() -> float:
    """Seconds left before the deadline (inf outside a `deadline` block)."""
    return math.inf if _CLOCK["end"] is None else _CLOCK["end"] - time.monotonic()


def margin() -> float:
    """The time an item is assumed to need: the longest one finished so far, at least the minimum."""
    return max(_CLOCK["margin"], _CLOCK["longest"])


@contextlib.contextmanager
def item_clock(what: str = "an item"):
    """Around one unit of work: DeadlineReached instead of starting it when fewer than margin()
    seconds remain; once it finished, its duration may raise the margin."""
    left = remaining()
    if left < margin():
        raise DeadlineReached(f"{max(left, 0):.0f} s left before the deadline, less than the margin of "
                              f"{margin():.0f} s (the longest item so far or the stated minimum): not starting {what}")
    start = time.monotonic()
    yield
    if not _CLOCK["untimed"]:
        _CLOCK["longest"] = max(_CLOCK["longest"], time.monotonic() - start)


@contextlib.contextmanager
def checkpointed():
    """Items finished inside the block do not set the margin: they stop themselves at a checkpoint
    when their own time budget runs out (a supernet search with `max_seconds`), so their whole
    duration says nothing about how long the next item needs."""
    _CLOCK["untimed"] += 1
    try:
        yield
    finally:
        _CLOCK["untimed"] -= 1


class CorruptResult(ValueError):
    """A stored item file that cannot be read back."""

    def __init__(self, path: Path, what: str):
        self.path = path
        super().__init__(f"broken result item {path}: {what}; delete it to recompute it, "
                         f"or run `nasbook store check --repair`")


def _load(path: Path) -> dict:
    """The record of an item file, or CorruptResult saying what is wrong with it."""
    try:
        record = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        what = "empty file" if path.stat().st_size == 0 else f"not valid JSON ({err})"
        raise CorruptResult(path, what) from None
    if not isinstance(record, dict):
        raise CorruptResult(path, f"expected a JSON object, got {type(record).__name__}")
    missing = [key for key in ("item", "value") if key not in record]
    if missing:
        raise CorruptResult(path, f"no {' or '.join(map(repr, missing))} in it")
    return record


def _item_files(items_dir: Path) -> list[Path]:
    """The item files of one items/ folder (not the temp file of a write a kill interrupted)."""
    return sorted(p for p in items_dir.glob("*.json") if p.is_file() and not is_temp(p))


def check(root: str | os.PathLike | None = None, repair: bool = False) -> list[Path]:
    """The broken item files under a results folder (default: NASBOOK_RESULTS); deleted if `repair`.

    Broken: not valid JSON (truncated, empty), not a JSON object, or without "item" or "value".
    A deleted item is computed again by the next run that needs it.
    """
    root = Path(root) if root is not None else results_dir()
    if not root.is_dir():
        raise FileNotFoundError(f"results folder {root} does not exist: pass the folder that holds "
                                f"<experiment>/<config-hash>/items/ (default NASBOOK_RESULTS or <repo>/results)")
    broken = []
    for items_dir in sorted(p for p in root.rglob("items")
                            if p.is_dir() and "artifacts" not in p.relative_to(root).parts):
        for path in _item_files(items_dir):
            try:
                _load(path)
            except CorruptResult:
                broken.append(path)
    if repair:
        for path in broken:
            path.unlink(missing_ok=True)
    return broken


def _plain(obj: Any) -> Any:
    """Make numpy / torch scalars and arrays JSON-serialisable."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if hasattr(obj, "item") and hasattr(obj, "numel") and obj.numel() == 1:  # torch scalar
        return obj.item()
    if hasattr(obj, "tolist"):
        return _plain(obj.tolist())
    return obj


def canonical(obj: Any) -> str:
    """Canonical JSON: the same configuration always gives the same text."""
    return json.dumps(_plain(obj), sort_keys=True, separators=(",", ":"))


def config_key(config: dict) -> str:
    return hashlib.sha1(canonical(config).encode()).hexdigest()[:12]


def _item_file(item: Any) -> str:
    text = item if isinstance(item, str) else canonical(item)
    slug = re.sub(r"[^A-Za-z0-9_.=-]+", "_", text).strip("_")[:60]
    return f"{slug}-{hashlib.sha1(text.encode()).hexdigest()[:10]}.json"


def results_only() -> bool:
    return os.environ.get("NASBOOK_RESULTS_ONLY", "") not in ("", "0")


class ResultStore:
    """Finished items of one experiment under one configuration.

    >>> store = ResultStore("rmi_beta", {"beta": 0.8, "steps": 150})
    >>> value = store.compute(("arch", 123, "seed", 0), lambda: expensive(...))
    """

    def __init__(self, experiment: str, config: dict, root: str | os.PathLike | None = None,
                 readonly: bool | None = None):
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", experiment):
            raise ValueError(f"experiment name {experiment!r} must use letters, digits, '_', '.', '-' only")
        self.experiment = experiment
        self.config = json.loads(canonical(config))
        self.key = config_key(config)
        self.root = Path(root) if root is not None else results_dir()
        self.dir = self.root / experiment / self.key
        self.readonly = results_only() if readonly is None else readonly
        if not self.readonly:
            (self.dir / "items").mkdir(parents=True, exist_ok=True)
            if not (self.dir / "config.json").exists():
                atomic_write(self.dir / "config.json", json.dumps(self.config, indent=1, sort_keys=True) + "\n")

    def _path(self, item: Any) -> Path:
        return self.dir / "items" / _item_file(item)

    def __contains__(self, item: Any) -> bool:
        return self._path(item).exists()

    def get(self, item: Any, default: Any = None) -> Any:
        path = self._path(item)
        if not path.exists():
            return default
        return _load(path)["value"]

    def put(self, item: Any, value: Any) -> Any:
        if self.readonly:
            raise MissingResult(self._missing(item))
        record = {"item": _plain(item), "value": _plain(value)}
        atomic_write(self._path(item), json.dumps(record, allow_nan=True) + "\n")
        audit = os.environ.get("NASBOOK_STORE_LOG")
        if audit:  # one line per stored item and process: audits concurrent runs (nothing computed twice)
            with open(audit, "a") as f:
                f.write(f"{os.getpid()} {self._path(item).relative_to(self.root)}\n")
        return record["value"]

    def compute(self, item: Any, fn: Callable[[], Any]) -> Any:
        """The stored value of `item`, computing and storing it with `fn()` if missing
        (DeadlineReached instead of starting it when the `deadline` is too close).

        Concurrent processes never compute the same item twice: the computation runs under the
        item's lock, and whoever gets the lock second finds the item stored and reads it."""
        path = self._path(item)
        if path.exists():
            return _load(path)["value"]
        if self.readonly:
            raise MissingResult(self._missing(item))
        with item_clock(f"item {item!r} of {self.experiment}"), self.lock(item):
            if path.exists():
                return _load(path)["value"]
            return self.put(item, fn())

    def lock(self, item: Any) -> FileLock:
        """The inter-process lock of `item` (a file under locks/, never committed)."""
        return FileLock(self.dir / "locks" / (_item_file(item) + ".lock"))

    @contextlib.contextmanager
    def claim(self, items):
        """Lock every missing item of `items` that no other process holds; yield those (in order),
        release them on exit. For batch computations: compute what you hold, then wait for the
        rest with `wait_for` (they may be computed by another process meanwhile)."""
        held, mine = [], []
        try:
            for item in dict.fromkeys(items):
                if item in self:
                    continue
                lock = self.lock(item)
                try:
                    lock.acquire(timeout=0)
                except Timeout:
                    continue
                held.append(lock)
                if item not in self:  # finished by another process between the check and the lock
                    mine.append(item)
            yield mine
        finally:
            for lock in held:
                lock.release()

    def wait_for(self, item: Any) -> None:
        """Block until no other process is computing `item`."""
        with self.lock(item):
            pass

    def items(self) -> dict[str, Any]:
        """All finished items as {canonical item text: value}."""
        out = {}
        for path in _item_files(self.dir / "items"):
            record = _load(path)
            item = record["item"]
            out[item if isinstance(item, str) else canonical(item)] = record["value"]
        return out

    def records(self) -> list[dict]:
        return [_load(p) for p in _item_files(self.dir / "items")]

    def artifact(self, name: str) -> Path:
        """A path for a large file (checkpoint) of this experiment; not committed to git."""
        path = self.dir / "artifacts" / name
        if not self.readonly:  # a read-only store (--from-results) creates nothing
            path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _missing(self, item: Any) -> str:
        return (f"result {item!r} of experiment {self.experiment!r} (config {self.key}) is not in the "
                f"store at {self.dir} and the store is read-only (NASBOOK_RESULTS_ONLY=1 / --from-results). "
                f"Run the notebook without --from-results to compute it.")


def nan_to_inf(x: float) -> float:
    """Scores are 'lower is better': a diverged (NaN) score ranks last."""
    return math.inf if x is None or (isinstance(x, float) and math.isnan(x)) else x
