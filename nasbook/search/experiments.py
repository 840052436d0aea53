"""The experiments of notebook 04 (benchmark- and RMI-driven searches on NB201).

Every search result is stored per (method, signal, dataset, budget, options) and seed in a
ResultStore under ``results/<profile>/``, so tables and figures re-render from the store
and killed runs resume where they stopped.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import kendalltau
from tqdm.auto import tqdm

from .. import config
from ..profiles import select
from ..store import ResultStore
from . import gpnas, signals, theorem
from .result import SearchResult

DATASETS = signals.DATASETS
NAMES = {"cifar10": "C10", "cifar100": "C100", "imagenet16": "IN16"}

# RMI-NAS (CVPR 2022) Table 1: search cost (s) and (mean, std) accuracies; "valid" there is
# the 200-epoch validation accuracy, which the table given to us does not have.
PAPER_TABLE1 = {
    "ResNet": (None, (90.83, None), (93.97, None), (70.42, None), (70.86, None), (44.53, None), (43.63, None)),
    "RS": (22993.93, (90.93, 0.36), (93.80, 0.36), (70.93, 1.09), (71.04, 1.07), (44.45, 1.10), (44.57, 1.25)),
    "RL": (27870.7, (91.09, 0.37), (93.85, 0.37), (71.61, 1.12), (71.71, 1.09), (45.05, 1.02), (45.24, 1.18)),
    "ENAS": (14058.8, (37.51, 3.19), (53.89, 0.58), (13.37, 2.35), (13.96, 2.33), (15.06, 1.95), (14.84, 2.10)),
    "DARTS-V2": (35781.80, (39.77, 0.00), (54.30, 0.00), (15.03, 0.00), (15.61, 0.00), (16.43, 0.00), (16.32, 0.00)),
    "SETN": (34139.53, (84.04, 0.28), (87.64, 0.00), (58.86, 0.06), (59.05, 0.24), (33.06, 0.02), (32.52, 0.21)),
    "GDAS": (31609.80, (89.89, 0.08), (93.61, 0.09), (71.34, 0.04), (70.70, 0.30), (41.59, 1.33), (41.71, 0.98)),
    "FairNAS": (9845.00, (90.97, 0.57), (93.23, 0.18), (70.94, 0.94), (71.00, 1.46), (41.09, 1.00), (42.19, 0.31)),
    "MDENAS": (5300.00, None, (89.07, 0.60), None, None, None, None),
    "MIGONAS": (3200.00, None, (93.15, 0.18), None, None, None, None),
    "Jacob_cov": (None, (89.69, 0.73), (92.96, 0.80), (69.87, 1.22), (70.03, 1.16), (43.99, 2.05), (44.43, 2.07)),
    "Mag": (None, (89.94, 0.34), (93.35, 0.04), (70.18, 0.66), (70.47, 0.18), (42.57, 2.14), (43.17, 2.57)),
    "RMI-NAS": (1258.21, (91.44, 0.09), (94.28, 0.10), (73.38, 0.14), (73.36, 0.19), (46.37, 0.00), (46.34, 0.00)),
    "RMI-NAS (best)": (None, (91.55, None), (94.36, None), (73.49, None), (73.51, None), (46.37, None), (46.34, None)),
    "Optimal": (None, (91.61, None), (94.37, None), (73.49, None), (73.51, None), (46.77, None), (47.31, None)),
}
# the training cost per queried architecture implied by Table 1 (cost / 200 architectures),
# the reference for the speedup of the RMI-driven RS / RL (Fig. 1b)
PAPER_TRAIN_SECONDS_PER_ARCH = {"random": 22993.93 / 200, "reinforce": 27870.7 / 200, "rea": 22993.93 / 200}
PAPER_FIG1B_SPEEDUP = 19  # "an average speedup of 19 times" (Sec. 4.1, Fig. 1b)

# which paper row each of our methods reproduces
PAPER_ROW = {"random": "RS", "reinforce": "RL", "rminas": "RMI-NAS"}
LABELS = {"random": "RS", "rea": "REA", "reinforce": "REINFORCE (RL)", "rminas": "RMI-NAS",
          "gpnas": "GP-NAS", "gpnas_rdm": "GP-NAS-rdm"}

_RMINAS_REDUCED = {"n_warm": 30, "quantile": 0.1, "n_fitting": 1000, "n_collect": 5, "top": 3}
PROFILES = {
    "smoke": {
        "bench": {"methods": ["random", "rea", "reinforce"], "budget": 50, "seeds": 3, "datasets": ["cifar10"]},
        "bench_rminas": {"seeds": 2, "budget": 200, "options": {**_RMINAS_REDUCED, "n_collect": 10, "top": 5}},
        "bench_gp": {"methods": ["gpnas", "gpnas_rdm"], "budget": 30, "seeds": 1},
        "gp_curves": {"seeds": 1, "n_init": 10, "batch": 10, "n_max": 40, "pred_sample": 200},
        "rmi": {"rmi_profile": "smoke", "methods": ["random"], "budget": 3, "seeds": 1,
                "rminas": None},
    },
    "cpu": {
        "bench": {"methods": ["random", "rea", "reinforce"], "budget": 200, "seeds": 100, "datasets": list(DATASETS)},
        "bench_rminas": {"seeds": 20, "budget": 2000, "options": {}},  # ~14 s a seed on 2 cores
        "bench_gp": {"methods": ["gpnas", "gpnas_rdm"], "budget": 200, "seeds": 20},
        "gp_curves": {"seeds": 5, "n_init": 10, "batch": 10, "n_max": 300, "pred_sample": 500},
        # RMI on 2 CPU cores: a reduced scale (see the notebook)
        "rmi": {"rmi_profile": "cpu", "methods": ["random", "rea", "reinforce"], "budget": 30, "seeds": 3,
                "rminas": {"seeds": 1, "budget": 60, "options": _RMINAS_REDUCED}},
    },
    "paper": {
        "bench": {"methods": ["random", "rea", "reinforce"], "budget": 200, "seeds": 500, "datasets": list(DATASETS)},
        "bench_rminas": {"seeds": 500, "budget": 2000, "options": {}},
        "bench_gp": {"methods": ["gpnas", "gpnas_rdm"], "budget": 200, "seeds": 100},
        "gp_curves": {"seeds": 20, "n_init": 10, "batch": 10, "n_max": 500, "pred_sample": 500},
        "rmi": {"rmi_profile": "paper", "methods": ["random", "rea", "reinforce"], "budget": 200, "seeds": 5,
                "rminas": {"seeds": 3, "budget": 2000, "options": {}}},
    },
}


def settings(profile: str) -> dict:
    return select(PROFILES, profile)


def _root(profile: str):
    return config.results_dir() / profile


# --- many seeds of one search -----------------------------------------------------------

def searches(method: str, signal: str, dataset: str, budget: int, seeds, profile: str,
             options: dict | None = None, rmi_profile: str | None = None, progress: bool = True) -> list[SearchResult]:
    """`run(method, ...)` for every seed, each stored as soon as it finishes."""
    from . import run
    options = dict(options or {})
    cfg = {"method": method, "signal": signal, "dataset": dataset, "budget": int(budget), "options": options}
    if signal == "rmi":
        cfg["rmi_profile"] = rmi_profile
    store = ResultStore("search", cfg, root=_root(profile))
    extra = {"rmi_settings": rmi_profile, "rmi_seed": 0, "rmi_root": _root(profile)} if signal == "rmi" else {}

    def one(seed: int) -> dict:
        return run(method, signal=signal, budget=budget, seed=seed, dataset=dataset, **options, **extra).to_dict()

    seeds = list(seeds)
    bar = tqdm(seeds, desc=f"{method}/{signal}/{dataset}", disable=not progress, leave=False)
    return [SearchResult.from_dict(store.compute(("seed", int(s)), lambda s=s: one(int(s)))) for s in bar]


def summarize(results: list[SearchResult], report_dataset: str | None = None) -> dict:
    """mean and std of the pick's accuracies (all datasets, or one), queries and cost."""
    out = {"runs": len(results), "queries": float(np.mean([len(r.queried) for r in results])),
           "cost_s": float(np.mean([r.cost if r.cost is not None else r.seconds for r in results]))}
    for d in ([report_dataset] if report_dataset else DATASETS):
        for kind, attr in (("valid", "valid_acc"), ("test", "test_acc")):
            v = np.array([getattr(r, attr)[d] for r in results])
            out[f"{d}_{kind}_mean"], out[f"{d}_{kind}_std"] = float(v.mean()), float(v.std())
    return out


