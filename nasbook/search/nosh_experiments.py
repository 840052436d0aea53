"""RANK-NOSH against full-fidelity predictor search, random search and REA on NB201,
with search cost in simulated training epochs (notebook 04, section RANK-NOSH).

Accounting (nasbook.search.budget): every method observes only the 12-epoch validation
accuracy ``cifar10_valid_12`` (the table has no other validation signal) and pays for
the training it simulates:

  rank_nosh     proxy level free, 12 epochs per architecture promoted to the 12-epoch level
  predictor     200 epochs per architecture (trains every candidate fully, thesis 4.1.1)
  predictor_12  the same predictor search paying 12 (ablation: cheap fidelity alone)
  random, rea   12 epochs per architecture (the search developer's random_search / rea,
                run on a Signal whose architecture budget is the epoch budget / 12)

Reported: the 200-epoch CIFAR-10 test accuracy (``cifar10_test_200``) of the incumbent
(the architecture the method would return if stopped) after B simulated epochs. Every
search result is stored in a ResultStore under results_dir()/profile, one item per
(method, seed); the NASWOT scores in a ResultStore under cache_dir()/proxies (computed
only for architectures some pool holds, never twice; not committed, many small files).
"""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np
import pandas as pd
import torch
from scipy.stats import kendalltau
from tqdm.auto import tqdm

from .. import config
from ..profiles import select
from ..store import ResultStore
from . import predictor_search, rank_nosh
from .budget import TEST_COLUMNS, VALID_COLUMNS, load_table
from .result import SearchResult

EPOCHS_PER_EVAL = {"rank_nosh": 12, "predictor": 200, "predictor_12": 12, "random": 12, "rea": 12}
METHODS = tuple(EPOCHS_PER_EVAL)
LABELS = {"rank_nosh": "RANK-NOSH (proxy + 12 ep.)", "predictor": "predictor search (200 ep. each)",
          "predictor_12": "predictor search (12 ep. each, ablation)", "random": "random search (12 ep. each)",
          "rea": "REA (12 ep. each)"}

NOSH = dict(levels=[12], n_init=50, n_add=20, promote=[10], n_candidates=1000, pairs_per_level=2000, fit_steps=200)
PREDICTOR = dict(n_init=10, per_round=10, n_candidates=1000, fit_steps=200)

PROFILES = {
    # CI: seconds. A tiny NASWOT network and few seeds; numbers mean nothing.
    "smoke": dict(seeds=2, dataset="cifar10", threads=1,
                  proxy=dict(C=4, N=1, batch_size=16, seed=0),
                  budgets=dict(rank_nosh=240, predictor=2000, predictor_12=240, random=240, rea=240),
                  nosh=dict(NOSH, n_init=20, n_add=10, promote=[5], pairs_per_level=300, fit_steps=30),
                  predictor=dict(PREDICTOR, n_init=5, per_round=5, fit_steps=30),
                  ratio_at=[1000, 2000]),
    # The real experiment: table-driven, so full scale apart from the proxy network (C=8, N=3,
    # 64 images: ~0.08 s per architecture on a CPU core instead of ~0.25 s at C=16, N=5).
    "cpu": dict(seeds=20, dataset="cifar10", threads=1,
                proxy=dict(C=8, N=3, batch_size=64, seed=0),
                budgets=dict(rank_nosh=2400, predictor=20000, predictor_12=2400, random=20000, rea=20000),
                nosh=NOSH, predictor=PREDICTOR,
                ratio_at=[2000, 4000, 6000, 10000, 20000]),
    # NASWOT at the NB201 network size and its paper's batch of 128; more seeds.
    "paper": dict(seeds=50, dataset="cifar10", threads=None,
                  proxy=dict(C=16, N=5, batch_size=128, seed=0),
                  budgets=dict(rank_nosh=2400, predictor=20000, predictor_12=2400, random=20000, rea=20000),
                  nosh=NOSH, predictor=PREDICTOR,
                  ratio_at=[2000, 4000, 6000, 10000, 20000]),
}

# What the thesis says (chapter 4). It gives no NAS-Bench-201 numbers for RANK-NOSH.
THESIS = {"budget_reduction": 5.0,
          "darts_space": "RANK-NOSH 2.53% CIFAR-10 test error vs arch2vec 2.56%, with over 5x less search budget"}


