"""Pieces shared by the three RMI-NAS ablation notebooks (01 tau vs beta, 02 teacher
accuracy, 03 tau vs steps): the candidate settings every profile table builds on, the
architecture sample, the per-architecture score frame, the tau table and the scale text.

Every RMI score goes through `nasbook.rmi.evaluate` (stored per settings, seed and
architecture under the profile's result root), every teacher accuracy through
`nasbook.teacher`, so a killed run resumes and `--from-results` re-renders everything
without computing.

Ground truth: NAS-Bench-201 CIFAR-10 test accuracy after 200 epochs. The architecture
sample is stratified by that accuracy (supplement Sec. 3: "we uniformly sample architectures
by accuracy"): equal-width accuracy bins, one random architecture per bin, the same sample
for every seed, beta, teacher and step count.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import rmi
from .. import teacher as teachers
from ..data import cifar
from ..data import nb201 as bench
from ..profiles import Profile
from ..spaces import nb201
from ..stats import kendall
from ..store import results_only

# The candidate settings the profile tables of 01-03 are built from. They are part of every
# stored configuration (results/<profile>/rmi_scores, rmi_teachers): changing a value here
# changes the store keys.
RESNET20 = rmi.TEACHER_RESNET20
CPU_FINETUNED = rmi.SIGNAL_PROFILES["cpu"]["teacher"]
PAPER_FINETUNED = rmi.SIGNAL_PROFILES["paper"]["teacher"]
SMOKE = {"C": 4, "N": 1, "steps": 8, "batch_size": 16, "gamma": 4, "record_every": 2}
SMOKE_TEACHER = {**rmi.TEACHER_RESNET20, "test_limit": 1000}
CPU = {"C": 8, "N": 1}

ACC = "cifar10"                      # the ground-truth dataset (200-epoch test accuracy)
CIFAR10_TEST_IMAGES = 10 * cifar.PER_CLASS["test"]
BOOT = {"n_boot": 1000, "level": 0.95, "rng_seed": 0}  # every interval of the three notebooks


def stratified_sample(n: int, seed: int = 0, dataset: str = ACC) -> list[str]:
    """n architectures, one per equal-width accuracy bin (random within the bin, seeded);
    bins left empty are made up by random architectures not yet chosen. Sorted by accuracy."""
    acc = pd.Series(bench.column(dataset)).dropna()
    rng = np.random.default_rng(seed)
    edges = np.linspace(acc.min(), acc.max(), n + 1)
    bins = np.clip(np.digitize(acc.values, edges[1:-1]), 0, n - 1)
    chosen = [int(rng.choice(acc.index[bins == b])) for b in range(n) if (bins == b).any()]
    rest = np.setdiff1d(acc.index.values, chosen)
    chosen += [int(i) for i in rng.choice(rest, n - len(chosen), replace=False)]
    return [nb201.arch_of(i) for i in sorted(chosen, key=lambda i: acc[i])]


def rmi_settings(p: Profile, **overrides) -> dict:
    """The complete RMI settings of a profile (its "rmi" entry over the paper's values), with
    overrides; exactly what is passed to `nasbook.rmi.evaluate` and keys the stored scores."""
    return rmi.resolve({**p["rmi"], **overrides})


def teacher_accuracy(p: Profile, spec: dict | None = None, progress: bool = True) -> float:
    """Measured (stored) test accuracy of a teacher spec, by default the profile's RMI teacher."""
    spec = rmi_settings(p)["teacher"] if spec is None else spec
    return teachers.test_accuracy(spec, root=p.root, progress=progress)


def n_test_images(spec: dict) -> int:
    """How many CIFAR-10 test images a teacher's accuracy is measured on."""
    return int(teachers.check(spec)["test_limit"] or CIFAR10_TEST_IMAGES)


def paper_size(p: Profile) -> Profile | None:
    """The profile's second scale, candidates of the paper's size (p["paper_size"]: archs, seeds
    and RMI settings replacing the profile's), as a Profile of its own; None where the profile
    has none (the paper profile is at that size already). Its runs take hours on a CPU, so a
    read-only render (--from-results) shows what is stored so far (`evaluate`)."""
    extra = p["paper_size"]
    return None if not extra else p.replace(**extra, paper_size=None, partial=True)


def scale_label(p: Profile) -> str:
    s = rmi_settings(p)
    return f"C={s['C']}, N={s['N']}, {s['steps']} steps"


def _stored_only(p: Profile) -> bool:
    """A partial scale (`paper_size`) rendered read-only: only what is stored (None for the rest)."""
    return bool(p.settings.get("partial")) and results_only()


def evaluate(p: Profile, archs, settings: dict, seed: int, progress: bool = True) -> list[dict | None]:
    """`rmi.evaluate` under the profile's root (see `_stored_only`)."""
    return rmi.evaluate(archs, settings, seed, root=p.root, progress=progress, stored_only=_stored_only(p))


def evaluate_many(p: Profile, requests, progress: bool = True) -> list[list[dict | None]]:
    """`evaluate` of every (archs, settings, seed) in `requests`: with a distributed executor
    (nasbook.executor) all of them are in flight at once (`rmi.evaluate_many`); locally one after
    the other, exactly as separate `evaluate` calls."""
    return rmi.evaluate_many(requests, root=p.root, progress=progress, stored_only=_stored_only(p))


def complete(frame: pd.DataFrame, within: list[str], planned: int) -> pd.DataFrame:
    """The rows a tau can pair: per seed the architectures stored for every combination of
    `within` (e.g. every beta), the first seed's set as reference, and only the seeds that
    have all of its architectures (a seed still running is left out whole rather than
    shrinking the first). frame.attrs: "planned" evaluations and "stored" rows given."""
    keep = []
    reference = None
    for seed, rows in frame.groupby("seed", sort=True):
        combos = len(rows[within].drop_duplicates()) if within else 1
        per_arch = rows.drop_duplicates(["index", *within]).groupby("index").size()
        archs = set(per_arch.index[per_arch == combos])
        if reference is None:
            reference = archs
        if reference <= archs:
            keep.append(rows[rows["index"].isin(reference)])
    out = pd.concat(keep, ignore_index=True) if keep else frame.iloc[:0].copy()
    out.attrs.update(planned=int(planned), stored=int(len(frame)))
    return out


def progress_text(frame: pd.DataFrame) -> str:
    """'' when complete, else how much of a partial scale is stored."""
    planned, stored = frame.attrs.get("planned"), frame.attrs.get("stored")
    if planned is None or stored == planned:
        return ""
    return f"run in progress: {stored} of {planned} planned evaluations stored, {frame['index'].nunique()} complete architectures used"


def sweeps(p: Profile, sweep, seed: int = 0, progress: bool = True) -> dict[str, tuple[Profile, pd.DataFrame]]:
    """{scale label: (profile, sweep(profile, seed, progress))} for the profile's own scale and,
    where it has one, its paper-size scale (`paper_size`)."""
    out = {scale_label(p): (p, sweep(p, seed, progress))}
    big = paper_size(p)
    if big is not None:
        out[scale_label(big)] = (big, sweep(big, seed, progress))
    return out


MIN_ARCHS = 5  # fewer complete architectures than this: a partial scale is not summarised


def summaries(runs: dict, summarize) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per_seed, summary) of every scale of `sweeps`, stacked with a leading "scale" column;
    `summarize(profile, frame) -> (per_seed, summary)`. A partial scale with fewer than
    MIN_ARCHS complete architectures is left out."""
    per, summ = [], []
    for label, (p, frame) in runs.items():
        if frame["index"].nunique() < MIN_ARCHS:
            continue
        a, b = summarize(p, frame)
        per.append(a.assign(scale=label)[["scale", *a.columns]])
        summ.append(b.assign(scale=label)[["scale", *b.columns]])
    return pd.concat(per, ignore_index=True), pd.concat(summ, ignore_index=True)


def score_frame(archs, results, seed, **extra) -> pd.DataFrame:
    """One row per stored architecture of one `evaluate` call (None results left out): index,
    test_acc (200 ep), test_acc_12, score (NaN -> inf), rmi, ce, seconds, seed and the `extra`
    columns."""
    kept = [(a, r) for a, r in zip(archs, results) if r is not None]
    archs, results = [a for a, _ in kept], [r for _, r in kept]
    acc = bench.column(bench.test_col(ACC))
    acc12 = bench.column("cifar10_test_12")
    idx = [nb201.index_of(a) for a in archs]
    return pd.DataFrame({"index": idx, "test_acc": acc[idx], "test_acc_12": acc12[idx],
                         "score": [np.inf if r["score"] != r["score"] else r["score"] for r in results],
                         "rmi": [r["rmi"] for r in results], "ce": [r["ce"] for r in results],
                         "seconds": [r["seconds"] for r in results], "seed": seed, **extra})


def tau_table(scores: pd.DataFrame, by: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per_seed, summary): Kendall tau per group of `by` and seed, then mean and sample std
    (ddof=1) over seeds, with the seed and architecture counts and the mean number of
    diverged (inf-scored) candidates."""
    per_seed = (scores.groupby(by + ["seed"])
                .apply(lambda g: pd.Series({"tau": kendall(g["score"], g["test_acc"]),
                                            "diverged": int(np.isinf(g["score"]).sum()),
                                            "archs": len(g)}), include_groups=False)
                .reset_index())
    summary = per_seed.groupby(by).agg(tau_mean=("tau", "mean"), tau_std=("tau", "std"),
                                       seeds=("tau", "size"), archs=("archs", "first"),
                                       diverged=("diverged", "mean")).reset_index()
    return per_seed, summary


