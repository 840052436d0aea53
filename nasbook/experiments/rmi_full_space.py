"""Notebook 08_rmi_full_space: RMI-NAS supplement Fig. 2 (RMI rank against accuracy rank over
the NAS-Bench-201 space) beside the zero-cost proxies the paper never compares it with.

On ONE set of architectures (a uniform random sample of the 15,625 NB201 cells; all of them in
the paper profile) every score side by side: the RMI score at beta = 0.8 and beta = 0
(`nasbook.rmi`), NASWOT, synflow, snip, grad_norm, grasp, fisher, jacob_cov, #params and FLOPs
(`nasbook.proxies`, cached per architecture by `ProxyScorer`), and the 12-epoch validation
accuracy of the benchmark as the cheap-training baseline. Each is compared with the 200-epoch
CIFAR-10 test accuracy by Kendall's tau and Spearman's rho, over all sampled architectures and
over the top 5% / 10% by that accuracy, each with a bootstrap interval; the CIFAR-100 and
ImageNet16-120 test accuracies are the transfer columns. Costs per architecture on this machine
come from the store (RMI: the stored seconds of every evaluation; proxies: a stored timing of a
fixed sample).

Claims (supplement Sec. 3, Fig. 2: "positive correlation between RMI and accuracy over the full
space ... higher correlation in best-performing architectures, distributing more densely at the
top 5%"), and a comparison the paper does not make (issue 15):
  rmi_positive_whole_space   tau(RMI, acc) > 0 over the whole space
  rmi_higher_in_top5         tau over the best 5% > tau over all architectures
  rmi_vs_best_zero_cost      RMI ranks at least as well as the best zero-cost proxy
(rules in `claims`). Reference numbers: Abdelfattah et al. (ICLR 2021) report Spearman 0.82
between final validation accuracy and their best zero-cost proxy on NB201.

Scales: the cpu profile's own (reduced candidates C=8, N=1, 100 steps, the settings of
notebook 01's cpu profile, so the scores it stored are shared through the store) and notebook
01's paper-size scale (C=16, N=5, 150 steps; 30 stratified architectures), read from the store
only (never computed here): a second, small table of what is stored so far.
"""
from __future__ import annotations

import math
import platform
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from scipy.stats import rankdata, spearmanr
from tqdm.auto import tqdm

from .. import executor, proxies, rmi
from .. import teacher as teachers
from ..claims import Claim
from ..data import nb201 as bench
from ..notebook import start as _start
from ..profiles import Profile
from ..profiles import resolve as _resolve
from ..spaces import nb201
from ..stats import interval_verdict, kendall, kendall_weighted, percentile_interval
from ..store import nan_to_inf, results_only
from . import _rmi
from . import rmi_kendall_tau_vs_beta as ex01
from ._rmi import CPU, CPU_FINETUNED, PAPER_FINETUNED, SMOKE, SMOKE_TEACHER, interval

NOTEBOOK = "08_rmi_full_space"

PROFILES = {
    # a pipeline check: 12 archs, tiny RMI candidates (notebook 01's smoke settings) and a tiny
    # proxy network; the top-5% / top-10% sets are too small for a correlation ("not run")
    "smoke": {"archs": 12, "betas": [0.8, 0.0], "rmi": {**SMOKE, "teacher": SMOKE_TEACHER},
              "proxy": {"C": 4, "N": 1, "batch_size": 16}, "chunk": 6, "n_boot": 200,
              "cost": {"archs": 2, "train_batch": 16, "train_steps": 1}, "paper_size_01": True},
    # 1,000 archs drawn uniformly; RMI at notebook 01's cpu settings (C=8, N=1, 100 steps, one
    # C=8, N=1 evaluation ~3-5 s on 2 cores) for beta 0.8 and 0: 2,000 evaluations. Proxies on the
    # NB201 size the proxies' papers use (C=16, N=5) with one batch of 64 images: measured with 1
    # thread beside a busy second core, 15-26 s per architecture for all nine (grasp, a double
    # backward, ~45% of it), so this is the long part. Plus notebook 01's paper-size scale (C=16,
    # N=5, 150 steps, 30 stratified archs), read from the store only.
    "cpu": {"archs": 1000, "betas": [0.8, 0.0], "rmi": {**CPU, "steps": 100, "teacher": CPU_FINETUNED},
            "proxy": {"C": 16, "N": 5, "batch_size": 64}, "chunk": 50, "n_boot": 1000,
            "cost": {"archs": 10, "train_batch": 256, "train_steps": 2}, "paper_size_01": True},
    # all 15,625 architectures at the paper's RMI settings (C=16, N=5, 150 steps, ResNet-20 fine-
    # tuned 5 epochs): a GPU run through the burst runner (`score_all`), chunk by chunk
    "paper": {"archs": nb201.NUM_ARCHS, "betas": [0.8, 0.0], "rmi": {"teacher": PAPER_FINETUNED},
              "proxy": {"C": 16, "N": 5, "batch_size": 64}, "chunk": 250, "n_boot": 1000,
              "cost": {"archs": 10, "train_batch": 256, "train_steps": 2}, "paper_size_01": False},
}
SOURCE = "RMI-NAS (Zheng et al., CVPR 2022) supplement Sec. 3, Fig. 2"
SOURCE_ZC = ("issue 15: not compared in RMI-NAS; zero-cost proxies of Abdelfattah et al. (ICLR 2021) and NASWOT "
             "(Mellor et al., ICML 2021)")
