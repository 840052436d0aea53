"""Notebook 07_nb201_weight_sharing: weight-sharing searches on NAS-Bench-201 (DARTS, GDAS,
DARTS-PT, DrNAS, VIM-NAS), thesis Fig. 3.1 (argmax alpha vs perturbation-based selection
along DARTS training) and the VIM-NAS Fig. 2 analogue (anytime weights of one edge), with
the claims computed from the stored searches.

Every search is one item of a ResultStore under the profile's root; supernet checkpoints are
store artifacts (one per epoch, never committed), so a killed or time-boxed run
(`max_seconds`) continues from its last epoch when called again.

Other modules use: `resolve(name)`, `stored(p, seed)` (notebook 04: the searches already in
the store, computing nothing), `search_table`, and `COMMON` / `method_config(method, cfg)`
(chapter-2 notebooks build their supernet configuration with it, so they share this
notebook's supernets whenever the settings agree).

Fidelity to the reference code: each method trains with its own reference's weight optimiser
and step order (`WEIGHT_OPT`, sources beside each row), DARTS-PT selects and tunes as darts-pt
(`nasbook.supernet.pt`), DrNAS has one L2 term on beta (Adam's weight decay,
`nasbook.supernet.search.Drnas`), and everything trains in float32 (`precision`, bf16 only
as an option). Where the papers' and nasbook's settings differ otherwise (scale, epochs), the
claims' scale column says so.
"""
from __future__ import annotations

import functools
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from nasbook import config, executor, profiles
from nasbook.claims import Claim
from nasbook.data import nb201 as bench
from nasbook.notebook import start as _start
from nasbook.profiles import Profile
from nasbook.search.result import SearchResult
from nasbook.search.signals import accuracies
from nasbook.spaces import nb201
from nasbook.stats import binomial_ci, fmt_mean_sd, mean_sd
from nasbook.supernet import pt, search

NOTEBOOK = "07_nb201_weight_sharing"

# Settings shared by every method. The weight optimiser and step order of each method are
# in WEIGHT_OPT below; precision "fp32" as the papers ("bf16" autocasts on a GPU, see
# nasbook.supernet.search).
COMMON = dict(batch_size=64, arch_lr=3e-4, arch_betas=(0.5, 0.999), arch_wd=1e-3, order=1, tau_max=10.0,
              tau_min=0.1, vim_lr=0.025, vim_momentum=0.9, vim_wd=0.0, pt_tune_epochs=5,
              pt_eval_batches=None, eval_batches=None, log_every=None, ops=None, precision="fp32")

# Every key except epochs / seeds / methods / trajectory_epochs goes verbatim into the store
# key of each search (method_config), with the method's WEIGHT_OPT row: changing or adding one
# recomputes everything.
PROFILES = {
    # the pipeline end to end on 256 / 256 images
    "smoke": dict(COMMON, C=4, N=1, limit_train=256, limit_valid=256, pt_tune_epochs=1, pt_eval_batches=2,
                  epochs={"darts": 2, "gdas": 2, "darts_pt": 2, "drnas": 2, "vimnas": 2},
                  seeds=[0], methods=["darts", "gdas", "darts_pt", "darts_pt_fix", "drnas", "vimnas"],
                  trajectory_epochs=[1, 2], log_every=1),
    # C=8, N=1, class-balanced 5k / 5k subset of the search split: fits 2 CPU cores; 4 seeds per
    # method (the paper profile's count), enough for darts_claim's rule to decide (>= 3 seeds)
    # PT scores each op on 16 batches (1024 images: 95% binomial half-width about 3 points at 50%)
    "cpu": dict(COMMON, C=8, N=1, limit_train=5000, limit_valid=5000, pt_tune_epochs=1, pt_eval_batches=16,
                epochs={"darts": 8, "gdas": 8, "darts_pt": 8, "drnas": 8, "vimnas": 8},
                seeds=[0, 1, 2, 3], methods=["darts", "gdas", "darts_pt", "darts_pt_fix", "drnas", "vimnas"],
                trajectory_epochs=[2, 4, 8], log_every=4),
    # the references: C=16, N=5, 25k / 25k NB201 search split
    "paper": dict(COMMON, C=16, N=5, limit_train=None, limit_valid=None, pt_tune_epochs=5, pt_eval_batches=None,
                  epochs={"darts": 50, "gdas": 250, "darts_pt": 100, "drnas": 100, "vimnas": 50},
                  seeds=[0, 1, 2, 3], methods=["darts", "gdas", "darts_pt", "darts_pt_fix", "drnas", "vimnas"],
                  trajectory_epochs=[10, 20, 40, 60, 80, 100], log_every=20),
}

