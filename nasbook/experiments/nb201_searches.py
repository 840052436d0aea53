"""Notebook 04_nb201_searches: searches on NAS-Bench-201 without a supernet.

  RMI-NAS Table 1   random search (RS), REA, REINFORCE (RL), RMI-NAS, GP-NAS (-rdm) on the
                    table signal (the 12-epoch validation accuracy, the NATS-Bench protocol),
                    and RS / REA / RL / RMI-NAS driven by the RMI loss (CIFAR-10 teacher)
  Fig. 1b           the RMI-driven searches against the same searches on the table signal
  GP-NAS            prediction quality against the number of samples, MI vs random sampling
  Theorem 1         the per-edge mode of good architectures against the true optimum
  weight sharing    the rows of notebook 07 (read from its store)
  RANK-NOSH         thesis chapter 4: search budget in simulated training epochs

Every search is stored per (method, signal, dataset, budget, options) and seed in a
ResultStore under the profile's root, so tables and figures re-render from the store and a
killed run resumes where it stopped. `claims(...)` computes the verdicts from those numbers.
"""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np
import pandas as pd
from scipy.stats import kendalltau
from tqdm.auto import tqdm

from .. import config, executor, rmi, search, stats
from ..claims import Claim
from ..data.nb201 import DATASETS, TEST, VALID, column, load_table, test_col, valid_col
from ..notebook import start as _start
from ..profiles import Profile, resolve as _resolve
from ..search import gpnas, predictor_search, rank_nosh, signals, theorem
from ..search.result import SearchResult
from ..store import ResultStore

NOTEBOOK = "04_nb201_searches"
NAMES = {"cifar10": "C10", "cifar100": "C100", "imagenet16": "IN16"}

# =============================================================================== paper numbers

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
PAPER_FIG1B_SPEEDUP = 19  # "an average speedup of 19 times" (Sec. 4.1, Fig. 1b)
GPNAS_PAPER_RATIO = 25    # GP-NAS: MI sampling "25 times faster" than random sampling (MobileNetV3 space)
# What the thesis says (chapter 4). It gives no NAS-Bench-201 numbers for RANK-NOSH.
THESIS = {"budget_reduction": 5.0,
          "darts_space": "RANK-NOSH 2.53% CIFAR-10 test error vs arch2vec 2.56%, with over 5x less search budget"}

RMI_SIGNAL_LABEL = "rmi (CIFAR-10 search; C100 / IN16 columns: transfer of that pick)"
# which paper row each of our methods reproduces
PAPER_ROW = {"random": "RS", "reinforce": "RL", "rminas": "RMI-NAS"}
LABELS = {"random": "RS", "rea": "REA", "reinforce": "REINFORCE (RL)", "rminas": "RMI-NAS",
          "gpnas": "GP-NAS", "gpnas_rdm": "GP-NAS-rdm"}

# RANK-NOSH section: what each method pays per evaluation (simulated training epochs)
EPOCHS_PER_EVAL = {"rank_nosh": 12, "predictor": 200, "predictor_12": 12, "random": 12, "rea": 12}
NOSH_METHODS = tuple(EPOCHS_PER_EVAL)
NOSH_LABELS = {"rank_nosh": "RANK-NOSH (proxy + 12 ep.)", "predictor": "predictor search (200 ep. each)",
               "predictor_12": "predictor search (12 ep. each, ablation)", "random": "random search (12 ep. each)",
               "rea": "REA (12 ep. each)"}
NOSH_ACCURACY_BUDGETS = (240, 480, 1200, 2400, 6000, 20000)

# =============================================================================== profiles

_RMINAS_REDUCED = {"n_warm": 30, "quantile": 0.1, "n_fitting": 1000, "n_collect": 5, "top": 3}
NOSH = dict(levels=[12], n_init=50, n_add=20, promote=[10], n_candidates=1000, pairs_per_level=2000, fit_steps=200)
PREDICTOR = dict(n_init=10, per_round=10, n_candidates=1000, fit_steps=200)
_NOSH_BUDGETS = dict(rank_nosh=2400, predictor=20000, predictor_12=2400, random=20000, rea=20000)

PROFILES = {
    # CI: seconds to a minute; the numbers mean nothing
    "smoke": {
        "bench": {"methods": ["random", "rea", "reinforce"], "budget": 50, "seeds": 3, "datasets": ["cifar10"]},
        "bench_rminas": {"seeds": 2, "budget": 200, "options": {**_RMINAS_REDUCED, "n_collect": 10, "top": 5}},
        "bench_gp": {"methods": ["gpnas", "gpnas_rdm"], "budget": 30, "seeds": 1},
        # GP-NAS curves: 2 seeds (the least a bootstrap needs), 30 samples, 300 held out
        "gp_curves": {"seeds": 2, "n_init": 10, "batch": 10, "n_max": 30, "n_max_random": 30, "heldout": 300,
                      "pred_sample": 100},
        "rmi": {"settings": rmi.resolve(rmi.SIGNAL_PROFILES["smoke"]), "methods": ["random"], "budget": 3,
                "seeds": 1, "rminas": None},
        "rank_nosh": dict(seeds=2, dataset="cifar10", proxy=dict(C=4, N=1, batch_size=16, seed=0),
                          budgets=dict(rank_nosh=240, predictor=2000, predictor_12=240, random=240, rea=240),
                          nosh=dict(NOSH, n_init=20, n_add=10, promote=[5], pairs_per_level=300, fit_steps=30),
                          predictor=dict(PREDICTOR, n_init=5, per_round=5, fit_steps=30), ratio_at=[1000, 2000]),
    },
    # table-driven searches at full scale; the RMI signal at a reduced scale (2 CPU cores)
    "cpu": {
        "bench": {"methods": ["random", "rea", "reinforce"], "budget": 200, "seeds": 100, "datasets": list(DATASETS)},
        "bench_rminas": {"seeds": 20, "budget": 2000, "options": {}},  # ~14 s a seed on 2 cores
        "bench_gp": {"methods": ["gpnas", "gpnas_rdm"], "budget": 200, "seeds": 20},  # ~4 s (MI) / 1.5 s a seed
        # GP-NAS curves: 20 seeds per sampler (the claim's bootstrap), MI up to 300 samples (~10 s a
        # seed, 1 thread), random up to 500 = 25 x GP-NAS's first MI round (n = 20), so that a 25x
        # ratio there is measurable (~22 s a seed); 2,000 held-out architectures never sampled
        "gp_curves": {"seeds": 20, "n_init": 10, "batch": 10, "n_max": 300, "n_max_random": 500, "heldout": 2000,
                      "pred_sample": 500},
        # RMI signal: 5 seeds (MIN_SEEDS) per method, RMI losses shared through the store (rmi_seed 0)
        "rmi": {"settings": rmi.resolve(rmi.SIGNAL_PROFILES["cpu"]), "methods": ["random", "rea", "reinforce"],
                "budget": 30, "seeds": 5, "rminas": {"seeds": 5, "budget": 60, "options": _RMINAS_REDUCED}},
        # full scale apart from the NASWOT network (C=8, N=3, 64 images instead of C=16, N=5, 128)
        "rank_nosh": dict(seeds=20, dataset="cifar10", proxy=dict(C=8, N=3, batch_size=64, seed=0),
                          budgets=_NOSH_BUDGETS, nosh=NOSH, predictor=PREDICTOR,
                          ratio_at=[2000, 4000, 6000, 10000, 20000]),
    },
    "paper": {
        "bench": {"methods": ["random", "rea", "reinforce"], "budget": 200, "seeds": 500, "datasets": list(DATASETS)},
        "bench_rminas": {"seeds": 500, "budget": 2000, "options": {}},
        "bench_gp": {"methods": ["gpnas", "gpnas_rdm"], "budget": 200, "seeds": 100},
        # GP-NAS curves: 50 seeds, MI up to 500, random up to 1,000 (~4 min a seed, numpy on CPU)
        "gp_curves": {"seeds": 50, "n_init": 10, "batch": 10, "n_max": 500, "n_max_random": 1000, "heldout": 2000,
                      "pred_sample": 500},
        "rmi": {"settings": rmi.resolve(rmi.SIGNAL_PROFILES["paper"]), "methods": ["random", "rea", "reinforce"],
                "budget": 200, "seeds": 5, "rminas": {"seeds": 3, "budget": 2000, "options": {}}},
        "rank_nosh": dict(seeds=50, dataset="cifar10", proxy=dict(C=16, N=5, batch_size=128, seed=0),
                          budgets=_NOSH_BUDGETS, nosh=NOSH, predictor=PREDICTOR,
                          ratio_at=[2000, 4000, 6000, 10000, 20000]),
    },
}


def start(namespace: dict):
    """The notebook's Session (profile resolved once, every parameter recorded)."""
    return _start(NOTEBOOK, PROFILES, namespace)


def resolve(name: str) -> Profile:
    """This notebook's Profile `name` (for tests and other modules)."""
    return _resolve(PROFILES, name)