PAPER = {"best_zero_cost_spearman": 0.82}  # Abdelfattah et al., abstract: vs final validation accuracy on NB201

ACC = "cifar10"                                     # ground truth: 200-epoch test accuracy
TRANSFER = ("cifar100", "imagenet16")               # transfer columns (overall set only)
SUBSETS = {"all": 1.0, "top 10%": 0.10, "top 5%": 0.05}  # by CIFAR-10 test accuracy
MIN_ARCHS = 10          # fewer architectures than this in a set: no correlation ("not run")
SAMPLE_SEED = 0         # the architecture sample is fixed; the notebook's seed is the RMI/proxy seed
VALID12 = bench.valid_col(ACC)                      # the cheap-training baseline column
ZERO_COST = tuple(proxies.PROXIES)                  # naswot ... params, flops: all training-free
# options of a proxy as zero-cost-nas scores NB201 (its own NB201 model, rebuilt with use_bn=False
# for synflow, keeps the BatchNorms of the two reduction blocks: see nasbook.proxies, synflow)
PROXY_OPTIONS = {"synflow": {"keep_bn": ["reductions"]}}
NB201_TRAIN_IMAGES = 25_000   # the cifar10-valid training split the 12-epoch column was trained on
NB201_BATCH = 256             # NB201's training batch size
LABELS = {"naswot": "NASWOT", "synflow": "synflow", "snip": "snip", "grad_norm": "grad_norm", "grasp": "grasp",
          "fisher": "fisher", "jacob_cov": "jacob_cov", "params": "#params", "flops": "FLOPs",
          VALID12: "12-epoch valid acc."}

__all__ = ["NOTEBOOK", "PROFILES", "PAPER", "start", "resolve", "sample", "rmi_column", "score_columns",
           "score_all", "scores", "paper_size_scores", "scales", "costs", "correlations", "summary",
           "rank_figure", "pareto_figure", "claims", "top_positions"]


def start(namespace: dict):
    """The notebook's Session (profile resolved once, every parameter recorded)."""
    return _start(NOTEBOOK, PROFILES, namespace)


def resolve(name: str, root=None) -> Profile:
    return _resolve(PROFILES, name, root)


# ---------------------------------------------------------------- the architectures and scores

def sample(p: Profile) -> list[int]:
    """p["archs"] official indices drawn uniformly without replacement (fixed seed SAMPLE_SEED), in
    the drawn order, so that every chunk of the list is itself a uniform sample; all 15,625 (in a
    random order) when p["archs"] covers the space."""
    perm = np.random.default_rng(SAMPLE_SEED).permutation(nb201.NUM_ARCHS)
    return [int(i) for i in perm[:min(int(p["archs"]), nb201.NUM_ARCHS)]]


def rmi_column(beta: float) -> str:
    return f"rmi_beta_{float(beta):g}"


def score_columns(p: Profile) -> list[str]:
    """Every score of the comparison, in table order: RMI per beta, the zero-cost proxies, the
    12-epoch validation accuracy."""
    return [rmi_column(b) for b in p["betas"]] + list(ZERO_COST) + [VALID12]


def _label(col: str) -> str:
    return f"RMI (beta {col.split('_')[-1]})" if col.startswith("rmi_beta_") else LABELS.get(col, col)


def _kind(col: str) -> str:
    return "RMI" if col.startswith("rmi_beta_") else "zero-cost" if col in ZERO_COST else "12-epoch training"


def _lower_is_better(col: str) -> bool:
    return col.startswith("rmi_beta_")  # RMI scores are losses; proxies and accuracy: higher is better


def _scorers(p: Profile, seed: int, readonly: bool | None = None) -> dict[str, proxies.ProxyScorer]:
    return {name: proxies.ProxyScorer(name, **p["proxy"], seed=seed, root=p.root, readonly=readonly,
                                      **PROXY_OPTIONS.get(name, {}))
            for name in ZERO_COST}


def _rmi_settings(p: Profile, beta: float) -> dict:
    # exactly notebook 01's call, so 01's stored scores (same settings, seed) are found
    return _rmi.rmi_settings(p, beta=float(beta))


