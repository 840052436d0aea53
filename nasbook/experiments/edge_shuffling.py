"""Notebook 06_edge_shuffling: layer and edge shuffling (DARTS-PT thesis, Wang 2021, Table 2.1).

Test accuracy before / after swapping two layers per stage (VGG, ResNet) or two edges per cell
(the chapter-2 supernet of notebook 05, trained once and shared), over seeded random swaps.
The supernet is notebook 05's all-ops supernet of the profile's space (same settings, same
store, same trainer): at the paper profile the DARTS-space supernet (`DartsSupernet`, 8 cells,
C=16, 8 ops, 50 epochs), as the thesis' Table 2.1; in its reduction cells two edges trade
places only when both have the same stride (`nasbook.shuffle.random_edge_swaps`). smoke and
cpu shuffle the NB201 supernet of notebook 05's smoke / cpu profile.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .. import config, stats
from ..claims import Claim
from ..files import atomic_path
from ..notebook import start as _start
from ..profiles import Profile, resolve as _resolve
from . import alpha_vs_discretization as ch2

NOTEBOOK = "06_edge_shuffling"
PAPER = {"VGG": (92.69, 9.83, 0.33), "ResNet": (93.86, 83.20, 2.03), "supernet": (88.44, 81.09, 1.87)}

PROFILES = {
    "smoke": dict(
        supernet=ch2.PROFILES["smoke"],
        vgg=dict(model="vgg11_bn", epochs=1, train_limit=512, lr=0.05, batch_size=128),
        resnet=dict(depth=20, epochs=1, train_limit=512, lr=0.01, batch_size=128),
        shuffle=dict(trials=10, test_limit=500)),
    "cpu": dict(
        supernet=ch2.PROFILES["cpu"],
        vgg=dict(model="vgg16_bn", epochs=2, train_limit=20000, lr=0.05, batch_size=128),
        resnet=dict(depth=20, epochs=1, train_limit=None, lr=0.01, batch_size=128),
        shuffle=dict(trials=10, test_limit=None)),
    # the thesis: VGG-16 160 epochs, ResNet-56, the DARTS-space supernet of notebook 05's paper profile
    "paper": dict(
        supernet=ch2.PROFILES["paper"],
        vgg=dict(model="vgg16_bn", epochs=160, train_limit=None, lr=0.05, batch_size=128),
        resnet=dict(depth=56, epochs=30, train_limit=None, lr=0.01, batch_size=128),
        shuffle=dict(trials=10, test_limit=None)),
}


def start(namespace: dict):
    return _start(NOTEBOOK, PROFILES, namespace)


def resolve(name: str) -> Profile:
    return _resolve(PROFILES, name)


def _chapter2(p: Profile) -> Profile:
    """Notebook 05's profile object carrying this profile's supernet settings."""
    return Profile(p.name, p["supernet"], p.root)


def supernet_ops(p: Profile) -> tuple:
    """Every op of the supernet's space (NB201 or DARTS): the supernet that is shuffled."""
    return tuple(ch2.SPACES[p["supernet"]["space"]][0])


def supernet_label(p: Profile) -> str:
    s, space = p["supernet"]["supernet"], p["supernet"]["space"]
    size = f"C={s['C']} N={s['N']}" if space == "nb201" else f"C={s['C']} {s['layers']} cells"
    return f"{'NB201' if space == 'nb201' else 'DARTS-space'} supernet {size} (DARTS, {s['epochs']} ep)"


# --------------------------------------------------------------------------- networks
_TEST_LOADERS: dict = {}


def test_loader(p: Profile, mean=None, std=None, device=None):
    """CIFAR-10 test images (the profile's `test_limit`, class-balanced), built once per setting."""
    from ..data import CIFAR_MEAN, CIFAR_STD, Loader
    limit = p["shuffle"]["test_limit"]
    key = (limit, tuple(mean or CIFAR_MEAN), tuple(std or CIFAR_STD), str(device))
    if key not in _TEST_LOADERS:
        _TEST_LOADERS[key] = Loader("test", 250, train=False, device=device, limit=limit, order_seed=0,
                                    mean=mean or CIFAR_MEAN, std=std or CIFAR_STD)
    return _TEST_LOADERS[key]


