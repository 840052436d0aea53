"""Notebook 02_rmi_teacher_accuracy: RMI-NAS Fig. 3b and supplement Fig. 1, how good must
the teacher be? The RMI score (beta = 0.8) of one stratified architecture sample, once per
teacher: graded teachers (snapshots of one ResNet-20 run from scratch, the pretrained ResNet-20
with and without a fine-tune, an NB201 network trained briefly), each with its measured test
accuracy; the claims that tau grows with teacher accuracy, that a teacher above 85% suffices,
and that the loss correlates with the test error for the three teachers of the supplement."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from scipy.stats import kendalltau

from .. import rmi, stats
from .. import teacher as teachers
from ..claims import Claim
from ..notebook import start as _start
from ..profiles import Profile
from ..profiles import resolve as _resolve
from ..spaces import nb201
from ..stats import binomial_ci, bootstrap_tau, bootstrap_tau_diff, interval_verdict, kendall
from . import _rmi
from ._rmi import (BOOT, CPU, CPU_FINETUNED, PAPER_FINETUNED, RESNET20, SMOKE, interval, rmi_settings, sample_size,
                   stratified_sample, tau_table)

NOTEBOOK = "02_rmi_teacher_accuracy"

BEST_NB201 = 9930  # NB201 index of the best CIFAR-10 architecture family (94.36%)


def _teacher_ladder(scratch_epochs, brief, limit, test_limit, finetuned, nb201_teacher):
    scratch = {"model": "resnet20", "init": "scratch", "lr": 0.1, "limit": limit, "seed": 0,
               "test_limit": test_limit}
    return {
        "graded": [*teachers.snapshots(scratch, scratch_epochs),
                   {**RESNET20, "test_limit": test_limit}, {**finetuned, "test_limit": test_limit},
                   {**nb201_teacher, "test_limit": test_limit}],
        "panels": {"a": {**nb201_teacher, "test_limit": test_limit},
                   "b": {**finetuned, "test_limit": test_limit},
                   "c": {**scratch, "epochs": brief}},
    }


PROFILES = {
    "smoke": {"archs": 6, "seeds": [0], "rmi": SMOKE,
              **_teacher_ladder([1], 1, 500, 500, {**RESNET20, "epochs": 1, "lr": 0.01, "limit": 500, "seed": 0},
                                {"model": "nb201", "arch": nb201.arch_of(BEST_NB201), "C": 4, "N": 1,
                                 "epochs": 1, "limit": 500, "seed": 0}),
              "paper_size": {"archs": 5, "seeds": [0], "rmi": {**SMOKE, "N": 2}, "panels": {},
                             "graded": [{"model": "resnet20", "init": "scratch", "lr": 0.1, "limit": 500, "seed": 0,
                                         "test_limit": 500, "epochs": 1}, {**RESNET20, "test_limit": 500}]}},
    # teachers: ResNet-20 from scratch on 10k images (snapshots after 1, 2, 4, 8 epochs),
    # the pretrained ResNet-20, it fine-tuned 1 epoch, an NB201 net (best arch, C=16, N=1, 5 epochs)
    # and at the paper's candidate size (C=16, N=5, 150 steps; 30 archs x 2 seeds) three of them,
    # spanning 56-86%: the scratch ResNet-20 after 8 epochs, the pretrained ResNet-20 and notebook
    # 01's fine-tuned teacher (the same spec, so its scores are 01's beta = 0.8 runs)
    "cpu": {"archs": 40, "seeds": [0], "rmi": {**CPU, "steps": 100},
            **_teacher_ladder([1, 2, 4, 8], 8, 10000, 2000, CPU_FINETUNED,
                              {"model": "nb201", "arch": nb201.arch_of(BEST_NB201), "C": 16, "N": 1,
                               "epochs": 5, "limit": 10000, "seed": 0}),
            "paper_size": {"archs": 30, "seeds": [0, 1], "rmi": {"steps": 150}, "panels": {},
                           "graded": [{"model": "resnet20", "init": "scratch", "lr": 0.1, "limit": 10000, "seed": 0,
                                       "test_limit": 2000, "epochs": 8},
                                      {**RESNET20, "test_limit": 2000}, CPU_FINETUNED]}},
    "paper": {"archs": 100, "seeds": [0, 1, 2], "rmi": {},
              **_teacher_ladder([1, 2, 3, 5, 10, 20, 40], 20, None, None, PAPER_FINETUNED,
                                {"model": "nb201", "arch": nb201.arch_of(BEST_NB201), "C": 16, "N": 5,
                                 "epochs": 50, "limit": None, "seed": 0}), "paper_size": None},
}
PANEL_TITLES = {"a": "(a) NB201 architecture as teacher", "b": "(b) ResNet-20 teacher",
                "c": "(c) ResNet-20 trained briefly"}
PAPER_TEACHER_THRESHOLD = 85.0  # "an accuracy greater than 85% is suitable enough" (Sec. 4.2)
SOURCE = "RMI-NAS (Zheng et al., CVPR 2022) Sec. 4.2, Fig. 3b"
SOURCE_SUPP = "RMI-NAS supplement Sec. 3, Fig. 1"
FIG3B_CLAIMS = {  # the two Fig. 3b statements, at every scale
    "tau_grows_with_teacher_acc": {"claim": "Kendall tau of the RMI score grows with the teacher's test accuracy",
                                   "paper": "tau increases with teacher accuracy (values not in the text)"},
    "teacher_above_85_suffices": {"claim": "a teacher above 85% test accuracy makes the RMI score a good indicator "
                                           "(ranks at least as well as weaker teachers)",
                                  "paper": "> 85% is 'suitable enough'"},
}

__all__ = ["NOTEBOOK", "PROFILES", "PANEL_TITLES", "PAPER_TEACHER_THRESHOLD", "start", "resolve",
           "rmi_settings", "teacher_table", "teacher_sweep", "sweeps", "summaries", "tau_summary", "figure",
           "figure_panels", "claims", "scale_claims"]


def start(namespace: dict):
    """The notebook's Session (profile resolved once, every parameter recorded)."""
    return _start(NOTEBOOK, PROFILES, namespace)