def _time_archs(p: Profile, seed: int) -> dict:
    """The stored cost sample: seconds per proxy (network build + score, as ProxyScorer computes
    it) and per NB201 training step (batch NB201_BATCH, SGD) for the first p["cost"]["archs"]
    architectures of the sample."""
    c, s = p["cost"], p["proxy"]
    archs = sample(p)[:c["archs"]]
    scorers = _scorers(p, seed)
    xt, yt = proxies.proxy_data(c["train_batch"], seed)
    out = {"archs": archs, "threads": torch.get_num_threads(), "device": "cpu", "machine": platform.machine(),
           "processor": platform.processor(), "seconds": {n: [] for n in ZERO_COST}, "train_step_seconds": []}
    for idx in tqdm(archs, desc="cost sample", leave=False):
        for name, scorer in scorers.items():
            before = scorer.seconds
            scorer.compute(idx)  # uncached: the score as stored, timed
            out["seconds"][name].append(scorer.seconds - before)
        net = nb201.build_network(nb201.arch_of(idx), C=s["C"], N=s["N"]).train()
        opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
        for step in range(c["train_steps"] + 1):  # the first step is a warm-up
            t0 = time.perf_counter()
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xt), yt).backward()
            opt.step()
            if step:
                out["train_step_seconds"].append(time.perf_counter() - t0)
    return out


def _cost_store(p: Profile, seed: int):
    return p.store("rmi_full_space_cost", {"proxy": p["proxy"], "options": PROXY_OPTIONS, "seed": int(seed),
                                           "cost": p["cost"], "sample_seed": SAMPLE_SEED})


def score_all(p: Profile, seed: int = 0, progress: bool = True) -> None:
    """Compute everything this profile's comparison lacks, chunk by chunk of p["chunk"] sampled
    architectures (RMI for every beta, then every proxy), then the cost sample; and the proxies of
    notebook 01's paper-size architectures (their RMI scores are only read, never computed here).
    Every item is stored as it finishes, so a stopped run (or a burst at its deadline) continues
    where it stopped. The burst runner calls it as score_all(p=Profile)."""
    archs = sample(p)
    scorers = _scorers(p, seed)
    chunks = [archs[i:i + p["chunk"]] for i in range(0, len(archs), p["chunk"])]
    runner = executor.current()
    for chunk in tqdm(chunks, desc="chunks", disable=not progress):
        # one chunk's RMI evaluations and proxy scores, all in flight at once on a distributed executor
        runner.run([rmi.job([nb201.arch_of(i) for i in chunk], _rmi_settings(p, beta), seed, root=p.root,
                            progress=progress) for beta in p["betas"]]
                   + [scorer.job(chunk) for scorer in scorers.values()], progress)
    _cost_store(p, seed).compute("timing", lambda: _time_archs(p, seed))
    big = _paper_size_profile(p)
    if big is not None:
        for scorer in scorers.values():
            scorer.many(nb201.index_of(a) for a in _rmi.stratified_sample(big["archs"]))


def _frame(indices, rmi_results: dict, proxy_scores: dict) -> pd.DataFrame:
    """One row per architecture: index, arch, every score, the accuracies, RMI seconds."""
    df = pd.DataFrame({"index": np.asarray(indices, dtype=int)})
    df["arch"] = [nb201.arch_of(i) for i in df["index"]]
    for col, results in rmi_results.items():
        df[col] = [nan_to_inf(r["score"]) for r in results]
    for name, values in proxy_scores.items():
        df[name] = np.asarray(values, dtype=float)
    for col in [VALID12] + [bench.test_col(d) for d in (ACC, *TRANSFER)]:
        df[col] = bench.column(col)[df["index"].to_numpy()]
    for col, results in rmi_results.items():
        df[f"{col}_seconds"] = [r["seconds"] for r in results]
    return df.sort_values("index", ignore_index=True)