def _save_model(store, name, model):
    with atomic_path(store.artifact(name)) as tmp:
        torch.save(model.state_dict(), tmp)


def trained_vgg(p: Profile, seed: int = 0, progress: bool = True):
    """VGG with BatchNorm trained on CIFAR-10 train (checkpoint kept as a store artifact)."""
    from ..data import Loader
    from ..models import vgg
    from ..train import evaluate, train
    cfg = p["vgg"]
    store = p.store("thesis_vgg", dict(cfg, seed=seed))
    dev = config.device()
    config.seed_everything(seed)
    model = getattr(vgg, cfg["model"])(num_classes=10).to(dev)
    ckpt = None if store.readonly else store.artifact("model.pt")
    if ckpt is not None and ckpt.exists():
        model.load_state_dict(torch.load(ckpt, map_location=dev, weights_only=True))
    elif "history" in store:  # trained, checkpoint not here (not committed): numbers come from the store
        model.has_weights = False
    else:
        hist = train(model, Loader("train", cfg["batch_size"], train=True, device=dev, seed=seed,
                                   limit=cfg["train_limit"]),
                     epochs=cfg["epochs"], lr=cfg["lr"], device=dev, progress=progress)
        store.put("history", hist)
        _save_model(store, "model.pt", model)
    model.eval()
    acc = store.compute(("test_acc", p["shuffle"]["test_limit"]),
                        lambda: ch2.need_weights(model, True) or evaluate(model, test_loader(p, device=dev))["acc"])
    return model, acc, store


def finetuned_resnet(p: Profile, seed: int = 0, progress: bool = True):
    """The pretrained CIFAR ResNet (official images) fine-tuned on the CIFAR-10 in use."""
    from ..data import IMAGENET_MEAN, IMAGENET_STD, Loader
    from ..models.resnet import load_pretrained
    from ..train import evaluate, train
    cfg = p["resnet"]
    store = p.store("thesis_resnet", dict(cfg, seed=seed))
    dev = config.device()
    config.seed_everything(seed)
    model = load_pretrained(cfg["depth"], device=dev)
    test = lambda: test_loader(p, IMAGENET_MEAN, IMAGENET_STD, device=dev)  # noqa: E731
    limit = p["shuffle"]["test_limit"]
    store.compute(("test_acc_pretrained", limit), lambda: evaluate(model, test())["acc"])
    ckpt = None if store.readonly else store.artifact("model.pt")
    if ckpt is not None and ckpt.exists():
        model.load_state_dict(torch.load(ckpt, map_location=dev, weights_only=True))
    elif "history" in store:  # fine-tuned, checkpoint not here (not committed): numbers come from the store
        model.has_weights = False
    elif cfg["epochs"] > 0:
        hist = train(model, Loader("train", cfg["batch_size"], train=True, device=dev, seed=seed,
                                   limit=cfg["train_limit"], mean=IMAGENET_MEAN, std=IMAGENET_STD),
                     epochs=cfg["epochs"], lr=cfg["lr"], device=dev, progress=progress)
        store.put("history", hist)
        _save_model(store, "model.pt", model)
    model.eval()
    acc = store.compute(("test_acc", limit), lambda: ch2.need_weights(model, True) or evaluate(model, test())["acc"])
    return model, acc, store, test


def resnet_accuracies(p: Profile, seed: int = 0) -> pd.DataFrame:
    """The ResNet's test accuracy before (official images) and after fine-tuning."""
    _, acc, store, _ = finetuned_resnet(p, seed, progress=False)
    limit = p["shuffle"]["test_limit"]
    return pd.DataFrame([{"ResNet": f"resnet{p['resnet']['depth']}",
                          "test acc, pretrained (official images)": store.get(["test_acc_pretrained", limit]),
                          "test acc, after fine-tuning": acc}])


