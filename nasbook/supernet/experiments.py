"""Profiles, seed loops and tables of the NB201 weight-sharing searches (notebook 07).

Every search is one item of a ResultStore rooted at results_dir()/profile; supernet
checkpoints are store artifacts (one per epoch, never committed), so a killed or
time-boxed run (`max_seconds`) continues from its last epoch when called again.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from nasbook import config
from nasbook.profiles import select as select_profile
from nasbook.search.result import SearchResult
from nasbook.spaces import nb201
from nasbook.store import ResultStore

from . import pt, search

COMMON = dict(batch_size=64, lr=0.025, lr_min=0.001, momentum=0.9, nesterov=True, wd=5e-4, clip=5.0,
              arch_lr=3e-4, arch_betas=(0.5, 0.999), arch_wd=1e-3, order=1, tau_max=10.0, tau_min=0.1,
              drnas_reg=1e-3, vim_lr=0.025, vim_momentum=0.9, vim_wd=0.0, pt_tune_epochs=5,
              pt_eval_batches=None, eval_batches=None, log_every=None, ops=None)

PROFILES = {
    # seconds: the pipeline end to end on 256 / 256 images
    "smoke": dict(COMMON, C=4, N=1, limit_train=256, limit_valid=256, pt_tune_epochs=1, pt_eval_batches=2,
                  epochs={"darts": 2, "gdas": 2, "darts_pt": 2, "drnas": 2, "vimnas": 2},
                  seeds=[0], methods=["darts", "gdas", "darts_pt", "darts_pt_fix", "drnas", "vimnas"],
                  trajectory_epochs=[1, 2], log_every=1),
    # ~45 min on 2 free cores (measured in the notebook's cpu run): C=8, N=1, 5k / 5k split
    "cpu": dict(COMMON, C=8, N=1, limit_train=5000, limit_valid=5000, pt_tune_epochs=1, pt_eval_batches=8,
                epochs={"darts": 8, "gdas": 8, "darts_pt": 8, "drnas": 8, "vimnas": 8},
                seeds=[0, 1], methods=["darts", "gdas", "darts_pt", "darts_pt_fix", "drnas", "vimnas"],
                trajectory_epochs=[2, 4, 8], log_every=4),
    # the references: C=16, N=5, 25k / 25k NB201 search split
    "paper": dict(COMMON, C=16, N=5, limit_train=None, limit_valid=None, pt_tune_epochs=5, pt_eval_batches=None,
                  epochs={"darts": 50, "gdas": 250, "darts_pt": 100, "drnas": 100, "vimnas": 50},
                  seeds=[0, 1, 2, 3], methods=["darts", "gdas", "darts_pt", "darts_pt_fix", "drnas", "vimnas"],
                  trajectory_epochs=[10, 20, 40, 60, 80, 100], log_every=20),
}

# which parametrisation trains the supernet of each method
SUPERNET = {"darts": "darts", "darts2": "darts", "gdas": "gdas", "darts_pt": "darts", "darts_pt_fix": "none",
            "drnas": "drnas", "vimnas": "vimnas"}
WD = {"gdas": 5e-4, "darts": 5e-4, "drnas": 3e-4}  # DrNAS's 201-space uses 3e-4
LABELS = {"darts": "DARTS (1st)", "darts2": "DARTS (2nd)", "gdas": "GDAS", "darts_pt": "DARTS-PT",
          "darts_pt_fix": "DARTS-PT (fix alpha)", "drnas": "DrNAS", "vimnas": "VIM-NAS"}

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
DATASETS = ("cifar10", "cifar100", "imagenet16")


def settings(profile: str, **overrides) -> dict:
    cfg = select_profile(PROFILES, profile)
    cfg.update(overrides)
    return cfg


def method_config(method: str, cfg: dict) -> dict:
    """The configuration that determines one method's supernet run (its store key)."""
    if method not in SUPERNET:
        raise ValueError(f"unknown method {method!r}: expected one of {', '.join(SUPERNET)}")
    epochs = cfg["epochs"]
    key = "darts_pt" if method in ("darts_pt", "darts_pt_fix") else ("darts" if method == "darts2" else method)
    out = {k: v for k, v in cfg.items() if k not in ("epochs", "seeds", "methods", "trajectory_epochs")}
    out["epochs"] = epochs[key] if isinstance(epochs, dict) else int(epochs)
    out["wd"] = cfg.get("wd_override") or WD.get(SUPERNET[method], cfg["wd"])
    out["order"] = 2 if method == "darts2" else cfg.get("order", 1)
    out["supernet"] = SUPERNET[method]
    return out