# ---------------------------------------------------------------- each method's weight optimiser
# SGD on the supernet weights, learning rate cosine from lr to lr_min over the run's epochs,
# gradient norm clipped to `clip`; `arch_first`: the architecture step of an iteration comes
# before its weights step. One row per method, read from each method's reference code:
_AUTODL = dict(lr=0.025, lr_min=0.001, momentum=0.9, nesterov=True, wd=5e-4, clip=5.0, arch_first=False)
_DARTS_PT = dict(lr=0.025, lr_min=0.001, momentum=0.9, nesterov=False, wd=3e-4, clip=5.0, arch_first=True,
                 pt_tune_lr=0.0025)
WEIGHT_OPT = {
    # AutoDL-Projects (D-X-Y) configs/nas-benchmark/algos/DARTS.config (LR 0.025, eta_min 0.001,
    # cos, momentum 0.9, nesterov 1, decay 5e-4) through xautodl/procedures/optimizers.py
    # get_optim_scheduler; exps/NAS-Bench-201-algos/DARTS-V1.py: clip 5, weights step first
    "darts": _AUTODL,
    # DARTS-V2.py: the same config; the (unrolled) architecture step comes first
    "darts2": dict(_AUTODL, arch_first=True),
    # configs/nas-benchmark/algos/GDAS.config (as DARTS.config, 250 epochs) + GDAS.py: clip 5, weights first
    "gdas": _AUTODL,
    # darts-pt (ruocwang) nasbench201/train_search.py (lr 0.025, learning_rate_min 0.001,
    # momentum 0.9, weight_decay 3e-4, grad_clip 5) and search_model.py (SGD without nesterov,
    # clip in step()); alpha step before the weights step; projection.py tunes with a fresh SGD
    # at learning_rate / 10 = 0.0025 (pt_tune_lr), constant, no Nesterov (nasbook.supernet.pt)
    "darts_pt": _DARTS_PT,
    "darts_pt_fix": _DARTS_PT,  # darts-pt's "blank" (fix alpha) supernet: same optimiser
    # DrNAS (xiangning-chen) 201-space/train_search.py: SGD lr 0.025 -> 0.001 cosine, momentum 0.9,
    # weight_decay 3e-4, no nesterov, grad_clip 5; architect.step before the weights step
    "drnas": dict(_AUTODL, nesterov=False, wd=3e-4, arch_first=True),
    # VIM-NAS: no public reference code found; the paper evaluates on NAS-Bench-201, so its
    # DARTS settings (AutoDL-Projects' DARTS.config, as above) are used
    "vimnas": _AUTODL,
}
WEIGHT_KEYS = ("lr", "lr_min", "momentum", "nesterov", "wd", "clip", "arch_first", "pt_tune_lr")

# which parametrisation trains the supernet of each method
SUPERNET = {"darts": "darts", "darts2": "darts", "gdas": "gdas", "darts_pt": "darts", "darts_pt_fix": "none",
            "drnas": "drnas", "vimnas": "vimnas"}
LABELS = {"darts": "DARTS (1st)", "darts2": "DARTS (2nd)", "gdas": "GDAS", "darts_pt": "DARTS-PT",
          "darts_pt_fix": "DARTS-PT (fix alpha)", "drnas": "DrNAS", "vimnas": "VIM-NAS"}
PARAM_FREE = ("none", "skip_connect", "avg_pool_3x3")  # the NB201 ops without weights

# Papers' NB201 numbers (200-epoch test accuracy, mean +- std), read from the tables:
# VIM-NAS Table 3 (DARTS 1st/2nd, GDAS, VIM-NAS; search cost in seconds) and RMI-NAS
# Table 1 (DARTS-V2, GDAS). The thesis gives DARTS-PT on NB201 only as Fig. 3.1 (the
# extraction has no numbers) and DrNAS only on the DARTS space (Tables 3.2/3.3).
PAPER = {
    "darts": {"source": "VIM-NAS Tab. 3", "cifar10": "54.30 ± 0.00", "cifar100": "38.97 ± 0.00",
              "imagenet16": "18.41 ± 0.00", "cost_s": 11625.77},
    "darts2": {"source": "VIM-NAS Tab. 3 / RMI-NAS Tab. 1", "cifar10": "54.30 ± 0.00", "cifar100": "38.97 ± 0.00",
               "imagenet16": "18.41 ± 0.00", "cost_s": 35781.80},
    "gdas": {"source": "VIM-NAS Tab. 3 / RMI-NAS Tab. 1", "cifar10": "93.61 ± 0.09", "cifar100": "70.70 ± 0.30",
             "imagenet16": "41.71 ± 0.98", "cost_s": 31609.80},
    "darts_pt": {"source": "thesis Fig. 3.1 (curve only)", "cifar10": "", "cifar100": "", "imagenet16": "",
                 "cost_s": math.nan},
    "darts_pt_fix": {"source": "not in the papers given", "cifar10": "", "cifar100": "", "imagenet16": "",
                     "cost_s": math.nan},
    "drnas": {"source": "no NB201 table in the thesis", "cifar10": "", "cifar100": "", "imagenet16": "",
              "cost_s": math.nan},
    "vimnas": {"source": "VIM-NAS Tab. 3", "cifar10": "94.31 ± 0.11", "cifar100": "73.07 ± 0.58",
               "imagenet16": "46.27 ± 0.17", "cost_s": 232.51},
}
# VIM-NAS (Sec. 4 / Fig. 2): the edge's distribution is nearly one-hot after one epoch.
ONE_HOT = 0.9  # "nearly one-hot": largest weight above this


