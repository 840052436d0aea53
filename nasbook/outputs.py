"""What one notebook execution leaves behind: figures (PNG), tables (CSV + Markdown)
and a run manifest, under ``figures/<profile>/<notebook>/``.

In a notebook::

    out = Outputs("00_nb201_overview", profile, params=dict(profile=profile, seed=seed))
    out.table(df, "top10")            # top10.csv + top10.md
    out.figure(fig, "accuracy_hist")  # accuracy_hist.png
    out.finish()                      # manifest.json

The manifest records the git commit, profile, parameters, seed, package versions,
device, and the checksums of every data file the run read, so a figure can always be
traced back to what produced it.
"""
from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from . import config, profiles
from .files import atomic_path, atomic_write, used_data_files

PACKAGES = ("torch", "numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "seaborn", "papermill", "jupytext")


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=config.ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=config.ROOT,
                               capture_output=True, text=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


class Outputs:
    def __init__(self, notebook: str, profile: str, params: dict | None = None, seed: int | None = None):
        self.notebook = notebook
        self.profile = profiles.check(profile)
        self.params = dict(params or {})
        self.seed = seed if seed is not None else self.params.get("seed")
        self.dir = config.figures_dir() / profile / notebook
        self.dir.mkdir(parents=True, exist_ok=True)
        self.written: list[str] = []

    def figure(self, fig, name: str, dpi: int = 120) -> Path:
        path = self.dir / f"{name}.png"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format="png", metadata={"Software": None})
        self.written.append(path.name)
        return path

    def table(self, df, name: str, floatfmt: str = ".2f", index: bool = False) -> Path:
        csv = self.dir / f"{name}.csv"
        atomic_write(csv, df.to_csv(index=index, float_format="%.6g"))
        atomic_write(self.dir / f"{name}.md", df.to_markdown(index=index, floatfmt=floatfmt) + "\n")
        self.written += [csv.name, f"{name}.md"]
        return csv

    def finish(self) -> Path:
        dev = config.device()
        manifest = {
            "notebook": self.notebook,
            "profile": self.profile,
            "parameters": self.params,
            "seed": self.seed,
            "git_commit": git_commit(),
            "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "device": str(dev) + (f" ({__import__('torch').cuda.get_device_name()})" if dev.type == "cuda" else ""),
            "platform": platform.platform(),
            "packages": versions(),
            "data_files_sha256": used_data_files(),
            "outputs": sorted(set(self.written)),
            "command": " ".join(sys.argv[:1]),
        }
        return atomic_write(self.dir / "manifest.json", json.dumps(manifest, indent=1) + "\n")