def lookup(index: int) -> tuple[dict, dict]:
    """NB201 12-epoch validation and 200-epoch test accuracy of an architecture."""
    from nasbook.data import nb201 as table
    df = _table()
    row = df.loc[int(index)]
    return ({d: float(row[c]) for d, c in table.VALID.items()}, {d: float(row[c]) for d, c in table.TEST.items()})


_TABLE = None


def _table():
    global _TABLE
    if _TABLE is None:
        from nasbook.data import nb201 as table
        _TABLE = table.load_table()
    return _TABLE


def _store(name: str, cfg: dict, profile: str) -> ResultStore:
    return ResultStore(name, cfg, root=config.results_dir() / profile)


def supernet(method: str, seed: int, profile: str = "smoke", *, max_seconds=None, progress=True,
             stop_epoch=None, **kw):
    """Train (or continue) the supernet of `method`; returns (train_supernet's dict, cfg, store)."""
    cfg = method_config(method, settings(profile, **kw))
    store = _store(f"nb201_supernet_{cfg['supernet']}", cfg, profile)
    keep = "all" if cfg["supernet"] in ("darts", "none") else "last"
    return search.train_supernet(cfg["supernet"], cfg, seed, store.artifact(f"s{seed}"), "supernet",
                                 device=config.device(), max_seconds=max_seconds, keep=keep, progress=progress,
                                 stop_epoch=stop_epoch), cfg, store


def supernet_checkpoint(profile: str, method: str, seed: int, epoch: int, **kw):
    """Path of the supernet snapshot after `epoch` epochs (chapter 2 reuses them)."""
    cfg = method_config(method, settings(profile, **kw))
    store = _store(f"nb201_supernet_{cfg['supernet']}", cfg, profile)
    path = search.checkpoint_path(store.artifact(f"s{seed}"), "supernet", epoch)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint {path}: run nasbook.supernet.run({method!r}, seed={seed}, "
                                f"profile={profile!r}) first")
    return path


def _result(method, seed, arch_ops, seconds, history, trace) -> dict:
    arch = nb201.to_str(arch_ops)
    index = nb201.index_of(arch)
    valid, test = lookup(index)
    return SearchResult(method=method, signal="supernet", seed=seed, arch=arch, index=index, seconds=seconds,
                        cost=seconds, valid_acc=valid, test_acc=test,
                        trace=[{"history": history, "anytime": trace}]).to_dict()


def run(method: str, *, seed: int, profile: str = "smoke", max_seconds: float | None = None,
        progress: bool = True, **kw) -> SearchResult:
    """One search; the stored result if it exists, else trains/continues the supernet."""
    cfg = method_config(method, settings(profile, **{k: v for k, v in kw.items() if k != "stop_epoch"}))
    store = _store(f"nb201_search_{method}", cfg, profile)

    def compute():
        out, scfg, sstore = supernet(method, seed, profile, max_seconds=max_seconds, progress=progress, **kw)
        if kw.get("stop_epoch") is not None and len(out["history"]) < scfg["epochs"]:
            raise search.Incomplete(f"stopped after epoch {kw['stop_epoch']}")
        seconds = sum(h["seconds"] for h in out["history"])
        arch = out["net"].derive()
        if method in ("darts_pt", "darts_pt_fix"):
            res = pt.select(out["net"], scfg, seed, sstore.artifact(f"s{seed}"), f"pt_{method}_e{scfg['epochs']}",
                            device=config.device(), fix_alpha=method == "darts_pt_fix", progress=progress)
            arch, seconds = res["arch"], seconds + res["seconds"]
        return _result(method, seed, arch, seconds, [{k: v for k, v in h.items()} for h in out["history"]],
                       out["trace"])

    return SearchResult.from_dict(store.compute(("search", seed), compute))