# --- RMI-NAS Table 1 ---------------------------------------------------------------------

def _fmt(mean, std) -> str:
    if mean is None or (isinstance(mean, float) and np.isnan(mean)):
        return "-"
    return f"{mean:.2f}" if std is None else f"{mean:.2f} ± {std:.2f}"


def _paper_cells(key: str | None) -> dict:
    row = PAPER_TABLE1.get(key) if key else None
    cells = {"paper cost (s)": "-" if not row or row[0] is None else f"{row[0]:.0f}"}
    for j, d in enumerate(DATASETS):
        for k, kind in enumerate(("valid", "test")):
            val = row[1 + 2 * j + k] if row else None
            cells[f"{NAMES[d]} {kind} (paper)"] = "-" if val is None else _fmt(*val)
    return cells


def table_row(label: str, signal: str, per_dataset: dict[str, list[SearchResult]], paper: str | None) -> dict:
    """One row in the layout of RMI-NAS Table 1. `per_dataset[d]` = the runs whose pick is
    reported in the columns of dataset d (a search per dataset for the table signal; the
    same CIFAR-10 RMI searches in every column for the RMI signal)."""
    row = {"method": label, "signal": signal}
    any_runs = next(iter(per_dataset.values()))
    row["runs"] = len(any_runs)
    row["queries"] = f"{np.mean([len(r.queried) for d in per_dataset for r in per_dataset[d]]):.0f}"
    row["search cost (s)"] = f"{np.mean([r.cost for d in per_dataset for r in per_dataset[d]]):.1f}"
    paper_cells = _paper_cells(paper)
    row["paper cost (s)"] = paper_cells.pop("paper cost (s)")
    for d in DATASETS:
        s = summarize(per_dataset[d], d)
        for kind in ("valid", "test"):
            row[f"{NAMES[d]} {kind}"] = _fmt(s[f"{d}_{kind}_mean"], s[f"{d}_{kind}_std"])
            row[f"{NAMES[d]} {kind} (paper)"] = paper_cells[f"{NAMES[d]} {kind} (paper)"]
    return row


