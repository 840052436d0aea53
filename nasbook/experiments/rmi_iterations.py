"""Notebook 03_rmi_iterations: RMI-NAS Fig. 3c, Kendall's tau of the RMI score against the
number of SGD steps on the one batch. Each candidate is trained once for the profile's
largest step count and its mixed loss is recorded every `record_every` steps, so the tau at
every step count comes from the same runs; the claim is that tau rises with the steps up to
the paper's choice of 150."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import rmi
from ..claims import Claim
from ..data import nb201 as bench
from ..notebook import start as _start
from ..profiles import Profile
from ..profiles import resolve as _resolve
from ..spaces import nb201
from ..stats import bootstrap_tau, bootstrap_tau_diff, kendall
from . import _rmi
from ._rmi import (ACC, BOOT, CPU, CPU_FINETUNED, PAPER_FINETUNED, SMOKE, SMOKE_TEACHER, interval, rmi_settings,
                   sample_size, stratified_sample, tau_table, teacher_accuracy)

NOTEBOOK = "03_rmi_iterations"

PROFILES = {
    "smoke": {"archs": 6, "seeds": [0, 1], "rmi": {**SMOKE, "teacher": SMOKE_TEACHER},
              "paper_size": {"archs": 5, "seeds": [0], "rmi": {**SMOKE, "N": 2, "teacher": SMOKE_TEACHER}}},
    # 60 archs x 3 seeds = 180 runs of 200 steps; tau at every 10th step comes from the same runs;
    # then the paper's candidate (C=16, N=5, batch 32, gamma 16), 200 steps recorded every 10,
    # for notebook 01's 30 paper-size archs x 2 seeds = 60 runs (about 35 s each in channels_last)
    "cpu": {"archs": 60, "seeds": [0, 1, 2], "rmi": {**CPU, "steps": 200, "teacher": CPU_FINETUNED},
            "paper_size": {"archs": 30, "seeds": [0, 1], "rmi": {"steps": 200, "teacher": CPU_FINETUNED}}},
    "paper": {"archs": 100, "seeds": [0, 1, 2], "rmi": {"steps": 200, "teacher": PAPER_FINETUNED},
              "paper_size": None},
}
PAPER_STEPS = 150       # the paper's choice (Sec. 4.2)
RISE_FROM = (50, 100)   # earlier step counts tau(150) is compared with (one and two thirds of 150)
SOURCE = "RMI-NAS (Zheng et al., CVPR 2022) Sec. 4.2, Fig. 3c"

__all__ = ["NOTEBOOK", "PROFILES", "PAPER_STEPS", "RISE_FROM", "start", "resolve", "rmi_settings",
           "teacher_accuracy", "iteration_sweep", "sweeps", "tau_summary", "summaries", "figure", "claims"]


def start(namespace: dict):
    """The notebook's Session (profile resolved once, every parameter recorded)."""
    return _start(NOTEBOOK, PROFILES, namespace)


def resolve(name: str, root=None) -> Profile:
    return _resolve(PROFILES, name, root)