def scores(p: Profile, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """The score frame of the profile's sample (computing what is missing, see `score_all`): one
    row per architecture with index, arch, rmi_beta_<b> (a loss: lower is better, a diverged
    candidate = inf), the nine proxies (higher is better), cifar10_valid_12, the 200-epoch test
    accuracies of the three datasets and the seconds of each RMI evaluation. A read-only run
    (--from-results) computes nothing and shows the architectures with every score stored: all
    of them once the run is complete; during a run, the chunks it has finished (a uniform sample
    too: what is stored depends on the order, not on the scores). attrs "planned" and "stored"
    say how many."""
    if not results_only():
        score_all(p, seed, progress)
    archs = sample(p)
    results = {rmi_column(b): rmi.evaluate([nb201.arch_of(i) for i in archs], _rmi_settings(p, b), seed,
                                           root=p.root, stored_only=True) for b in p["betas"]}
    return _stored_frame(archs, results, _stored_proxies(p, seed, archs))


def _stored_proxies(p: Profile, seed: int, indices: list[int]) -> dict[str, list]:
    """{proxy: stored score of each index, None where missing}."""
    return {n: [sc.store.get(("arch", int(i))) for i in indices] for n, sc in _scorers(p, seed, readonly=True).items()}


def _stored_frame(indices: list[int], rmi_results: dict, proxy_scores: dict) -> pd.DataFrame:
    """`_frame` of the architectures whose every score is stored (None: missing), with attrs
    "planned" (len(indices)) and "stored" (complete rows)."""
    keep = [k for k in range(len(indices)) if all(r[k] is not None for r in rmi_results.values())
            and all(v[k] is not None for v in proxy_scores.values())]
    df = _frame([indices[k] for k in keep], {c: [r[k] for k in keep] for c, r in rmi_results.items()},
                {n: [v[k] for k in keep] for n, v in proxy_scores.items()})
    df.attrs.update(planned=len(indices), stored=len(keep))
    return df


def _paper_size_profile(p: Profile) -> Profile | None:
    """Notebook 01's paper-size scale of the same profile and result root (None if not shown)."""
    return _rmi.paper_size(ex01.resolve(p.name, root=p.root)) if p["paper_size_01"] else None


def paper_size_scores(p: Profile, seed: int = 0) -> pd.DataFrame | None:
    """The score frame of notebook 01's paper-size scale, from the store only: its stratified
    architectures whose RMI scores (first seed, every beta) and proxies are all stored. attrs:
    "planned" architectures and "stored" (complete) ones. None where the profile shows none."""
    big = _paper_size_profile(p)
    if big is None:
        return None
    s = seed + big["seeds"][0]
    archs = _rmi.stratified_sample(big["archs"])
    results = {rmi_column(b): rmi.evaluate(archs, _rmi_settings(big, b), s, root=big.root, stored_only=True)
               for b in p["betas"]}
    indices = [nb201.index_of(a) for a in archs]
    return _stored_frame(indices, results, _stored_proxies(p, seed, indices))


def scales(p: Profile, seed: int = 0, progress: bool = True) -> dict[str, tuple[Profile, pd.DataFrame]]:
    """{scale label: (profile of its RMI settings, score frame)}: the profile's own scale and,
    where shown, notebook 01's paper-size scale (stored architectures only)."""
    out = {_scale_label(p, "uniform sample"): (p, scores(p, seed, progress))}
    big = _paper_size_profile(p)
    if big is not None:
        out[_scale_label(big, "notebook 01's stratified sample")] = (big, paper_size_scores(p, seed))
    return out


def _scale_label(rp: Profile, what: str) -> str:
    return f"{_rmi.scale_label(rp)} ({what})"


# ---------------------------------------------------------------- costs

def costs(p: Profile, runs: dict, seed: int = 0) -> pd.DataFrame:
    """Seconds per architecture on this machine: RMI = mean of the stored seconds of every
    evaluation of the scale; each proxy = mean over the stored cost sample (network build +
    score); 12-epoch training = the stored time of one NB201 training step x the steps of 12
    epochs on 25,000 images at batch 256 (training steps only, an estimate). Columns: scale,
    score, seconds_per_arch, timed (architectures timed), how."""
    store = _cost_store(p, seed)
    if results_only() and "timing" not in store:  # a run in progress times its cost sample after its last chunk
        timing, timed = None, "not timed yet (the run times its cost sample after the last chunk)"
    else:
        timing = store.compute("timing", lambda: _time_archs(p, seed))
        timed = f"timed on {len(timing['archs'])} sampled archs, {timing['threads']} thread(s)"
    n_timed = len(timing["archs"]) if timing else 0
    rows = []
    for label, (_, df) in runs.items():
        for col in [c for c in df.columns if c.endswith("_seconds")]:
            rows.append(dict(scale=label, score=col[:-len("_seconds")], seconds_per_arch=float(df[col].mean()),
                             timed=len(df), how="stored seconds of every evaluation (mean)"))
        for name in ZERO_COST:
            rows.append(dict(scale=label, score=name, timed=n_timed, how=timed,
                             seconds_per_arch=float(np.mean(timing["seconds"][name])) if timing else np.nan))
        steps = 12 * math.ceil(NB201_TRAIN_IMAGES / NB201_BATCH)
        step = float(np.mean(timing["train_step_seconds"])) if timing else np.nan
        rows.append(dict(scale=label, score=VALID12, seconds_per_arch=step * steps, timed=n_timed,
                         how=f"estimate: {steps} training steps x the timed step (batch {p['cost']['train_batch']}, "
                             f"C={p['proxy']['C']}, N={p['proxy']['N']})" if timing else timed))
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- correlations

def top_positions(acc: np.ndarray, frac: float) -> np.ndarray:
    """Row positions of the best ceil(frac * n) architectures by `acc` (ties: lower row first)."""
    acc = np.asarray(acc, dtype=float)
    n = int(math.ceil(frac * len(acc) - 1e-9))
    return np.argsort(-acc, kind="stable")[:n]


def _oriented(values) -> np.ndarray:
    """Finite, higher-is-better values: inf/NaN (diverged, undefined) rank last."""
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    return np.where(finite, v, (v[finite].min() - 1.0) if finite.any() else 0.0)


def _values(df: pd.DataFrame, col: str) -> np.ndarray:
    v = df[col].to_numpy(dtype=float)
    return _oriented(-v if _lower_is_better(col) else v)


def _rowwise_spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman rho of each row pair of two [B, m] arrays (average ranks, as scipy.stats.spearmanr)."""
    rx, ry = rankdata(x, axis=1), rankdata(y, axis=1)
    rx, ry = rx - rx.mean(1, keepdims=True), ry - ry.mean(1, keepdims=True)
    with np.errstate(all="ignore"):
        return (rx * ry).sum(1) / np.sqrt((rx ** 2).sum(1) * (ry ** 2).sum(1))


def _bootstrap(df: pd.DataFrame, cols, n_boot: int, rng_seed: int = 0, datasets=(ACC, *TRANSFER),
               subsets=tuple(SUBSETS)) -> dict:
    """Point tau and rho with n_boot bootstrap replicates of each, for every (score, dataset,
    subset) asked for: {(col, dataset, subset): {"archs", "tau", "rho", "tau_reps", "rho_reps"}}.

    The resampling is stratified by the nested sets (top 5%, top 5-10%, the rest, by CIFAR-10 test
    accuracy): each replicate redraws every stratum with replacement at its size, and every set,
    score and dataset is measured on the same draw, so differences (top 5% vs all, RMI vs a proxy)
    are paired. A set is "all" on every dataset; the top sets only on ACC. A set with fewer than
    MIN_ARCHS architectures gets NaN. Deterministic for a given rng_seed."""
    n = len(df)
    order, sizes, draws = _draws(df, n_boot, rng_seed)
    rank = np.empty(n, int)
    rank[order] = np.arange(n)  # a draw's position in `order`: the first m columns draw from order[:m]
    out = {}
    for col in cols:
        v = _values(df, col)
        for d in datasets:
            a = df[bench.test_col(d)].to_numpy(float)
            for s in subsets:
                if d != ACC and s != "all":
                    continue
                m = sizes[s]
                cell = {"archs": m, "tau": np.nan, "rho": np.nan,
                        "tau_reps": np.full(n_boot, np.nan), "rho_reps": np.full(n_boot, np.nan)}
                if m >= MIN_ARCHS:
                    pos, D = order[:m], draws[:, :m]
                    cell["tau"] = kendall(-v[pos], a[pos])
                    cell["rho"] = float(spearmanr(v[pos], a[pos]).statistic)
                    cell["tau_reps"] = kendall_weighted(-v[pos], a[pos], _multiplicities(rank[D], m))
                    cell["rho_reps"] = _rowwise_spearman(v[D], a[D])
                out[(col, d, s)] = cell
    return out


def _draws(df: pd.DataFrame, n_boot: int, rng_seed: int = 0) -> tuple[np.ndarray, dict, np.ndarray]:
    """(order, sizes, draws): the rows by CIFAR-10 test accuracy, best first; the size of every
    set of SUBSETS; the [n_boot, len(df)] row positions of the stratified replicates, whose first
    sizes[s] columns are set s's draw (every set: the same draws for any request)."""
    acc = df[bench.test_col(ACC)].to_numpy(float)
    n = len(df)
    order = np.argsort(-acc, kind="stable")
    sizes = {s: len(top_positions(acc, f)) for s, f in SUBSETS.items()}
    cuts = sorted({0, n, *sizes.values()})
    strata = [order[a:b] for a, b in zip(cuts[:-1], cuts[1:])]
    rng = np.random.default_rng(rng_seed)
    draws = (np.concatenate([s[rng.integers(0, len(s), (n_boot, len(s)))] for s in strata], axis=1)
             if n else np.zeros((n_boot, 0), int))
    return order, sizes, draws


def _multiplicities(draws: np.ndarray, m: int) -> np.ndarray:
    """[B, k] draws of values in [0, m) -> [B, m]: how often each value is drawn in each row."""
    B = len(draws)
    return np.bincount((draws + m * np.arange(B)[:, None]).ravel(), minlength=B * m).reshape(B, m)


def correlations(p: Profile, runs: dict) -> pd.DataFrame:
    """Kendall tau and Spearman rho of every score with the 200-epoch test accuracy, with
    percentile bootstrap 95% intervals over architectures (see `_bootstrap`, p["n_boot"]
    resamples): per scale, over all architectures and the top 10% / 5% by CIFAR-10 test accuracy
    on CIFAR-10, and over all on CIFAR-100 and ImageNet16-120 (transfer). Columns: scale, score,
    label, kind, dataset, subset, archs, tau, tau_lo, tau_hi, rho, rho_lo, rho_hi. A scale with
    fewer than MIN_ARCHS architectures stored has no rows."""
    rows = []
    for label, (_, df) in runs.items():
        if len(df) < MIN_ARCHS:
            continue
        for (col, d, s), c in _bootstrap(df, score_columns(p), p["n_boot"]).items():
            rows.append(dict(scale=label, score=col, label=_label(col), kind=_kind(col), dataset=d, subset=s,
                             archs=c["archs"], tau=c["tau"],
                             **dict(zip(("tau_lo", "tau_hi"), percentile_interval(c["tau_reps"], _rmi.BOOT["level"]))),
                             rho=c["rho"],
                             **dict(zip(("rho_lo", "rho_hi"), percentile_interval(c["rho_reps"], _rmi.BOOT["level"])))))
    return pd.DataFrame(rows, columns=["scale", "score", "label", "kind", "dataset", "subset", "archs", "tau",
                                       "tau_lo", "tau_hi", "rho", "rho_lo", "rho_hi"])


def summary(corr: pd.DataFrame, cost: pd.DataFrame, scale: str | None = None) -> pd.DataFrame:
    """One row per score of one scale (default: the first): its cost per architecture and tau /
    rho with intervals on CIFAR-10 over all architectures and over the top 5%, best overall tau
    first."""
    scale = scale if scale is not None else (corr["scale"].iloc[0] if len(corr) else None)
    c = corr[(corr["scale"] == scale) & (corr["dataset"] == ACC)]
    out = c[c["subset"] == "all"][["score", "label", "kind", "archs"]].reset_index(drop=True)
    for s, suffix in (("all", ""), ("top 5%", "_top5")):
        part = c[c["subset"] == s].set_index("score")
        for k in ("tau", "tau_lo", "tau_hi", "rho", "rho_lo", "rho_hi"):
            out[k + suffix] = out["score"].map(part[k])
    out["archs_top5"] = out["score"].map(c[c["subset"] == "top 5%"].set_index("score")["archs"])
    sec = cost[cost["scale"] == scale].set_index("score")["seconds_per_arch"]
    out.insert(4, "seconds_per_arch", out["score"].map(sec))
    return out.sort_values("tau", ascending=False, ignore_index=True)


# ---------------------------------------------------------------- figures

def _best_zero_cost(corr: pd.DataFrame, scale: str) -> str | None:
    c = corr[(corr["scale"] == scale) & (corr["dataset"] == ACC) & (corr["subset"] == "all")
             & corr["score"].isin(ZERO_COST)].dropna(subset=["tau"])
    return None if c.empty else str(c.loc[c["tau"].idxmax(), "score"])


def rank_figure(runs: dict, corr: pd.DataFrame):
    """As the supplement's Fig. 2: the rank of each architecture by score (1 = best) against its
    rank by CIFAR-10 test accuracy, for RMI at beta 0.8, the best zero-cost proxy and the 12-epoch
    validation accuracy, on the profile's own scale. Red line: the top 5% by score (the
    supplement's red line); dotted: the top 5% by accuracy."""
    label, (p, df) = next(iter(runs.items()))
    cols = [rmi_column(0.8) if rmi_column(0.8) in df else rmi_column(p["betas"][0])]
    best = _best_zero_cost(corr, label)
    cols += ([best] if best else []) + [VALID12]
    fig, axes = plt.subplots(1, len(cols), figsize=(4.2 * len(cols), 4.2), squeeze=False)
    n = len(df)
    acc_rank = rankdata(-df[bench.test_col(ACC)].to_numpy(float), method="average")
    top = n * SUBSETS["top 5%"]
    tau = corr[(corr["scale"] == label) & (corr["dataset"] == ACC) & (corr["subset"] == "all")].set_index("score")
    for ax, col in zip(axes[0], cols):
        rank = rankdata(-_values(df, col), method="average")
        ax.scatter(acc_rank, rank, s=4 if n > 200 else 14, alpha=0.5, lw=0)
        ax.axhline(top, color="C3", lw=1, label="top 5% by score")
        ax.axvline(top, color="k", ls=":", lw=1, label="top 5% by accuracy")
        t = tau["tau"].get(col, np.nan)
        ax.set(xlabel="rank by CIFAR-10 test accuracy (1 = best)", ylabel=f"rank by {_label(col)}",
               title=f"{_label(col)}: tau = {t:.2f}", xlim=(0, n + 1), ylim=(0, n + 1))
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(f"Score rank vs accuracy rank, {n} NB201 architectures ({label})", fontsize=10)
    fig.tight_layout()
    return fig


def pareto_figure(corr: pd.DataFrame, cost: pd.DataFrame):
    """Kendall tau over all architectures (with its interval; hollow: over the top 5%) against the
    cost per architecture on this machine (log scale), every score of every scale; the line joins
    the Pareto front of the first scale (no cheaper score ranks better)."""
    fig, ax = plt.subplots(figsize=(8, 5))
    markers = ["o", "s", "^"]
    for k, scale in enumerate(dict.fromkeys(corr["scale"])):
        s = summary(corr, cost, scale).dropna(subset=["tau", "seconds_per_arch"])
        for j, r in enumerate(s.itertuples()):
            color = {"RMI": "C3", "zero-cost": "C0", "12-epoch training": "C2"}[r.kind]
            ax.errorbar(r.seconds_per_arch, r.tau, yerr=[[r.tau - r.tau_lo], [r.tau_hi - r.tau]], fmt=markers[k % 3],
                        color=color, capsize=3, ms=6, alpha=0.9 if k == 0 else 0.5)
            if np.isfinite(r.tau_top5):
                ax.plot(r.seconds_per_arch, r.tau_top5, markers[k % 3], mfc="none", color=color, ms=6)
            ax.annotate(r.label + ("" if k == 0 else " (paper size)"), (r.seconds_per_arch, r.tau), fontsize=7,
                        xytext=(4, 3), textcoords="offset points")
        if k == 0:
            front, best = [], -np.inf
            for r in s.sort_values(["seconds_per_arch", "tau"], ascending=[True, False]).itertuples():
                if r.tau > best:
                    front.append((r.seconds_per_arch, r.tau))
                    best = r.tau
            if front:
                ax.step(*zip(*front), where="post", color="k", lw=1.2, ls="--", zorder=5,
                        label=f"Pareto front ({scale})")
    for kind, color in (("RMI", "C3"), ("zero-cost proxies", "C0"), ("12-epoch training (estimated cost)", "C2")):
        ax.plot([], [], "o", color=color, label=kind)
    ax.plot([], [], "o", mfc="none", color="grey", label="hollow: tau over the top 5%")
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xscale="log", xlabel="seconds per architecture on this machine (log)",
           ylabel="Kendall tau with CIFAR-10 test accuracy (200 ep)", title="Ranking quality vs cost")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- claims