def scale(p: Profile) -> str:
    """The scale of every part of profile `p` in words, generated from its settings (Markdown)."""
    b, r, g, c, q = p["bench"], p["bench_rminas"], p["bench_gp"], p["gp_curves"], p["rmi"]
    s, n = q["settings"], p["rank_nosh"]
    datasets = ", ".join(NAMES[d] for d in b["datasets"])
    lines = [
        f"- Table signal ({datasets}, one search per dataset): "
        f"{', '.join(LABELS[m] for m in b['methods'])} with budget {b['budget']} and {b['seeds']} seeds; "
        f"RMI-NAS with budget {r['budget']}, {r['seeds']} seeds, "
        f"{'the paper settings' if not r['options'] else 'options ' + str(r['options'])}; "
        f"{', '.join(LABELS[m] for m in g['methods'])} with budget {g['budget']} and {g['seeds']} seeds.",
        f"- GP-NAS curves: {c['seeds']} seeds per sampler, {c['n_init']} random samples then batches of "
        f"{c['batch']} up to {c['n_max']} (GP-NAS) / {c['n_max_random']} (GP-NAS-rdm); quality measured on "
        f"{c['heldout']:,} held-out architectures never sampled.",
        f"- RMI signal (CIFAR-10 teacher {s['teacher']['model']}, fine-tuned {s['teacher'].get('epochs', 0)} "
        f"epoch(s) on {s['teacher'].get('limit') or 'all'} images): candidate C={s['C']}, N={s['N']}, {s['steps']} steps "
        f"on one batch of {s['batch_size']}; {', '.join(LABELS[m] for m in q['methods'])} with budget "
        f"{q['budget']} and {q['seeds']} seeds; "
        + (f"RMI-NAS with budget {q['rminas']['budget']}, {q['rminas']['seeds']} seeds, "
           f"{'the paper settings' if not q['rminas']['options'] else 'options ' + str(q['rminas']['options'])}."
           if q["rminas"] else "RMI-NAS not run."),
        f"- RANK-NOSH: {n['seeds']} seeds per method, budgets (epochs) "
        f"{', '.join(f'{m} {v:g}' for m, v in n['budgets'].items())}; NASWOT on a C={n['proxy']['C']}, "
        f"N={n['proxy']['N']} network with {n['proxy']['batch_size']} images.",
    ]
    return "\n".join([f"**Scale of the {p.name} profile** (from its settings):", ""] + lines)


# =============================================================================== stored searches

def searches(p: Profile, method: str, signal: str, dataset: str, budget: int, seeds,
             options: dict | None = None, rmi_settings: dict | None = None,
             progress: bool = True) -> list[SearchResult]:
    """`nasbook.search.run(method, ...)` for every seed, each stored as soon as it finishes.
    `rmi_settings` (resolved RMI settings, required for signal "rmi") is part of the stored
    configuration; the RMI losses are stored under the profile's root too."""
    from ..search import run
    options = dict(options or {})
    cfg = {"method": method, "signal": signal, "dataset": dataset, "budget": int(budget), "options": options,
           **search.revision(method)}
    extra = {}
    if signal == "rmi":
        if not isinstance(rmi_settings, dict):
            raise ValueError("signal='rmi' needs rmi_settings=<the resolved RMI settings dict>, "
                             "e.g. p['rmi']['settings'] (nasbook.rmi.resolve(...))")
        cfg["rmi_settings"] = {**rmi_settings, **rmi.REPRESENTATION}  # what the stored RMI losses are
        extra = {"rmi_settings": rmi_settings, "rmi_seed": 0, "rmi_root": p.root}
    store = p.store("search", cfg)

    def one(seed: int) -> dict:
        return run(method, signal=signal, budget=budget, seed=seed, dataset=dataset, **options, **extra).to_dict()

    seeds = list(seeds)
    if executor.distributed():  # every seed a task (nasbook.executor), read below as a local run reads them
        executor.current().run([executor.Job(store, [("seed", int(s)) for s in seeds],
                                             executor.Each(lambda item: one(int(item[1]))),
                                             what=f"{method}/{signal}/{dataset}", gpu=signal == "rmi")], progress)
    bar = tqdm(seeds, desc=f"{method}/{signal}/{dataset}", disable=not progress, leave=False)
    return [SearchResult.from_dict(store.compute(("seed", int(s)), lambda s=s: one(int(s)))) for s in bar]


def summarize(results: list[SearchResult], report_dataset: str | None = None) -> dict:
    """Mean and sample std (ddof=1, NaN for one run) of the pick's accuracies (all datasets,
    or one), with the number of runs, mean queries and mean cost."""
    out = {"runs": len(results), "queries": float(np.mean([len(r.queried) for r in results])),
           "cost_s": float(np.mean([r.cost if r.cost is not None else r.seconds for r in results]))}
    for d in ([report_dataset] if report_dataset else DATASETS):
        for kind, attr in (("valid", "valid_acc"), ("test", "test_acc")):
            m, sd, _ = stats.mean_sd([getattr(r, attr)[d] for r in results])
            out[f"{d}_{kind}_mean"], out[f"{d}_{kind}_std"] = m, sd
    return out


def benchmark_runs(p: Profile) -> dict[str, dict[str, list[SearchResult]]]:
    """Table-driven searches: {method: {dataset: runs}}, one search per dataset."""
    out: dict[str, dict[str, list[SearchResult]]] = {}
    b = p["bench"]
    for m in b["methods"]:
        out[m] = {d: searches(p, m, "benchmark", d, b["budget"], range(b["seeds"])) for d in b["datasets"]}
    r = p["bench_rminas"]
    out["rminas"] = {d: searches(p, "rminas", "benchmark", d, r["budget"], range(r["seeds"]), r["options"])
                     for d in b["datasets"]}
    g = p["bench_gp"]
    for m in g["methods"]:
        out[m] = {d: searches(p, m, "benchmark", d, g["budget"], range(g["seeds"])) for d in b["datasets"]}
    return out


def rmi_runs(p: Profile) -> dict[str, list[SearchResult]]:
    """RMI-driven searches (CIFAR-10 teacher): {method: runs}."""
    r = p["rmi"]
    out = {m: searches(p, m, "rmi", "cifar10", r["budget"], range(r["seeds"]), rmi_settings=r["settings"])
           for m in r["methods"]}
    if r["rminas"]:
        q = r["rminas"]
        out["rminas"] = searches(p, "rminas", "rmi", "cifar10", q["budget"], range(q["seeds"]), q["options"],
                                 rmi_settings=r["settings"])
    return out


# =============================================================================== RMI-NAS Table 1

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
    """One row in the layout of RMI-NAS Table 1: "mean ± sd (n=N)" (sample sd) per column.
    `per_dataset[d]` = the runs whose pick is reported in the columns of dataset d (a search
    per dataset for the table signal; the same CIFAR-10 RMI searches in every column for the
    RMI signal)."""
    row = {"method": label, "signal": signal}
    any_runs = next(iter(per_dataset.values()))
    row["runs"] = len(any_runs)
    row["queries"] = f"{np.mean([len(r.queried) for d in per_dataset for r in per_dataset[d]]):.0f}"
    row["search cost (s)"] = f"{np.mean([r.cost for d in per_dataset for r in per_dataset[d]]):.1f}"
    paper_cells = _paper_cells(paper)
    row["paper cost (s)"] = paper_cells.pop("paper cost (s)")
    for d in DATASETS:
        for kind, attr in (("valid", "valid_acc"), ("test", "test_acc")):
            row[f"{NAMES[d]} {kind}"] = stats.fmt_mean_sd([getattr(r, attr)[d] for r in per_dataset[d]])
            row[f"{NAMES[d]} {kind} (paper)"] = paper_cells[f"{NAMES[d]} {kind} (paper)"]
    return row


def optimal_row() -> dict:
    row = {"method": "Optimal", "signal": "-", "runs": "-", "queries": "-", "search cost (s)": "-"}
    paper = _paper_cells("Optimal")
    row["paper cost (s)"] = "-"
    for d in DATASETS:
        row[f"{NAMES[d]} valid"] = _fmt(column(valid_col(d)).max(), None)
        row[f"{NAMES[d]} valid (paper)"] = paper[f"{NAMES[d]} valid (paper)"]
        row[f"{NAMES[d]} test"] = _fmt(column(test_col(d)).max(), None)
        row[f"{NAMES[d]} test (paper)"] = paper[f"{NAMES[d]} test (paper)"]
    return row


def table1(bench: dict, rmi_results: dict | None = None) -> pd.DataFrame:
    """Our rows (and the papers' numbers beside them) in the layout of RMI-NAS Table 1."""
    rows = []
    for m, per in bench.items():
        per = {d: per.get(d, next(iter(per.values()))) for d in DATASETS} if len(per) < len(DATASETS) else per
        rows.append(table_row(LABELS[m], "benchmark", per, PAPER_ROW.get(m) if m != "rminas" else None))
    for m, runs in (rmi_results or {}).items():  # one CIFAR-10 search: C100 / IN16 are transfer, not searches
        rows.append(table_row(LABELS[m], RMI_SIGNAL_LABEL, {d: runs for d in DATASETS},
                              PAPER_ROW.get(m) if m == "rminas" else None))
    rows.append(optimal_row())
    return pd.DataFrame(rows)


