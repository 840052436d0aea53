"""The result store: every finished unit of work, keyed by (experiment, configuration, item).

Layout on disk (plain JSON, small, committed for the cpu and paper profiles):

    <results>/<experiment>/<config-hash>/config.json       the configuration, verbatim
    <results>/<experiment>/<config-hash>/items/<key>.json  one finished item each
    <results>/<experiment>/<config-hash>/artifacts/        large files (checkpoints), never committed

An item is written atomically once it is finished, so a killed run leaves either the
whole item or nothing; `compute` skips items that already exist, so a restarted run
continues where it stopped and nothing finished is computed twice.

With NASBOOK_RESULTS_ONLY=1 (``nasbook run --from-results``) a missing item raises
`MissingResult` instead of being computed: this is how CI checks that committed
figures still come out of the committed results.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .config import results_dir
from .files import atomic_write


class MissingResult(KeyError):
    pass


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
        return json.loads(path.read_text())["value"]

    def put(self, item: Any, value: Any) -> Any:
        if self.readonly:
            raise MissingResult(self._missing(item))
        record = {"item": _plain(item), "value": _plain(value)}
        atomic_write(self._path(item), json.dumps(record, allow_nan=True) + "\n")
        return record["value"]

    def compute(self, item: Any, fn: Callable[[], Any]) -> Any:
        """The stored value of `item`, computing and storing it with `fn()` if missing."""
        path = self._path(item)
        if path.exists():
            return json.loads(path.read_text())["value"]
        if self.readonly:
            raise MissingResult(self._missing(item))
        return self.put(item, fn())

    def items(self) -> dict[str, Any]:
        """All finished items as {canonical item text: value}."""
        out = {}
        for path in sorted((self.dir / "items").glob("*.json")):
            record = json.loads(path.read_text())
            item = record["item"]
            out[item if isinstance(item, str) else canonical(item)] = record["value"]
        return out

    def records(self) -> list[dict]:
        return [json.loads(p.read_text()) for p in sorted((self.dir / "items").glob("*.json"))]

    def artifact(self, name: str) -> Path:
        """A path for a large file (checkpoint) of this experiment; not committed to git."""
        path = self.dir / "artifacts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _missing(self, item: Any) -> str:
        return (f"result {item!r} of experiment {self.experiment!r} (config {self.key}) is not in the "
                f"store at {self.dir} and the store is read-only (NASBOOK_RESULTS_ONLY=1 / --from-results). "
                f"Run the notebook without --from-results to compute it.")


def nan_to_inf(x: float) -> float:
    """Scores are 'lower is better': a diverged (NaN) score ranks last."""
    return math.inf if x is None or (isinstance(x, float) and math.isnan(x)) else x