def start(namespace: dict):
    """The notebook's Session (profile resolved once, every parameter recorded)."""
    return _start(NOTEBOOK, PROFILES, namespace)


def resolve(name: str) -> Profile:
    """The Profile of `name` for callers outside the notebook (tests, notebook 04)."""
    return profiles.resolve(PROFILES, name)


def seeds(p: Profile, seed: int = 0) -> list[int]:
    """The profile's seeds, offset by the notebook's `seed` parameter."""
    return [seed + s for s in p["seeds"]]


def method_config(method: str, cfg: dict) -> dict:
    """The configuration that determines one method's supernet run (its store key): the
    settings except epochs / seeds / methods / trajectory_epochs, the method's epochs and its
    WEIGHT_OPT row (which replaces any weight-optimiser keys of the settings)."""
    if method not in SUPERNET:
        raise ValueError(f"unknown method {method!r}: expected one of {', '.join(SUPERNET)}")
    epochs = cfg["epochs"]
    key = "darts_pt" if method in ("darts_pt", "darts_pt_fix") else ("darts" if method == "darts2" else method)
    out = {k: v for k, v in cfg.items()
           if k not in ("epochs", "seeds", "methods", "trajectory_epochs") + WEIGHT_KEYS}
    out["epochs"] = epochs[key] if isinstance(epochs, dict) else int(epochs)
    out.update(WEIGHT_OPT[method])
    out["order"] = 2 if method == "darts2" else cfg.get("order", 1)
    out["supernet"] = SUPERNET[method]
    return out


# ---------------------------------------------------------------- searches
def supernet(method: str, p: Profile, seed: int, *, max_seconds=None, progress=True, stop_epoch=None):
    """Train (or continue) the supernet of `method`; returns (train_supernet's dict, cfg, store)."""
    cfg = method_config(method, p.settings)
    store = p.store(f"nb201_supernet_{cfg['supernet']}", cfg)
    keep = "all" if cfg["supernet"] in ("darts", "none") else "last"
    # one process at a time trains a supernet (two methods can share one: darts and darts_pt when
    # their epochs agree, as Ray tasks or two notebooks at once); the next resumes from its checkpoint
    with store.lock(("supernet", seed)):
        return search.train_supernet(cfg["supernet"], cfg, seed, store.artifact(f"s{seed}"), "supernet",
                                     device=config.device(), max_seconds=max_seconds, keep=keep, progress=progress,
                                     stop_epoch=stop_epoch), cfg, store


def supernet_checkpoint(p: Profile, method: str, seed: int, epoch: int):
    """Path of the supernet snapshot after `epoch` epochs."""
    cfg = method_config(method, p.settings)
    store = p.store(f"nb201_supernet_{cfg['supernet']}", cfg)
    path = search.checkpoint_path(store.artifact(f"s{seed}"), "supernet", epoch)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint {path}: run nasbook.experiments.nb201_weight_sharing.run("
                                f"{method!r}, p, seed={seed}) at profile {p.name!r} first")
    return path


def _result(method, seed, arch_ops, seconds, history, trace) -> dict:
    arch = nb201.to_str(arch_ops)
    index = nb201.index_of(arch)
    valid, test = accuracies(index)
    return SearchResult(method=method, signal="supernet", seed=seed, arch=arch, index=index, seconds=seconds,
                        cost=seconds, valid_acc=valid, test_acc=test,
                        trace=[{"history": history, "anytime": trace}]).to_dict()