# --------------------------------------------------------------------------- Table 2.1
def _shuffled(store, model, evaluate_fn, trials, seed, **kw) -> pd.DataFrame:
    from ..shuffle import shuffle_trials
    done = {t: store.get(("shuffle", seed, t)) for t in range(trials) if ("shuffle", seed, t) in store}
    ch2.need_weights(model, len(done) < trials)
    return shuffle_trials(model, evaluate_fn, trials=trials, seed=seed, done=done,
                          on_trial=lambda t, row: store.put(("shuffle", seed, t), row), **kw)


def shuffling(p: Profile, seed: int = 0, progress: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 2.1. Returns (summary: one row per network, trials: one row per random swap)."""
    from ..shuffle import random_edge_swaps, supernet_cells, swap_edges
    from ..supernet import search
    from ..train import evaluate
    trials, limit = p["shuffle"]["trials"], p["shuffle"]["test_limit"]
    dev = config.device()
    per_trial = []

    vgg, vgg_acc, vstore = trained_vgg(p, seed, progress)
    t = _shuffled(vstore, vgg, lambda: evaluate(vgg, test_loader(p, device=dev))["acc"], trials, seed,
                  progress=progress)
    per_trial.append(t.assign(network="VGG", before=vgg_acc))

    res, res_acc, rstore, rtest = finetuned_resnet(p, seed, progress)
    t = _shuffled(rstore, res, lambda: evaluate(res, rtest())["acc"], trials, seed, progress=progress)
    per_trial.append(t.assign(network="ResNet", before=res_acc))

    c2 = _chapter2(p)
    net, _ = ch2.train_supernet(c2, supernet_ops(p), seed, progress)
    cfg = ch2.supernet_config(c2, supernet_ops(p))
    sstore = p.store("thesis_supernet_shuffle", dict(cfg, seed=seed, test_limit=limit))
    # test accuracy in the supernet settings' precision; its BatchNorms keep no running statistics, so
    # it depends on the batches: the test images in one fixed, class-mixed order
    acc = lambda: search.evaluate(net, p["supernet"]["supernet"], dev, data=test_loader(p, device=dev))  # noqa: E731
    sacc = sstore.compute("test_acc", lambda: ch2.need_weights(net, True) or acc())
    t = _shuffled(sstore, net, acc, trials, seed, slots=lambda: supernet_cells(net), pick=random_edge_swaps,
                  swap_fn=swap_edges, progress=progress)
    per_trial.append(t.assign(network="supernet", before=sacc))

    trials_df = pd.concat(per_trial, ignore_index=True)
    names = {"VGG": p["vgg"]["model"], "ResNet": f"resnet{p['resnet']['depth']}", "supernet": supernet_label(p)}
    rows = []
    for name, g in trials_df.groupby("network", sort=False):
        pb, pa, ps = PAPER[name]
        mean, sd, n = stats.mean_sd(distinct(g)["acc"])  # repeated swap configurations count once
        rows.append({"network": name, "model": names[name], "before": g["before"].iloc[0],
                     "after_mean": mean, "after_std": sd, "trials": len(g), "distinct_swaps": n,
                     "paper_before": pb, "paper_after": f"{pa:.2f} ± {ps:.2f}",
                     "paper_drop": pb - pa, "measured_drop": g["before"].iloc[0] - mean})
    return pd.DataFrame(rows), trials_df


def distinct(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct swap configuration: VGG-16 and ResNet-20 have only a few (three), so
    repeated random trials would repeat the same accuracies and shrink the spread artificially."""
    return trials.drop_duplicates("swaps")


def figure(table: pd.DataFrame, p: Profile):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["before"], 0.4, label="before (measured)", color="tab:blue")
    ax.bar(x + 0.2, table["after_mean"], 0.4, yerr=table["after_std"].fillna(0), capsize=4,
           label="after swaps (measured, mean ± sd)", color="tab:orange")
    ax.scatter(x - 0.2, table["paper_before"], marker="_", s=400, color="black", label="paper")
    ax.scatter(x + 0.2, [PAPER[n][1] for n in table["network"]], marker="_", s=400, color="black")
    ax.set_xticks(x, table["network"])
    ax.set(ylabel="CIFAR-10 test accuracy (%)", ylim=(0, 100),
           title=f"DARTS-PT thesis Table 2.1: layer / edge shuffling, profile {p.name}")
    ax.legend(fontsize=8)
    return fig