def optimal_row() -> dict:
    row = {"method": "Optimal", "signal": "-", "runs": "-", "queries": "-", "search cost (s)": "-"}
    paper = _paper_cells("Optimal")
    row["paper cost (s)"] = "-"
    for d in DATASETS:
        row[f"{NAMES[d]} valid"] = _fmt(signals.column(signals.valid_col(d)).max(), None)
        row[f"{NAMES[d]} valid (paper)"] = paper[f"{NAMES[d]} valid (paper)"]
        row[f"{NAMES[d]} test"] = _fmt(signals.column(signals.test_col(d)).max(), None)
        row[f"{NAMES[d]} test (paper)"] = paper[f"{NAMES[d]} test (paper)"]
    return row


def benchmark_runs(profile: str) -> dict[str, dict[str, list[SearchResult]]]:
    """Table-driven searches: {method: {dataset: runs}}, one search per dataset."""
    p = settings(profile)
    out: dict[str, dict[str, list[SearchResult]]] = {}
    b = p["bench"]
    for m in b["methods"]:
        out[m] = {d: searches(m, "benchmark", d, b["budget"], range(b["seeds"]), profile) for d in b["datasets"]}
    r = p["bench_rminas"]
    out["rminas"] = {d: searches("rminas", "benchmark", d, r["budget"], range(r["seeds"]), profile, r["options"])
                     for d in b["datasets"]}
    g = p["bench_gp"]
    for m in g["methods"]:
        out[m] = {d: searches(m, "benchmark", d, g["budget"], range(g["seeds"]), profile) for d in b["datasets"]}
    return out


def rmi_runs(profile: str) -> dict[str, list[SearchResult]]:
    """RMI-driven searches (CIFAR-10 teacher): {method: runs}."""
    r = settings(profile)["rmi"]
    out = {m: searches(m, "rmi", "cifar10", r["budget"], range(r["seeds"]), profile, rmi_profile=r["rmi_profile"])
           for m in r["methods"]}
    if r.get("rminas"):
        q = r["rminas"]
        out["rminas"] = searches("rminas", "rmi", "cifar10", q["budget"], range(q["seeds"]), profile, q["options"],
                                 rmi_profile=r["rmi_profile"])
    return out


def table1(bench: dict, rmi: dict | None = None) -> pd.DataFrame:
    """Our rows (and the papers' numbers beside them) in the layout of RMI-NAS Table 1."""
    rows = []
    for m, per in bench.items():
        per = {d: per.get(d, next(iter(per.values()))) for d in DATASETS} if len(per) < len(DATASETS) else per
        rows.append(table_row(LABELS[m], "benchmark", per, PAPER_ROW.get(m) if m != "rminas" else None))
    for m, runs in (rmi or {}).items():
        rows.append(table_row(LABELS[m], "rmi", {d: runs for d in DATASETS}, PAPER_ROW.get(m) if m == "rminas" else None))
    rows.append(optimal_row())
    return pd.DataFrame(rows)


