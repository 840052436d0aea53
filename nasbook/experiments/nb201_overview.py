"""Notebook 00_nb201_overview: NAS-Bench-201 at a glance. Accuracy distributions, how well
the cheap 12-epoch validation accuracy ranks the 200-epoch test accuracy, the top
architectures, parameter count (from the network builder) against accuracy, and the claims
that our table and network builder agree with the official NAS-Bench-201 ones."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import kendalltau
from tqdm.auto import tqdm

from ..claims import Claim
from ..data import nb201 as bench
from ..notebook import start as _start
from ..profiles import Profile, resolve as _resolve
from ..spaces import nb201

NOTEBOOK = "00_nb201_overview"

PROFILES = {
    # parameter counts come from building the networks: a sample in smoke, all 15,625 otherwise
    "smoke": {"param_sample": 64, "chunk": 32},
    "cpu": {"param_sample": None, "chunk": 625},
    "paper": {"param_sample": None, "chunk": 625},
}
DATASETS = dict(zip(bench.DATASETS, ("CIFAR-10", "CIFAR-100", "ImageNet16-120")))  # display names
OPTIMAL = {"cifar10": 94.37, "cifar100": 73.51, "imagenet16": 47.31}  # NB201 paper, "Optimal" row


def accuracy_long(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (architecture, dataset) with the 200-epoch test accuracy."""
    frames = [pd.DataFrame({"index": table.index, "dataset": DATASETS[d], "test_acc": table[bench.TEST[d]].values})
              for d in DATASETS]
    return pd.concat(frames, ignore_index=True)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for d, name in DATASETS.items():
        test, valid = table[bench.TEST[d]], table[bench.VALID[d]]
        tau = kendalltau(valid, test).statistic
        rows.append({"dataset": name, "architectures": int(test.notna().sum()), "mean": test.mean(),
                     "median": test.median(), "best": test.max(), "paper best": OPTIMAL[d],
                     "tau(12-ep valid, 200-ep test)": tau,
                     "test of best by 12-ep valid": test[valid.idxmax()]})
    return pd.DataFrame(rows)


def top(table: pd.DataFrame, k: int = 10, dataset: str = "cifar10") -> pd.DataFrame:
    cols = ["arch"] + [bench.TEST[d] for d in DATASETS] + [bench.VALID[dataset]]
    return table.nlargest(k, bench.TEST[dataset])[cols].reset_index()


def start(namespace: dict):
    """The notebook's Session (profile resolved once, every parameter recorded)."""
    return _start(NOTEBOOK, PROFILES, namespace)


def resolve(name: str) -> Profile:
    return _resolve(PROFILES, name)


def param_counts(p: Profile, seed: int = 0) -> pd.Series:
    """Parameter count (millions) of NB201 networks (C=16, N=5, CIFAR-10 head) built by
    nasbook.spaces.nb201.build_network, stored in chunks so a killed run resumes."""
    cfg = p.settings
    n = cfg["param_sample"]
    indices = np.arange(nb201.NUM_ARCHS) if n is None else np.sort(
        np.random.default_rng(seed).choice(nb201.NUM_ARCHS, size=n, replace=False))
    store = p.store("nb201_param_counts", {"C": 16, "N": 5, "num_classes": 10, "indices": indices})
    chunks = [indices[i:i + cfg["chunk"]] for i in range(0, len(indices), cfg["chunk"])]
    counts = {}
    for chunk in tqdm(chunks, desc="building networks", disable=len(chunks) < 2):
        def count(chunk=chunk):
            return [sum(p.numel() for p in nb201.build_network(nb201.arch_of(i)).parameters()) for i in chunk]
        values = store.compute(f"chunk_{int(chunk[0])}_{int(chunk[-1])}", count)
        counts.update(zip(chunk.tolist(), values))
    return pd.Series(counts, name="params_M").sort_index() / 1e6


# ---------------------------------------------------------------- claims
def claims(table: pd.DataFrame) -> list[Claim]:
    """The table's optimum per dataset against the 'Optimal' row the papers print (RMI-NAS
    Table 1, from the NB201 paper). Rule: holds when equal to the printed two decimals (it is
    the same benchmark, so anything else means a wrong or differently averaged table)."""
    out = []
    for d, name in DATASETS.items():
        best = float(table[bench.TEST[d]].max())
        ok = round(best, 2) == OPTIMAL[d]
        out.append(Claim(id=f"optimum_{d}", claim=f"best {name} 200-epoch test accuracy in NB201",
                         source="RMI-NAS Table 1, 'Optimal' row", paper=f"{OPTIMAL[d]:.2f}", measured=f"{best:.2f}",
                         value=best, verdict="holds" if ok else "differs",
                         reason="equal to the printed two decimals" if ok else "not equal to the printed two decimals",
                         scale=f"the whole table ({len(table):,} architectures)"))
    return out