def run(method: str, p: Profile, seed: int = 0, *, max_seconds: float | None = None, progress: bool = True,
        stop_epoch: int | None = None) -> SearchResult:
    """One search; the stored result if it exists, else trains/continues the supernet
    (`stop_epoch` stops after that epoch, like a kill: used by the resume test)."""
    store = p.store(f"nb201_search_{method}", method_config(method, p.settings))
    compute = functools.partial(_search, method, p, seed, max_seconds=max_seconds, progress=progress,
                                stop_epoch=stop_epoch)
    return SearchResult.from_dict(store.compute(("search", seed), compute))


def _search(method: str, p: Profile, seed: int, *, max_seconds=None, progress=True, stop_epoch=None) -> dict:
    """One search, computed (the stored item of `run`): train/continue the supernet, derive."""
    out, scfg, sstore = supernet(method, p, seed, max_seconds=max_seconds, progress=progress, stop_epoch=stop_epoch)
    if stop_epoch is not None and len(out["history"]) < scfg["epochs"]:
        raise search.Incomplete(f"stopped after epoch {stop_epoch}")
    seconds = sum(h["seconds"] for h in out["history"])
    arch = out["net"].derive()
    if method in ("darts_pt", "darts_pt_fix"):
        res = pt.select(out["net"], scfg, seed, sstore.artifact(f"s{seed}"), f"pt_{method}_e{scfg['epochs']}",
                        device=config.device(), fix_alpha=method == "darts_pt_fix", progress=progress,
                        arch_state=out["arch"].state_dict())
        arch, seconds = res["arch"], seconds + res["seconds"]
    return _result(method, seed, arch, seconds, [dict(h) for h in out["history"]], out["trace"])


def _search_item(method: str, p: Profile, max_seconds, item) -> dict:
    """`_search` of a store item ("search", seed): what a Ray task computes."""
    return _search(method, p, int(item[1]), max_seconds=max_seconds, progress=False)


def run_all(p: Profile, seed: int = 0, *, max_seconds: float | None = None,
            progress: bool = False) -> list[SearchResult]:
    """Every method of the profile at every seed (stored ones are read, not recomputed). With a
    distributed executor (nasbook.executor) every (method, seed) search is a task, all at once,
    each on a GPU where the cluster has them; a search stopped by `max_seconds` is reported, not
    retried, and continues from its checkpoint in the next run."""
    if executor.distributed():
        executor.current().run([executor.Job(p.store(f"nb201_search_{m}", method_config(m, p.settings)),
                                             [("search", s) for s in seeds(p, seed)],
                                             executor.Each(functools.partial(_search_item, m, p, max_seconds)),
                                             what=f"{m} searches", final=(search.Incomplete,))
                                for m in p["methods"]], progress)
    return [run(m, p, s, max_seconds=max_seconds, progress=progress) for m in p["methods"] for s in seeds(p, seed)]


def stored(p: Profile, seed: int = 0) -> list[SearchResult]:
    """The searches of profile `p` already in the result store, computing nothing (notebook 07
    computes them; notebook 04 shows its rows beside the other NB201 searches)."""
    out = []
    for method in p["methods"]:
        store = p.store(f"nb201_search_{method}", method_config(method, p.settings))
        out += [SearchResult.from_dict(store.get(("search", s))) for s in seeds(p, seed) if ("search", s) in store]
    return out


# ---------------------------------------------------------------- thesis Fig. 3.1
def trajectory(p: Profile, seed: int, progress=True) -> pd.DataFrame:
    """Thesis Fig. 3.1: NB201 test accuracy of argmax-alpha vs PT on DARTS supernet snapshots."""
    cfg = method_config("darts_pt", p.settings)
    store = p.store("nb201_pt_trajectory", cfg)
    rows = []
    for epoch in p["trajectory_epochs"]:
        def compute(epoch=epoch):
            sup, scfg, sstore = supernet("darts_pt", p, seed, progress=progress)
            path = supernet_checkpoint(p, "darts_pt", seed, epoch)
            net = search.load_net(path, config.device())
            argmax = net.derive()
            res = pt.select(net, scfg, seed, sstore.artifact(f"s{seed}"), f"pt_traj_e{epoch}",
                            device=config.device(), progress=progress,
                            arch_state=search.load_arch_state(path, config.device()))
            return {"argmax": nb201.to_str(argmax), "pt": nb201.to_str(res["arch"]), "pt_seconds": res["seconds"]}
        r = store.compute(("trajectory", seed, epoch), compute)
        for sel in ("argmax", "pt"):
            _, test = accuracies(nb201.index_of(r[sel]))
            rows.append({"seed": seed, "epoch": epoch, "selection": sel, "arch": r[sel],
                         **{f"test_{d}": test[d] for d in bench.DATASETS}})
    return pd.DataFrame(rows)