# --- one search ------------------------------------------------------------------------

def _signal_search(method: str, table: pd.DataFrame, budget: float, seed: int, dataset: str) -> SearchResult:
    """random / REA of nasbook.search on a Signal that charges 12 epochs per new architecture."""
    from ..spaces import nb201
    from . import random_search, rea
    from .signals import Signal
    values = table[VALID_COLUMNS[dataset]].to_numpy(dtype=float)   # the only column the search sees
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
    test = table[TEST_COLUMNS[dataset]].to_numpy(dtype=float)
    return SearchResult(method=method, signal="benchmark", seed=int(seed), arch=nb201.arch_of(best), index=int(best),
                        queried=[int(i) for i in sig.queried], seconds=seconds, cost=float(len(sig.queried) * per),
                        valid_acc={dataset: float(values[best])}, test_acc={dataset: float(test[best])}, trace=trace)


def run_one(method: str, *, budget: float, seed: int, dataset: str = "cifar10", table: pd.DataFrame | None = None,
            proxy: Callable[[int], float] | None = None, nosh: dict | None = None,
            predictor: dict | None = None) -> SearchResult:
    """One search of `method` with `budget` simulated epochs."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: expected one of {', '.join(METHODS)}")
    table = load_table() if table is None else table
    if method == "rank_nosh":
        return rank_nosh.run(signal="benchmark", budget=budget, seed=seed, dataset=dataset, proxy=proxy,
                             table=table, **(nosh or NOSH))
    if method in ("predictor", "predictor_12"):
        return predictor_search.run(signal="benchmark", budget=budget, seed=seed, dataset=dataset,
                                    epochs=EPOCHS_PER_EVAL[method], table=table, **(predictor or PREDICTOR))
    return _signal_search(method, table, budget, seed, dataset)


# --- the seed loops --------------------------------------------------------------------

def proxy_for(settings: dict):
    from ..proxies import NaswotProxy
    return NaswotProxy(root=config.cache_dir() / "proxies", readonly=False, **settings["proxy"])


def stores(settings: dict, root) -> dict[str, ResultStore]:
    out = {}
    for m in METHODS:
        cfg = dict(method=m, budget=settings["budgets"][m], dataset=settings["dataset"],
                   epochs_per_eval=EPOCHS_PER_EVAL[m])
        if m == "rank_nosh":
            cfg.update(nosh=settings["nosh"], proxy=dict(name="naswot", **settings["proxy"]))
        elif m.startswith("predictor"):
            cfg.update(predictor=settings["predictor"])
        out[m] = ResultStore(f"nosh_nb201_{m}", cfg, root=root)
    return out


def run_all(profile: str, methods=METHODS, progress: bool = True) -> dict:
    """Every (method, seed) search of `profile`, computed or read from the store.

    Returns {"results": {method: [SearchResult per seed]}, "proxy": {...summary...}, "settings": ...}.
    """
    settings = select(PROFILES, profile)
    root = config.results_dir() / profile
    st = stores(settings, root)
    table = None
    proxy = None
    old_threads = torch.get_num_threads()
    if settings.get("threads"):
        torch.set_num_threads(settings["threads"])
    results: dict[str, list[SearchResult]] = {}
    try:
        for m in methods:
            results[m] = []
            for seed in tqdm(range(settings["seeds"]), desc=m, disable=not progress):
                def compute(m=m, seed=seed):
                    nonlocal table, proxy
                    table = load_table() if table is None else table
                    if m == "rank_nosh" and proxy is None:
                        proxy = proxy_for(settings)
                    return run_one(m, budget=settings["budgets"][m], seed=seed, dataset=settings["dataset"],
                                   table=table, proxy=proxy, nosh=settings["nosh"],
                                   predictor=settings["predictor"]).to_dict()
                results[m].append(SearchResult.from_dict(st[m].compute(("seed", seed), compute)))
        summary = ResultStore("nosh_nb201_proxy", dict(proxy=settings["proxy"], seeds=settings["seeds"],
                                                       nosh=settings["nosh"], budget=settings["budgets"]["rank_nosh"]),
                              root=root)
        proxy_summary = summary.compute("kendall_tau", lambda: proxy_tau(proxy or proxy_for(settings),
                                                                         load_table(), settings["dataset"], settings))
    finally:
        torch.set_num_threads(old_threads)
    return {"results": results, "proxy": proxy_summary, "settings": settings}


def proxy_tau(proxy, table: pd.DataFrame, dataset: str, settings: dict) -> dict:
    """Kendall tau of the proxy vs the 200-epoch test accuracy (and, for scale, of the 12-epoch
    validation accuracy) on (a) every architecture scored (biased towards good ones: the
    predictor proposed most of them) and (b) the uniformly random initial pools of all seeds."""
    scores = proxy.cached()
    test = table[TEST_COLUMNS[dataset]].to_numpy(dtype=float)
    valid = table[VALID_COLUMNS[dataset]].to_numpy(dtype=float)
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


# --- tables and figures ----------------------------------------------------------------

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


def curves(run: dict, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long DataFrame: method, seed, budget (epochs), test_acc of the incumbent (NaN before the
    first evaluation and beyond the method's budget)."""
    settings = run["settings"]
    table = load_table() if table is None else table
    test = table[TEST_COLUMNS[settings["dataset"]]].to_numpy(dtype=float)
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