# =============================================================================== Fig. 1b

FIG1B_TIMING = {"archs": 5, "train_batch": 256, "train_images": 25000, "epochs": 12, "steps_timed": 5, "warmup": 2}
# the table signal is the 12-epoch validation accuracy: 12 epochs over NB201's 25,000 CIFAR-10
# training images (cifar10-valid split) at batch 256, as NAS-Bench-201 trained them


def _time_training(arch: str, settings: dict, t: dict) -> float:
    """Seconds of one SGD step of the RMI candidate network (same C, N, same device and memory
    format as the RMI evaluation) on a batch of t["train_batch"] images, mean of t["steps_timed"]."""
    import torch
    import torch.nn.functional as F
    device = config.device()
    net = rmi.build_candidate(arch, settings, 0, device)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(t["train_batch"], 3, 32, 32, generator=g).to(device).contiguous(
        memory_format=rmi.memory_format(settings))
    y = torch.randint(0, 10, (t["train_batch"],), generator=g).to(device)
    for k in range(t["warmup"] + t["steps_timed"]):
        if k == t["warmup"]:
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(net(x), y).backward()
        opt.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / t["steps_timed"]


def fig1b_timing(p: Profile) -> pd.DataFrame:
    """Like with like for Fig. 1b: for a few architectures (stratified by accuracy), the RMI
    evaluation of the profile's candidate and the 12-epoch training of the same network, both
    timed here, side by side, in one stored measurement (device recorded). Training time =
    measured seconds per SGD step x steps per epoch x epochs."""
    from ._rmi import stratified_sample
    s, t = p["rmi"]["settings"], FIG1B_TIMING
    store = p.store("fig1b_timing", {"rmi_settings": {**s, **rmi.REPRESENTATION}, **t})

    def measure() -> list[dict]:
        from .. import teacher as teachers
        archs = stratified_sample(t["archs"], seed=1)
        batch = rmi.make_batch(teachers.load(s["teacher"], root=p.root), s, 0)
        steps = t["epochs"] * math.ceil(t["train_images"] / t["train_batch"])
        rows = []
        for a in archs:
            rmi_s = rmi.train_group([a], batch, s, 0)[0]["seconds"]
            rows.append({"arch": a, "rmi_s": rmi_s, "train_step_s": _time_training(a, s, t),
                         "train_steps": steps, "device": str(config.device())})
        return rows
    df = pd.DataFrame(store.compute("timing", measure))
    df["train_s"] = df["train_step_s"] * df["train_steps"]
    df["speedup"] = df["train_s"] / df["rmi_s"]
    return df


def fig1b(p: Profile, rmi_results: dict[str, list[SearchResult]], timing: pd.DataFrame) -> pd.DataFrame:
    """RS / REA / REINFORCE (and RMI-NAS) driven by the RMI loss vs by the table, at the same
    budget and seeds (CIFAR-10): the accuracy change, and the speedup measured like with like
    (`fig1b_timing`: training the queried networks for 12 epochs vs their RMI evaluation, the
    same candidate size on the same device): training s per architecture x table queries over
    RMI s per architecture x RMI queries."""
    r = p["rmi"]
    train_s, rmi_s = timing["train_s"].mean(), timing["rmi_s"].mean()
    rows = []
    for m, runs in rmi_results.items():
        budget = r["budget"] if m != "rminas" else r["rminas"]["budget"]
        opts = {} if m != "rminas" else r["rminas"]["options"]
        bench = searches(p, m, "benchmark", "cifar10", budget, [x.seed for x in runs], opts)
        sb, sr = summarize(bench, "cifar10"), summarize(runs, "cifar10")
        rows.append({"method": LABELS[m], "seeds": len(runs), "budget": budget,
                     "queries (table)": sb["queries"], "queries (RMI)": sr["queries"],
                     "C10 test, table signal": sb["cifar10_test_mean"], "C10 test, RMI signal": sr["cifar10_test_mean"],
                     "accuracy change": sr["cifar10_test_mean"] - sb["cifar10_test_mean"],
                     "training cost (s, measured here)": train_s * sb["queries"],
                     "RMI cost (s, measured here)": rmi_s * sr["queries"],
                     "speedup": train_s * sb["queries"] / (rmi_s * sr["queries"]),
                     "paper speedup (avg)": PAPER_FIG1B_SPEEDUP})
    return pd.DataFrame(rows)


def fig1b_figure(f1b: pd.DataFrame):
    """Left: CIFAR-10 test accuracy of the pick, table signal vs RMI signal, beside the paper's
    Table 1 row of the method (mean ± sd); right: the speedup measured like with like (12-epoch
    training vs RMI of the same networks on this device, see `fig1b`) against the paper's 19x."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
    fig.suptitle(f"RMI-NAS Fig. 1b (Sec. 4.1): RMI instead of training speeds the searches up "
                 f"(paper: {PAPER_FIG1B_SPEEDUP}x on average)", fontsize=11)
    if len(f1b):
        x = np.arange(len(f1b))
        labels = [m.replace(" (", "\n(") for m in f1b["method"]]
        ax = axes[0]
        ax.plot(x - 0.2, f1b["C10 test, table signal"], "o", ms=7, color="tab:blue", label="ours, table signal (12-epoch valid)")
        ax.plot(x, f1b["C10 test, RMI signal"], "s", ms=7, color="tab:orange", label="ours, RMI signal")
        rows = {label: PAPER_TABLE1[PAPER_ROW[m]][2] for m, label in LABELS.items() if m in PAPER_ROW}
        paper = [(i, *rows[m]) for i, m in enumerate(f1b["method"]) if m in rows]
        if paper:
            i, mean, sd = map(np.array, zip(*paper))
            ax.errorbar(i + 0.2, mean, yerr=sd, fmt="D", ms=6, color="k", capsize=3, label="paper, Table 1 (mean ± sd)")
        ax.set_xticks(x, labels)
        ax.set(xlim=(-0.5, len(f1b) - 0.5), ylabel="CIFAR-10 test accuracy of the pick (%)",
               title="accuracy of the picked architecture (mean over seeds)")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
        ax = axes[1]
        bars = ax.bar(x, f1b["speedup"], 0.6, color="tab:orange", label="ours: 12-epoch training s / RMI s (same nets, same device)")
        ax.bar_label(bars, labels=[f"{v:.0f}x" for v in f1b["speedup"]], fontsize=8, padding=2)
        ax.axhline(PAPER_FIG1B_SPEEDUP, color="k", ls="--", label=f"paper: {PAPER_FIG1B_SPEEDUP}x on average")
        ax.set_xticks(x, labels)
        ax.set(ylabel="speedup over training (x)", ylim=(0, 1.2 * max(f1b["speedup"].max(), PAPER_FIG1B_SPEEDUP)),
               title="speedup over 12-epoch training (measured here)")
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1)
    return fig


# =============================================================================== anytime curves

def anytime(bench: dict, dataset: str = "cifar10", methods=("random", "rea", "reinforce")) -> pd.DataFrame:
    """Mean (over seeds) test accuracy of the best-so-far architecture by the 12-epoch signal
    after each query (first best on ties), up to the shortest run: method, queries, test_acc."""
    test, valid = column(test_col(dataset)), column(valid_col(dataset))
    frames = []
    for m in methods:
        runs = bench[m][dataset]
        n = min(len(r.queried) for r in runs)
        curves = []
        for r in runs:
            q = np.array(r.queried[:n])
            best = np.maximum.accumulate(valid[q])
            first = np.array([int(np.flatnonzero(valid[q[:k + 1]] == best[k])[0]) for k in range(n)])
            curves.append(test[q[first]])
        frames.append(pd.DataFrame({"method": m, "queries": np.arange(1, n + 1), "test_acc": np.mean(curves, axis=0)}))
    return pd.concat(frames, ignore_index=True)


def anytime_figure(curves: pd.DataFrame, dataset: str = "cifar10"):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for m, d in curves.groupby("method", sort=False):
        ax.plot(d.queries, d.test_acc, label=LABELS[m])
    ax.axhline(column(test_col(dataset)).max(), color="k", ls=":", label="optimum")
    ax.set(xlabel="architectures queried", ylabel=f"{NAMES[dataset]} test acc. of best-so-far (%)")
    ax.legend(fontsize=8)
    return fig


# =============================================================================== GP-NAS curves

GP_ESTIMATOR = "aea-2"  # nasbook.search.gpnas revision: AEA alternation, priors, noise term, held-out metrics


def gp_curve(p: Profile, sampler: str, seed: int, dataset: str = "cifar10") -> dict:
    """One AEA run on the table signal (12-epoch validation accuracy) up to `n_max` samples
    (`n_max_random` for GP-NAS-rdm), the `heldout` architectures of `gpnas.heldout_indices`
    kept out of sampling. After each round, on those held-out architectures: Kendall tau
    and RMSE of the GP prediction (Eq. 10) against the 12-epoch validation accuracy, tau
    against the 200-epoch test accuracy, the same for the linear mean (Eq. 22), and the
    model's expected RMSEs (`predictive_mse` for Eq. 10, Theorem 3 for Eq. 22)."""
    if sampler not in ("mi", "random"):
        raise ValueError(f"unknown sampler {sampler!r}: expected 'mi' (GP-NAS) or 'random' (GP-NAS-rdm)")
    g = p["gp_curves"]
    store = p.store("gpnas_curve", {"dataset": dataset, **{k: g[k] for k in ("n_init", "batch", "n_max", "n_max_random",
                                                                              "heldout", "pred_sample")},
                                    "estimator": GP_ESTIMATOR})

    def compute() -> dict:
        n_max = g["n_max"] if sampler == "mi" else g["n_max_random"]
        sig = signals.make_signal("benchmark", dataset, n_max)
        valid, test = column(valid_col(dataset)), column(test_col(dataset))
        held = gpnas.heldout_indices(g["heldout"])
        rounds = []

        def on_round(model: gpnas.GPNAS) -> None:
            q, qt = gpnas.heldout_quality(model, held, valid), gpnas.heldout_quality(model, held, test)
            lin = gpnas.heldout_quality(model, held, valid, linear=True)
            U = model.space[held]
            rounds.append({"n": len(model.x), "tau_valid": q["tau"], "rmse_valid": q["rmse"], "tau_test": qt["tau"],
                           "tau_valid_linear": lin["tau"], "rmse_valid_linear": lin["rmse"],
                           "expected_rmse": float(np.sqrt(np.mean(model.predictive_mse(U)))),
                           "expected_rmse_linear": float(np.sqrt(np.mean(model.expected_mse(U)))),
                           "sigma": model.sigma.tolist(), "noise": model.noise, "aea_iters": len(model.aea)})
        t0 = time.perf_counter()
        model = gpnas.run_aea(sig, seed, sampler=sampler, n_init=g["n_init"], batch=g["batch"], on_round=on_round,
                              exclude=held)
        idx = held[:g["pred_sample"]]
        return {"rounds": rounds, "sample_index": idx.tolist(), "sample_pred": model.predict(model.space[idx]).tolist(),
                "queried": sig.queried, "seconds": time.perf_counter() - t0}
    return store.compute(("sampler", sampler, "seed", int(seed)), compute)


