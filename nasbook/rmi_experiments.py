"""The RMI-NAS ablations (paper Fig. 3a/b/c, supplement Fig. 1) as functions returning DataFrames.

Every RMI score goes through `nasbook.rmi.evaluate` (stored per settings, seed and
architecture under results/<profile>/), every teacher accuracy through `nasbook.teacher`,
so a killed run resumes and `--from-results` re-renders everything without computing.

Ground truth: NAS-Bench-201 CIFAR-10 test accuracy after 200 epochs. The architecture
sample is stratified by that accuracy (supplement Sec. 3: "we uniformly sample architectures
by accuracy"): equal-width accuracy bins, one random architecture per bin, the same sample
for every seed, beta, teacher and step count.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from . import config, rmi, teacher as teachers
from .profiles import select
from .spaces import nb201

RESNET20 = rmi.TEACHER_RESNET20
CPU_FINETUNED = rmi.SIGNAL_PROFILES["cpu"]["teacher"]
PAPER_FINETUNED = rmi.SIGNAL_PROFILES["paper"]["teacher"]
SMOKE = {"C": 4, "N": 1, "steps": 8, "batch_size": 16, "gamma": 4, "record_every": 2}
SMOKE_TEACHER = {**rmi.TEACHER_RESNET20, "test_limit": 1000}
CPU = {"C": 8, "N": 1}

# ---------------------------------------------------------------- Fig. 3a: tau vs beta
BETA_PROFILES = {
    "smoke": {"archs": 6, "seeds": [0, 1], "betas": [0.0, 0.8, 1.0], "rmi": {**SMOKE, "teacher": SMOKE_TEACHER}},
    # 25 archs x 6 betas x 3 seeds = 450 evaluations of a C=8, N=1 candidate, 100 steps
    "cpu": {"archs": 25, "seeds": [0, 1, 2], "betas": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
            "rmi": {**CPU, "steps": 100, "teacher": CPU_FINETUNED}},
    "paper": {"archs": 100, "seeds": [0, 1, 2], "betas": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
              "rmi": {"teacher": PAPER_FINETUNED}},
}
# The paper's text (Sec. 4.2) gives two points of Fig. 3a; the figure itself is not in the
# text extraction, so no other values are shown.
PAPER_BETA = {"peak_beta": 0.8, "tau_at_beta0": 0.25}

# ---------------------------------------------------------------- Fig. 3c: tau vs steps
ITERATION_PROFILES = {
    "smoke": {"archs": 6, "seeds": [0, 1], "rmi": {**SMOKE, "teacher": SMOKE_TEACHER}},
    # 60 archs x 3 seeds = 180 runs of 200 steps; tau at every 10th step comes from the same runs
    "cpu": {"archs": 60, "seeds": [0, 1, 2], "rmi": {**CPU, "steps": 200, "teacher": CPU_FINETUNED}},
    "paper": {"archs": 100, "seeds": [0, 1, 2], "rmi": {"steps": 200, "teacher": PAPER_FINETUNED}},
}
PAPER_STEPS = 150  # the paper's choice (Sec. 4.2)

# ---------------------------------------------------------------- Fig. 3b / supp. Fig. 1: teachers
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


TEACHER_PROFILES = {
    "smoke": {"archs": 6, "seeds": [0], "rmi": SMOKE,
              **_teacher_ladder([1], 1, 500, 500, {**RESNET20, "epochs": 1, "lr": 0.01, "limit": 500, "seed": 0},
                                {"model": "nb201", "arch": nb201.arch_of(BEST_NB201), "C": 4, "N": 1,
                                 "epochs": 1, "limit": 500, "seed": 0})},
    # teachers: ResNet-20 from scratch on 10k images (snapshots after 1, 2, 4, 8 epochs),
    # the pretrained ResNet-20, it fine-tuned 1 epoch, an NB201 net (best arch, C=16, N=1, 5 epochs)
    "cpu": {"archs": 40, "seeds": [0], "rmi": {**CPU, "steps": 100},
            **_teacher_ladder([1, 2, 4, 8], 8, 10000, 2000, CPU_FINETUNED,
                              {"model": "nb201", "arch": nb201.arch_of(BEST_NB201), "C": 16, "N": 1,
                               "epochs": 5, "limit": 10000, "seed": 0})},
    "paper": {"archs": 100, "seeds": [0, 1, 2], "rmi": {},
              **_teacher_ladder([1, 2, 3, 5, 10, 20, 40], 20, None, None, PAPER_FINETUNED,
                                {"model": "nb201", "arch": nb201.arch_of(BEST_NB201), "C": 16, "N": 5,
                                 "epochs": 50, "limit": None, "seed": 0})},
}
PANEL_TITLES = {"a": "(a) NB201 architecture as teacher", "b": "(b) ResNet-20 teacher",
                "c": "(c) ResNet-20 trained briefly"}
PAPER_TEACHER_THRESHOLD = 85.0  # "an accuracy greater than 85% is suitable enough" (Sec. 4.2)

PROFILES = {"beta": BETA_PROFILES, "iterations": ITERATION_PROFILES, "teacher": TEACHER_PROFILES}


# ---------------------------------------------------------------- shared pieces

def results_root(profile: str):
    return config.results_dir() / profile


def ground_truth(column: str = "cifar10_test_200") -> pd.Series:
    from .data import nb201 as bench
    return bench.load_table()[column]


def stratified_sample(n: int, seed: int = 0, column: str = "cifar10_test_200") -> list[str]:
    """n architectures, one per equal-width accuracy bin (random within the bin, seeded);
    bins left empty are made up by random architectures not yet chosen."""
    acc = ground_truth(column).dropna()
    rng = np.random.default_rng(seed)
    edges = np.linspace(acc.min(), acc.max(), n + 1)
    bins = np.clip(np.digitize(acc.values, edges[1:-1]), 0, n - 1)
    chosen = [int(rng.choice(acc.index[bins == b])) for b in range(n) if (bins == b).any()]
    rest = np.setdiff1d(acc.index.values, chosen)
    chosen += [int(i) for i in rng.choice(rest, n - len(chosen), replace=False)]
    return [nb201.arch_of(i) for i in sorted(chosen, key=lambda i: acc[i])]


def kendall(scores, acc) -> float:
    """Kendall tau between -score (lower is better; inf ranks last) and accuracy."""
    s = np.asarray(scores, dtype=float)
    finite = np.isfinite(s)
    s = np.where(finite, s, (s[finite].max() + 1.0) if finite.any() else 0.0)
    return float(kendalltau(-s, np.asarray(acc, dtype=float)).statistic)


def _frame(archs, results, seed, **extra) -> pd.DataFrame:
    acc = ground_truth()
    acc12 = ground_truth("cifar10_test_12")
    idx = [nb201.index_of(a) for a in archs]
    return pd.DataFrame({"index": idx, "test_acc": acc[idx].values, "test_acc_12": acc12[idx].values,
                         "score": [np.inf if r["score"] != r["score"] else r["score"] for r in results],
                         "rmi": [r["rmi"] for r in results], "ce": [r["ce"] for r in results],
                         "seconds": [r["seconds"] for r in results], "seed": seed, **extra})


def _settings(p: dict, **overrides) -> dict:
    return rmi.resolve({**p["rmi"], **overrides})


# ---------------------------------------------------------------- the three experiments

def beta_sweep(profile: str, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """Per-architecture scores for every (beta, seed): columns index, test_acc, score, beta, seed, ..."""
    p = select(BETA_PROFILES, profile)
    archs = stratified_sample(p["archs"])
    frames = []
    for seed in [seed + s for s in p["seeds"]]:
        for beta in p["betas"]:
            s = _settings(p, beta=float(beta))
            frames.append(_frame(archs, rmi.evaluate(archs, s, seed, root=results_root(profile), progress=progress),
                                 seed, beta=float(beta)))
    return pd.concat(frames, ignore_index=True)


def tau_table(scores: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Kendall tau per group of `by` (+ seed), then mean and std over seeds."""
    per_seed = (scores.groupby(by + ["seed"])
                .apply(lambda g: pd.Series({"tau": kendall(g["score"], g["test_acc"]),
                                            "diverged": int(np.isinf(g["score"]).sum()),
                                            "archs": len(g)}), include_groups=False)
                .reset_index())
    summary = per_seed.groupby(by).agg(tau_mean=("tau", "mean"), tau_std=("tau", "std"),
                                       seeds=("tau", "size"), archs=("archs", "first"),
                                       diverged=("diverged", "mean")).reset_index()
    return per_seed, summary