def _scale_text(p: Profile, rp: Profile, df: pd.DataFrame, seed: int) -> str:
    s = _rmi.rmi_settings(rp)
    x = p["proxy"]
    how = ("drawn uniformly from the 15,625 of NB201" if rp is p
           else f"of notebook 01's {rp['archs']} stratified by CIFAR-10 test accuracy, those stored so far")
    planned = df.attrs.get("planned")
    progress = (f" (run in progress: {df.attrs.get('stored')} of {planned} architectures stored)"
                if planned is not None and df.attrs.get("stored") != planned else "")
    return (f"{len(df)} architectures {how}{progress}; RMI: {_rmi.candidates(s)}, beta "
            f"{' and '.join(f'{b:g}' for b in p['betas'])}, teacher {teachers.label(s['teacher'])}; zero-cost "
            f"proxies on the NB201 network C={x['C']}, N={x['N']} at initialisation, one batch of "
            f"{x['batch_size']} CIFAR-10 training images; seed {seed}; stratified paired bootstrap "
            f"{_rmi.BOOT['level']:.0%} over architectures, {p['n_boot']} resamples; profile {p.name}")


def claims(p: Profile, runs: dict, corr: pd.DataFrame, seed: int = 0) -> list[Claim]:
    """The three claims at every scale of `runs`; the paper-size scale's ids end in
    "_paper_size" and it has no top-5% claim (5% of 30 stratified architectures is 2).

    rmi_positive_whole_space -- Kendall tau of the RMI score (beta 0.8) with the CIFAR-10 test
    accuracy over all sampled architectures: holds if its bootstrap interval lies above 0, differs
    if below, inconclusive otherwise (`interval_verdict`).

    rmi_higher_in_top5 -- d = tau(top 5% by accuracy) - tau(all) for RMI (beta 0.8), interval from
    the paired (stratified) bootstrap: holds if above 0, differs if below, inconclusive otherwise;
    not run when the top 5% has fewer than MIN_ARCHS architectures.

    rmi_vs_best_zero_cost -- "RMI ranks at least as well as the best zero-cost proxy": the best
    proxy is the one of the nine (NASWOT, synflow, snip, grad_norm, grasp, fisher, jacob_cov,
    #params, FLOPs) with the highest point tau over all architectures (chosen on the same sample,
    which favours the proxy); d = tau(RMI 0.8) - tau(best), paired bootstrap: holds if the interval
    lies above 0 (RMI ranks better), differs if below (the proxy ranks better), inconclusive if it
    includes 0 (the two cannot be told apart at this scale).
    """
    out = []
    for k, (label, (rp, df)) in enumerate(runs.items()):
        suffix = "_paper_size" if k else ""
        out += _scale_claims(p, rp, df, corr[corr["scale"] == label], seed, label, suffix)
    return out