def gp_curves(p: Profile, dataset: str = "cifar10") -> tuple[pd.DataFrame, dict]:
    """Long table (method, seed, n, held-out metrics) and the stored runs {(sampler, seed): run}."""
    g = p["gp_curves"]
    rows, runs = [], {}
    for sampler in ("mi", "random"):
        for seed in tqdm(range(g["seeds"]), desc=f"GP-NAS ({sampler})", leave=False):
            run = gp_curve(p, sampler, seed, dataset)
            runs[(sampler, seed)] = run
            for r in run["rounds"]:
                rows.append({"method": "GP-NAS" if sampler == "mi" else "GP-NAS-rdm", "seed": seed,
                             **{k: v for k, v in r.items() if k != "sigma"}})
    return pd.DataFrame(rows), runs


def gp_curve_means(curves: pd.DataFrame) -> pd.DataFrame:
    """Every metric averaged over seeds, per (method, n)."""
    return curves.groupby(["method", "n"]).mean(numeric_only=True).drop(columns="seed").reset_index()


def _reach(n_mi: np.ndarray, mean_mi: np.ndarray, n_rdm: np.ndarray, mean_rdm: np.ndarray) -> np.ndarray:
    """For each GP-NAS n: the first n of GP-NAS-rdm whose mean reaches GP-NAS's mean there
    (NaN if none within its runs). The n arrays are increasing."""
    ok = mean_rdm[None, :] >= mean_mi[:, None]
    return np.where(ok.any(1), n_rdm[ok.argmax(1)], np.nan)


def _curve_arrays(curves: pd.DataFrame, metric: str):
    """(n, seeds x n array of `metric`) for GP-NAS and GP-NAS-rdm, over the seeds both have (same order)."""
    tabs = [curves[curves.method == m].pivot(index="seed", columns="n", values=metric) for m in ("GP-NAS", "GP-NAS-rdm")]
    seeds = tabs[0].index.intersection(tabs[1].index).sort_values()
    return [(t.columns.to_numpy(float), t.loc[seeds].to_numpy(float)) for t in tabs]


def samples_to_reach(curves: pd.DataFrame, metric: str = "tau_valid") -> pd.DataFrame:
    """For each n of GP-NAS: its held-out `metric` (mean over seeds), GP-NAS-rdm's at the same
    n, the first n at which GP-NAS-rdm's mean reaches it (None if never within its runs) and
    the ratio of the two; a never-reached target gives the lower bound (GP-NAS-rdm's largest
    n) / n, marked censored."""
    (n_mi, a_mi), (n_rdm, a_rdm) = _curve_arrays(curves, metric)
    m_mi, m_rdm = np.nanmean(a_mi, 0), np.nanmean(a_rdm, 0)
    needs = _reach(n_mi, m_mi, n_rdm, m_rdm)
    same = dict(zip(n_rdm, m_rdm))
    return pd.DataFrame({"n (GP-NAS)": n_mi.astype(int), f"{metric} (GP-NAS)": m_mi,
                         f"{metric} (GP-NAS-rdm, same n)": [same.get(n, np.nan) for n in n_mi],
                         "n GP-NAS-rdm needs": pd.array([None if np.isnan(v) else int(v) for v in needs], dtype="Int64"),
                         "ratio": np.where(np.isnan(needs), n_rdm.max() / n_mi, needs / n_mi),
                         "censored": np.isnan(needs)})


def _max_ratio(n_mi, m_mi, n_rdm, m_rdm) -> tuple[float, float]:
    """(lower, upper) end of the largest ratio over n: a censored n counts as its lower bound
    (GP-NAS-rdm's largest n) / n in `lower` and as +inf in `upper`."""
    needs = _reach(n_mi, m_mi, n_rdm, m_rdm)
    lower = np.where(np.isnan(needs), n_rdm.max() / n_mi, needs / n_mi)
    return float(lower.max()), float(np.where(np.isnan(needs), np.inf, lower).max())


def sample_ratio(curves: pd.DataFrame, metric: str = "tau_valid", censored: str = "inf") -> float:
    """The largest ratio over n of (samples GP-NAS-rdm needs to reach GP-NAS's mean `metric`
    at n) / n: the most favourable reading of "MI sampling needs k times fewer samples".
    Where GP-NAS-rdm never reaches it within its runs the ratio is only bounded below:
    censored="inf" counts it as +inf, censored="bound" as the bound (its largest n) / n."""
    if censored not in ("inf", "bound"):
        raise ValueError(f"censored must be 'inf' or 'bound', not {censored!r}")
    (n_mi, a_mi), (n_rdm, a_rdm) = _curve_arrays(curves, metric)
    lower, upper = _max_ratio(n_mi, np.nanmean(a_mi, 0), n_rdm, np.nanmean(a_rdm, 0))
    return upper if censored == "inf" else lower


def gp_curves_figure(curves: pd.DataFrame):
    """Held-out Kendall tau (12-epoch valid, 200-epoch test) and RMSE against the number of
    samples, mean ± sd over seeds; dashed: the RMSE the model expects (`predictive_mse`)."""
    import matplotlib.pyplot as plt
    import seaborn as sns
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for metric, ax, label in (("tau_valid", axes[0], "Kendall tau vs 12-epoch valid"),
                              ("tau_test", axes[1], "Kendall tau vs 200-epoch test"),
                              ("rmse_valid", axes[2], "RMSE vs 12-epoch valid (%)")):
        sns.lineplot(curves, x="n", y=metric, hue="method", errorbar="sd", ax=ax)
        ax.set(xlabel="sampled architectures", ylabel=label)
        ax.grid(alpha=0.3)
    sns.lineplot(curves, x="n", y="expected_rmse", hue="method", errorbar=None, ax=axes[2], ls="--", legend=False)
    axes[2].text(0.98, 0.95, "dashed: expected RMSE (model)", transform=axes[2].transAxes, ha="right", va="top",
                 fontsize=8)
    fig.suptitle("GP-NAS on held-out architectures (never sampled)", fontsize=10)
    fig.tight_layout()
    return fig