def resolve(name: str, root=None) -> Profile:
    return _resolve(PROFILES, name, root)


def _roles(p: Profile):
    return (("graded", p["graded"]), *[(f"panel {k}", [v]) for k, v in p["panels"].items()])


def teacher_table(p: Profile, progress: bool = True) -> pd.DataFrame:
    """Every teacher of the profile with its measured test accuracy (and the number of test
    images it was measured on)."""
    rows = []
    for role, specs in _roles(p):
        for spec in specs:
            rows.append({"teacher": teachers.label(spec), "role": role,
                         "test_acc": teachers.test_accuracy(spec, root=p.root, progress=progress),
                         "test_images": _rmi.n_test_images(spec), "spec": teachers.key(spec)})
    return pd.DataFrame(rows)


def teacher_sweep(p: Profile, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """Per-architecture scores for every teacher (graded ones and the scatter panels): the
    columns of the score frame plus teacher, teacher_acc, panel ("" or a/b/c) and spec."""
    archs = stratified_sample(p["archs"])
    specs = {teachers.key(s): s for s in [*p["graded"], *p["panels"].values()]}
    panels = {teachers.key(s): k for k, s in p["panels"].items()}
    accs = {key: teachers.test_accuracy(spec, root=p.root, progress=progress) for key, spec in specs.items()}
    frames = []
    for s in [seed + k for k in p["seeds"]]:  # seed by seed: a stopped run leaves whole seeds behind
        for key, spec in specs.items():
            res = _rmi.evaluate(p, archs, rmi_settings(p, teacher=spec), s, progress)
            frames.append(_rmi.score_frame(archs, res, s, teacher=teachers.label(spec), teacher_acc=accs[key],
                                           panel=panels.get(key, ""), spec=key))
    return _rmi.complete(pd.concat(frames, ignore_index=True), ["spec"],
                         planned=len(archs) * len(p["seeds"]) * len(specs))


def sweeps(p: Profile, seed: int = 0, progress: bool = True) -> dict[str, tuple[Profile, pd.DataFrame]]:
    """`teacher_sweep` at the profile's scale and at its paper-size scale: {label: (profile, scores)}."""
    return _rmi.sweeps(p, teacher_sweep, seed, progress)


def summaries(runs: dict) -> pd.DataFrame:
    """`tau_summary` of every scale of `sweeps`, stacked with a leading "scale" column (a partial
    scale with fewer than _rmi.MIN_ARCHS complete architectures is left out)."""
    return _rmi.summaries(runs, lambda p, scores: (scores, tau_summary(scores)))[1]


def tau_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Per teacher, by accuracy: tau mean and sample std over seeds, which side of the paper's
    85% it is on, and the paired bootstrap interval of tau (tau_lo, tau_hi)."""
    _, summary = tau_table(scores, ["spec", "teacher", "teacher_acc"])
    boot = bootstrap_tau(scores, "spec", **BOOT).set_index("spec")
    summary = summary.assign(tau_lo=summary["spec"].map(boot["lo"]), tau_hi=summary["spec"].map(boot["hi"]))
    summary = summary.drop(columns="spec").sort_values("teacher_acc").reset_index(drop=True)
    summary.insert(7, "paper", np.where(summary["teacher_acc"] > PAPER_TEACHER_THRESHOLD,
                                        "> 85%: 'suitable enough'", "below the paper's 85% threshold"))
    return summary


def figure(summary: pd.DataFrame, profile: str):
    """tau against teacher accuracy (bootstrap intervals as error bars) with the paper's 85%."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    scales = summary.groupby("scale", sort=False) if "scale" in summary else [("", summary)]
    for k, (scale, rows) in enumerate(scales):
        yerr = np.vstack([rows["tau_mean"] - rows["tau_lo"], rows["tau_hi"] - rows["tau_mean"]])
        ax.errorbar(rows["teacher_acc"], rows["tau_mean"], yerr=np.nan_to_num(yerr), fmt="os"[k % 2], capsize=4,
                    color=f"C{k}", label=f"{scale + ': ' if scale else ''}measured ({profile}; 95% bootstrap interval)")
        for _, r in rows.iterrows():
            ax.annotate(r["teacher"], (r["teacher_acc"], r["tau_mean"]), fontsize=6, xytext=(3, 3),
                        textcoords="offset points", color=f"C{k}")
    ax.axvline(PAPER_TEACHER_THRESHOLD, color="C3", ls="--", lw=1, label="paper: > 85% is enough")
    ax.set(xlabel="teacher test accuracy on the CIFAR-10 in use (%)", ylabel="Kendall tau (score vs test acc.)",
           title="Fig. 3b: tau vs teacher accuracy")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def figure_panels(scores: pd.DataFrame):
    """Supplement Fig. 1: score against test error, one point per architecture (first seed),
    one panel per teacher, with its measured accuracy and the Kendall tau in the title."""
    panels = scores[(scores["panel"] != "") & (scores["seed"] == scores["seed"].min())]
    panels = panels.assign(test_error=100 - panels["test_acc"])
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=False)
    for ax, (key, title) in zip(axes, PANEL_TITLES.items()):
        d = panels[panels["panel"] == key]
        finite = np.isfinite(d["score"])
        sns.scatterplot(x=d["score"][finite], y=d["test_error"][finite], s=18, ax=ax)
        tau = kendall(d["score"], d["test_acc"])
        ax.set(xlabel="RMI score (mixed loss)", ylabel="NB201 CIFAR-10 test error (%)",
               title=f"{title}\n{d['teacher'].iloc[0]}: {d['teacher_acc'].iloc[0]:.1f}%, tau={tau:.2f}")
        ax.title.set_fontsize(8)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- claims

