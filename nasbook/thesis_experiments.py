"""Chapter 2 of the DARTS-PT thesis (Wang 2021, "Understanding Differentiable NAS").

Notebook 05_alpha_vs_discretization
  Fig. 2.1  alpha vs discretization accuracy at convergence, all ops on 3 random edges
  Fig. 2.2  op picked by alpha vs by discretization accuracy on every edge of S2
  Fig. 2.3  mean(alpha_skip - alpha_conv) (softmaxed) vs supernet validation accuracy
Notebook 06_edge_shuffling
  Table 2.1 test accuracy before / after swapping two layers per stage (VGG, ResNet) or
            two edges per cell (supernet), over >= 10 seeded random swaps

The thesis uses the DARTS cell space (8 cells, 14 edges per cell, 8 ops). Notebook 05 does
too in the paper profile (`nasbook.supernet.darts_space`, S2 = {skip_connect, sep_conv_3x3},
the 14 edges of the normal cell); in the smoke and cpu profiles it uses the NAS-Bench-201
weight-sharing supernet of `nasbook.supernet` (one shared 6-edge cell; S2 = {skip_connect,
nor_conv_3x3}), 8x cheaper per image at the same width. Notebook 06 shuffles the edges of the
NB201 supernet in every profile (the supernet of the weight-sharing searches).

Supernets are trained here with first-order DARTS (alternating SGD steps on the weights
and Adam steps on alphas, the NB201/DARTS hyper-parameters), one ResultStore item per
epoch (valid accuracy, softmaxed alphas) and one checkpoint per epoch, so a killed run
continues from the last finished epoch.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from scipy.stats import kendalltau

from . import config
from .discretization import operation_strengths
from .files import atomic_path
from .profiles import select
from .spaces import nb201
from .store import ResultStore
from .supernet import darts_space

S2_OPS = ("skip_connect", "nor_conv_3x3")
NB201_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
# per search space: (all ops for Fig. 2.1, the two ops of S2: skip first, then the conv)
SPACES = {"nb201": (NB201_OPS, S2_OPS), "darts": (darts_space.OPS, darts_space.S2)}

PAPER = {
    "table_2_1": {"VGG": (92.69, 9.83, 0.33), "ResNet": (93.86, 83.20, 2.03), "supernet": (88.44, 81.09, 1.87)},
    "fig_2_2": "alpha picks skip_connect on 12 of 14 edges; discretization accuracy prefers sep_conv_3x3 on 7 of 14",
}

_SEARCH = dict(lr=0.025, lr_min=0.001, momentum=0.9, weight_decay=3e-4, grad_clip=5.0,
               arch_lr=3e-4, arch_weight_decay=1e-3, batch_size=64)

_NB201 = {"smoke": dict(C=4, N=1, epochs=2, train_limit=256, valid_limit=256, **_SEARCH),
          "cpu": dict(C=8, N=1, epochs=10, train_limit=5000, valid_limit=5000, **_SEARCH)}

PROFILES = {
    "smoke": dict(
        supernet=_NB201["smoke"],
        supernet_05=_NB201["smoke"],  # notebook 05's supernet: the same one (trained once) ...
        discretize=dict(edges=3, max_epochs=2, patience=1, lr=0.005, tune_alphas=True),
        vgg=dict(model="vgg11_bn", epochs=1, train_limit=512, lr=0.05, batch_size=128),
        resnet=dict(depth=20, epochs=1, train_limit=512, lr=0.01, batch_size=128),
        shuffle=dict(trials=10, test_limit=500),
    ),
    "cpu": dict(
        supernet=_NB201["cpu"],
        supernet_05=_NB201["cpu"],
        discretize=dict(edges=3, max_epochs=4, patience=1, lr=0.005, tune_alphas=False),
        vgg=dict(model="vgg16_bn", epochs=2, train_limit=20000, lr=0.05, batch_size=128),
        resnet=dict(depth=20, epochs=1, train_limit=None, lr=0.01, batch_size=128),
        shuffle=dict(trials=10, test_limit=None),
    ),
    "paper": dict(
        supernet=dict(C=16, N=5, epochs=50, train_limit=None, valid_limit=None, **_SEARCH),
        # ... but the thesis' DARTS space in the paper profile (8 cells, C=16, DARTS' 50 epochs)
        supernet_05=dict(space="darts", C=16, layers=8, epochs=50, train_limit=None, valid_limit=None, **_SEARCH),
        discretize=dict(edges=3, max_epochs=30, patience=2, lr=0.005, tune_alphas=True),
        vgg=dict(model="vgg16_bn", epochs=160, train_limit=None, lr=0.05, batch_size=128),
        resnet=dict(depth=56, epochs=30, train_limit=None, lr=0.01, batch_size=128),
        shuffle=dict(trials=10, test_limit=None),
    ),
}


def settings(profile: str) -> dict:
    return select(PROFILES, profile)


def _root(profile: str):
    return config.results_dir() / profile


# --------------------------------------------------------------------------- supernet training

def _loaders(cfg: dict, seed: int, device):
    from .data import Loader
    bs = cfg["batch_size"]
    train = Loader("search_train", bs, train=True, device=device, seed=seed, limit=cfg["train_limit"])
    arch = Loader("search_valid", bs, train=True, device=device, seed=seed + 1, limit=cfg["valid_limit"])
    # fixed class-mixed order: supernet BatchNorm uses batch statistics at evaluation
    valid = Loader("search_valid", 250, train=False, device=device, limit=cfg["valid_limit"], order_seed=0)
    return train, arch, valid


@torch.no_grad()
def accuracy(net, loader) -> float:
    """Top-1 accuracy in percent (supernet BatchNorm uses batch statistics in eval mode too)."""
    net.eval()
    correct = total = 0
    for x, y in loader:
        correct += (net(x).argmax(1) == y).sum().item()
        total += len(y)
    return 100.0 * correct / total


class DartsTrainer:
    """First-order DARTS on a supernet: per batch, one Adam step on alphas (valid batch),
    then one SGD step on the weights (train batch). `lr=None` follows the cosine schedule
    of `epochs` epochs; a number gives a constant learning rate (fine-tuning)."""

    def __init__(self, net, cfg: dict, *, epochs: int, lr: float | None = None, tune_alphas: bool = True):
        self.net, self.cfg, self.epochs, self.tune_alphas = net, cfg, epochs, tune_alphas
        self.w_opt = torch.optim.SGD(net.weight_parameters(), lr=lr or cfg["lr"], momentum=cfg["momentum"],
                                     weight_decay=cfg["weight_decay"], nesterov=False)
        self.a_opt = torch.optim.Adam(net.arch_parameters(), lr=cfg["arch_lr"], betas=(0.5, 0.999),
                                      weight_decay=cfg["arch_weight_decay"])
        self.sched = (torch.optim.lr_scheduler.CosineAnnealingLR(self.w_opt, epochs, eta_min=cfg["lr_min"])
                      if lr is None else None)

    def epoch(self, train_loader, arch_loader) -> float:
        net, losses = self.net, []
        net.train()
        for (x, y), (xv, yv) in zip(train_loader, arch_loader):
            if self.tune_alphas:
                self.a_opt.zero_grad(set_to_none=True)
                F.cross_entropy(net(xv), yv).backward()
                self.a_opt.step()
            self.w_opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.weight_parameters(), self.cfg["grad_clip"])
            self.w_opt.step()
            losses.append(loss.item())
        if self.sched:
            self.sched.step()
        return float(np.mean(losses))

    def state_dict(self):
        return {"w_opt": self.w_opt.state_dict(), "a_opt": self.a_opt.state_dict(),
                "sched": self.sched.state_dict() if self.sched else None}

    def load_state_dict(self, s):
        self.w_opt.load_state_dict(s["w_opt"])
        self.a_opt.load_state_dict(s["a_opt"])
        if self.sched and s["sched"]:
            self.sched.load_state_dict(s["sched"])


def space(profile: str, key: str = "supernet_05") -> str:
    return settings(profile)[key].get("space", "nb201")


def build_supernet(cfg: dict, ops):
    """NB201 supernet (C, N) or, with cfg["space"] == "darts", the DARTS-space one (C, layers)."""
    from .supernet import Supernet
    if cfg.get("space", "nb201") == "darts":
        return darts_space.DartsSupernet(C=cfg["C"], layers=cfg["layers"], num_classes=10, ops=ops)
    return Supernet(C=cfg["C"], N=cfg["N"], num_classes=10, ops=ops)


def train_supernet(profile: str, ops=NB201_OPS, seed: int = 0, progress: bool = True, key: str = "supernet"):
    """The supernet `settings(profile)[key]` with `ops` trained by first-order DARTS for
    its epochs. Returns (net, trajectory DataFrame: epoch, train_loss, valid_acc, alphas
    (softmaxed E x O)). In smoke/cpu notebooks 05 and 06 share it (same store, trained once).
    """
    from tqdm.auto import tqdm
    cfg = settings(profile)[key]
    ops = tuple(ops)
    store = ResultStore("thesis_supernet", dict(cfg, ops=list(ops), seed=seed), root=_root(profile))
    dev = config.device()
    config.seed_everything(seed)
    net = build_supernet(cfg, ops).to(dev)
    trainer = DartsTrainer(net, cfg, epochs=cfg["epochs"])
    done = [e for e in range(1, cfg["epochs"] + 1) if ("epoch", e) in store]
    last = max(done, default=0)
    ckpt_path = store.artifact(f"epoch{last:03d}.pt")
    if last and ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location=dev, weights_only=False)
        net.load_state_dict(ckpt["net"])
        trainer.load_state_dict(ckpt["trainer"])
    elif last == cfg["epochs"]:  # trained, checkpoint not here (not committed): numbers come from the store
        net.has_weights = False
    elif last:
        raise FileNotFoundError(f"{ckpt_path} is missing, so supernet training cannot continue from epoch {last}; "
                                f"delete {store.dir} to retrain it")
    if last < cfg["epochs"]:
        loaders = _loaders(cfg, seed, dev)
        for e in tqdm(range(last + 1, cfg["epochs"] + 1), desc=f"DARTS {'/'.join(ops)}", disable=not progress):
            torch.manual_seed(seed * 1000 + e)
            t0 = time.time()
            loaders[0].set_epoch(e)
            loaders[1].set_epoch(e)
            loss = trainer.epoch(loaders[0], loaders[1])
            acc = accuracy(net, loaders[2])
            with atomic_path(store.artifact(f"epoch{e:03d}.pt")) as tmp:
                torch.save({"net": net.state_dict(), "trainer": trainer.state_dict()}, tmp)
            store.put(("epoch", e), {"train_loss": loss, "valid_acc": acc, "seconds": time.time() - t0,
                                     "alphas": torch.softmax(net.alphas.detach(), -1).cpu().numpy()})
    traj = pd.DataFrame([{"epoch": e, **store.get(("epoch", e))} for e in range(1, cfg["epochs"] + 1)])
    return net.eval(), traj


def supernet_trajectory(profile: str, ops=NB201_OPS, seed: int = 0, key: str = "supernet") -> pd.DataFrame:
    """Per-epoch record of a trained supernet read from the store (no training)."""
    cfg = settings(profile)[key]
    store = ResultStore("thesis_supernet", dict(cfg, ops=list(ops), seed=seed), root=_root(profile))
    return pd.DataFrame([{"epoch": e, **store.compute(("epoch", e), lambda: _missing(e))}
                         for e in range(1, cfg["epochs"] + 1)])


def _missing(e):
    raise KeyError(f"supernet epoch {e} not trained yet: call train_supernet first")


def _need_weights(model, needed: bool) -> None:
    """Stored numbers need no weights (checkpoints are not committed); new ones do."""
    if needed and not getattr(model, "has_weights", True):
        raise FileNotFoundError(f"{type(model).__name__}: results are missing from the store and so is the "
                                f"checkpoint to compute them from; delete the experiment's store to recompute")


# --------------------------------------------------------------------------- notebook 05

def _strengths(profile: str, ops, edges, seed: int, progress: bool) -> pd.DataFrame:
    p = settings(profile)
    cfg, dcfg = p["supernet_05"], p["discretize"]
    net, traj = train_supernet(profile, ops, seed, progress, key="supernet_05")
    store = ResultStore("thesis_discretization", dict(supernet=dict(cfg, ops=list(ops), seed=seed), **dcfg),
                        root=_root(profile))
    _need_weights(net, any(("disc", int(e), o) not in store for e in edges for o in range(len(ops))))
    dev = config.device()
    loaders = {}

    def get_loaders():  # built only when something has to be computed
        if not loaders:
            loaders["l"] = _loaders(cfg, seed, dev)
        return loaders["l"]

    trainers = {}

    def train_epoch(n, epoch):
        if id(n) not in trainers:
            trainers.clear()
            trainers[id(n)] = DartsTrainer(n, cfg, epochs=dcfg["max_epochs"], lr=dcfg["lr"],
                                           tune_alphas=dcfg["tune_alphas"])
        torch.manual_seed(seed * 7919 + epoch)
        tr, ar, _ = get_loaders()
        tr.set_epoch(10_000 + epoch)
        ar.set_epoch(10_000 + epoch)
        trainers[id(n)].epoch(tr, ar)

    def discretize(n, edge, op):
        n.fix(edge, op)

    recs = operation_strengths(net, edges, range(len(ops)), store, tag="disc", progress=progress,
                               discretize=discretize, train_epoch=train_epoch,
                               validate=lambda n: accuracy(n, get_loaders()[2]),
                               max_epochs=dcfg["max_epochs"], patience=dcfg["patience"])
    alphas = np.asarray(traj["alphas"].iloc[-1])
    rows = []
    for r in recs:
        e, o = r["edge"], r["op"]
        rows.append({"edge": e, "edge_name": net.edge_names[e], "op": ops[o],
                     "alpha": float(alphas[e, o]), "disc_acc": r["acc"], "acc_discretized": r["acc_discretized"],
                     "best_epoch": r["best_epoch"], "epochs": r["epochs"],
                     "supernet_acc": float(traj["valid_acc"].iloc[-1])})
    return pd.DataFrame(rows)


def alpha_vs_discretization(profile: str, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """Fig. 2.1: every op's softmaxed alpha and its discretization accuracy at convergence
    on `edges` (3) random edges (of the normal cell) of the supernet with all ops of its space."""
    n_edges = settings(profile)["discretize"]["edges"]
    edges = sorted(np.random.default_rng([seed, 21]).choice(_normal_edges(profile), size=n_edges,
                                                            replace=False).tolist())
    return _strengths(profile, SPACES[space(profile)][0], edges, seed, progress)


def _normal_edges(profile: str) -> int:
    return len(darts_space.EDGES) if space(profile) == "darts" else len(nb201.EDGES)


def edge_agreement(df: pd.DataFrame) -> pd.DataFrame:
    """Per edge: op with the largest alpha, op with the best discretization accuracy,
    whether they agree, and Kendall's tau between alpha and accuracy over the ops."""
    rows = []
    for (e, name), g in df.groupby(["edge", "edge_name"], sort=True):
        tau = kendalltau(g["alpha"], g["disc_acc"]).statistic if len(g) > 2 else np.nan
        rows.append({"edge": e, "edge_name": name, "op_by_alpha": g.loc[g["alpha"].idxmax(), "op"],
                     "op_by_disc_acc": g.loc[g["disc_acc"].idxmax(), "op"],
                     "agree": g["alpha"].idxmax() == g["disc_acc"].idxmax(), "kendall_tau": tau,
                     "max_alpha": g["alpha"].max(), "best_disc_acc": g["disc_acc"].max()})
    return pd.DataFrame(rows)