def gp_pred_vs_true_figure(gp_runs: dict, seed: int = 0, dataset: str = "cifar10"):
    """Predicted vs true 12-epoch validation accuracy on the stored held-out sample after the
    last round, GP-NAS beside GP-NAS-rdm (seed `seed`)."""
    import matplotlib.pyplot as plt
    valid = column(valid_col(dataset))
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
    for ax, sampler, name in ((axes[0], "mi", "GP-NAS"), (axes[1], "random", "GP-NAS-rdm")):
        r = gp_runs[(sampler, seed)]
        true = valid[r["sample_index"]]
        ax.scatter(true, r["sample_pred"], s=6, alpha=0.5)
        lo = np.nanmin(true)
        ax.plot([lo, 100], [lo, 100], "k--", lw=1)
        ax.set(title=f"{name}, n = {len(r['queried'])}", xlabel="true 12-epoch valid acc. (%), held out",
               ylabel="predicted (%)")
    fig.tight_layout()
    return fig


# =============================================================================== Theorem 1

def theorem1(p: Profile) -> pd.DataFrame:
    store = p.store("theorem1", {"quantiles": list(theorem.QUANTILES), "noise": [0.0, 0.5]})
    return pd.DataFrame(store.compute("table", lambda: theorem.check_table((0.0, 0.5)).to_dict("records")))


def theorem1_ranks(th: pd.DataFrame) -> pd.DataFrame:
    """Rank of the noise-free per-edge mode per threshold quantile, dataset and signal."""
    return th[th.noise == 0].pivot_table(index="quantile", columns=["dataset", "f"], values="mode_rank")


DATASET_NAMES = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "imagenet16": "ImageNet16-120"}
SIGNAL_NAMES = {"test_200": "200-epoch test accuracy", "valid_12": "12-epoch validation accuracy"}