def accuracy_table(df: pd.DataFrame, budgets=(240, 480, 1200, 2400, 6000, 20000)) -> pd.DataFrame:
    """Mean +- std (over seeds) of the final test accuracy at a few budgets, one row per method."""
    rows = []
    for m in df.method.unique():
        row = {"method": LABELS.get(m, m), "epochs per evaluation": EPOCHS_PER_EVAL.get(m)}
        for b in budgets:
            v = df[(df.method == m) & (df.budget == b)].test_acc
            row[f"{b:g} ep."] = (f"{v.mean():.2f} ± {v.std(ddof=1):.2f}"
                                 if len(v) and v.notna().all() else "—")
        rows.append(row)
    return pd.DataFrame(rows)


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
                     "evaluations ratio (ratio x 12/200)": ratio * EPOCHS_PER_EVAL[method] / EPOCHS_PER_EVAL[reference]})
    return pd.DataFrame(rows)


def claim_table(ratios: pd.DataFrame) -> pd.DataFrame:
    """The thesis' 5x claim beside the ratio measured at the reference method's largest budget."""
    last = ratios.iloc[-1]
    measured = last["budget ratio"]
    holds = bool(measured >= THESIS["budget_reduction"]) if not math.isnan(measured) else False
    return pd.DataFrame([{
        "claim": "RANK-NOSH matches the best predictor-based search with >= 5x less budget",
        "thesis": f">= {THESIS['budget_reduction']:g}x (DARTS space: {THESIS['darts_space']})",
        "measured on NB201": (f"{measured:.1f}x at the predictor's {last['reference budget (epochs)']:g}-epoch accuracy "
                              f"(90% CI {last['ratio 90% CI']})" if not math.isnan(measured)
                              else "not matched within the RANK-NOSH budget"),
        "holds here": "yes" if holds else "no",
        "of which from cheaper evaluations (200/12)": f"{EPOCHS_PER_EVAL['predictor'] / EPOCHS_PER_EVAL['rank_nosh']:.1f}x",
        "from fewer evaluations": (f"{last['evaluations ratio (ratio x 12/200)']:.2f}x"
                                   if not math.isnan(measured) else "—"),
    }])


def figure(df: pd.DataFrame, optimum: float | None = None):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for m in df.method.unique():
        d = df[df.method == m].pivot(index="budget", columns="seed", values="test_acc")
        d = d[d.notna().all(axis=1)]
        mu, sd = d.mean(axis=1), d.std(axis=1, ddof=1)
        ax.plot(mu.index, mu, label=LABELS.get(m, m), lw=1.6)
        ax.fill_between(mu.index, mu - sd, mu + sd, alpha=0.15)
    if optimum is not None:
        ax.axhline(optimum, color="k", ls=":", lw=1, label=f"best in NB201 ({optimum:.2f})")
    ax.set(xscale="log", xlabel="search budget (simulated training epochs)",
           ylabel="CIFAR-10 test accuracy after 200 epochs (%)", ylim=(91.5, 94.6))
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    return fig
