"""NAS-Bench-201 at a glance (notebook 00): accuracy distributions, how well the cheap
12-epoch validation accuracy ranks the 200-epoch test accuracy, the top architectures,
and parameter count (from the network builder) against accuracy."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import kendalltau
from tqdm.auto import tqdm

from . import config
from .data import nb201 as bench
from .profiles import select
from .spaces import nb201
from .store import ResultStore

PROFILES = {
    # parameter counts come from building the networks: a sample in smoke, all 15,625 otherwise
    "smoke": {"param_sample": 64, "chunk": 32},
    "cpu": {"param_sample": None, "chunk": 625},
    "paper": {"param_sample": None, "chunk": 625},
}
DATASETS = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "imagenet16": "ImageNet16-120"}
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


def param_counts(profile: str, seed: int = 0) -> pd.Series:
    """Parameter count (millions) of NB201 networks (C=16, N=5, CIFAR-10 head) built by
    nasbook.spaces.nb201.build_network, stored in chunks so a killed run resumes."""
    cfg = select(PROFILES, profile)
    n = cfg["param_sample"]
    indices = np.arange(nb201.NUM_ARCHS) if n is None else np.sort(
        np.random.default_rng(seed).choice(nb201.NUM_ARCHS, size=n, replace=False))
    store = ResultStore("nb201_param_counts", {"C": 16, "N": 5, "num_classes": 10, "indices": indices},
                        root=config.results_dir() / profile)
    chunks = [indices[i:i + cfg["chunk"]] for i in range(0, len(indices), cfg["chunk"])]
    counts = {}
    for chunk in tqdm(chunks, desc="building networks", disable=len(chunks) < 2):
        def count(chunk=chunk):
            return [sum(p.numel() for p in nb201.build_network(nb201.arch_of(i)).parameters()) for i in chunk]
        values = store.compute(f"chunk_{int(chunk[0])}_{int(chunk[-1])}", count)
        counts.update(zip(chunk.tolist(), values))
    return pd.Series(counts, name="params_M").sort_index() / 1e6