def _scale_claims(p, rp, df, corr, seed, label, suffix) -> list[Claim]:
    col = rmi_column(0.8)
    scale = _scale_text(p, rp, df, seed)
    texts = {
        "rmi_positive_whole_space": ("the RMI score correlates positively with test accuracy over the whole "
                                     "NB201 space", SOURCE,
                                     "positive correlation over the full space (Fig. 2, no number)"),
        "rmi_higher_in_top5": ("the correlation of the RMI score with accuracy is higher among the best 5% of "
                               "architectures than over all", SOURCE,
                               "higher correlation in the best-performing architectures, top 5% (Fig. 2, no number)"),
        "rmi_vs_best_zero_cost": ("the RMI score ranks architectures at least as well as the best zero-cost proxy",
                                  SOURCE_ZC, f"not compared in RMI-NAS; the best zero-cost proxy of Abdelfattah et al. "
                                             f"reaches Spearman {PAPER['best_zero_cost_spearman']} (vs final validation "
                                             f"accuracy, NB201)"),
    }
    if suffix:
        texts.pop("rmi_higher_in_top5")
    base = {cid: dict(id=cid + suffix, claim=t, source=src, paper=pp, scale=scale)
            for cid, (t, src, pp) in texts.items()}
    if len(df) < MIN_ARCHS or col not in df:
        why = (f"this profile scores no beta = 0.8 (betas {p['betas']})" if col not in df else
               f"{len(df)} architectures with every score stored, fewer than the {MIN_ARCHS} a correlation needs")
        return [Claim(**b, measured="not measured yet", verdict="not run", reason=why) for b in base.values()]
    level = _rmi.BOOT["level"]
    n = f"{len(df)} archs, {p['n_boot']} resamples"
    c = corr[corr["dataset"] == ACC].set_index(["score", "subset"])
    out = []

    # (1) positive over the whole space
    t, lo, hi = c.loc[(col, "all"), ["tau", "tau_lo", "tau_hi"]]
    r, rlo, rhi = c.loc[(col, "all"), ["rho", "rho_lo", "rho_hi"]]
    verdict = interval_verdict(lo, hi, threshold=0.0, expect="above")
    out.append(Claim(**base["rmi_positive_whole_space"], measured=f"tau = {interval(t, lo, hi)}, rho = "
                     f"{interval(r, rlo, rhi)} (bootstrap {level:.0%}, {n})", verdict=verdict, value=t, lo=lo, hi=hi,
                     reason={"holds": "the interval of tau lies above 0", "differs": "the interval of tau lies below 0",
                             "inconclusive": "the interval of tau includes 0"}[verdict]
                            + ". Rule: holds if the bootstrap interval of Kendall tau (RMI, beta 0.8) lies above 0, "
                              "differs if below, else inconclusive"))

    # (2) higher among the best 5%
    if "rmi_higher_in_top5" in base:
        m = int(c.loc[(col, "top 5%"), "archs"])
        b = base["rmi_higher_in_top5"]
        if m < MIN_ARCHS:
            out.append(Claim(**b, measured="not measured", verdict="not run",
                             reason=f"the top 5% of {len(df)} architectures is {m} (needs {MIN_ARCHS})"))
        else:
            boot = _bootstrap(df, [col], p["n_boot"], datasets=(ACC,), subsets=("all", "top 5%"))
            top, every = boot[(col, ACC, "top 5%")], boot[(col, ACC, "all")]
            d = top["tau"] - every["tau"]
            dlo, dhi = percentile_interval(top["tau_reps"] - every["tau_reps"], level)
            verdict = interval_verdict(dlo, dhi, threshold=0.0, expect="above")
            t5 = interval(*c.loc[(col, "top 5%"), ["tau", "tau_lo", "tau_hi"]])
            out.append(Claim(**b, measured=f"tau(top 5%) = {t5} on {m} archs; tau(all) = {interval(t, lo, hi)}; difference "
                                          f"{interval(d, dlo, dhi, signed=True)} (paired bootstrap {level:.0%}, {n})",
                             verdict=verdict, value=d, lo=dlo, hi=dhi,
                             reason={"holds": "tau over the top 5% is significantly higher",
                                     "differs": "tau over the top 5% is significantly lower",
                                     "inconclusive": "the interval of the difference includes 0"}[verdict]
                                    + ". Rule: holds if the paired bootstrap interval of tau(top 5% by accuracy) - "
                                      "tau(all) lies above 0, differs if below, else inconclusive"))

    # (3) RMI vs the best zero-cost proxy
    best = _best_zero_cost(corr.assign(scale=label), label)
    b = base["rmi_vs_best_zero_cost"]
    if best is None:
        out.append(Claim(**b, measured="not measured", verdict="not run", reason="no proxy score"))
    else:
        boot = _bootstrap(df, [col, best], p["n_boot"], datasets=(ACC,), subsets=("all",))
        x, y = boot[(col, ACC, "all")], boot[(best, ACC, "all")]
        d = x["tau"] - y["tau"]
        dlo, dhi = percentile_interval(x["tau_reps"] - y["tau_reps"], level)
        verdict = interval_verdict(dlo, dhi, threshold=0.0, expect="above")
        br, brlo, brhi = c.loc[(best, "all"), ["rho", "rho_lo", "rho_hi"]]
        tb = interval(*c.loc[(best, "all"), ["tau", "tau_lo", "tau_hi"]])
        name, zc = _label(best), PAPER["best_zero_cost_spearman"]
        out.append(Claim(**b, measured=f"tau(RMI) - tau({name}) = {interval(d, dlo, dhi, signed=True)}; tau({name}) = "
                                      f"{tb}, rho({name}) = {interval(br, brlo, brhi)} (paired bootstrap {level:.0%}, {n})",
                         verdict=verdict, value=d, lo=dlo, hi=dhi,
                         reason={"holds": f"RMI ranks significantly better than {name}",
                                 "differs": f"{name} ranks significantly better than RMI",
                                 "inconclusive": f"RMI and {name} cannot be told apart (interval includes 0)"}[verdict]
                                + f"; Abdelfattah et al.'s {zc} lies {'inside' if brlo <= zc <= brhi else 'outside'} the "
                                  f"interval of rho({name}) (theirs: vs final validation accuracy)"
                                + f". Rule: best proxy = highest tau of the nine zero-cost proxies on this sample; holds "
                                  f"if the paired bootstrap interval of tau(RMI, beta 0.8) - tau(best) lies above 0, "
                                  f"differs if below, else inconclusive"))
    return out
