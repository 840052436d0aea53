"""The GPU burst runner: the pending work of a profile, in time-boxed bursts on a lent GPU.

    python -m nasbook burst --profile paper --deadline 500 --out OUT [--plan plans/paper.json]
    nasbook burst --import OUT/burst-paper-<time>.tar.gz
    nasbook burst --timings [--profile paper] [--readme]   # what the imported bursts took

GPU time comes in windows of a few minutes, on a machine that receives a copy of the checkout
(with the data pack of `nasbook data pack`, which also brings the packages such a machine
lacks) and returns only the files written under one folder. A burst therefore

1. runs the steps of a plan file (plans/<profile>.json) in order. A plan is a JSON list of steps
   ``{"call": "module:function", "kwargs": {...}, "settings": {...}}``: the function of an
   experiment module, called as ``function(p=Profile, **kwargs)`` with the module's PROFILES
   resolved at the profile (``settings`` override some of them, as `Profile.replace`). Every
   step computes only what its result store lacks, so a step finished in an earlier burst
   costs a read of its items and a step stopped halfway continues where it stopped.
2. stops before the deadline at an item or checkpoint boundary. Inside `store.deadline` an item
   (`ResultStore.compute`, a chunk of `nasbook.rmi.evaluate`) is not started when less time is
   left than the margin (the longest item so far, at least --margin); a step whose function
   takes `max_seconds` (the supernet searches) gets the time left less the margin and stops
   after an epoch (`search.Incomplete`). Work that is not an item (training a teacher, a PT
   selection) is stopped by an alarm at the deadline itself, which loses only the work since
   its last checkpoint: every file is written atomically.
3. writes what is new under results/<profile>/ as ONE archive OUT/burst-<profile>-<time>.tar.gz
   (paths relative to the results folder) and a JSON manifest beside it: device, torch, commit,
   start and end, the status, seconds and new items of every step, item counts. Of the checkpoints (artifacts/) it
   keeps only what a later burst needs: the newest of each series written by a step that did
   not finish (to resume it), and the newest of each teacher run (SHARED_ARTIFACTS: later
   steps read the teacher); a returned file may have at most 16 MB.

`--import ARCHIVE` merges an archive into the results folder here: new files are added,
identical ones skipped, and a file that exists with other content refuses the whole import.
The manifest beside the archive is kept as results/<profile>/bursts/<name>.json, and every
notebook manifest of that profile lists these bursts (device, commit, items), so a figure
rendered here says which GPU computed its numbers.
"""
from __future__ import annotations

import contextlib
import filecmp
import importlib
import inspect
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from . import config
from .data import pack

pack.use()  # before the store: on a bare GPU machine filelock comes from the data pack
from . import outputs, profiles, store  # noqa: E402
from .files import atomic_path, atomic_write, is_temp, replace_section  # noqa: E402
from .supernet.search import Incomplete  # noqa: E402

# ---------------------------------------------------------------- settings
PLANS = config.ROOT / "plans"     # plans/<profile>.json: the default plan of a profile
MARGIN = 60.0                     # s: the least time an item is assumed to need (an RMI chunk or a
                                  # supernet epoch of the paper profile on one GPU is well under it)
RESERVE = 10.0                    # s: kept free at the end for the archive and the manifest
ARCHIVE_LIMIT = 15 * 2**20        # bytes: a file returned from the GPU machine may have 16 MiB
BURSTS = "bursts"                 # results/<profile>/bursts/: the manifest of every imported burst
SHARED_ARTIFACTS = ("rmi_teachers",)  # experiments whose newest checkpoint later steps read
STEP_KEYS = {"call", "kwargs", "settings"}


class BurstError(ValueError):
    """A plan, archive or import that is not what was expected (one line)."""


# ---------------------------------------------------------------- the plan
@dataclass(frozen=True)
class Step:
    call: str                                       # "package.module:function"
    kwargs: dict = field(default_factory=dict)      # passed to the function
    settings: dict = field(default_factory=dict)    # overrides of the profile's settings

    def label(self) -> str:
        args = " ".join(f"{k}={v}" for k, v in self.kwargs.items())
        return f"{self.call.split('.')[-1]}{' ' + args if args else ''}"