def tau_replicates(scores: pd.DataFrame, group: str = "spec", *, n_boot: int | None = None,
                   rng_seed: int | None = None) -> tuple[dict, dict]:
    """(point, replicates): tau per group and its paired bootstrap replicates
    (`nasbook.stats.tau_replicates`), for statistics across groups such as the correlation of
    tau with teacher accuracy."""
    point, reps, _ = stats.tau_replicates(scores, group, n_boot=BOOT["n_boot"] if n_boot is None else n_boot,
                                          rng_seed=BOOT["rng_seed"] if rng_seed is None else rng_seed)
    return point, reps


def _percentile_interval(x) -> tuple[float, float]:
    return stats.percentile_interval(np.asarray(x, float), BOOT["level"])


def _acc_text(acc: float, spec: dict) -> str:
    n = _rmi.n_test_images(spec)
    lo, hi = binomial_ci(acc, n)
    return f"{acc:.2f}% [{lo:.2f}, {hi:.2f}] (Wilson 95%, {n:,} test images)"


def claims(runs: dict) -> list[Claim]:
    """The claims of `scale_claims` at every scale of `sweeps`; the paper-size scale's ids end in
    "_paper_size" (it has no panel teachers, so no supplement claim)."""
    out = []
    for k, (p, scores) in enumerate(runs.values()):
        out += scale_claims(p, scores, suffix="_paper_size" if k else "")
    return out