def stored(profile: str, seed: int = 0) -> list[SearchResult]:
    """The searches of `profile` already in the result store, computing nothing (notebook 07
    computes them; notebook 04 shows its rows beside the other NB201 searches)."""
    cfg = settings(profile)
    out = []
    for method in cfg["methods"]:
        store = _store(f"nb201_search_{method}", method_config(method, cfg), profile)
        out += [SearchResult.from_dict(store.get(("search", seed + s)))
                for s in cfg["seeds"] if ("search", seed + s) in store]
    return out


def trajectory(profile: str, seed: int, progress=True, **kw) -> pd.DataFrame:
    """Thesis Fig. 3.1: NB201 test accuracy of argmax-alpha vs PT on DARTS supernet snapshots."""
    cfg = method_config("darts_pt", settings(profile, **kw))
    store = _store("nb201_pt_trajectory", cfg, profile)
    rows = []
    for epoch in settings(profile, **kw)["trajectory_epochs"]:
        def compute(epoch=epoch):
            sup, scfg, sstore = supernet("darts_pt", seed, profile, progress=progress, **kw)
            path = supernet_checkpoint(profile, "darts_pt", seed, epoch, **kw)
            net = search.load_net(path, config.device())
            argmax = net.derive()
            res = pt.select(net, scfg, seed, sstore.artifact(f"s{seed}"), f"pt_traj_e{epoch}",
                            device=config.device(), progress=progress)
            return {"argmax": nb201.to_str(argmax), "pt": nb201.to_str(res["arch"]), "pt_seconds": res["seconds"]}
        r = store.compute(("trajectory", seed, epoch), compute)
        for sel in ("argmax", "pt"):
            _, test = lookup(nb201.index_of(r[sel]))
            rows.append({"seed": seed, "epoch": epoch, "selection": sel, "arch": r[sel],
                         **{f"test_{d}": test[d] for d in DATASETS}})
    return pd.DataFrame(rows)


def _fmt(values) -> str:
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.2f} ± {values.std(ddof=0):.2f}"


def search_table(results: list[SearchResult]) -> pd.DataFrame:
    """One row per method: mean ± std over seeds of the derived architectures' test accuracy."""
    rows = []
    by = {}
    for r in results:
        by.setdefault(r.method, []).append(r)
    for method, rs in by.items():
        row = {"method": LABELS.get(method, method), "seeds": len(rs)}
        for d in DATASETS:
            row[f"{d} (ours)"] = _fmt([r.test_acc[d] for r in rs])
            row[f"{d} (paper)"] = PAPER[method][d]
        row["search s (ours)"] = float(np.mean([r.seconds for r in rs]))
        row["search s (paper, GPU)"] = PAPER[method]["cost_s"]
        row["paper source"] = PAPER[method]["source"]
        row["archs"] = "; ".join(sorted({r.arch for r in rs}))
        rows.append(row)
    return pd.DataFrame(rows)


def anytime(results: list[SearchResult], edge: int = 0) -> pd.DataFrame:
    """Anytime distribution over the ops of one edge (VIM-NAS Fig. 2 analogue)."""
    rows = []
    for r in results:
        for t in r.trace[0]["anytime"]:
            for k, p in enumerate(t["probs"][edge]):
                rows.append({"method": LABELS.get(r.method, r.method), "seed": r.seed, "epoch": t["epoch"],
                             "step": t["step"], "op": nb201.OPS[k], "weight": p})
    df = pd.DataFrame(rows)
    if len(df):
        steps = df.groupby(["method", "seed", "epoch"])["step"].transform("max") + 1
        df["epochs"] = df["epoch"] + df["step"] / steps
    return df