def fig1b(profile: str, rmi: dict[str, list[SearchResult]]) -> pd.DataFrame:
    """RS / REA / REINFORCE (and RMI-NAS) driven by the RMI loss vs by the table, at the same
    budget and seeds (CIFAR-10): accuracy change and speedup against training cost."""
    r = settings(profile)["rmi"]
    rows = []
    for m, runs in rmi.items():
        budget = r["budget"] if m != "rminas" else r["rminas"]["budget"]
        opts = {} if m != "rminas" else r["rminas"]["options"]
        bench = searches(m, "benchmark", "cifar10", budget, [x.seed for x in runs], profile, opts)
        sb, sr = summarize(bench, "cifar10"), summarize(runs, "cifar10")
        train_s = PAPER_TRAIN_SECONDS_PER_ARCH.get(m, PAPER_TRAIN_SECONDS_PER_ARCH["random"]) * sb["queries"]
        rows.append({"method": LABELS[m], "seeds": len(runs), "budget": budget,
                     "queries (table)": sb["queries"], "queries (RMI)": sr["queries"],
                     "C10 test, table signal": sb["cifar10_test_mean"], "C10 test, RMI signal": sr["cifar10_test_mean"],
                     "accuracy change": sr["cifar10_test_mean"] - sb["cifar10_test_mean"],
                     "training cost (s, paper rate)": train_s, "RMI search cost (s)": sr["cost_s"],
                     "speedup": train_s / sr["cost_s"] if sr["cost_s"] > 0 else np.nan,
                     "paper speedup (avg)": PAPER_FIG1B_SPEEDUP})
    return pd.DataFrame(rows)


# --- GP-NAS: prediction quality vs number of samples --------------------------------------

def gp_curve(sampler: str, seed: int, profile: str, dataset: str = "cifar10") -> dict:
    """One AEA run on the table signal; Kendall tau / RMSE over all 15,625 after each round."""
    g = settings(profile)["gp_curves"]
    store = ResultStore("gpnas_curve", {"dataset": dataset, **{k: g[k] for k in ("n_init", "batch", "n_max")},
                                        "pred_sample": g["pred_sample"]}, root=_root(profile))

    def compute() -> dict:
        sig = signals.make_signal("benchmark", dataset, g["n_max"])
        valid = signals.column(signals.valid_col(dataset))
        test = signals.column(signals.test_col(dataset))
        rounds = []

        def on_round(model: gpnas.GPNAS) -> None:
            pred, lin = model.predict(), model.predict_linear(model.space)
            rounds.append({"n": len(model.x),
                           "tau_valid": kendalltau(pred, valid).statistic,
                           "rmse_valid": float(np.sqrt(np.mean((pred - valid) ** 2))),
                           "tau_test": kendalltau(pred, test).statistic,
                           "tau_valid_linear": kendalltau(lin, valid).statistic,
                           "rmse_valid_linear": float(np.sqrt(np.mean((lin - valid) ** 2))),
                           "expected_rmse": float(np.sqrt(np.mean(model.expected_mse(model.space)))),
                           "sigma": model.sigma.tolist()})
        model = gpnas.run_aea(sig, seed, sampler=sampler, n_init=g["n_init"], batch=g["batch"], on_round=on_round)
        idx = np.random.default_rng(1234).choice(len(valid), size=g["pred_sample"], replace=False)
        pred = model.predict()
        return {"rounds": rounds, "sample_index": idx.tolist(), "sample_pred": pred[idx].tolist(),
                "queried": sig.queried}
    return store.compute(("sampler", sampler, "seed", int(seed)), compute)


def gp_curves(profile: str, dataset: str = "cifar10") -> tuple[pd.DataFrame, dict]:
    """Long table (sampler, seed, n, metrics) and the stored runs."""
    g = settings(profile)["gp_curves"]
    rows, runs = [], {}
    for sampler in ("mi", "random"):
        for seed in tqdm(range(g["seeds"]), desc=f"GP-NAS ({sampler})", leave=False):
            run = gp_curve(sampler, seed, profile, dataset)
            runs[(sampler, seed)] = run
            for r in run["rounds"]:
                rows.append({"method": "GP-NAS" if sampler == "mi" else "GP-NAS-rdm", "seed": seed,
                             **{k: v for k, v in r.items() if k != "sigma"}})
    return pd.DataFrame(rows), runs


def samples_to_reach(curves: pd.DataFrame, metric: str = "tau_valid") -> pd.DataFrame:
    """For each tau GP-NAS reaches at n samples: how many samples GP-NAS-rdm needs for it."""
    mean = curves.groupby(["method", "n"])[metric].mean().unstack(0)
    rows = []
    for n, tau in mean["GP-NAS"].items():
        reach = mean.index[mean["GP-NAS-rdm"] >= tau]
        rows.append({"n (GP-NAS)": n, f"{metric} (GP-NAS)": tau, f"{metric} (GP-NAS-rdm, same n)": mean.loc[n, "GP-NAS-rdm"],
                     "n GP-NAS-rdm needs": int(reach.min()) if len(reach) else None})
    return pd.DataFrame(rows)


# --- Theorem 1 ----------------------------------------------------------------------------

def theorem1(profile: str) -> pd.DataFrame:
    store = ResultStore("theorem1", {"quantiles": list(theorem.QUANTILES), "noise": [0.0, 0.5]}, root=_root(profile))
    return pd.DataFrame(store.compute("table", lambda: theorem.check_table((0.0, 0.5)).to_dict("records")))