def iteration_sweep(p: Profile, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """Mixed loss of every architecture after every recorded step count (one run per seed):
    columns index, test_acc, steps, seed, score (NaN -> inf). Seeds are seed + each of p["seeds"]."""
    archs = stratified_sample(p["archs"])
    acc = bench.column(bench.test_col(ACC))
    rows = []
    seeds = [seed + k for k in p["seeds"]]
    per_seed = _rmi.evaluate_many(p, [(archs, rmi_settings(p), s) for s in seeds], progress)
    for s, results in zip(seeds, per_seed):
        for arch, r in zip(archs, results):
            if r is None:  # not stored yet (a partial scale rendered read-only)
                continue
            i = nb201.index_of(arch)
            for step, loss in zip(r["curve_steps"], r["curve"]):
                rows.append({"index": i, "test_acc": acc[i], "steps": step, "seed": s,
                             "score": np.inf if loss != loss else loss})
    frame = pd.DataFrame(rows, columns=["index", "test_acc", "steps", "seed", "score"])
    steps = len(rmi.record_steps(rmi_settings(p)))
    frame = _rmi.complete(frame, [], planned=len(archs) * len(p["seeds"]))
    frame.attrs["stored"] //= steps  # evaluations, not rows
    return frame


def sweeps(p: Profile, seed: int = 0, progress: bool = True) -> dict[str, tuple[Profile, pd.DataFrame]]:
    """`iteration_sweep` at the profile's scale and at its paper-size scale: {label: (profile, curves)}."""
    return _rmi.sweeps(p, iteration_sweep, seed, progress)


def summaries(runs: dict, teacher_acc: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`tau_summary` of every scale of `sweeps`, stacked with a "scale" column."""
    return _rmi.summaries(runs, lambda p, curves: tau_summary(curves, teacher_acc))


def tau_summary(curves: pd.DataFrame, teacher_acc: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per_seed, summary) per step count: tau mean and sample std over seeds and the paired
    bootstrap interval of tau (tau_lo, tau_hi; architectures and seeds resampled)."""
    per_seed, summary = tau_table(curves, ["steps"])
    summary["paper"] = ["the paper's choice" if s == PAPER_STEPS else "" for s in summary["steps"]]
    summary["teacher test acc"] = teacher_acc
    boot = bootstrap_tau(curves, "steps", **BOOT).set_index("steps")
    summary["tau_lo"] = summary["steps"].map(boot["lo"])
    summary["tau_hi"] = summary["steps"].map(boot["hi"])
    return per_seed, summary


def figure(summary: pd.DataFrame, profile: str):
    """tau against steps per scale: mean ± std over seeds, the bootstrap band, the paper's 150."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for k, (label, rows) in enumerate(summary.groupby("scale", sort=False)):
        ax.errorbar(rows["steps"], rows["tau_mean"], yerr=rows["tau_std"].fillna(0), marker="o", capsize=3,
                    color=f"C{k}", label=f"{label} ({profile}; mean ± std over {rows['seeds'].max()} seeds, "
                                         f"{rows['archs'].max()} archs)")
        ax.fill_between(rows["steps"], rows["tau_lo"], rows["tau_hi"], alpha=0.15, color=f"C{k}",
                        label="95% bootstrap interval (architectures and seeds)" if k == 0 else None)
    ax.axvline(PAPER_STEPS, color="C3", ls="--", lw=1, label="paper: 150 steps chosen")
    ax.set(xlabel="optimisation steps on the one batch", ylabel="Kendall tau (score vs test acc.)",
           title="Fig. 3c: tau vs optimisation steps")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- claims

def _diff(curves: pd.DataFrame, a: int, b: int) -> tuple[float, float, float]:
    """tau(a) - tau(b) with its paired bootstrap interval (only the two step counts' rows are
    passed: the resampled architectures and seeds are the same as with all of them)."""
    return bootstrap_tau_diff(curves[curves["steps"].isin([a, b])], "steps", a, b, **BOOT)


def claims(runs: dict, teacher_acc: float) -> list[Claim]:
    """`scale_claims` at every scale of `sweeps`; the paper-size scale's id ends in "_paper_size"."""
    return [c for k, (p, curves) in enumerate(runs.values())
            for c in scale_claims(p, curves, teacher_acc, suffix="_paper_size" if k else "")]


def scale_claims(p: Profile, curves: pd.DataFrame, teacher_acc: float, suffix: str = "") -> list[Claim]:
    """"tau rises with the number of steps up to 150" (Sec. 4.2, Fig. 3c), at one scale.

    Rule, with d(s) = tau(150) - tau(s) and its paired bootstrap interval: differs if the
    interval of d(s*) lies entirely below 0, s* being the recorded step count below 150 with the
    highest tau (an earlier stop ranks significantly better); otherwise holds if the intervals of
    d(50) and d(100) (RISE_FROM, those recorded) both lie above 0, partly if one does,
    inconclusive if none does. Not run when the profile trains fewer than 150 steps. s* is picked
    from the data, so its interval is optimistic; d(50) and d(100) are fixed in advance.
    """
    base = dict(id="tau_rises_to_150_steps" + suffix, claim="Kendall tau of the RMI score rises with the number "
                                                            "of optimisation steps up to 150", source=SOURCE,
                paper="tau positively correlated with the steps; 150 chosen as the trade-off")
    seeds = curves["seed"].nunique()
    progress = _rmi.progress_text(curves)
    scale = _rmi.scale(p, teacher_acc, steps=f"up to {rmi_settings(p)['steps']} steps (tau every "
                                            f"{rmi_settings(p)['record_every']} steps of the same runs)")
    scale += f" ({progress})" if progress else ""
    if curves["index"].nunique() < _rmi.MIN_ARCHS:
        return [Claim(**base, measured="not measured yet", verdict="not run", scale=scale,
                      reason=progress or "no architecture scored")]
    steps = sorted(int(s) for s in curves["steps"].unique())
    earlier = [s for s in steps if s < PAPER_STEPS]
    if PAPER_STEPS not in steps or not earlier:
        return [Claim(**base, measured="not measured", verdict="not run", scale=scale,
                      reason=f"this profile records steps {steps[0]}..{steps[-1]}: needs 150 and earlier step counts")]
    per_step = curves.groupby(["steps", "seed"]).apply(
        lambda g: kendall(g["score"], g["test_acc"]), include_groups=False).groupby("steps").mean()
    best = int(per_step.loc[earlier].idxmax())
    compare = [s for s in RISE_FROM if s in earlier]
    diffs = {s: _diff(curves, PAPER_STEPS, s) for s in dict.fromkeys([*compare, best])}
    above = [s for s in compare if diffs[s][1] > 0]
    if diffs[best][2] < 0:
        verdict, why = "differs", f"tau after {best} steps is significantly above tau after 150"
    elif compare and len(above) == len(compare):
        verdict, why = "holds", f"tau(150) is significantly above tau after {', '.join(map(str, compare))} steps"
    elif above:
        verdict, why = "partly", (f"tau(150) is significantly above tau after {', '.join(map(str, above))} steps, "
                                  f"not after {', '.join(str(s) for s in compare if s not in above)}")
    else:
        verdict, why = "inconclusive", "no interval of tau(150) - tau(s) excludes 0"
    n = sample_size(curves["index"].nunique(), seeds)
    t150 = bootstrap_tau(curves[curves["steps"] == PAPER_STEPS], "steps", **BOOT).iloc[0]
    measured = (f"tau(150) = {interval(t150['tau'], t150['lo'], t150['hi'])}; "
                + "; ".join(f"tau(150) - tau({s}) = {interval(*d, signed=True)}" for s, d in diffs.items())
                + f"; highest tau below 150 steps after {best} ({n})")
    return [Claim(**base, measured=measured, verdict=verdict, value=diffs[best][0], lo=diffs[best][1],
                  hi=diffs[best][2], scale=scale,
                  reason=f"{why}. Rule: differs if the interval of tau(150) - tau(s*) is below 0 (s* = the "
                         f"earlier step count with the highest tau, here {best}); else holds if the intervals of "
                         f"tau(150) - tau(s) for s = {', '.join(map(str, RISE_FROM))} are above 0, partly if one "
                         f"is; value = tau(150) - tau({best})")]