def trajectories(p: Profile, seed: int = 0, progress=False) -> pd.DataFrame:
    """`trajectory` of every seed of the profile, one frame."""
    return pd.concat([trajectory(p, s, progress=progress) for s in seeds(p, seed)], ignore_index=True)


def trajectory_means(traj: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds of each selection's test accuracy per snapshot."""
    return traj.groupby(["epoch", "selection"])[[f"test_{d}" for d in bench.DATASETS]].mean()


DATASET_NAMES = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "imagenet16": "ImageNet16-120"}
SELECTION_STYLE = {"argmax": ("argmax alpha", "tab:blue", "o"), "pt": ("perturbation-based (PT)", "tab:orange", "s")}


def trajectory_figure(traj: pd.DataFrame, p: Profile):
    """Per dataset: NB201 test accuracy of the cell each selection derives from the DARTS
    supernet snapshots; thin lines are single seeds, thick lines their mean (no band)."""
    epochs = sorted(traj["epoch"].unique())
    n_seeds = traj["seed"].nunique()
    fig, axes = plt.subplots(1, len(bench.DATASETS), figsize=(13, 4.3), layout="constrained")
    for ax, d in zip(axes, bench.DATASETS):
        for sel, (label, color, marker) in SELECTION_STYLE.items():
            t = traj[traj["selection"] == sel]
            if n_seeds > 1:
                for _, g in t.groupby("seed"):
                    g = g.sort_values("epoch")
                    ax.plot(g["epoch"], g[f"test_{d}"], color=color, lw=0.8, alpha=0.45, marker=marker, ms=3)
            mean = t.groupby("epoch")[f"test_{d}"].mean()
            ax.plot(mean.index, mean.values, color=color, lw=2.2, marker=marker, ms=6,
                    label=f"{label}, mean of {n_seeds} seeds" if n_seeds > 1 else f"{label}, 1 seed")
        ax.set_xticks(epochs)
        ax.set(title=DATASET_NAMES[d], xlabel="DARTS supernet epoch of the snapshot",
               ylabel="NB201 test accuracy of the selected cell (%)" if d == bench.DATASETS[0] else None)
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    if n_seeds > 1:
        handles.append(plt.Line2D([], [], color="gray", lw=0.8, alpha=0.6, marker="o", ms=3))
        labels.append("single seed")
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=9)
    fig.suptitle("DARTS-PT thesis Fig. 3.1: argmax alpha degrades along DARTS training while perturbation-based "
                 f"selection stays high\n(paper: curves only, no numbers); measured at profile {p.name}", fontsize=11)
    return fig


# ---------------------------------------------------------------- tables
def search_table(results: list[SearchResult]) -> pd.DataFrame:
    """One row per method: mean ± sample std (n) over seeds of the derived architectures' test accuracy."""
    by: dict[str, list[SearchResult]] = {}
    for r in results:
        by.setdefault(r.method, []).append(r)
    rows = []
    for method, rs in by.items():
        row = {"method": LABELS.get(method, method), "seeds": len(rs)}
        for d in bench.DATASETS:
            row[f"{d} (ours)"] = fmt_mean_sd([r.test_acc[d] for r in rs])
            row[f"{d} (paper)"] = PAPER[method][d]
        row["search s (ours)"] = float(np.mean([r.seconds for r in rs]))
        row["search s (paper, GPU)"] = PAPER[method]["cost_s"]
        row["paper source"] = PAPER[method]["source"]
        row["archs"] = "; ".join(sorted({r.arch for r in rs}))
        rs = sorted(rs, key=lambda r: r.seed)
        row["parameter-free ops per seed (of 6)"] = ", ".join(f"s{r.seed}: {param_free(r.arch)}" for r in rs)
        rows.append(row)
    return pd.DataFrame(rows)


def param_free(arch) -> int:
    """Number of the cell's 6 edges carrying a parameter-free op (none, skip_connect, avg_pool_3x3)."""
    return sum(nb201.OPS[o] in PARAM_FREE for o in nb201.ops_of(arch))


def connected(arch) -> bool:
    """Whether some input -> output path of the cell avoids `none` (else the cell outputs zeros)."""
    ops = nb201.ops_of(arch)
    reach = {0}
    for (to, frm), o in zip(nb201.EDGES, ops):  # EDGES are in topological order
        if frm in reach and nb201.OPS[o] != "none":
            reach.add(to)
    return 3 in reach