# --------------------------------------------------------------------------- claims
CHANCE = 10.0  # CIFAR-10 accuracy of guessing


def kept(before: float, after) -> np.ndarray:
    """Fraction of the accuracy above chance that survives the swaps: (after - 10) / (before - 10)."""
    return (np.asarray(after, float) - CHANCE) / (before - CHANCE)


def claims(p: Profile, table: pd.DataFrame, trials: pd.DataFrame) -> list[Claim]:
    """Claim: the supernet, like the ResNet, keeps most of its accuracy when its layers / edges
    are shuffled; the VGG does not. Measured per network: the fraction of its accuracy above
    chance that survives, (after - 10) / (before - 10), mean over trials with a bootstrap
    interval over the distinct swap configurations (paper: VGG 0.00, ResNet 0.87, supernet 0.91). Rule: holds when
    the interval's lower bound is >= 0.5 and above the VGG's upper bound; differs when its upper
    bound is below 0.5 (it keeps less than half); inconclusive otherwise."""
    ci = {name: stats.bootstrap_ci(kept(g["before"].iloc[0], distinct(g)["acc"]))
          for name, g in trials.groupby("network")}
    sc = (f"{p['vgg']['model']} trained {p['vgg']['epochs']} ep (before: "
          f"{table.loc[table.network == 'VGG', 'before'].iloc[0]:.1f}%); resnet{p['resnet']['depth']} fine-tuned "
          f"{p['resnet']['epochs']} ep; {ch2.scale(_chapter2(p))}; {int(table['trials'].max())} trials "
          f"({', '.join(f'{r.network} {r.distinct_swaps} distinct' for r in table.itertuples())}) on "
          f"{'10k' if p['shuffle']['test_limit'] is None else p['shuffle']['test_limit']} test images")
    out = []
    v_pt, v_lo, v_hi = ci["VGG"]
    for net, paper_net in (("supernet", "DARTS supernet"), ("ResNet", "ResNet")):
        pt, lo, hi = ci[net]
        if lo >= 0.5 and lo > v_hi:
            verdict, why = "holds", "keeps >= half of its above-chance accuracy, more than the VGG"
        elif hi < 0.5:
            verdict, why = "differs", "keeps less than half of its above-chance accuracy"
        else:
            verdict, why = "inconclusive", "interval reaches below 0.5 or overlaps the VGG's"
        pb, pa, ps = PAPER[net]
        vb, va, _ = PAPER["VGG"]
        row = table[table["network"] == net].iloc[0]
        out.append(Claim(id=f"shuffle_{net.lower()}", claim=f"the {paper_net} keeps most of its accuracy under "
                         f"shuffling, unlike VGG", source="DARTS-PT thesis Table 2.1",
                         paper=f"{pb:.2f} -> {pa:.2f} ± {ps:.2f}: keeps {float(kept(pb, pa)):.2f} of its above-chance "
                               f"accuracy (VGG {float(kept(vb, va)):.2f})",
                         measured=f"{row['before']:.2f} -> {stats.fmt_mean_sd(distinct(trials[trials.network == net])['acc'])}"
                                  f" over distinct swaps: keeps {pt:.2f} [{lo:.2f}, {hi:.2f}] (VGG {v_pt:.2f} "
                                  f"[{v_lo:.2f}, {v_hi:.2f}]; bootstrap 95% over distinct swaps)",
                         value=pt, lo=lo, hi=hi, verdict=verdict, reason=why, scale=sc))
    return out