def iteration_sweep(profile: str, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """Mixed loss of every architecture after every recorded step count (one run per seed)."""
    p = select(ITERATION_PROFILES, profile)
    archs = stratified_sample(p["archs"])
    acc = ground_truth()
    rows = []
    for seed in [seed + s for s in p["seeds"]]:
        results = rmi.evaluate(archs, _settings(p), seed, root=results_root(profile), progress=progress)
        for arch, r in zip(archs, results):
            i = nb201.index_of(arch)
            for step, loss in zip(r["curve_steps"], r["curve"]):
                rows.append({"index": i, "test_acc": acc[i], "steps": step, "seed": seed,
                             "score": np.inf if loss != loss else loss})
    return pd.DataFrame(rows)


def teacher_table(profile: str, progress: bool = True) -> pd.DataFrame:
    """Every teacher of the profile with its measured test accuracy."""
    p = select(TEACHER_PROFILES, profile)
    rows = []
    for role, specs in (("graded", p["graded"]), *[(f"panel {k}", [v]) for k, v in p["panels"].items()]):
        for spec in specs:
            rows.append({"teacher": teachers.label(spec), "role": role,
                         "test_acc": teachers.test_accuracy(spec, root=results_root(profile), progress=progress),
                         "spec": teachers.key(spec)})
    return pd.DataFrame(rows)


def teacher_sweep(profile: str, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """Per-architecture scores for every teacher (graded ones and the scatter panels)."""
    p = select(TEACHER_PROFILES, profile)
    archs = stratified_sample(p["archs"])
    base = seed
    specs = {teachers.key(s): s for s in [*p["graded"], *p["panels"].values()]}
    panels = {teachers.key(s): k for k, s in p["panels"].items()}
    frames = []
    for key, spec in specs.items():
        acc = teachers.test_accuracy(spec, root=results_root(profile), progress=progress)
        for seed in [base + s for s in p["seeds"]]:
            res = rmi.evaluate(archs, _settings(p, teacher=spec), seed, root=results_root(profile), progress=progress)
            frames.append(_frame(archs, res, seed, teacher=teachers.label(spec), teacher_acc=acc,
                                 panel=panels.get(key, ""), spec=key))
    return pd.concat(frames, ignore_index=True)