def load_plan(path: str | Path) -> list[Step]:
    """The steps of a plan file (BurstError naming what is wrong)."""
    path = Path(path)
    try:
        steps = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise BurstError(f"plan {path}: cannot read it ({err}); expected a JSON list of steps") from None
    if not isinstance(steps, list):
        raise BurstError(f"plan {path}: expected a JSON list of steps, got {type(steps).__name__}")
    out = []
    for i, step in enumerate(steps):
        ok = isinstance(step, dict) and not set(step) - STEP_KEYS and isinstance(step.get("call"), str) \
            and re.fullmatch(r"[\w.]+:\w+", step["call"]) is not None \
            and all(isinstance(step.get(k, {}), dict) for k in ("kwargs", "settings"))
        if not ok:
            raise BurstError(f"plan {path} step {i}: expected {{\"call\": \"module:function\", \"kwargs\": {{...}}, "
                             f"\"settings\": {{...}}}}, got {json.dumps(step)[:120]}")
        out.append(Step(step["call"], step.get("kwargs", {}), step.get("settings", {})))
    return out


def bind(step: Step, profile: str, root: Path):
    """(function, Profile, kwargs, takes max_seconds) of a step; imports its module."""
    module_name, name = step.call.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise BurstError(f"plan step {step.call}: cannot import {module_name} ({err})") from None
    fn, table = getattr(module, name, None), getattr(module, "PROFILES", None)
    if not callable(fn) or not isinstance(table, dict):
        raise BurstError(f"plan step {step.call}: expected a function {name} and a PROFILES table in {module_name}")
    p = profiles.resolve(table, profile, root)
    if step.settings:
        p = p.replace(**step.settings)
    params = inspect.signature(fn).parameters
    kwargs = dict(step.kwargs)
    if "progress" in params:
        kwargs.setdefault("progress", False)  # one line per step, not a progress bar per item
    return fn, p, kwargs, "max_seconds" in params


# ---------------------------------------------------------------- files under the results root
def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """{path relative to root: (size, mtime)} of the files a result store keeps (not locks, not
    the temporary files of a write in progress)."""
    out = {}
    if root.is_dir():
        for path in root.rglob("*"):
            rel = path.relative_to(root)
            if "locks" in rel.parts or any(part.startswith(".") for part in rel.parts[:-1]) or is_temp(path):
                continue
            if path.is_file():
                st = path.stat()
                out[rel.as_posix()] = (st.st_size, st.st_mtime_ns)
    return out


def _series(rel: str) -> tuple[tuple, int]:
    """A checkpoint's series (its folder and name less the last number) and its number:
    supernet_e012.pt -> ((folder, 'supernet_e', '.pt'), 12)."""
    path = PurePosixPath(rel)
    m = re.fullmatch(r"(.*?)(\d+)(\D*)", path.name)
    return ((str(path.parent), m.group(1), m.group(3)), int(m.group(2))) if m else ((rel,), 0)


def _is_artifact(rel: str) -> bool:
    return "artifacts" in PurePosixPath(rel).parts


def select(new: dict[str, int], unfinished: set[str], limit: int = ARCHIVE_LIMIT):
    """(files to archive, [(left-out file, why)]) of the new files {path: size in bytes}.

    Every item and config file is kept. Of the artifacts, the newest of each series is kept if
    the step that wrote it did not finish (`unfinished` holds their files) or it is a teacher
    (SHARED_ARTIFACTS); older checkpoints and those of finished steps are left out. If the
    total passes `limit`, teacher checkpoints and then resume checkpoints go, largest first."""
    keep = [rel for rel in new if not _is_artifact(rel)]
    newest: dict[tuple, tuple[int, str]] = {}
    for rel in filter(_is_artifact, new):
        key, number = _series(rel)
        if key not in newest or number > newest[key][0]:
            newest[key] = (number, rel)
    chosen = {rel for _, rel in newest.values()}
    resume, shared, left = [], [], []
    for rel in filter(_is_artifact, new):
        if rel not in chosen:
            left.append((rel, "an older checkpoint of its series"))
        elif rel in unfinished:
            resume.append(rel)
        elif PurePosixPath(rel).parts[1] in SHARED_ARTIFACTS:
            shared.append(rel)
        else:
            left.append((rel, "its step finished"))
    total = sum(new[rel] for rel in keep + resume + shared)
    for group in (shared, resume):
        for rel in sorted(group, key=new.get, reverse=True):
            if total > limit:
                group.remove(rel)
                left.append((rel, f"the archive would pass {limit / 2**20:.0f} MiB"))
                total -= new[rel]
    return sorted(keep + resume + shared), sorted(left)