def interval(point: float, lo: float, hi: float, signed: bool = False) -> str:
    """'0.76 [0.70, 0.81]' (signed: '+0.05 [-0.01, +0.10]')."""
    f = "+.2f" if signed else ".2f"
    return f"{point:{f}} [{lo:{f}}, {hi:{f}}]"


def sample_size(archs: int, seeds: int) -> str:
    """The n of a bootstrap interval, in words."""
    what = "architectures and seeds" if seeds > 1 else "architectures only (1 seed)"
    return (f"paired bootstrap {BOOT['level']:.0%} over {what}, {archs} archs x {seeds} seed"
            f"{'s' if seeds > 1 else ''}, {BOOT['n_boot']} resamples")


def candidates(settings: dict, steps: str | None = None) -> str:
    """The candidate networks and their training, from resolved RMI settings."""
    s = settings
    return (f"NB201 candidates C={s['C']}, N={s['N']} trained with SGD (lr {s['lr']}) on one batch of "
            f"{s['batch_size']} images chosen by the teacher from {s['gamma']} x {s['batch_size']}, "
            f"{steps or str(s['steps']) + ' steps'}")


def teacher_text(spec: dict, acc: float) -> str:
    """A teacher and its measured accuracy with the number of test images it was measured on."""
    return f"teacher {teachers.label(spec)} ({acc:.2f}% measured on {n_test_images(spec):,} CIFAR-10 test images)"


def scale(p: Profile, teacher_acc: float | None = None, *, seeds: int | None = None, steps: str | None = None,
          beta: str | None = None, teacher: str | None = None) -> str:
    """At what scale a claim was measured: candidate size, steps, beta, archs, seeds and teacher,
    all from the profile's settings and the stored teacher accuracy."""
    s = rmi_settings(p)
    seeds = len(p["seeds"]) if seeds is None else seeds
    parts = [candidates(s, steps), f"beta {beta if beta is not None else s['beta']}",
             f"{p['archs']} architectures (stratified by NB201 CIFAR-10 test accuracy) x {seeds} "
             f"seed{'s' if seeds != 1 else ' (intervals resample architectures only)'}",
             teacher if teacher is not None else teacher_text(s["teacher"], teacher_acc),
             f"profile {p.name}"]
    return "; ".join(parts)
