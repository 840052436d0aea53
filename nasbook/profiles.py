"""Compute profiles, resolved once.

Every notebook runs at one of three profiles:

  smoke  a pipeline check: well under 2 minutes per notebook on a 2-core CPU (what CI runs)
  cpu    the real experiment at the largest scale a 2-core CPU allows; results committed
  paper  the papers' settings, for a GPU

Each experiment module (`nasbook/experiments/<notebook>.py`) holds ONE profile table of one
shape, ``PROFILES = {"smoke": {...}, "cpu": {...}, "paper": {...}}`` (a settings dict per
profile, the same keys in each). `resolve(PROFILES, name)` turns it into a `Profile`, the
plain settings plus the root of that profile's result store, and every experiment function
takes that object: nothing below it looks at the profile name again.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from . import config

NAMES = ("smoke", "cpu", "paper")


class ProfileError(ValueError):
    pass


def check(name: str) -> str:
    if name not in NAMES:
        raise ProfileError(f"unknown profile {name!r}: expected one of {', '.join(NAMES)} "
                           f"(for example: nasbook run NOTEBOOK --profile smoke)")
    return name


@dataclass(frozen=True)
class Profile:
    """One notebook's settings at one profile and where its results are stored."""
    name: str
    settings: dict = field(repr=False)
    root: Path

    def __getitem__(self, key: str):
        return self.settings[key]

    def store(self, experiment: str, cfg: dict):
        """The ResultStore of `experiment` under configuration `cfg` in this profile's root."""
        from .store import ResultStore
        return ResultStore(experiment, cfg, root=self.root)

    def replace(self, **settings) -> "Profile":
        """A copy with some settings overridden (tests, interactive exploration)."""
        return Profile(self.name, {**copy.deepcopy(self.settings), **settings}, self.root)


def resolve(table: dict[str, dict], name: str, root: str | Path | None = None) -> Profile:
    """The `Profile` of `name` in a profile table; a one-line error for an unknown name or a
    table that is not of the one shape."""
    check(name)
    missing = [p for p in NAMES if p not in table]
    if missing:
        raise ProfileError(f"profile table is missing {missing}: every experiment defines smoke, cpu and paper")
    keys = {p: set(table[p]) for p in NAMES}
    if len({frozenset(k) for k in keys.values()}) != 1:
        diff = sorted(set.union(*keys.values()) - set.intersection(*keys.values()))
        raise ProfileError(f"profile table keys differ between profiles ({diff}): give every profile the same keys")
    root = Path(root) if root is not None else config.results_dir() / name
    return Profile(name, copy.deepcopy(table[name]), root)