# ---------------------------------------------------------------- the hard stop
@contextlib.contextmanager
def alarm(seconds: float):
    """Raise DeadlineReached in the main thread after `seconds`, wherever the run is (SIGALRM), or
    when the process is asked to end (SIGTERM, e.g. from `timeout`), so that the archive is still
    written; nothing where there are no such signals."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(signum, frame):
        why = "the deadline passed" if signum == signal.SIGALRM else "SIGTERM came"
        raise store.DeadlineReached(f"{why} during work that is not a store item (training a teacher, a PT "
                                    f"selection): stopped there; it continues from its last checkpoint")

    previous = {sig: signal.signal(sig, ring) for sig in (signal.SIGALRM, signal.SIGTERM)}
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
    try:
        yield
    finally:
        while True:  # a ring between here and the disarming must not skip it
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
                break
            except store.DeadlineReached:
                continue


# ---------------------------------------------------------------- a burst
def check_shared_checkpoints(root: Path) -> None:
    """Refuse a burst that would retrain a teacher whose results are stored without its checkpoint.

    A teacher run is keyed by its recipe, but training on a GPU is not bit-reproducible: a
    retrained teacher is another network than the one whose accuracy (and every RMI score made
    with it) is stored. Its checkpoint must come along (carry results/<profile>/rmi_teachers).
    """
    for experiment in SHARED_ARTIFACTS:
        for run_dir in sorted((root / experiment).glob("*/")):
            items = run_dir / "items"
            if items.is_dir() and any(items.iterdir()) and not any((run_dir / "artifacts").glob("*.pt")):
                raise BurstError(f"{_relative(run_dir)} has stored results but no checkpoint here; retraining it would give "
                                 f"another network. Send {root.name}'s {experiment} folder along (e.g. carry "
                                 f"results/{root.name}/{experiment}) or import the archive that has its checkpoint")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _device() -> str:
    import torch
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"cpu ({platform.machine()}, {os.cpu_count()} cores)"


def _commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=config.ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None  # not a git checkout (a copy of the working tree)
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", *outputs.CODE], cwd=config.ROOT,
                           capture_output=True, timeout=10).returncode != 0
    # a copy of a working tree can carry code newer than its HEAD: say so rather than name a wrong commit
    return (out.stdout.strip() + (" + uncommitted changes to the code" if dirty else "")) or None


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(config.ROOT).as_posix()
    except ValueError:
        return str(path)


def _owners(marks: list[dict], final: dict) -> dict[str, int]:
    """{file: index of the last step that wrote it}, from the snapshots taken before each step."""
    owners = {}
    for i, before in enumerate(marks):
        after = marks[i + 1] if i + 1 < len(marks) else final
        owners.update({rel: i for rel, state in after.items() if before.get(rel) != state})
    return owners


def write_archive(results: Path, files: list[str], left: list, path: Path, limit: int = ARCHIVE_LIMIT) -> int:
    """The tar.gz of `files` (relative to `results`) at `path`, atomically; drops the largest
    artifacts (into `left`) while the written archive is over `limit`. Returns its size."""
    files = list(files)
    while True:
        with atomic_path(path) as tmp:
            with tarfile.open(tmp, "w:gz") as tar:
                for rel in files:
                    info = tar.gettarinfo(results / rel, arcname=rel)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    with open(results / rel, "rb") as f:
                        tar.addfile(info, f)
        size = path.stat().st_size
        artifacts = [rel for rel in files if _is_artifact(rel)]
        if size <= limit or not artifacts:
            return size
        biggest = max(artifacts, key=lambda rel: (results / rel).stat().st_size)
        files.remove(biggest)
        left.append((biggest, f"the archive would pass {limit / 2**20:.0f} MiB"))


def run(profile: str, deadline: float, out: str | Path, plan: str | Path | None = None, *,
        margin: float = MARGIN, reserve: float = RESERVE) -> dict:
    """One burst: the plan's pending work until `deadline` seconds from now, less `reserve` for the
    archive; returns the manifest (also written beside the archive in `out`)."""
    t0, started = time.monotonic(), _now()
    profiles.check(profile)
    plan = Path(plan) if plan is not None else PLANS / f"{profile}.json"
    steps = load_plan(plan)
    results = config.results_dir()
    root = results / profile
    bound = [bind(step, profile, root) for step in steps]  # every module imported, every step checked
    check_shared_checkpoints(root)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    records = [{"step": i, "call": s.call, "kwargs": s.kwargs, **({"settings": s.settings} if s.settings else {}),
                "status": "not started"} for i, s in enumerate(steps)]
    before = snapshot(root)
    marks, stopped = [], "plan complete"
    work = deadline - reserve - (time.monotonic() - t0)
    try:
        with store.deadline(work, margin=margin), alarm(work):
            for rec, step, (fn, p, kwargs, boxed) in zip(records, steps, bound):
                if store.remaining() < store.margin():
                    stopped = "deadline"
                    break
                marks.append(snapshot(root))
                rec["status"], t = "stopped", time.monotonic()
                try:
                    print(f"[burst] step {rec['step'] + 1}/{len(steps)} {step.label()} ...", flush=True)
                    if boxed:  # stops itself after an epoch once its budget is spent
                        with store.checkpointed():
                            fn(p=p, max_seconds=store.remaining() - store.margin(), **kwargs)
                    else:
                        fn(p=p, **kwargs)
                    rec["status"] = "done"
                except (store.DeadlineReached, Incomplete) as err:
                    rec["why"], stopped = str(err), "deadline"
                    break
                except Exception as err:  # noqa: BLE001 - recorded; the next step may still run
                    rec["status"], rec["error"] = "failed", f"{type(err).__name__}: {err}"
                    traceback.print_exc()
                finally:
                    rec["seconds"] = round(time.monotonic() - t, 1)
                    rec["margin_s"] = round(store.margin(), 1)  # after the step: the longest item so far
                    print(f"[burst]     {rec['status']} in {rec['seconds']:.0f} s"
                          + (f": {rec.get('why') or rec.get('error')}" if rec["status"] != "done" else ""), flush=True)
    except store.DeadlineReached as err:  # the alarm rang outside a step's own handler
        stopped = "deadline"
        for rec in records:
            if rec["status"] == "stopped":
                rec.setdefault("why", str(err))

    final = snapshot(root)
    new = {rel: state for rel, state in final.items() if before.get(rel) != state}
    owners = _owners(marks, final)
    for rel in new:  # per step: how many items it stored (the README's GPU timing table)
        if rel in owners and PurePosixPath(rel).parent.name == "items":
            records[owners[rel]]["new_items"] = records[owners[rel]].get("new_items", 0) + 1
    for rec in records:
        if rec["status"] != "not started":
            rec.setdefault("new_items", 0)
    unfinished = {rel for rel in new if rel in owners and records[owners[rel]]["status"] != "done"}
    files, left = select({f"{profile}/{rel}": state[0] for rel, state in new.items()},
                         {f"{profile}/{rel}" for rel in unfinished})
    stem = f"burst-{profile}-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}"
    archive = out / f"{stem}.tar.gz"
    size = write_archive(results, files, left, archive)
    kept = set(files) - {rel for rel, _ in left}
    items = [rel for rel in kept if PurePosixPath(rel).parent.name == "items"]
    by_experiment = {}
    for rel in items:
        by_experiment[PurePosixPath(rel).parts[1]] = by_experiment.get(PurePosixPath(rel).parts[1], 0) + 1
    import torch
    manifest = {
        "profile": profile, "plan": _relative(plan), "deadline_s": deadline, "margin_s": margin,
        "device": _device(), "torch": torch.__version__, "python": platform.python_version(), "commit": _commit(),
        "started": started, "ended": _now(), "seconds": round(time.monotonic() - t0, 1), "stopped": stopped,
        "finished_steps": [r["step"] for r in records if r["status"] == "done"], "steps": records,
        "items": {"new": len(items), "by_experiment": dict(sorted(by_experiment.items())),
                  "stored": sum(1 for rel in final if PurePosixPath(rel).parent.name == "items")},
        "archive": archive.name, "archive_bytes": size, "files": len(kept),
        "artifacts": sorted(rel for rel in kept if _is_artifact(rel)),
        "left_out": [{"file": rel, "why": why} for rel, why in left],
    }
    atomic_write(out / f"{stem}.json", json.dumps(manifest, indent=1) + "\n")
    return manifest


# ---------------------------------------------------------------- import
def _member_ok(member: tarfile.TarInfo) -> bool:
    parts = PurePosixPath(member.name).parts
    return (member.isfile() or member.isdir()) and bool(parts) and not PurePosixPath(member.name).is_absolute() \
        and ".." not in parts and not any(part.startswith(".") for part in parts)


def import_archive(archive: str | Path, results: str | Path | None = None) -> tuple[list[str], int]:
    """Merge a burst archive into `results` (default NASBOOK_RESULTS / results/): (added files,
    skipped identical files). A file that exists with other content refuses the whole import
    (BurstError naming the first one) and nothing is written. The archive is extracted into a
    temporary folder inside `results` first, then its new files are moved into place."""
    archive = Path(archive)
    results = Path(results) if results is not None else config.results_dir()
    try:
        tar = tarfile.open(archive, "r:gz")
    except (OSError, tarfile.TarError) as err:
        raise BurstError(f"cannot read {archive} ({err}); expected a burst archive (.tar.gz)") from None
    results.mkdir(parents=True, exist_ok=True)
    with tar, tempfile.TemporaryDirectory(prefix=".burst-import-", dir=results) as tmp:
        members = tar.getmembers()
        bad = next((m.name for m in members if not _member_ok(m)), None)
        if bad is not None:
            raise BurstError(f"import refused: {archive} holds {bad!r}; expected plain files under relative paths")
        files = sorted(m.name for m in members if m.isfile())
        extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(tmp, members=[m for m in members if m.isfile()], **extra)
        added, skipped = [], 0
        for rel in files:
            target = results / rel
            if not target.exists():
                added.append(rel)
            elif target.is_file() and filecmp.cmp(Path(tmp) / rel, target, shallow=False):
                skipped += 1
            else:
                raise BurstError(f"import refused, nothing written: {target} exists with other content than in "
                                 f"{archive.name}; expected the archive to add new files only")
        for rel in added:
            (results / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(Path(tmp) / rel, results / rel)
    manifest = archive.with_name(archive.name[:-len(".tar.gz")] + ".json")
    if manifest.is_file() and files:  # where the numbers were computed: results/<profile>/bursts/
        rel = f"{PurePosixPath(files[0]).parts[0]}/{BURSTS}/{manifest.name}"
        if not (results / rel).exists():
            (results / rel).parent.mkdir(parents=True, exist_ok=True)
            atomic_write(results / rel, manifest.read_text())
            added.append(rel)
    return added, skipped


# ---------------------------------------------------------------- timings (the README's GPU table)
def timings_begin(profile: str) -> str:
    return (f"<!-- burst timings: generated by `.venv/bin/nasbook burst --timings --profile {profile} --readme` "
            f"from results/{profile}/bursts/*.json -->")


TIMINGS_END = "<!-- end of burst timings -->"


def _manifests(profile: str, results: str | Path | None) -> list[tuple[str, dict]]:
    results = Path(results) if results is not None else config.results_dir()
    return [(path.stem, json.loads(path.read_text())) for path in sorted((results / profile / BURSTS).glob("*.json"))]


def timings(profile: str = "paper", results: str | Path | None = None) -> list[dict]:
    """One row per step that ran in a burst whose manifest the store keeps (results/<profile>/bursts/,
    written by --import): when, on what, which step, how it ended, seconds, items stored."""
    return _timing_rows(_manifests(profile, results))


def _timing_rows(manifests: list[tuple[str, dict]]) -> list[dict]:
    rows = []
    for name, m in manifests:
        for rec in m["steps"]:
            if rec["status"] == "not started":
                continue
            step = Step(rec["call"], rec.get("kwargs", {}), rec.get("settings", {}))
            rows.append({"burst": name, "started": m["started"], "device": m["device"], "torch": m["torch"],
                         "step": step.label(), "status": rec["status"],
                         "seconds": rec.get("seconds"), "new_items": rec.get("new_items")})
    return rows


def timings_markdown(profile: str = "paper", results: str | Path | None = None) -> str:
    manifests = _manifests(profile, results)
    rows = _timing_rows(manifests)
    if not rows:
        return f"No burst of the {profile} profile imported yet (results/{profile}/{BURSTS}/ is empty)."
    ended = {"done": "finished", "stopped": "stopped at the deadline", "failed": "failed"}
    lines = ["| burst (UTC) | device | step | ended | seconds | items stored | items/s |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        n, secs = r["new_items"], r["seconds"]
        rate = f"{n / secs:.2f}" if n and secs else ""
        lines.append(f"| {r['started'][:16].replace('T', ' ')} | {r['device']}, torch {r['torch']} | `{r['step']}` | "
                     f"{ended.get(r['status'], r['status'])} | {secs} | "
                     f"{'not recorded (manifest before per-step counts)' if n is None else n} | {rate} |")
    lines.append("")
    for name, m in manifests:
        by = ", ".join(f"{k} {v}" for k, v in m["items"]["by_experiment"].items())
        stopped = "stopped at the deadline" if m["stopped"] == "deadline" else m["stopped"]
        lines.append(f"- `{name}`: {stopped} after {m['seconds']} s of a {m['deadline_s']} s deadline; "
                     f"{m['items']['new']} new items ({by or 'none'}), {m['archive_bytes'] / 2**20:.1f} MiB archive.")
    plan = PLANS / f"{profile}.json"
    if plan.is_file():
        done = {r["step"] for r in rows if r["status"] == "done"}
        steps = load_plan(plan)
        pending = [s.label() for s in steps if s.label() not in done]
        lines.append(f"- {len(pending)} of the {len(steps)} steps of `{_relative(plan)}` not finished in any burst yet: "
                     + (", ".join(f"`{label}`" for label in pending) or "none") + ".")
    return "\n".join(lines)


def update_readme(profile: str = "paper", readme: str | Path | None = None, results: str | Path | None = None) -> bool:
    """Rewrite the burst timing table of `profile` in the README between its markers; True if it changed."""
    readme = Path(readme or config.ROOT / "README.md")
    begin = timings_begin(profile)
    changed = replace_section(readme, begin, TIMINGS_END, timings_markdown(profile, results))
    if changed is None:
        raise BurstError(f"{readme} has no burst timing markers for {profile}; put the lines {begin} and "
                         f"{TIMINGS_END} where the table belongs")
    return changed


# ---------------------------------------------------------------- command line (nasbook burst)
def main(args) -> int:
    """`nasbook burst`: a burst (--profile, --deadline, --out, [--plan]) or --import ARCHIVE."""
    if args.timings:
        if args.readme:
            changed = update_readme(args.profile)
            print(f"README.md: {args.profile} burst timings " + ("updated" if changed else "already current"))
        else:
            print(timings_markdown(args.profile))
        return 0
    if args.archive:
        added, skipped = import_archive(args.archive)
        print(f"imported {args.archive}: {len(added)} file(s) added, {skipped} identical skipped "
              f"into {config.results_dir()}; `nasbook burst --timings --readme` puts its steps in the README")
        return 0
    if args.deadline is None or args.out is None:
        raise BurstError("burst needs --deadline SECONDS and --out DIR (or --import ARCHIVE)")
    m = run(args.profile, args.deadline, args.out, args.plan, margin=MARGIN if args.margin is None else args.margin)
    done = len(m["finished_steps"])
    print(f"[burst] {m['stopped']} after {m['seconds']:.0f} s on {m['device']}: {done} of {len(m['steps'])} steps "
          f"finished, {m['items']['new']} new items; {Path(args.out) / m['archive']} "
          f"({m['archive_bytes'] / 2**20:.1f} MiB, {m['files']} files) and {m['archive'][:-7]}.json")
    failed = [r for r in m["steps"] if r["status"] == "failed"]
    for r in failed:
        print(f"[burst] step {r['step']} {r['call']} failed: {r['error']}", file=sys.stderr)
    return 1 if failed else 0
