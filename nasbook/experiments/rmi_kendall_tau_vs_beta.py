"""Notebook 01_rmi_kendall_tau_vs_beta: RMI-NAS Fig. 3a, Kendall's tau of the RMI score
(mixed loss beta * RMI + (1 - beta) * CE) with the NB201 CIFAR-10 test accuracy for every
beta, over seeds, on one stratified architecture sample; the claims that tau peaks at
beta = 0.8 and that beta = 0 (cross-entropy alone) gives a much lower tau of about 0.25."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import executor, rmi
from .. import teacher as teachers
from ..claims import Claim
from ..notebook import start as _start
from ..profiles import Profile
from ..profiles import resolve as _resolve
from ..stats import bootstrap_tau, bootstrap_tau_diff, interval_verdict
from . import _rmi
from ._rmi import (BOOT, CPU, CPU_FINETUNED, PAPER_FINETUNED, SMOKE, SMOKE_TEACHER, interval, rmi_settings,
                   sample_size, stratified_sample, tau_table, teacher_accuracy)

NOTEBOOK = "01_rmi_kendall_tau_vs_beta"

PROFILES = {
    "smoke": {"archs": 6, "seeds": [0, 1], "betas": [0.0, 0.8, 1.0], "rmi": {**SMOKE, "teacher": SMOKE_TEACHER},
              "paper_size": {"archs": 5, "seeds": [0], "rmi": {**SMOKE, "N": 2, "teacher": SMOKE_TEACHER}}},
    # 25 archs x 6 betas x 3 seeds = 450 evaluations of a C=8, N=1 candidate, 100 steps (about
    # 3 s each on 2 cores); then the paper's candidate (C=16, N=5, 150 steps, batch 32, gamma 16)
    # for 30 archs x 6 betas x 2 seeds = 360 evaluations (about 25 s each in channels_last)
    "cpu": {"archs": 25, "seeds": [0, 1, 2], "betas": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
            "rmi": {**CPU, "steps": 100, "teacher": CPU_FINETUNED},
            "paper_size": {"archs": 30, "seeds": [0, 1], "rmi": {"steps": 150, "teacher": CPU_FINETUNED}}},
    "paper": {"archs": 100, "seeds": [0, 1, 2], "betas": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
              "rmi": {"teacher": PAPER_FINETUNED}, "paper_size": None},
}
# The paper's text (Sec. 4.2) gives two points of Fig. 3a; the figure itself is not in the
# text extraction, so no other values are shown.
PAPER = {"peak_beta": 0.8, "tau_at_beta0": 0.25}
SOURCE = "RMI-NAS (Zheng et al., CVPR 2022) Sec. 4.2, Fig. 3a"
BLOCK = 5  # least architectures per block of a sweep (more on a GPU: rmi.default_group(); see beta_sweep)

__all__ = ["NOTEBOOK", "PROFILES", "PAPER", "start", "resolve", "rmi_settings", "teacher_accuracy",
           "beta_sweep", "sweeps", "tau_summary", "summaries", "figure", "claims"]


def start(namespace: dict):
    """The notebook's Session (profile resolved once, every parameter recorded)."""
    return _start(NOTEBOOK, PROFILES, namespace)


def resolve(name: str, root=None) -> Profile:
    return _resolve(PROFILES, name, root)


