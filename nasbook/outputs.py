"""What one notebook execution leaves behind: figures (PNG), tables (CSV + Markdown)
and a run manifest, under ``figures/<profile>/<notebook>/``.

In a notebook::

    out = Outputs("00_nb201_overview", profile, params=dict(profile=profile, seed=seed))
    out.table(df, "top10")            # top10.csv + top10.md
    out.figure(fig, "accuracy_hist")  # accuracy_hist.png
    out.finish()                      # manifest.json

The manifest records the profile, every notebook parameter, the seed, the outputs, and in
its "computed" block the git commit, package versions, device and the checksums of every data
file the computing run read, so a figure can always be traced back to what produced it.
"""
from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from . import config, executor, profiles
from .files import atomic_path, atomic_write, used_data_files

PACKAGES = ("torch", "numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "seaborn", "papermill", "jupytext")


CODE = ("nasbook", "notebooks", "bench", "plans", "scripts", "pyproject.toml")  # what computes a result


def git_commit() -> str:
    """HEAD, with "-dirty" when the code (CODE) differs from it. Results and figures are left out:
    a long run commits its results as it goes, and they are what it computes, not what computes it."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=config.ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", *CODE],
                               cwd=config.ROOT, capture_output=True, text=True).stdout.strip()
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
        """Write manifest.json. Its "computed" block is the provenance of the numbers (commit,
        device, packages, data checksums of the run that computed them). A re-render from stored
        results (--from-results) keeps the block of the manifest it replaces, and writes nothing
        when nothing else changed, so re-rendering committed results leaves git status clean."""
        from .store import results_only
        path = self.dir / "manifest.json"
        manifest = {"notebook": self.notebook, "profile": self.profile, "parameters": self.params,
                    "seed": self.seed, "outputs": sorted(set(self.written)), "computed": provenance()}
        bursts = burst_records(self.profile)
        if bursts:
            manifest["bursts"] = bursts
        if results_only():
            old = json.loads(path.read_text()) if path.exists() else {}
            if "computed" in old:
                manifest["computed"] = old["computed"]
            elif "git_commit" in old:  # a manifest of the earlier, flat format
                manifest["computed"] = {k: old[k] for k in PROVENANCE if k in old}
            else:
                manifest["computed"] = {**provenance(), "note": "rendered from stored results; the manifest of "
                                                                "the run that computed them was not available"}
            if old == manifest:
                return path
        return atomic_write(path, json.dumps(manifest, indent=1) + "\n")


def burst_records(profile: str) -> list[dict]:
    """The GPU bursts whose results this profile's store holds (results/<profile>/bursts/*.json,
    written by `nasbook burst --import`): where and with which code its stored numbers were computed."""
    keep = ("device", "torch", "commit", "commit_note", "started", "ended", "stopped", "finished_steps")
    records = []
    for path in sorted((config.results_dir() / profile / "bursts").glob("*.json")):
        m = json.loads(path.read_text())
        records.append({"burst": path.stem, **{k: m.get(k) for k in keep},
                        "new_items": m.get("items", {}).get("by_experiment", {})})
    return records


PROVENANCE = ("git_commit", "finished_utc", "device", "executor", "platform", "packages", "data_files_sha256",
              "command")


def provenance() -> dict:
    """Who computed: commit, time, device, platform, packages, checksums of the data files read."""
    dev = config.device()
    return {"git_commit": git_commit(),
            "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "device": str(dev) + (f" ({__import__('torch').cuda.get_device_name()})" if dev.type == "cuda" else ""),
            "executor": executor.describe(),  # with Ray, "device" is the driver's; the tasks ran on the cluster
            "platform": platform.platform(), "packages": versions(), "data_files_sha256": used_data_files(),
            "command": " ".join(sys.argv[:1])}