def per_seed(results: list[SearchResult]) -> pd.DataFrame:
    """One row per search: method, seed, derived cell, its CIFAR-10 test accuracy, how many of
    its 6 edges are parameter-free (the collapse mechanism) and how many carry each
    parameter-free op, and whether an input-output path avoids `none`."""
    rows = []
    for r in results:
        ops = [nb201.OPS[o] for o in nb201.ops_of(r.arch)]
        rows.append({"method": LABELS.get(r.method, r.method), "seed": r.seed, "arch": r.arch,
                     "cifar10 test": r.test_acc["cifar10"], "parameter-free ops": param_free(r.arch),
                     **{f"{op} ops": ops.count(op) for op in PARAM_FREE},
                     "input reaches output": connected(r.arch)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- VIM-NAS Fig. 2 analogue
def anytime(results: list[SearchResult], edge: int = 0) -> pd.DataFrame:
    """Anytime distribution over the ops of one edge (VIM-NAS Fig. 2 analogue)."""
    rows = []
    for r in results:
        for t in r.trace[0]["anytime"]:
            for k, w in enumerate(t["probs"][edge]):
                rows.append({"method": LABELS.get(r.method, r.method), "seed": r.seed, "epoch": t["epoch"],
                             "step": t["step"], "op": nb201.OPS[k], "weight": w})
    df = pd.DataFrame(rows)
    if len(df):
        steps = df.groupby(["method", "seed", "epoch"])["step"].transform("max") + 1
        df["epochs"] = df["epoch"] + df["step"] / steps
    return df


def anytime_edge0(results: list[SearchResult]) -> pd.DataFrame:
    """The figure's data: edge 1<-0 of DARTS and VIM-NAS at the first seed of the results."""
    first = min((r.seed for r in results), default=0)
    return anytime([r for r in results if r.method in ("darts", "vimnas") and r.seed == first], edge=0)


def anytime_figure(any_df: pd.DataFrame):
    g = sns.relplot(data=any_df, x="epochs", y="weight", hue="op", col="method", kind="line", height=3.2,
                    aspect=1.4)
    g.set_axis_labels("epoch", "architecture weight (edge 1<-0)")
    return g.figure


def epoch1_weights(any_df: pd.DataFrame) -> pd.DataFrame:
    """Weight of each op at the last trace entry of epoch 1, per method and seed (one-hot: max near 1)."""
    first = any_df[any_df["epoch"] == 0].sort_values("step")
    return first.groupby(["method", "seed", "op"])["weight"].last().unstack()


# ---------------------------------------------------------------- claims
def _scale(p: Profile, method: str, n: int) -> str:
    cfg = method_config(method, p.settings)
    images = ("the full 25k/25k search split" if cfg["limit_train"] is None
              else f"{cfg['limit_train']:,}/{cfg['limit_valid']:,} search-split images (train/valid)")
    return (f"{p.name} profile: C={cfg['C']}, N={cfg['N']} supernet, {cfg['epochs']} epochs on {images}, "
            f"batch {cfg['batch_size']}, {n} seed{'s' if n != 1 else ''}")


def _not_run(id, claim, source, paper, p, method) -> Claim:
    return Claim(id=id, claim=claim, source=source, paper=paper, measured="", verdict="not run",
                 reason=f"{method} is not among this profile's methods", scale=f"{p.name} profile")


def _paper_value(method: str, d: str = "cifar10") -> tuple[float, float]:
    mean, sd = PAPER[method][d].split(" ± ")
    return float(mean), float(sd)


def _of(results, method):
    return sorted((r for r in results if r.method == method), key=lambda r: r.seed)


def darts_claim(p: Profile, results: list[SearchResult]) -> Claim:
    """DARTS collapses to parameter-free ops (VIM-NAS Tab. 3: 54.30 on CIFAR-10).
    Rule: a seed collapsed when at least 4 of its cell's 6 edges (a majority) carry parameter-free
    ops (the paper's collapsed cells are all parameter-free). holds if every seed collapsed; with
    fewer than 3 seeds anything else is inconclusive; with 3 or more, partly if some seeds
    collapsed and differs if none did."""
    cid, text, src = ("darts_collapse", "DARTS collapses to parameter-free ops (none, skip_connect, avg_pool_3x3)",
                      "VIM-NAS Tab. 3, thesis ch. 3")
    paper = f"{PAPER['darts']['cifar10']} (CIFAR-10 test)"
    rs = _of(results, "darts")
    if "darts" not in p["methods"]:
        return _not_run(cid, text, src, paper, p, "darts")
    acc = [r.test_acc["cifar10"] for r in rs]
    free = [param_free(r.arch) for r in rs]
    collapsed = [f >= 4 for f in free]
    per = ", ".join(f"seed {r.seed} {f}/6" + ("" if connected(r.arch) else " (no input-output path avoids none)")
                    for r, f in zip(rs, free))
    n, k = len(rs), sum(collapsed)
    if n and k == n:
        verdict = "holds"
    elif n < 3:
        verdict = "inconclusive"
    else:
        verdict = "partly" if k else "differs"
    return Claim(id=cid, claim=text, source=src, paper=paper,
                 measured=f"CIFAR-10 test {fmt_mean_sd(acc)}, seeds {', '.join(f'{a:.2f}' for a in acc)}; "
                          f"parameter-free edges: {per}",
                 value=mean_sd(acc)[0], lo=min(acc, default=math.nan), hi=max(acc, default=math.nan),
                 verdict=verdict,
                 reason=f"{k} of {n} seeds collapsed (rule: a seed collapsed if >= 4 of its 6 edges are "
                        f"parameter-free; holds only if every seed did"
                        f"{'; with fewer than 3 seeds a miss is inconclusive' if verdict == 'inconclusive' else ''})",
                 scale=_scale(p, "darts", n) + "; paper: C=16, N=5, 50 epochs on 25k/25k")


def accuracy_claim(p: Profile, results: list[SearchResult], method: str, paper_scale: str) -> Claim:
    """The method's NB201 CIFAR-10 test accuracy against the paper's mean ± sd.
    Rule: holds if the paper's mean lies within the measured seeds' range widened by the paper's
    sd ([min - sd, max + sd]); differs otherwise, i.e. every seed lies more than the paper's sd
    on the same side of the paper's mean."""
    label = LABELS[method]
    cid, text, src = f"{method}_accuracy", f"{label} NB201 CIFAR-10 test accuracy", PAPER[method]["source"]
    paper = PAPER[method]["cifar10"]
    if method not in p["methods"]:
        return _not_run(cid, text, src, paper, p, method)
    acc = [r.test_acc["cifar10"] for r in _of(results, method)]
    if not acc:
        return Claim(id=cid, claim=text, source=src, paper=paper, measured="no stored search", verdict="not run",
                     reason=f"no {label} search of this profile is stored", scale=_scale(p, method, 0))
    pm, psd = _paper_value(method)
    lo, hi = min(acc), max(acc)
    inside = lo - psd <= pm <= hi + psd
    side = "below" if hi < pm else "above"
    return Claim(id=cid, claim=text, source=src, paper=paper,
                 measured=f"{fmt_mean_sd(acc)}, seeds {', '.join(f'{a:.2f}' for a in acc)}",
                 value=mean_sd(acc)[0], lo=lo, hi=hi, verdict="holds" if inside else "differs",
                 reason=("the paper's mean lies within the seeds' range widened by the paper's sd" if inside else
                         f"every seed is more than the paper's sd ({psd:.2f}) {side} the paper's mean"),
                 scale=_scale(p, method, len(acc)) + f"; paper: {paper_scale}")


def trajectory_claim(p: Profile, traj: pd.DataFrame) -> Claim:
    """Thesis Fig. 3.1: the argmax-alpha architecture degrades along DARTS training while PT's
    stays high. Rule per seed (CIFAR-10 test of the selected cells): holds if argmax at the last
    snapshot < argmax at the first AND PT >= argmax at the last snapshot. Overall: holds if it
    holds for every seed, partly if for some, differs if for none."""
    cid, text, src = ("pt_vs_argmax", "argmax alpha degrades along DARTS training while perturbation-based "
                      "selection (PT) stays high", "thesis Fig. 3.1")
    paper = "curve only (no numbers in the thesis' text)"
    if "darts_pt" not in p["methods"]:
        return _not_run(cid, text, src, paper, p, "darts_pt")
    acc = traj.pivot_table(index=["seed", "epoch"], columns="selection", values="test_cifar10")
    first, last = min(p["trajectory_epochs"]), max(p["trajectory_epochs"])
    per, ok = [], []
    for s in sorted(traj["seed"].unique()):
        a0, a1, pt1 = acc.loc[(s, first), "argmax"], acc.loc[(s, last), "argmax"], acc.loc[(s, last), "pt"]
        ok.append(bool(a1 < a0 and pt1 >= a1))
        per.append(f"seed {s}: argmax {a0:.2f} -> {a1:.2f}, PT {pt1:.2f}")
    n, k = len(ok), sum(ok)
    verdict = "holds" if k == n else ("partly" if k else "differs")
    cfg = method_config("darts_pt", p.settings)
    n_images = (cfg["limit_valid"] or len(search.search_split("search_valid", None)[1])
                if cfg["pt_eval_batches"] is None else cfg["pt_eval_batches"] * cfg["batch_size"])
    lo, hi = binomial_ci(50.0, n_images)
    images = (f"{'the full validation split' if cfg['pt_eval_batches'] is None else 'a batch subset'} "
              f"({n_images} images, 95% binomial half-width {(hi - lo) / 2:.1f} points at 50%)")
    means = acc.groupby(level="epoch").mean()
    return Claim(id=cid, claim=text, source=src, paper=paper,
                 measured=f"CIFAR-10 test at epochs {first} -> {last}: {'; '.join(per)}; mean over seeds argmax "
                          f"{means.loc[first, 'argmax']:.2f} -> {means.loc[last, 'argmax']:.2f}, "
                          f"PT {means.loc[first, 'pt']:.2f} -> {means.loc[last, 'pt']:.2f} (n={n})",
                 value=k / n if n else math.nan, verdict=verdict,
                 reason=f"holds for {k} of {n} seeds (rule: argmax falls from the first to the last snapshot and "
                        f"PT >= argmax at the last); PT scores each candidate op on {images} and tunes "
                        f"{cfg['pt_tune_epochs']} epoch(s) between edges (thesis: full validation set, 5 tune "
                        f"epochs), so its choices between close ops are noisy",
                 scale=_scale(p, "darts_pt", n)
                 + f"; snapshots after epochs {', '.join(map(str, p['trajectory_epochs']))}")


def one_hot_claim(p: Profile, results: list[SearchResult]) -> Claim:
    """VIM-NAS: a nearly one-hot distribution after one epoch. Measured: the largest weight on edge
    1<-0 at the last anytime-trace entry of epoch 1, per seed. Rule: a seed is nearly one-hot when
    that weight exceeds ONE_HOT (0.9); holds if every seed is, differs if none is, else partly."""
    cid, text, src = ("vimnas_one_hot", "VIM-NAS reaches a nearly one-hot distribution after one epoch",
                      "VIM-NAS Fig. 2")
    paper = "nearly one-hot after one epoch (figure, no number)"
    if "vimnas" not in p["methods"]:
        return _not_run(cid, text, src, paper, p, "vimnas")
    df = anytime(_of(results, "vimnas") + _of(results, "darts"), edge=0)
    if df.empty or LABELS["vimnas"] not in set(df["method"]):
        return Claim(id=cid, claim=text, source=src, paper=paper, measured="no anytime trace stored",
                     verdict="inconclusive", reason="no stored VIM-NAS search with an anytime trace (log_every off?)",
                     scale=_scale(p, "vimnas", 0))
    top = epoch1_weights(df).max(axis=1)
    vim = top.loc[LABELS["vimnas"]]
    darts = top.loc[LABELS["darts"]] if LABELS["darts"] in top.index.get_level_values(0) else pd.Series(dtype=float)
    besides = f" (DARTS at the same point: {', '.join(f'{w:.2f}' for w in darts)})" if len(darts) else ""
    n, k = len(vim), int((vim > ONE_HOT).sum())
    verdict = "holds" if k == n else ("partly" if k else "differs")
    last = df[df["epoch"] == 0]["step"].max()
    cfg = method_config("vimnas", p.settings)
    steps = (cfg["limit_train"] or 25000) // cfg["batch_size"]
    return Claim(id=cid, claim=text, source=src, paper=paper,
                 measured="largest weight on edge 1<-0 after epoch 1: "
                          + ", ".join(f"seed {s} {w:.2f}" for s, w in vim.items())
                          + besides,
                 value=float(vim.mean()), lo=float(vim.min()), hi=float(vim.max()), verdict=verdict,
                 reason=f"{k} of {n} seeds above the threshold {ONE_HOT} (trace entry at step {last + 1} of "
                        f"{steps}); one epoch here is {steps} steps of {cfg['batch_size']} images, the paper's "
                        f"covers the 25k-image search split",
                 scale=_scale(p, "vimnas", n))


def claims(p: Profile, results: list[SearchResult], traj: pd.DataFrame) -> list[Claim]:
    """The notebook's claims from the stored searches and trajectory (rules in each function)."""
    return [darts_claim(p, results),
            accuracy_claim(p, results, "gdas", "C=16, N=5, 250 epochs on 25k/25k"),
            accuracy_claim(p, results, "vimnas", "C=16, N=5, 50 epochs on 25k/25k"),
            trajectory_claim(p, traj),
            one_hot_claim(p, results)]