def scale_claims(p: Profile, scores: pd.DataFrame, suffix: str = "") -> list[Claim]:
    """Three claims from the stored scores and teacher accuracies of one scale (the third only
    where the scale has the supplement's panel teachers).

    tau_grows_with_teacher_acc (Fig. 3b) -- r = Kendall correlation, over the graded teachers,
    between teacher test accuracy and the teacher's RMI tau; its interval comes from the paired
    bootstrap of the taus (architectures and seeds resampled, the same draws for every teacher;
    the teachers' accuracies are held fixed). holds if the interval lies above 0, differs if
    below, inconclusive otherwise.

    teacher_above_85_suffices (Fig. 3b) -- for every graded teacher above 85% (h) and every one
    at or below (l): d = tau(h) - tau(l) with its paired interval. holds if every interval lies
    above 0 (a teacher above 85% ranks better than every weaker one), differs if some lies
    entirely below 0 (a weaker teacher ranks significantly better), partly if some but not all
    lie above 0, inconclusive if none does or no graded teacher reaches 85%.

    loss_tracks_error_three_teachers (supplement Fig. 1) -- the tau of each of the three panel
    teachers with its bootstrap interval; holds if all three intervals lie above 0 (the paper
    says "strongly correlated" without a number, so only the sign is tested and the values are
    reported), differs if one lies below 0, inconclusive otherwise.
    """
    specs = {teachers.key(s): s for s in p["graded"]}
    progress = _rmi.progress_text(scores)
    if scores["index"].nunique() < _rmi.MIN_ARCHS:
        scale = _rmi.scale(p, seeds=len(p["seeds"]), teacher=f"{len(specs)} graded teachers") + f" ({progress})"
        return [Claim(id=cid + suffix, **FIG3B_CLAIMS[cid], source=SOURCE, measured="not measured yet",
                      verdict="not run", scale=scale, reason=progress or "no architecture scored")
                for cid in FIG3B_CLAIMS]
    graded = scores[scores["spec"].isin(specs)]
    acc = graded.groupby("spec")["teacher_acc"].first()
    label = graded.groupby("spec")["teacher"].first()
    n_archs, n_seeds = scores["index"].nunique(), scores["seed"].nunique()
    n = sample_size(n_archs, n_seeds)
    lo_acc, hi_acc = acc.min(), acc.max()
    test_imgs = sorted({_rmi.n_test_images(s) for s in specs.values()})
    scale = _rmi.scale(p, seeds=n_seeds, teacher=f"{len(specs)} graded teachers measured at {lo_acc:.2f}% to "
                                                 f"{hi_acc:.2f}% on {'/'.join(f'{t:,}' for t in test_imgs)} "
                                                 f"CIFAR-10 test images")
    scale += f" ({progress})" if progress else ""
    point, reps = tau_replicates(graded)
    keys = list(acc.sort_values().index)
    out = []

    # (1) tau grows with teacher accuracy
    accs = acc[keys].to_numpy(float)
    r = float(kendalltau(accs, [point[k] for k in keys]).statistic)
    rep = np.array([kendalltau(accs, [reps[k][i] for k in keys]).statistic for i in range(len(reps[keys[0]]))])
    lo, hi = _percentile_interval(rep)
    verdict = interval_verdict(lo, hi, threshold=0.0, expect="above")
    why = {"holds": "the correlation's interval lies above 0", "differs": "the correlation's interval lies below 0",
           "inconclusive": "the correlation's interval includes 0"}[verdict]
    out.append(Claim(id="tau_grows_with_teacher_acc" + suffix, **FIG3B_CLAIMS["tau_grows_with_teacher_acc"],
                     source=SOURCE,
                     measured=f"Kendall r(teacher accuracy, tau) = {interval(r, lo, hi, signed=True)} over "
                              f"{len(keys)} graded teachers; tau from {point[keys[0]]:.2f} ({label[keys[0]]}, "
                              f"{accs[0]:.2f}%) to {point[keys[-1]]:.2f} ({label[keys[-1]]}, {accs[-1]:.2f}%) ({n})",
                     verdict=verdict, value=r, lo=lo, hi=hi, scale=scale,
                     reason=f"{why}. Rule: holds if the bootstrap interval of the Kendall correlation between "
                            f"teacher accuracy and tau (graded teachers) lies above 0, differs if below, else "
                            f"inconclusive"))

    # (2) above 85% suffices
    base = dict(id="teacher_above_85_suffices" + suffix, **FIG3B_CLAIMS["teacher_above_85_suffices"], source=SOURCE,
                scale=scale)
    high = [k for k in keys if acc[k] > PAPER_TEACHER_THRESHOLD]
    low = [k for k in keys if acc[k] <= PAPER_TEACHER_THRESHOLD]
    if not high or not low:
        out.append(Claim(**base, measured=f"graded teachers at {lo_acc:.2f}% to {hi_acc:.2f}%", verdict="inconclusive",
                         reason="no graded teacher above 85%" if not high else "no graded teacher at or below 85%"))
    else:
        diffs = {(h, l): bootstrap_tau_diff(graded[graded["spec"].isin([h, l])], "spec", h, l, **BOOT)
                 for h in high for l in low}
        above = [k for k, d in diffs.items() if d[1] > 0]
        below = [k for k, d in diffs.items() if d[2] < 0]
        if below:
            verdict = "differs"
            why = "a weaker teacher ranks significantly better: " + ", ".join(label[l] for _, l in below)
        elif len(above) == len(diffs):
            verdict, why = "holds", "the teacher above 85% ranks significantly better than every weaker one"
        elif above:
            verdict = "partly"
            why = (f"significantly better than {len(above)} of the {len(diffs)} weaker teachers; not separated "
                   f"from " + ", ".join(label[l] for h, l in diffs if (h, l) not in above))
        else:
            verdict, why = "inconclusive", "no interval of tau(above 85%) - tau(weaker) excludes 0"
        worst = min(diffs, key=lambda k: diffs[k][1])
        boot_h = {h: bootstrap_tau(graded[graded["spec"] == h], "spec", **BOOT).iloc[0] for h in high}
        measured = ("; ".join(f"{label[h]} at {_acc_text(acc[h], specs[h])}: tau = "
                              f"{interval(b['tau'], b['lo'], b['hi'])}" for h, b in boot_h.items())
                    + "; " + "; ".join(f"minus {label[l]} ({acc[l]:.2f}%): {interval(*d, signed=True)}"
                                       for (h, l), d in diffs.items())
                    + f" ({n})")
        out.append(Claim(**base, measured=measured, verdict=verdict, value=diffs[worst][0], lo=diffs[worst][1],
                         hi=diffs[worst][2],
                         reason=f"{why}. Rule: holds if tau(teacher > 85%) - tau(teacher <= 85%) has its interval "
                                f"above 0 for every such pair, differs if one lies below 0, partly if some lie above "
                                f"0; value = the difference with the lowest bound (vs {label[worst[1]]})"))

    # (3) supplement Fig. 1
    if not p["panels"]:
        return out
    pan = {k: teachers.key(s) for k, s in p["panels"].items()}
    pscores = scores[scores["spec"].isin(pan.values())]
    boot = bootstrap_tau(pscores, "spec", **BOOT).set_index("spec")
    lows, highs = boot.loc[list(pan.values()), "lo"], boot.loc[list(pan.values()), "hi"]
    if (lows > 0).all():
        verdict, why = "holds", "all three intervals lie above 0"
    elif (highs < 0).any():
        verdict, why = "differs", "a panel's interval lies below 0"
    else:
        verdict, why = "inconclusive", "an interval includes 0"
    weakest = min(pan, key=lambda k: boot.loc[pan[k], "lo"])
    pacc = pscores.groupby("spec")["teacher_acc"].first()
    out.append(Claim(id="loss_tracks_error_three_teachers",
                     claim="the RMI loss of sampled architectures correlates with their test error for an NB201 "
                           "teacher, ResNet-20 and a briefly trained ResNet-20", source=SOURCE_SUPP,
                     paper="strongly correlated in all three panels (scatter only, no number)",
                     measured="; ".join(f"({k}) {label.get(pan[k], teachers.label(p['panels'][k]))} "
                                        f"({pacc[pan[k]]:.2f}%): tau = "
                                        f"{interval(*boot.loc[pan[k], ['tau', 'lo', 'hi']])}" for k in pan) + f" ({n})",
                     verdict=verdict, value=boot.loc[pan[weakest], "tau"], lo=boot.loc[pan[weakest], "lo"],
                     hi=boot.loc[pan[weakest], "hi"],
                     scale=_rmi.scale(p, seeds=n_seeds, teacher="teachers " + ", ".join(
                         f"({k}) {_rmi.teacher_text(p['panels'][k], pacc[pan[k]]).removeprefix('teacher ')}"
                         for k in pan)),
                     reason=f"{why}. Rule: holds if the bootstrap interval of each panel's tau lies above 0 "
                            f"('strongly' is not quantified in the paper, so only the sign is tested), differs if "
                            f"one lies below 0; value = the panel with the lowest bound ({weakest})"))
    return out