def s2_strength(profile: str, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """Fig. 2.2: alpha and discretization accuracy of both ops on every edge (of the normal cell) of S2."""
    return _strengths(profile, SPACES[space(profile)][1], range(_normal_edges(profile)), seed, progress)


def alpha_gap(profile: str, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """Fig. 2.3: per epoch of S2 supernet training, mean over edges of softmaxed
    alpha_skip - alpha_conv, next to the supernet validation accuracy."""
    _, traj = train_supernet(profile, SPACES[space(profile)][1], seed, progress, key="supernet_05")
    a = np.stack([np.asarray(x) for x in traj["alphas"]])[:, :_normal_edges(profile)]  # epochs x E x 2
    out = traj[["epoch", "valid_acc", "train_loss"]].copy()
    out["alpha_gap"] = (a[:, :, 0] - a[:, :, 1]).mean(1)
    out["skip_wins_edges"] = (a[:, :, 0] > a[:, :, 1]).sum(1)
    return out


# --------------------------------------------------------------------------- notebook 06

def _save_model(store, name, model):
    with atomic_path(store.artifact(name)) as tmp:
        torch.save(model.state_dict(), tmp)


_TEST_LOADERS: dict = {}


def _test_loader(profile, mean=None, std=None, device=None):
    """CIFAR-10 test images (the profile's `test_limit`, class-balanced), built once per setting."""
    from .data import CIFAR_MEAN, CIFAR_STD, Loader
    limit = settings(profile)["shuffle"]["test_limit"]
    key = (limit, tuple(mean or CIFAR_MEAN), tuple(std or CIFAR_STD), str(device))
    if key not in _TEST_LOADERS:
        _TEST_LOADERS[key] = Loader("test", 250, train=False, device=device, limit=limit, order_seed=0,
                                    mean=mean or CIFAR_MEAN, std=std or CIFAR_STD)
    return _TEST_LOADERS[key]


def trained_vgg(profile: str, seed: int = 0, progress: bool = True):
    """VGG with BatchNorm trained on CIFAR-10 train (checkpoint kept as a store artifact)."""
    from .data import Loader
    from .models import vgg
    from .train import evaluate, train
    cfg = settings(profile)["vgg"]
    store = ResultStore("thesis_vgg", dict(cfg, seed=seed), root=_root(profile))
    dev = config.device()
    config.seed_everything(seed)
    model = getattr(vgg, cfg["model"])(num_classes=10).to(dev)
    ckpt = store.artifact("model.pt")
    if ckpt.exists():
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
    acc = store.compute(("test_acc", settings(profile)["shuffle"]["test_limit"]),
                        lambda: _need_weights(model, True) or evaluate(model, _test_loader(profile, device=dev))["acc"])
    return model, acc, store


def finetuned_resnet(profile: str, seed: int = 0, progress: bool = True):
    """The pretrained CIFAR ResNet (official images) fine-tuned on the CIFAR-10 in use."""
    from .data import IMAGENET_MEAN, IMAGENET_STD, Loader
    from .models.resnet import load_pretrained
    from .train import evaluate, train
    cfg = settings(profile)["resnet"]
    store = ResultStore("thesis_resnet", dict(cfg, seed=seed), root=_root(profile))
    dev = config.device()
    config.seed_everything(seed)
    model = load_pretrained(cfg["depth"], device=dev)
    test = lambda: _test_loader(profile, IMAGENET_MEAN, IMAGENET_STD, device=dev)
    limit = settings(profile)["shuffle"]["test_limit"]
    store.compute(("test_acc_pretrained", limit), lambda: evaluate(model, test())["acc"])
    ckpt = store.artifact("model.pt")
    if ckpt.exists():
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
    acc = store.compute(("test_acc", limit), lambda: _need_weights(model, True) or evaluate(model, test())["acc"])
    return model, acc, store, test


def _shuffled(store, model, evaluate_fn, trials, seed, **kw) -> pd.DataFrame:
    from .shuffle import shuffle_trials
    done = {t: store.get(("shuffle", seed, t)) for t in range(trials) if ("shuffle", seed, t) in store}
    _need_weights(model, len(done) < trials)
    return shuffle_trials(model, evaluate_fn, trials=trials, seed=seed, done=done,
                          on_trial=lambda t, row: store.put(("shuffle", seed, t), row), **kw)


def shuffling(profile: str, seed: int = 0, progress: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 2.1. Returns (summary: one row per network, trials: one row per random swap)."""
    from .shuffle import random_edge_swaps, supernet_cells, swap_edges
    from .train import evaluate
    trials = settings(profile)["shuffle"]["trials"]
    limit = settings(profile)["shuffle"]["test_limit"]
    dev = config.device()
    per_trial = []

    vgg, vgg_acc, vstore = trained_vgg(profile, seed, progress)
    t = _shuffled(vstore, vgg, lambda: evaluate(vgg, _test_loader(profile, device=dev))["acc"], trials, seed,
                  progress=progress)
    per_trial.append(t.assign(network="VGG", before=vgg_acc))

    res, res_acc, rstore, rtest = finetuned_resnet(profile, seed, progress)
    t = _shuffled(rstore, res, lambda: evaluate(res, rtest())["acc"], trials, seed, progress=progress)
    per_trial.append(t.assign(network="ResNet", before=res_acc))

    net, _ = train_supernet(profile, NB201_OPS, seed, progress)
    cfg = settings(profile)["supernet"]
    sstore = ResultStore("thesis_supernet_shuffle", dict(cfg, ops=list(NB201_OPS), seed=seed, test_limit=limit),
                         root=_root(profile))
    sacc = sstore.compute("test_acc", lambda: _need_weights(net, True) or accuracy(net, _test_loader(profile, device=dev)))
    t = _shuffled(sstore, net, lambda: accuracy(net, _test_loader(profile, device=dev)), trials, seed,
                  slots=lambda: supernet_cells(net), pick=random_edge_swaps, swap_fn=swap_edges, progress=progress)
    per_trial.append(t.assign(network="supernet", before=sacc))

    trials_df = pd.concat(per_trial, ignore_index=True)
    rows = []
    names = {"VGG": settings(profile)["vgg"]["model"], "ResNet": f"resnet{settings(profile)['resnet']['depth']}",
             "supernet": f"NB201 supernet C={cfg['C']} N={cfg['N']} (DARTS, {cfg['epochs']} ep)"}
    for name, g in trials_df.groupby("network", sort=False):
        pb, pa, ps = PAPER["table_2_1"][name]
        rows.append({"network": name, "model": names[name], "before": g["before"].iloc[0],
                     "after_mean": g["acc"].mean(), "after_std": g["acc"].std(ddof=1), "trials": len(g),
                     "paper_before": pb, "paper_after": f"{pa:.2f} +- {ps:.2f}",
                     "paper_drop": pb - pa, "measured_drop": g["before"].iloc[0] - g["acc"].mean()})
    return pd.DataFrame(rows), trials_df