def theorem1_figure(th: pd.DataFrame):
    """Rank (1 = the optimum) of the per-edge mode of the architectures above the threshold,
    against the share of the space above it, per dataset, signal f and noise level."""
    import matplotlib.pyplot as plt
    datasets = list(dict.fromkeys(th["dataset"]))
    fig, axes = plt.subplots(1, len(datasets), figsize=(4 * len(datasets) + 1.5, 3.9), sharey=True,
                             layout="constrained", squeeze=False)
    colors = dict(zip(SIGNAL_NAMES, ("tab:blue", "tab:orange")))
    for ax, d in zip(axes[0], datasets):
        for (f, noise), g in th[th["dataset"] == d].groupby(["f", "noise"], sort=True):
            g = g.sort_values("quantile")
            ax.plot(1 - g["quantile"], g["mode_rank"], marker="o" if noise == 0 else "x", ls="-" if noise == 0 else "--",
                    color=colors.get(f), label=f"f = {SIGNAL_NAMES.get(f, f)}, " + ("no noise" if noise == 0 else
                                                                                   f"noise sigma = {noise:g} points"))
        ax.axhline(1, color="k", ls=":", lw=1.2, label="paper (Theorem 1): rank 1, the optimum")
        ax.set(xscale="log", yscale="log", title=DATASET_NAMES.get(d, d), xlabel="architectures above the threshold")
        ax.invert_xaxis()
        ax.set_xticks([0.5, 0.1, 0.01, 0.001], ["top 50%", "top 10%", "top 1%", "top 0.1%"])
        ax.grid(alpha=0.3, which="major")
    axes[0][0].set_ylabel("rank of the per-edge mode\n(1 = optimum, of 15,625)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=8)
    fig.suptitle("RMI-NAS Theorem 1 / Eq. 6: the per-edge mode of the architectures above a threshold is the optimum",
                 fontsize=11)
    return fig


# =============================================================================== weight sharing

def weight_sharing_rows(p: Profile, seed: int = 0) -> pd.DataFrame:
    """The weight-sharing searches of notebook 07 stored so far at this profile (its store
    only; nothing is trained here), in its table layout."""
    from . import nb201_weight_sharing as ws
    return ws.search_table(ws.stored(ws.resolve(p.name), seed))


# =============================================================================== RANK-NOSH
# Accounting (nasbook.search.budget): every method observes only the 12-epoch validation
# accuracy and pays for the training it simulates:
#   rank_nosh     proxy level free, 12 epochs per architecture promoted to the 12-epoch level
#   predictor     200 epochs per architecture (trains every candidate fully, thesis 4.1.1)
#   predictor_12  the same predictor search paying 12 (ablation: cheap fidelity alone)
#   random, rea   12 epochs per architecture (random_search / rea on a Signal whose
#                 architecture budget is the epoch budget / 12)
# Reported: the 200-epoch test accuracy of the incumbent after B simulated epochs. NASWOT
# scores live in a ResultStore under cache_dir()/proxies (not committed, many small files).

def _signal_search(method: str, table: pd.DataFrame, budget: float, seed: int, dataset: str) -> SearchResult:
    """random / REA of nasbook.search on a Signal that charges 12 epochs per new architecture."""
    from ..search import random_search, rea
    from ..search.signals import Signal
    from ..spaces import nb201
    values = table[VALID[dataset]].to_numpy(dtype=float)   # the only column the search sees
    per = EPOCHS_PER_EVAL[method]
    sig = Signal(lambda idx: (values[np.asarray(idx, dtype=np.int64)], np.zeros(len(idx))),
                 budget=int(budget // per), name="benchmark")
    t0 = time.perf_counter()
    (random_search if method == "random" else rea).search(sig, seed)
    seconds = time.perf_counter() - t0
    trace, best = [], None
    for n, i in enumerate(sig.queried):            # the incumbent after each query (first best on ties)
        if best is None or sig.cache[i] > sig.cache[best]:
            best = i
            trace.append({"epochs": float((n + 1) * per), "index": int(i), "valid": float(sig.cache[i]),
                          "budget": float(budget)})
    test = table[TEST[dataset]].to_numpy(dtype=float)
    return SearchResult(method=method, signal="benchmark", seed=int(seed), arch=nb201.arch_of(best), index=int(best),
                        queried=[int(i) for i in sig.queried], seconds=seconds, cost=float(len(sig.queried) * per),
                        valid_acc={dataset: float(values[best])}, test_acc={dataset: float(test[best])}, trace=trace)


def run_one(method: str, *, budget: float, seed: int, dataset: str = "cifar10", table: pd.DataFrame | None = None,
            proxy: Callable[[int], float] | None = None, nosh: dict | None = None,
            predictor: dict | None = None) -> SearchResult:
    """One search of `method` with `budget` simulated epochs."""
    if method not in NOSH_METHODS:
        raise ValueError(f"unknown method {method!r}: expected one of {', '.join(NOSH_METHODS)}")
    table = load_table() if table is None else table
    if method == "rank_nosh":
        return rank_nosh.run(signal="benchmark", budget=budget, seed=seed, dataset=dataset, proxy=proxy,
                             table=table, **(nosh or NOSH))
    if method in ("predictor", "predictor_12"):
        return predictor_search.run(signal="benchmark", budget=budget, seed=seed, dataset=dataset,
                                    epochs=EPOCHS_PER_EVAL[method], table=table, **(predictor or PREDICTOR))
    return _signal_search(method, table, budget, seed, dataset)


def proxy_for(settings: dict):
    """The NASWOT proxy of RANK-NOSH settings `settings` (p["rank_nosh"])."""
    from ..proxies import NaswotProxy
    return NaswotProxy(root=config.cache_dir() / "proxies", readonly=False, **settings["proxy"])


def nosh_stores(p: Profile) -> dict[str, ResultStore]:
    s = p["rank_nosh"]
    out = {}
    for m in NOSH_METHODS:
        cfg = dict(method=m, budget=s["budgets"][m], dataset=s["dataset"], epochs_per_eval=EPOCHS_PER_EVAL[m],
                   **search.revision(m))
        if m == "rank_nosh":
            cfg.update(nosh=s["nosh"], proxy=dict(name="naswot", **s["proxy"]))
        elif m.startswith("predictor"):
            cfg.update(predictor=s["predictor"])
        out[m] = p.store(f"nosh_nb201_{m}", cfg)
    return out


def nosh_runs(p: Profile, methods=NOSH_METHODS, progress: bool = True) -> dict:
    """Every (method, seed) search of the RANK-NOSH section, computed or read from the store.

    Returns {"results": {method: [SearchResult per seed]}, "proxy": {...summary...}, "settings": p["rank_nosh"]}.
    """
    s = p["rank_nosh"]
    st = nosh_stores(p)
    table = proxy = None
    results: dict[str, list[SearchResult]] = {}
    for m in methods:
        results[m] = []
        for seed in tqdm(range(s["seeds"]), desc=m, disable=not progress):
            def compute(m=m, seed=seed):
                nonlocal table, proxy
                table = load_table() if table is None else table
                if m == "rank_nosh" and proxy is None:
                    proxy = proxy_for(s)
                return run_one(m, budget=s["budgets"][m], seed=seed, dataset=s["dataset"], table=table,
                               proxy=proxy, nosh=s["nosh"], predictor=s["predictor"]).to_dict()
            results[m].append(SearchResult.from_dict(st[m].compute(("seed", seed), compute)))
    summary = p.store("nosh_nb201_proxy", dict(proxy=s["proxy"], seeds=s["seeds"], nosh=s["nosh"],
                                               budget=s["budgets"]["rank_nosh"]))
    proxy_summary = summary.compute("kendall_tau", lambda: proxy_tau(proxy or proxy_for(s), load_table(),
                                                                     s["dataset"], s))
    return {"results": results, "proxy": proxy_summary, "settings": s}


def proxy_tau(proxy, table: pd.DataFrame, dataset: str, settings: dict) -> dict:
    """Kendall tau of the proxy vs the 200-epoch test accuracy (and, for scale, of the 12-epoch
    validation accuracy) on (a) every architecture scored (biased towards good ones: the
    predictor proposed most of them) and (b) the uniformly random initial pools of all seeds."""
    scores = proxy.cached()
    test = table[TEST[dataset]].to_numpy(dtype=float)
    valid = table[VALID[dataset]].to_numpy(dtype=float)
    init = set()
    for seed in range(settings["seeds"]):   # rank_nosh.search draws its n_init pool first from default_rng(seed)
        init |= {int(i) for i in predictor_search.unseen(np.random.default_rng(seed), [], settings["nosh"]["n_init"])}
    out = {"config": proxy.config, "computed_this_run": int(proxy.computed),
           "seconds_per_arch": proxy.seconds_per_arch if proxy.computed else None}
    for name, idx in (("all scored", sorted(scores)), ("uniform initial pools", sorted(init & set(scores)))):
        idx = np.array(idx, dtype=np.int64)
        s = np.array([scores[int(i)] for i in idx])
        out[name] = {"n": int(len(idx)), "tau_proxy_test200": float(kendalltau(s, test[idx])[0]),
                     "tau_valid12_test200": float(kendalltau(valid[idx], test[idx])[0])}
    return out


def proxy_summary_table(summary: dict) -> pd.DataFrame:
    rows = [{"architectures": k, "n": v["n"], "Kendall tau NASWOT vs test@200": v["tau_proxy_test200"],
             "Kendall tau valid@12 vs test@200": v["tau_valid12_test200"]}
            for k, v in summary.items() if isinstance(v, dict) and "n" in v]
    return pd.DataFrame(rows)


def incumbent_at(result: SearchResult, budgets: np.ndarray) -> np.ndarray:
    """Official index of the incumbent after each budget (-1 before the first evaluation or beyond
    the run's own budget)."""
    trace = [t for t in result.trace if "epochs" in t]
    own = trace[0]["budget"] if trace else 0.0
    spent = np.array([t["epochs"] for t in trace])
    index = np.array([t["index"] for t in trace])
    pos = np.searchsorted(spent, budgets, side="right") - 1
    out = np.where(pos >= 0, index[np.clip(pos, 0, None)] if len(index) else -1, -1)
    return np.where(budgets <= own + 1e-9, out, -1)


def budget_grid(settings: dict) -> np.ndarray:
    top = max(settings["budgets"].values())
    fine = np.arange(12, settings["budgets"]["rank_nosh"] + 1, 12)
    coarse = np.arange(200, top + 1, 200)
    return np.unique(np.concatenate([fine, coarse])).astype(float)


def nosh_curves(run: dict, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long DataFrame: method, seed, budget (epochs), test_acc of the incumbent (NaN before the
    first evaluation and beyond the method's budget)."""
    settings = run["settings"]
    table = load_table() if table is None else table
    test = table[TEST[settings["dataset"]]].to_numpy(dtype=float)
    grid = budget_grid(settings)
    rows = []
    for m, results in run["results"].items():
        for r in results:
            inc = incumbent_at(r, grid)
            acc = np.where(inc >= 0, test[np.clip(inc, 0, None)], np.nan)
            keep = grid <= settings["budgets"][m] + 1e-9
            rows.append(pd.DataFrame({"method": m, "seed": r.seed, "budget": grid[keep], "test_acc": acc[keep]}))
    return pd.concat(rows, ignore_index=True)


def mean_curve(df: pd.DataFrame, method: str) -> pd.Series:
    """Mean test accuracy over seeds per budget, only where every seed has an incumbent."""
    d = df[df.method == method].pivot(index="budget", columns="seed", values="test_acc")
    return d.mean(axis=1).where(d.notna().all(axis=1)).dropna()


def accuracy_table(df: pd.DataFrame, budgets=NOSH_ACCURACY_BUDGETS) -> pd.DataFrame:
    """Mean ± sample sd (n seeds) of the incumbent's test accuracy at a few budgets, one row
    per method ("—" where some seed has no incumbent or the budget is beyond the method's)."""
    rows = []
    for m in df.method.unique():
        row = {"method": NOSH_LABELS.get(m, m), "epochs per evaluation": EPOCHS_PER_EVAL.get(m)}
        for b in budgets:
            v = df[(df.method == m) & (df.budget == b)].test_acc
            row[f"{b:g} ep."] = stats.fmt_mean_sd(v) if len(v) and v.notna().all() else "—"
        rows.append(row)
    return pd.DataFrame(rows)


def nosh_accuracy(df: pd.DataFrame, p: Profile) -> pd.DataFrame:
    """`accuracy_table` at the budgets of NOSH_ACCURACY_BUDGETS this profile reaches."""
    top = max(p["rank_nosh"]["budgets"].values())
    return accuracy_table(df, budgets=[b for b in NOSH_ACCURACY_BUDGETS if b <= top])


def match_budget(curve: pd.Series, target: float) -> float:
    """Smallest budget at which a mean curve reaches `target` (NaN if never)."""
    hit = curve[curve >= target - 1e-9]
    return float(hit.index[0]) if len(hit) else math.nan


def budget_ratio(df: pd.DataFrame, at=(2000, 4000, 6000, 10000, 20000), reference: str = "predictor",
                 method: str = "rank_nosh", n_boot: int = 500, seed: int = 0) -> pd.DataFrame:
    """For each budget B of `reference`: its mean accuracy, the smallest budget at which `method`'s
    mean accuracy reaches it, and the ratio B / that (with a 90% bootstrap interval over seeds).
    If `method` never reaches it within its own budget M, the ratio is below B / M (an upper bound,
    given in its own column; the bootstrap then counts B / M for that resample)."""
    ref = df[df.method == reference].pivot(index="budget", columns="seed", values="test_acc")
    new = df[df.method == method].pivot(index="budget", columns="seed", values="test_acc")
    new = new[new.notna().all(axis=1)]
    rng = np.random.default_rng(seed)
    rows = []
    for B in at:
        if B not in ref.index or ref.loc[B].isna().any():
            continue
        target = ref.loc[B].mean()
        b_new = match_budget(new.mean(axis=1), target)
        boots = []
        for _ in range(n_boot):
            r = ref.loc[B].to_numpy()[rng.integers(ref.shape[1], size=ref.shape[1])].mean()
            cols = rng.integers(new.shape[1], size=new.shape[1])
            b = match_budget(pd.Series(new.to_numpy()[:, cols].mean(axis=1), index=new.index), r)
            boots.append(B / b if not math.isnan(b) else B / new.index.max())
        lo, hi = np.percentile(boots, [5, 95])
        ratio = B / b_new if not math.isnan(b_new) else math.nan
        rows.append({"reference budget (epochs)": B, f"{reference} mean acc": target,
                     f"{method} budget to match": b_new, "budget ratio": ratio,
                     "ratio if never matched (upper bound B/M)": B / new.index.max() if math.isnan(b_new) else math.nan,
                     "ratio 90% CI": f"[{lo:.1f}, {hi:.1f}]",
                     "evaluations ratio (ratio x 12/200)": ratio * EPOCHS_PER_EVAL[method] / EPOCHS_PER_EVAL[reference],
                     "ratio 90% lo": lo, "ratio 90% hi": hi})
    return pd.DataFrame(rows)


def nosh_budget_ratio(df: pd.DataFrame, p: Profile) -> pd.DataFrame:
    """`budget_ratio` at this profile's reference budgets."""
    return budget_ratio(df, at=p["rank_nosh"]["ratio_at"])


def nosh_figure(df: pd.DataFrame, dataset: str = "cifar10"):
    """Mean ± sample sd (over seeds) of the incumbent's test accuracy against the budget."""
    import matplotlib.pyplot as plt
    optimum = float(column(test_col(dataset)).max())
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for m in df.method.unique():
        d = df[df.method == m].pivot(index="budget", columns="seed", values="test_acc")
        d = d[d.notna().all(axis=1)]
        mu, sd = d.mean(axis=1), d.std(axis=1, ddof=1)
        ax.plot(mu.index, mu, label=NOSH_LABELS.get(m, m), lw=1.6)
        ax.fill_between(mu.index, mu - sd, mu + sd, alpha=0.15)
    ax.axhline(optimum, color="k", ls=":", lw=1, label=f"best in NB201 ({optimum:.2f})")
    ax.set(xscale="log", xlabel="search budget (simulated training epochs)",
           ylabel=f"{ {'cifar10': 'CIFAR-10'}.get(dataset, dataset)} test accuracy after 200 epochs (%)", ylim=(91.5, 94.6))
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    return fig


# =============================================================================== claims

def _diff_ci(a, b, n_boot: int = 2000, seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """mean(a) - mean(b) with a percentile-bootstrap interval, a and b resampled independently."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    rng = np.random.default_rng(seed)
    reps = (a[rng.integers(len(a), size=(n_boot, len(a)))].mean(1)
            - b[rng.integers(len(b), size=(n_boot, len(b)))].mean(1))
    lo, hi = np.percentile(reps, [50 * (1 - level), 50 * (1 + level)])
    return float(a.mean() - b.mean()), float(lo), float(hi)


MIN_SEEDS = 5  # fewer seeds than this decide no Table 1 claim


def _table1_claim(cid: str, what: str, runs: list[SearchResult], paper_key: str, scale_text: str) -> Claim:
    """Rule: inconclusive with fewer than MIN_SEEDS seeds; otherwise holds if (A) the paper's
    mean lies in the bootstrap 95% interval of our mean, or (B) our mean lies within the paper's
    mean ± sd (the reason says which), differs otherwise."""
    values = [r.test_acc["cifar10"] for r in runs]
    m, lo, hi = stats.bootstrap_ci(values)
    pm, psd = PAPER_TABLE1[paper_key][2]
    if len(values) < MIN_SEEDS:
        return Claim(id=cid, claim=f"{what}: CIFAR-10 test accuracy of the pick",
                     source=f"RMI-NAS Table 1, row {paper_key}", paper=f"{pm:.2f} ± {psd:.2f}",
                     measured=stats.fmt_mean_sd(values), verdict="inconclusive",
                     reason=f"n = {len(values)} seed(s), fewer than {MIN_SEEDS}", scale=scale_text,
                     value=m, lo=lo, hi=hi)
    a, b = bool(lo <= pm <= hi), bool(abs(m - pm) <= psd)
    met = [t for t, ok in (("the paper's mean lies in our bootstrap 95% interval", a),
                           (f"our mean lies within the paper's {pm:.2f} ± {psd:.2f}", b)) if ok]
    return Claim(id=cid, claim=f"{what}: CIFAR-10 test accuracy of the pick", source=f"RMI-NAS Table 1, row {paper_key}",
                 paper=f"{pm:.2f} ± {psd:.2f}",
                 measured=f"{stats.fmt_mean_sd(values)}, mean {m:.2f} [{lo:.2f}, {hi:.2f}] (bootstrap 95%)",
                 verdict="holds" if met else "differs",
                 reason=" and ".join(met) if met else (f"the paper's mean {pm:.2f} is outside our interval and our mean "
                                                       f"is {abs(m - pm):.2f} from it, more than its sd {psd:.2f}"),
                 scale=scale_text, value=m, lo=lo, hi=hi)


def _table1_claims(p: Profile, bench: dict, rmi_results: dict) -> list[Claim]:
    b, r, q = p["bench"], p["bench_rminas"], p["rmi"]
    out = []
    for m, cid in (("random", "table1_rs_c10"), ("reinforce", "table1_rl_c10")):
        out.append(_table1_claim(cid, f"{LABELS[m]} on the table signal", bench[m]["cifar10"], PAPER_ROW[m],
                                 f"budget {b['budget']} architectures, {b['seeds']} seeds, 12-epoch validation signal"))
    out.append(_table1_claim("table1_rminas_table_c10", "RMI-NAS search algorithm on the table signal",
                             bench["rminas"]["cifar10"], "RMI-NAS",
                             f"budget {r['budget']}, {r['seeds']} seeds, 12-epoch validation signal instead of the "
                             f"RMI loss (the paper's row uses the RMI loss)"))
    pm, psd = PAPER_TABLE1["RMI-NAS"][2]
    claim = "RMI-NAS with the RMI signal: CIFAR-10 test accuracy of the pick"
    if "rminas" not in rmi_results:
        out.append(Claim(id="table1_rminas_rmi_c10", claim=claim, source="RMI-NAS Table 1, row RMI-NAS",
                         paper=f"{pm:.2f} ± {psd:.2f}", measured="not run", verdict="not run",
                         reason=f"RMI-NAS on the RMI signal is not in the {p.name} profile", scale="-"))
    else:
        s = q["settings"]
        out.append(_table1_claim("table1_rminas_rmi_c10", "RMI-NAS with the RMI signal", rmi_results["rminas"],
                                 "RMI-NAS", f"RMI candidate C={s['C']}, N={s['N']}, {s['steps']} steps, budget "
                                            f"{q['rminas']['budget']}, {q['rminas']['seeds']} seed(s), options "
                                            f"{q['rminas']['options'] or 'paper'}"))
    return out


def _fig1b_claim(p: Profile, f1b: pd.DataFrame, timing: pd.DataFrame, n_boot: int = 2000) -> Claim:
    """Rule: the average speedup over the RMI-driven methods of `fig1b` (training the queried
    networks for 12 epochs vs their RMI evaluation, same candidate, same device), with a
    bootstrap 95% interval over the timed architectures. holds if the interval reaches the
    paper's 19x (contains it or lies above), partly if it lies below 19x but above 1x (faster,
    less than claimed), differs if it includes 1x or lies below."""
    s = p["rmi"]["settings"]
    base = dict(id="fig1b_speedup", claim="RMI instead of training speeds the searches up (average speedup)",
                source="RMI-NAS Sec. 4.1, Fig. 1b", paper=f"{PAPER_FIG1B_SPEEDUP}x on average")
    if not len(f1b):
        return Claim(**base, measured="not run", verdict="not run", reason="no RMI-driven search in this profile",
                     scale="-")
    queries = (f1b["queries (table)"] / f1b["queries (RMI)"]).mean()  # the per-arch ratio, scaled by queries
    train, cost = timing["train_s"].to_numpy(), timing["rmi_s"].to_numpy()
    rng = np.random.default_rng(0)
    draw = rng.integers(len(train), size=(n_boot, len(train)))
    reps = train[draw].mean(1) / cost[draw].mean(1) * queries
    point = float(train.mean() / cost.mean() * queries)
    lo, hi = (float(v) for v in np.percentile(reps, [2.5, 97.5]))
    verdict = "holds" if hi >= PAPER_FIG1B_SPEEDUP else "partly" if lo > 1 else "differs"
    reason = {"holds": f"the interval reaches {PAPER_FIG1B_SPEEDUP}x",
              "partly": f"RMI is faster than training, but the interval lies below {PAPER_FIG1B_SPEEDUP}x",
              "differs": "the interval includes or lies below 1x: no speedup"}[verdict]
    parts = ", ".join(f"{r.method} {r.speedup:.1f}x (n={r.seeds})" for r in f1b.itertuples())
    t = FIG1B_TIMING
    return Claim(**base, measured=f"{point:.1f}x [{lo:.1f}, {hi:.1f}] (bootstrap 95% over {len(train)} timed "
                                  f"architectures); per method {parts}",
                 verdict=verdict, reason=reason + ". Rule: holds if the interval reaches 19x, partly if it lies "
                                                  "in (1x, 19x), differs otherwise",
                 scale=(f"RMI of a C={s['C']}, N={s['N']} candidate ({s['steps']} steps, batch {s['batch_size']}) vs "
                        f"{t['epochs']} epochs of the same network on {t['train_images']:,} images at batch "
                        f"{t['train_batch']} (time per step x steps), on {timing['device'].iloc[0]}; search budget "
                        f"{p['rmi']['budget']}"),
                 value=point, lo=lo, hi=hi)


def _gpnas_claim(p: Profile, curves: pd.DataFrame, n_boot: int = 1000, seed: int = 0) -> Claim:
    """Rule: the measured ratio R is the largest over GP-NAS's n of (samples GP-NAS-rdm needs
    to reach GP-NAS's mean held-out tau at n) / n (`sample_ratio`, the most favourable
    reading of the paper). Where GP-NAS-rdm never reaches that tau within its runs, the ratio
    is only known to exceed (GP-NAS-rdm's largest n) / n. Bootstrap 95% interval resampling
    seeds (paired: both samplers of a seed share the first random batch): lo = the 2.5%
    quantile of R with censored ratios at their bound, hi = the 97.5% quantile of R with
    them at +inf. holds if lo > 25, differs if hi < 25, inconclusive otherwise (also with
    one seed: no interval)."""
    g = p["gp_curves"]
    (n_mi, a_mi), (n_rdm, a_rdm) = _curve_arrays(curves, "tau_valid")
    k = len(a_mi)
    point, point_hi = _max_ratio(n_mi, np.nanmean(a_mi, 0), n_rdm, np.nanmean(a_rdm, 0))
    lo = hi = np.nan
    if k >= 2:
        rng = np.random.default_rng(seed)
        reps = np.array([_max_ratio(n_mi, np.nanmean(a_mi[d], 0), n_rdm, np.nanmean(a_rdm[d], 0))
                         for d in rng.integers(k, size=(n_boot, k))])
        # order statistics, not interpolation (hi may be +inf); the outer ones, so never narrower
        lo = float(np.percentile(reps[:, 0], 2.5, method="lower"))
        hi = float(np.percentile(reps[:, 1], 97.5, method="higher"))
    verdict = stats.interval_verdict(lo, hi, threshold=GPNAS_PAPER_RATIO, expect="above")
    reach = samples_to_reach(curves)
    fewer = int((reach["n GP-NAS-rdm needs"].astype(float) < reach["n (GP-NAS)"]).sum())
    reason = {"holds": f"the interval lies above {GPNAS_PAPER_RATIO}x",
              "differs": f"the interval lies below {GPNAS_PAPER_RATIO}x",
              "inconclusive": f"the interval contains {GPNAS_PAPER_RATIO}x, is unbounded or missing (one seed)"}[verdict]
    at_least = "at least " if np.isinf(point_hi) else ""
    return Claim(id="gpnas_mi_vs_random_samples", claim="mutual-information sampling needs far fewer samples "
                 "than random sampling for the same prediction quality", source="GP-NAS (CVPR 2020), GP-NAS vs GP-NAS-rdm",
                 paper=f"{GPNAS_PAPER_RATIO}x (MobileNetV3 space)",
                 measured=(f"largest ratio over n {at_least}{point:.2f}x [{lo:.2f}, {hi:.2f}] (bootstrap 95%, {k} seeds "
                           f"per sampler); GP-NAS-rdm needs fewer samples than GP-NAS at {fewer} of {len(reach)} n; "
                           f"final held-out tau GP-NAS {a_mi[:, -1].mean():.3f} (n = {n_mi[-1]:.0f}), "
                           f"GP-NAS-rdm {a_rdm[:, -1].mean():.3f} (n = {n_rdm[-1]:.0f})"),
                 verdict=verdict, reason=reason + f"; Kendall tau vs 12-epoch valid on {g['heldout']} held-out "
                                                  f"architectures that neither sampler may query",
                 scale=f"NB201, CIFAR-10 12-epoch valid, {g['n_init']} random then batches of {g['batch']} up to "
                       f"{g['n_max']} (GP-NAS) / {g['n_max_random']} (GP-NAS-rdm) samples, {k} seeds per sampler",
                 value=point, lo=lo, hi=hi)


def _theorem1_claim(th: pd.DataFrame) -> Claim:
    """Rule (over every dataset, signal, quantile and noise level of the stored table): holds
    if the per-edge mode is the optimum in all cases, partly if in some, differs if in none."""
    k, n = int(th.mode_is_optimum.sum()), len(th)
    joint = bool(th.joint_mode_is_optimum.all())
    verdict = "holds" if k == n else "partly" if k else "differs"
    med = th.groupby("dataset").mode_rank.median()
    return Claim(id="theorem1_per_edge_mode", claim="the per-edge mode of the architectures above a threshold "
                 "(Eq. 6, what RMI-NAS returns) is the optimum", source="RMI-NAS Theorem 1 / Eq. 6",
                 paper="the optimum", measured=(f"per-edge mode = optimum in {k} of {n} cases; median rank "
                                                + ", ".join(f"{NAMES[d]} {v:g}" for d, v in med.items())
                                                + f"; joint mode = optimum in {'all' if joint else 'not all'} cases"),
                 verdict=verdict, reason=f"the per-edge mode is the optimum in {k} of {n} cases"
                                         + ("; the joint mode (what the theorem is about) always is" if joint else ""),
                 scale=f"the whole table, {th.dataset.nunique()} datasets x {th.f.nunique()} signals x "
                       f"{th['quantile'].nunique()} thresholds x {th.noise.nunique()} noise levels",
                 value=k / n)


def _rank_nosh_claim(p: Profile, curves: pd.DataFrame, ratios: pd.DataFrame) -> Claim:
    """Rule: the budget ratio at the predictor search's largest reference budget, with its 90%
    bootstrap interval (`budget_ratio`): holds if the interval lies above 5, differs if below,
    inconclusive otherwise. A "holds" becomes "partly" when an alternative that pays only the
    cheap 12-epoch fidelity (predictor_12 or REA) matches or beats RANK-NOSH at RANK-NOSH's own
    budget, i.e. the upper end of the bootstrap 95% interval of (its mean - RANK-NOSH's mean)
    is >= 0: then the saving is the cheap fidelity, not the method.

    Not tested as stated (verdict "not run", the numbers still reported) when the NOSH pyramid
    has a single trained level: nothing is then paused and resumed, which is the method. The
    NB201 table has no 200-epoch validation accuracy, so a 12 -> 200 level could only observe
    test accuracies, which no search may see (nasbook.search.rank_nosh)."""
    s = p["rank_nosh"]
    B = s["budgets"]["rank_nosh"]
    claim, source = ("RANK-NOSH matches the best predictor-based search with >= 5x less search budget",
                     "thesis ch. 4 (DARTS space)")
    paper = f">= {THESIS['budget_reduction']:g}x ({THESIS['darts_space']})"
    scale = (f"NB201 CIFAR-10, {s['seeds']} seeds per method, budgets (epochs) "
             + ", ".join(f"{m} {v:g}" for m, v in s["budgets"].items())
             + f", NASWOT C={s['proxy']['C']}, N={s['proxy']['N']}")
    if not len(ratios):
        return Claim(id="rank_nosh_budget", claim=claim, source=source, paper=paper, measured="no reference budget",
                     verdict="inconclusive", reason="no reference budget of the predictor search is complete",
                     scale=scale)
    last = ratios.iloc[-1]
    ref_B = last["reference budget (epochs)"]
    ratio, lo, hi = float(last["budget ratio"]), float(last["ratio 90% lo"]), float(last["ratio 90% hi"])
    if math.isnan(ratio):
        measured = (f"not matched within RANK-NOSH's {B:g} epochs (ratio < "
                    f"{last['ratio if never matched (upper bound B/M)']:.1f}x) "
                    f"at the predictor's {ref_B:g}-epoch accuracy")
        verdict, reason = "differs", "RANK-NOSH never reaches the predictor search's accuracy within its budget"
    else:
        measured = (f"{ratio:.1f}x [{lo:.1f}, {hi:.1f}] (bootstrap 90%, {s['seeds']} seeds) "
                    f"at the predictor's {ref_B:g}-epoch accuracy")
        verdict = stats.interval_verdict(lo, hi, threshold=THESIS["budget_reduction"], expect="above")
        reason = {"holds": "the interval lies above 5x", "differs": "the interval lies below 5x",
                  "inconclusive": "the interval contains 5x"}[verdict]
    final = curves[curves.budget == B]
    ours = final[final.method == "rank_nosh"].test_acc.to_numpy()
    matched = []
    for m in ("predictor_12", "rea"):
        alt = final[final.method == m].test_acc.to_numpy()
        if len(alt) and len(ours) and not np.isnan(alt).any() and not np.isnan(ours).any():
            d, dlo, dhi = _diff_ci(alt, ours)
            if dhi >= 0:
                matched.append(f"{m} {stats.fmt_mean_sd(alt)} vs RANK-NOSH {stats.fmt_mean_sd(ours)} "
                               f"(difference {d:+.2f} [{dlo:+.2f}, {dhi:+.2f}])")
    if matched:
        cheap = EPOCHS_PER_EVAL["predictor"] / EPOCHS_PER_EVAL["rank_nosh"]
        reason += (f"; but at {B:g} epochs " + "; ".join(matched) + f": the cheap 12-epoch fidelity "
                   f"({cheap:.1f}x per evaluation) alone matches or beats RANK-NOSH at equal budget")
        if verdict == "holds":
            verdict = "partly"
    levels = list(s["nosh"]["levels"])
    if len(levels) < 2:
        reason = (f"not tested as stated: the pyramid has one trained level ({levels[0]} epochs), so nothing is "
                  f"paused and resumed (the table has no 200-epoch validation accuracy to build a second level "
                  f"without showing the search test accuracies); the numbers would say: {verdict}, {reason}")
        verdict = "not run"
    return Claim(id="rank_nosh_budget", claim=claim, source=source, paper=paper, measured=measured, verdict=verdict,
                 reason=reason, scale=scale, value=ratio, lo=lo, hi=hi)


def claims(p: Profile, bench: dict, rmi_results: dict, f1b: pd.DataFrame, timing: pd.DataFrame,
           gp_curves: pd.DataFrame, th: pd.DataFrame, nosh_curves: pd.DataFrame,
           nosh_ratio: pd.DataFrame) -> list[Claim]:
    """The notebook's verdicts, computed from the stored numbers (each rule is in the
    docstring of the helper that computes it)."""
    return [*_table1_claims(p, bench, rmi_results), _fig1b_claim(p, f1b, timing), _gpnas_claim(p, gp_curves),
            _theorem1_claim(th), _rank_nosh_claim(p, nosh_curves, nosh_ratio)]