def beta_sweep(p: Profile, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """Per-architecture scores for every (beta, seed): columns index, test_acc, score, beta, seed, ...
    Seeds are seed + each of p["seeds"]."""
    archs = stratified_sample(p["archs"])
    # per seed, blocks of about BLOCK architectures (every k-th of the accuracy-sorted sample, so
    # each block spans the accuracy range) through every beta: a long run that is stopped leaves
    # whole architectures (all betas of a seed) behind, which a partial render can use. Computed in
    # this order here; with the Ray executor all at once (_rmi.evaluate_many).
    group = rmi.default_group(executor.current().device())  # a GPU trains a group at once
    blocks = len(archs) // max(BLOCK, group) or 1
    runs = [(block, float(beta), s) for s in [seed + k for k in p["seeds"]]
            for block in [archs[i::blocks] for i in range(blocks)] for beta in p["betas"]]
    results = _rmi.evaluate_many(p, [(block, rmi_settings(p, beta=beta), s) for block, beta, s in runs], progress)
    frames = [_rmi.score_frame(block, res, s, beta=beta) for (block, beta, s), res in zip(runs, results)]
    return _rmi.complete(pd.concat(frames, ignore_index=True), ["beta"],
                         planned=len(archs) * len(p["seeds"]) * len(p["betas"]))


def sweeps(p: Profile, seed: int = 0, progress: bool = True) -> dict[str, tuple[Profile, pd.DataFrame]]:
    """`beta_sweep` at the profile's scale and at its paper-size scale: {label: (profile, scores)}."""
    return _rmi.sweeps(p, beta_sweep, seed, progress)


def summaries(runs: dict, teacher_acc: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`tau_summary` of every scale of `sweeps`, stacked with a "scale" column."""
    return _rmi.summaries(runs, lambda p, scores: tau_summary(p, scores, teacher_acc))


def tau_summary(p: Profile, scores: pd.DataFrame, teacher_acc: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per_seed, summary) per beta: tau mean and sample std over seeds, the paired-bootstrap
    interval of tau (tau_lo, tau_hi), and tau over the top half of the architectures by test
    accuracy (tau_top_half with its interval: does the score still rank the good ones?)."""
    per_seed, summary = tau_table(scores, ["beta"])
    summary["paper (text)"] = [f"~{PAPER['tau_at_beta0']}" if b == 0 else ("peak" if b == PAPER["peak_beta"] else "")
                               for b in summary["beta"]]
    summary["teacher"] = teachers.label(p["rmi"]["teacher"])
    summary["teacher test acc"] = teacher_acc
    boot = bootstrap_tau(scores, "beta", **BOOT).set_index("beta")
    top = bootstrap_tau(scores, "beta", subset="top_half", **BOOT).set_index("beta")
    summary["tau_lo"] = summary["beta"].map(boot["lo"])
    summary["tau_hi"] = summary["beta"].map(boot["hi"])
    summary["tau_top_half"] = summary["beta"].map(top["tau"])
    summary["top_half_lo"] = summary["beta"].map(top["lo"])
    summary["top_half_hi"] = summary["beta"].map(top["hi"])
    summary["top_half_archs"] = summary["beta"].map(top["archs"])
    return per_seed, summary


def figure(summary: pd.DataFrame, runs: dict, profile: str):
    """Left: tau vs beta per scale (mean ± std over seeds; top half dashed) with the paper's two
    points. Right: the scores of the first seed of the largest scale summarised against test
    accuracy for beta 0, the best and the largest."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    for k, (label, rows) in enumerate(summary.groupby("scale", sort=False)):
        ax.errorbar(rows["beta"] + 0.01 * k, rows["tau_mean"], yerr=rows["tau_std"].fillna(0), marker="o",
                    capsize=4, color=f"C{k}",
                    label=f"{label} ({profile}; mean ± std over {rows['seeds'].max()} seeds, {rows['archs'].max()} archs)")
        ax.plot(rows["beta"] + 0.01 * k, rows["tau_top_half"], ls="--", marker=".", color=f"C{k}", alpha=0.6,
                label=f"{label}, top half of the architectures")
    ax.plot([0.0], [PAPER["tau_at_beta0"]], "s", color="C3", label="paper text: tau ≈ 0.25 at beta = 0")
    ax.axvline(PAPER["peak_beta"], color="C3", ls="--", lw=1, label="paper: peak at beta = 0.8")
    ax.set(xlabel="beta (weight of the RMI loss)", ylabel="Kendall tau (score vs test acc.)",
           title="Fig. 3a: tau vs beta")
    ax.legend(fontsize=8)
    ax = axes[1]
    label = summary["scale"].iloc[-1]
    summary, scores = summary[summary["scale"] == label], runs[label][1]
    best_beta = summary.loc[summary["tau_mean"].idxmax(), "beta"]
    for beta in sorted({0.0, best_beta, max(summary["beta"])} & set(summary["beta"])):
        d = scores[(scores["beta"] == beta) & (scores["seed"] == scores["seed"].min())]
        finite = np.isfinite(d["score"])
        ax.scatter(d["test_acc"][finite], d["score"][finite], s=12, label=f"beta={beta}")
    ax.set(xlabel="NB201 CIFAR-10 test accuracy (200 ep)", ylabel="score (mixed loss, lower = better)",
           title=f"scores of one seed, {label}", yscale="log")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- claims

def _diff(scores: pd.DataFrame, a: float, b: float) -> tuple[float, float, float]:
    """tau(a) - tau(b) with its paired-bootstrap interval (only the two betas' rows are passed:
    the resampled architectures and seeds are the same as with all betas)."""
    return bootstrap_tau_diff(scores[scores["beta"].isin([a, b])], "beta", a, b, **BOOT)


def claims(runs: dict, teacher_acc: float) -> list[Claim]:
    """The claims of `scale_claims` at every scale of `sweeps`; the paper-size scale's ids end
    in "_paper_size"."""
    out = []
    for k, (p, scores) in enumerate(runs.values()):
        out += scale_claims(p, scores, teacher_acc, suffix="_paper_size" if k else "")
    return out


def scale_claims(p: Profile, scores: pd.DataFrame, teacher_acc: float, suffix: str = "") -> list[Claim]:
    """The two statements of Sec. 4.2 about Fig. 3a, from the stored scores of one scale.

    peak_at_0.8 -- with d(b) = tau(0.8) - tau(b) for the nearest tested beta on each side of
    0.8 (0.6 and 1.0 in the cpu and paper profiles), each with its paired bootstrap interval:
    holds if both intervals lie above 0; differs if some d(b) has its interval entirely below 0
    (a neighbour ranks significantly better); partly if one interval lies above 0 and the other
    includes 0 (or only one side was tested); inconclusive if both include 0.

    beta0_much_lower -- holds if the interval of tau(0.8) - tau(0) lies above 0, differs if
    below, inconclusive otherwise (`interval_verdict`); the reason says whether the paper's
    0.25 lies inside the interval of tau(0).
    """
    peak, b0 = PAPER["peak_beta"], 0.0
    n_archs, n_seeds = scores["index"].nunique(), scores["seed"].nunique()
    progress = _rmi.progress_text(scores)
    scale = _rmi.scale(p, teacher_acc, beta=f"swept over {', '.join(f'{b:g}' for b in p['betas'])}")
    scale += f" ({progress})" if progress else ""
    if n_archs < _rmi.MIN_ARCHS:
        return [Claim(id=cid + suffix, claim=text, source=SOURCE, paper=paper, measured="not measured yet",
                      verdict="not run", scale=scale, reason=progress or "no architecture scored")
                for cid, text, paper in (("peak_at_beta_0.8", "Kendall tau of the RMI score peaks at beta = 0.8",
                                          "peak at beta = 0.8 (beta = 1 marginally worse)"),
                                         ("beta0_much_lower", "beta = 0 (cross-entropy alone) gives tau of about "
                                          "0.25, much lower than at the peak", f"tau ≈ {PAPER['tau_at_beta0']} at beta = 0"))]
    betas = sorted(float(b) for b in scores["beta"].unique())
    n = sample_size(n_archs, n_seeds)
    # the interval of tau at 0.8 and 0 (the same draws as with all betas, fewer taus computed)
    boot = bootstrap_tau(scores[scores["beta"].isin([peak, b0])], "beta", **BOOT).set_index("beta")
    out = []

    # (a) the peak
    base = dict(id="peak_at_beta_0.8" + suffix, claim="Kendall tau of the RMI score peaks at beta = 0.8", source=SOURCE,
                paper="peak at beta = 0.8 (beta = 1 marginally worse)", scale=scale)
    neighbours = [x for x in betas if x < peak][-1:] + [x for x in betas if x > peak][:1]
    if peak not in betas or not neighbours:
        out.append(Claim(**base, measured="not measured", verdict="not run",
                         reason=f"this profile tests beta {betas}: needs 0.8 and a neighbour"))
    else:
        diffs = {b: _diff(scores, peak, b) for b in neighbours}
        above = [b for b, (_, lo, _) in diffs.items() if lo > 0]
        below = [b for b, (_, _, hi) in diffs.items() if hi < 0]
        best = float(tau_table(scores, ["beta"])[1].set_index("beta")["tau_mean"].idxmax())
        two_sided = len(neighbours) == 2
        if below:
            verdict = "differs"
            why = f"beta = {', '.join(f'{b:g}' for b in below)} ranks significantly better than 0.8"
        elif len(above) == len(neighbours) and two_sided:
            verdict = "holds"
            why = "tau(0.8) is significantly above both neighbours"
        elif above:
            verdict = "partly"
            rest = [b for b in neighbours if b not in above]
            why = (f"tau(0.8) is significantly above beta = {', '.join(f'{b:g}' for b in above)}"
                   + (f" but not separated from beta = {', '.join(f'{b:g}' for b in rest)} (interval includes 0)"
                      if rest else " (only one side of 0.8 was tested)"))
        else:
            verdict = "inconclusive"
            why = "no neighbour's interval of tau(0.8) - tau(b) excludes 0"
        low_b = min(diffs, key=lambda b: diffs[b][1])
        measured = (f"tau(0.8) = {interval(*boot.loc[peak, ['tau', 'lo', 'hi']])}; "
                    + "; ".join(f"tau(0.8) - tau({b:g}) = {interval(*d, signed=True)}" for b, d in diffs.items())
                    + f"; highest tau at beta = {best:g} ({n})")
        out.append(Claim(**base, measured=measured, verdict=verdict, value=diffs[low_b][0], lo=diffs[low_b][1],
                         hi=diffs[low_b][2],
                         reason=f"{why}. Rule: holds if the interval of tau(0.8) - tau(b) is above 0 for both "
                                f"nearest tested betas b, differs if one is entirely below 0, partly if only one "
                                f"is above 0; value = the difference with the lowest bound (b = {low_b:g})"))

    # (b) beta = 0
    base = dict(id="beta0_much_lower" + suffix, claim="beta = 0 (cross-entropy alone) gives tau of about 0.25, much lower "
                                             "than at the peak", source=SOURCE,
                paper=f"tau ≈ {PAPER['tau_at_beta0']} at beta = 0", scale=scale)
    if b0 not in betas or peak not in betas:
        out.append(Claim(**base, measured="not measured", verdict="not run",
                         reason=f"this profile tests beta {betas}: needs 0 and 0.8"))
    else:
        tau0, lo0, hi0 = boot.loc[b0, ["tau", "lo", "hi"]]
        d = _diff(scores, peak, b0)
        verdict = interval_verdict(d[1], d[2], threshold=0.0, expect="above")
        inside = lo0 <= PAPER["tau_at_beta0"] <= hi0
        why = {"holds": "tau(0) is significantly below tau(0.8)", "differs": "tau(0) is significantly above tau(0.8)",
               "inconclusive": "the interval of tau(0.8) - tau(0) includes 0"}[verdict]
        out.append(Claim(**base, measured=f"tau(0) = {interval(tau0, lo0, hi0)}; tau(0.8) - tau(0) = "
                                          f"{interval(*d, signed=True)} ({n})",
                         verdict=verdict, value=tau0, lo=lo0, hi=hi0,
                         reason=f"{why}; the paper's {PAPER['tau_at_beta0']} lies "
                                f"{'inside' if inside else 'outside'} the interval of tau(0). Rule: holds if the "
                                f"interval of tau(0.8) - tau(0) is above 0, differs if below, else inconclusive"))
    return out
