"""Compute profiles. Every notebook has three:

  smoke  seconds to a couple of minutes on a 2-core CPU (what CI runs)
  cpu    the real experiment at reduced scale, under 90 minutes on 2 cores; results committed
  paper  the papers' settings, for a GPU

Each experiment module defines ``PROFILES = {"smoke": {...}, "cpu": {...}, "paper": {...}}``
and the notebook calls ``select(PROFILES, profile)``.
"""
from __future__ import annotations

NAMES = ("smoke", "cpu", "paper")


class ProfileError(ValueError):
    pass


def check(name: str) -> str:
    if name not in NAMES:
        raise ProfileError(f"unknown profile {name!r}: expected one of {', '.join(NAMES)} "
                           f"(for example: nasbook run NOTEBOOK --profile smoke)")
    return name


def select(profiles: dict[str, dict], name: str) -> dict:
    """The settings of profile `name`; a clear error for an unknown one."""
    check(name)
    missing = [p for p in NAMES if p not in profiles]
    if missing:
        raise ProfileError(f"profile table is missing {missing}: every experiment defines smoke, cpu and paper")
    return dict(profiles[name])
