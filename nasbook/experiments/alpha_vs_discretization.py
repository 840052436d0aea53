"""Notebook 05_alpha_vs_discretization: does alpha measure operation strength? (DARTS-PT
thesis, Wang 2021, Sec. 2.3, Figs. 2.1-2.3). Also the chapter-2 supernet that notebook 06
shuffles.

  Fig. 2.1  softmaxed alpha vs discretization accuracy at convergence, all ops on 3 random edges
  Fig. 2.2  op picked by alpha vs by discretization accuracy on every (normal-cell) edge of S2
  Fig. 2.3  mean(alpha_skip - alpha_conv) (softmaxed) vs supernet validation accuracy per epoch

Supernets are trained by the project's one supernet trainer, `nasbook.supernet.search`
(first-order DARTS), with darts-pt's settings: notebook 07's `method_config("darts_pt", ...)`
(its WEIGHT_OPT row, from darts-pt `nasbench201/train_search.py` and `sota/cnn/train_search.py`:
SGD lr 0.025 cosine to 0.001, momentum 0.9, no Nesterov, weight decay 3e-4, clip 5, the alpha
step before the weights step; alphas Adam 3e-4, betas (0.5, 0.999), wd 1e-3; batch 64; float32).
Their configuration has the keys of notebook 07's supernets and lives in the same store
(`nb201_supernet_darts`), so the all-ops NB201 supernet of a profile IS notebook 07's DARTS-PT
supernet whenever the settings agree (at cpu they do). One checkpoint per epoch (weights,
alphas, optimisers, schedule, RNG state); per-epoch validation accuracy and alphas are stored
as items, so figures re-render without checkpoints.

The thesis uses the DARTS cell space; the paper profile does too (`nasbook.supernet.darts`,
S2 = {skip_connect, sep_conv_3x3}, the 14 edges of the normal cell). smoke and cpu use the
NB201 supernet (one shared 6-edge cell, S2 = {skip_connect, nor_conv_3x3}).
"""
from __future__ import annotations


import numpy as np
import pandas as pd
import torch
from scipy.stats import kendalltau, spearmanr

from .. import config, stats
from ..claims import Claim
from ..discretization import operation_strengths
from ..notebook import start as _start
from ..profiles import Profile, resolve as _resolve
from ..spaces import darts as darts_space
from ..spaces import nb201
from ..supernet import search
from . import nb201_weight_sharing as ws

NOTEBOOK = "05_alpha_vs_discretization"
# per search space: (all ops for Fig. 2.1, the two ops of S2: skip first, then the conv)
SPACES = {"nb201": (nb201.OPS, ("skip_connect", "nor_conv_3x3")), "darts": (darts_space.OPS, darts_space.S2)}


def _supernet(profile: str, **kw) -> dict:
    """Trainer settings: notebook 07's of this profile with `kw` (darts-pt's optimiser comes
    from method_config("darts_pt", ...))."""
    return {**ws.PROFILES[profile], **kw}


PROFILES = {
    "smoke": dict(space="nb201", supernet=_supernet("smoke", epochs=2, limit_train=128, limit_valid=128),
                  discretize=dict(edges=2, max_epochs=1, min_epochs=1, patience=1, min_delta=0.0, lr=0.005,
                                  tune_alphas=True)),
    # C=8 N=1, 8 epochs on a 5k/5k class-balanced subset of the search split (notebook 07's scale);
    # fine-tuning of the weights only (alphas frozen, half the cost) until converged: at least one
    # epoch, then 2 epochs in a row without a gain above 0.5 points (about the binomial standard
    # error of a 5000-image validation accuracy, 0.7 at 50%); the cap of 12 epochs is reported per run
    "cpu": dict(space="nb201", supernet=_supernet("cpu", epochs=8),
                discretize=dict(edges=3, max_epochs=12, min_epochs=1, patience=2, min_delta=0.5, lr=0.005,
                                tune_alphas=False)),
    # the thesis: DARTS space, 8 cells, C=16, 50 epochs on the 25k/25k search split
    "paper": dict(space="darts", supernet=_supernet("paper", space="darts", layers=8, N=None, epochs=50),
                  discretize=dict(edges=3, max_epochs=30, min_epochs=1, patience=2, min_delta=0.3, lr=0.005,
                                  tune_alphas=True)),  # 0.3: the standard error at 25k images
}
PAPER = {"fig_2_2_skip_by_alpha": (12, 14), "fig_2_2_conv_by_disc": (7, 14)}


def start(namespace: dict):
    return _start(NOTEBOOK, PROFILES, namespace)


def resolve(name: str) -> Profile:
    return _resolve(PROFILES, name)


# --------------------------------------------------------------------------- the supernet
def supernet_config(p: Profile, ops) -> dict:
    """The trainer configuration (store key) of the chapter-2 supernet with `ops`."""
    cfg = ws.method_config("darts_pt", p["supernet"])
    if p["space"] == "darts":
        cfg["space"], cfg["layers"] = "darts", p["supernet"]["layers"]
    ops = list(ops)
    cfg["ops"] = None if ops == list(SPACES[p["space"]][0]) and p["space"] == "nb201" else ops
    return cfg


def train_supernet(p: Profile, ops, seed: int = 0, progress: bool = True):
    """The chapter-2 supernet with `ops`, trained (or continued) by `nasbook.supernet.search`.

    Returns (net, trajectory: epoch, train_loss, valid_acc, alphas (softmaxed E x O)). When every
    epoch is stored but the last checkpoint is not here (a fresh clone), or the store is read-only
    (--from-results), `net.has_weights` is False: the numbers come from the store and nothing new
    can be computed from the net."""
    cfg = supernet_config(p, ops)
    store = p.store(f"nb201_supernet_{cfg['supernet']}", cfg)
    epochs = range(1, cfg["epochs"] + 1)
    directory = store.artifact(f"s{seed}")
    last, _ = search.latest_checkpoint(directory, "supernet")
    if store.readonly or (all(("epoch", e) in store for e in epochs) and last < cfg["epochs"]):
        net = search.build_net(cfg).to(config.device())
        net.has_weights = False
    else:
        out = search.train_supernet("darts", cfg, seed, directory, "supernet", device=config.device(),
                                    keep="all", progress=progress)
        net = out["net"]
        for rec in out["history"]:  # valid accuracy of every epoch's checkpoint (every batch), stored once
            e = rec["epoch"]
            store.compute(("epoch", e), lambda e=e, rec=rec: {
                "train_loss": rec["loss"], "seconds": rec["seconds"], "alphas": rec["probs"],
                "valid_acc": search.evaluate(search.load_net(search.checkpoint_path(directory, "supernet", e),
                                                             config.device()), cfg, config.device())})
    # read-only: MissingResult names the first epoch that is not stored (nothing is computed here)
    traj = pd.DataFrame([{"epoch": e, **store.compute(("epoch", e), _not_computed)} for e in epochs])
    return net.eval(), traj


def _not_computed():
    raise RuntimeError("supernet epoch record missing after training")  # unreachable: training stores every epoch


def need_weights(net, needed: bool) -> None:
    """A one-line error when new numbers are needed from a net whose checkpoint is not here."""
    if needed and not getattr(net, "has_weights", True):
        raise FileNotFoundError(f"{type(net).__name__}: results are missing from the store and so is the "
                                f"checkpoint to compute them from; delete the experiment's store to recompute")


# --------------------------------------------------------------------------- discretization
def _strengths(p: Profile, ops, edges, seed: int, progress: bool) -> pd.DataFrame:
    cfg, dcfg = supernet_config(p, ops), p["discretize"]
    net, traj = train_supernet(p, ops, seed, progress)
    store = p.store("thesis_discretization", dict(supernet=dict(cfg, seed=seed), **dcfg))
    need_weights(net, any(("disc", int(e), o) not in store for e in edges for o in range(len(ops))))
    dev = config.device()
    tuners = {}

    def train_epoch(n, epoch):  # one fine-tuning epoch at a constant learning rate
        if id(n) not in tuners:
            tuners.clear()
            w_opt = torch.optim.SGD(n.weight_parameters(), lr=dcfg["lr"], momentum=cfg["momentum"],
                                    nesterov=cfg["nesterov"], weight_decay=cfg["wd"])
            tuners[id(n)] = (search.make_arch("darts", n, cfg, seed), w_opt)
        arch, w_opt = tuners[id(n)]
        search.train_epoch(n, arch, w_opt, cfg, seed=seed * 7919 + 1, epoch=10_000 + epoch, device=dev,
                           train_arch=dcfg["tune_alphas"])

    recs = operation_strengths(net, edges, range(len(ops)), store, tag="disc", progress=progress,
                               discretize=lambda n, e, o: n.fix(e, o), train_epoch=train_epoch,
                               validate=lambda n: search.evaluate(n, cfg, dev),
                               max_epochs=dcfg["max_epochs"], patience=dcfg["patience"],
                               min_epochs=dcfg["min_epochs"], min_delta=dcfg["min_delta"])
    alphas = np.asarray(traj["alphas"].iloc[-1])
    n_valid = cfg["limit_valid"] or len(search.search_split("search_valid", None)[1])
    rows = []
    for r in recs:
        e, o = r["edge"], r["op"]
        lo, hi = stats.binomial_ci(r["acc"], n_valid)
        rows.append({"edge": e, "edge_name": net.edge_names[e], "op": ops[o], "alpha": float(alphas[e, o]),
                     "disc_acc": r["acc"], "disc_acc_lo": lo, "disc_acc_hi": hi,
                     "acc_discretized": r["acc_discretized"], "best_epoch": r["best_epoch"], "epochs": r["epochs"],
                     "cap_bound": not r["converged"],  # the cap ended it before the rule did
                     "supernet_acc": float(traj["valid_acc"].iloc[-1])})
    return pd.DataFrame(rows)


def _normal_edges(p: Profile) -> int:
    return len(darts_space.EDGES) if p["space"] == "darts" else len(nb201.EDGES)


def alpha_vs_discretization(p: Profile, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """Fig. 2.1: every op's softmaxed alpha and its discretization accuracy at convergence
    on `edges` random (normal-cell) edges of the supernet with all ops of its space."""
    edges = sorted(np.random.default_rng([seed, 21]).choice(_normal_edges(p), size=p["discretize"]["edges"],
                                                            replace=False).tolist())
    return _strengths(p, SPACES[p["space"]][0], edges, seed, progress)


def s2_strength(p: Profile, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """Fig. 2.2: alpha and discretization accuracy of both ops on every (normal-cell) edge of S2."""
    return _strengths(p, SPACES[p["space"]][1], range(_normal_edges(p)), seed, progress)


def edge_agreement(df: pd.DataFrame) -> pd.DataFrame:
    """Per edge: op with the largest alpha, op with the best discretization accuracy, whether
    they agree, Kendall's tau between alpha and accuracy over the ops, and whether the best op's
    accuracy is separated from the runner-up's (their 95% binomial intervals do not overlap)."""
    rows = []
    for (e, name), g in df.groupby(["edge", "edge_name"], sort=True):
        tau = kendalltau(g["alpha"], g["disc_acc"]).statistic if len(g) > 2 else np.nan
        ranked = g.sort_values("disc_acc", ascending=False)
        separated = len(g) > 1 and ranked["disc_acc_lo"].iloc[0] > ranked["disc_acc_hi"].iloc[1]
        rows.append({"edge": e, "edge_name": name, "op_by_alpha": g.loc[g["alpha"].idxmax(), "op"],
                     "op_by_disc_acc": g.loc[g["disc_acc"].idxmax(), "op"],
                     "agree": g["alpha"].idxmax() == g["disc_acc"].idxmax(), "kendall_tau": tau,
                     "max_alpha": g["alpha"].max(), "best_disc_acc": g["disc_acc"].max(),
                     "best_separated": bool(separated)})
    return pd.DataFrame(rows)


def s2_summary(agree: pd.DataFrame, p: Profile) -> pd.DataFrame:
    s2 = SPACES[p["space"]][1]
    n = len(agree)
    return pd.DataFrame([
        {"quantity": "edges where alpha picks skip_connect",
         "measured": f"{int((agree['op_by_alpha'] == 'skip_connect').sum())} of {n}", "paper": "12 of 14"},
        {"quantity": "edges where disc. accuracy prefers the conv",
         "measured": f"{int((agree['op_by_disc_acc'] == s2[1]).sum())} of {n}", "paper": "7 of 14 (half)"},
        {"quantity": "edges where alpha and disc. accuracy agree",
         "measured": f"{int(agree['agree'].sum())} of {n}", "paper": "not reported"}])


def alpha_gap(p: Profile, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """Fig. 2.3: per epoch of S2 supernet training, mean over (normal) edges of softmaxed
    alpha_skip - alpha_conv, next to the supernet validation accuracy."""
    _, traj = train_supernet(p, SPACES[p["space"]][1], seed, progress)
    a = np.stack([np.asarray(x) for x in traj["alphas"]])[:, :_normal_edges(p)]  # epochs x E x 2
    out = traj[["epoch", "valid_acc", "train_loss"]].copy()
    out["alpha_gap"] = (a[:, :, 0] - a[:, :, 1]).mean(1)
    out["skip_wins_edges"] = (a[:, :, 0] > a[:, :, 1]).sum(1)
    return out


# --------------------------------------------------------------------------- figures
def space_label(p: Profile) -> str:
    return "DARTS space (normal cell, 14 edges)" if p["space"] == "darts" else "NB201 supernet (6 edges)"


def _op_label(op: str) -> str:
    return op.replace("_", "\n", 1).replace("_", " ")


def figure_2_1(df: pd.DataFrame, p: Profile):
    """Per edge (columns): the softmaxed alpha of every op (top) and its discretization accuracy
    with the 95% binomial interval (bottom); the largest of each is drawn dark."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    edges = list(dict.fromkeys(df["edge_name"]))
    fig, axes = plt.subplots(2, len(edges), figsize=(3.9 * len(edges), 5.6), sharey="row", squeeze=False,
                             layout="constrained")
    n_ops = df["op"].nunique()
    lo_acc = np.floor(df["disc_acc_lo"].min() - 2)
    hi_acc = np.ceil(df["disc_acc_hi"].max() + 1)
    for j, name in enumerate(edges):
        g = df[df["edge_name"] == name].reset_index(drop=True)
        xs = np.arange(len(g))
        top, bottom = axes[0][j], axes[1][j]
        top.bar(xs, g["alpha"], 0.6, color=np.where(xs == g["alpha"].idxmax(), "tab:blue", "lightsteelblue"))
        top.axhline(1 / n_ops, color="k", ls=":", lw=1)
        top.set_title(f"edge {name}")
        top.set_ylim(0, max(df["alpha"].max() * 1.15, 1.3 / n_ops))
        best = g["disc_acc"].idxmax()
        bottom.bar(xs, g["disc_acc"], 0.6, color=np.where(xs == best, "tab:orange", "navajowhite"),
                   yerr=[g["disc_acc"] - g["disc_acc_lo"], g["disc_acc_hi"] - g["disc_acc"]], capsize=3)
        bottom.set_ylim(lo_acc, hi_acc)
        for ax in (top, bottom):
            ax.set_xticks(xs, [_op_label(o) for o in g["op"]], fontsize=8)
            ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("alpha (softmax)")
    axes[1][0].set_ylabel("discretization accuracy (%)\n(valid, after fine-tuning)")
    handles = [Patch(color="tab:blue", label="largest alpha on the edge"),
               Patch(color="tab:orange", label="best discretization accuracy (bars: 95% binomial interval)"),
               plt.Line2D([], [], color="k", ls=":", label=f"uniform alpha (1/{n_ops})")]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=8)
    fig.suptitle(f"DARTS-PT thesis Fig. 2.1: alpha does not necessarily agree with an op's discretization accuracy "
                 f"(paper: they disagree)\nmeasured on the {space_label(p)}, profile {p.name}", fontsize=11)
    return fig


def figure_2_2(agree: pd.DataFrame, p: Profile):
    """Per edge of S2: the op with the largest alpha (top row) and with the best discretization
    accuracy (bottom row), against the thesis' counts."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch
    skip, conv = SPACES[p["space"]][1]
    n = len(agree)
    rows = [("op_by_alpha", "largest alpha", "fig_2_2_skip_by_alpha", skip),
            ("op_by_disc_acc", "best discretization acc.", "fig_2_2_conv_by_disc", conv)]
    grid = np.array([[0 if op == skip else 1 for op in agree[col]] for col, *_ in rows])
    fig, ax = plt.subplots(figsize=(max(6.5, 0.75 * n + 4.5), 2.9), layout="constrained")
    ax.imshow(grid, cmap=ListedColormap(["#9ecae1", "#fdae6b"]), vmin=0, vmax=1, aspect="auto")
    for i, (col, *_rest) in enumerate(rows):
        for j, op in enumerate(agree[col]):
            ax.text(j, i, "skip" if op == skip else "conv", ha="center", va="center", fontsize=9)
    ax.set_xticks(range(n), agree["edge_name"], fontsize=8)
    ax.set_xticks(np.arange(n + 1) - 0.5, minor=True)
    ax.set_yticks([0.5], minor=True)
    ax.grid(which="minor", color="white", lw=2)
    ax.tick_params(which="minor", length=0)
    ylabels = []
    for col, label, key, op in rows:
        k, total = PAPER[key]
        here = int((agree[col] == op).sum())
        name = "skip" if op == skip else "conv"
        ylabels.append(f"{label}\n{name} on {here} of {n} here\n(paper: {k} of {total})")
    ax.set_yticks([0, 1], ylabels, fontsize=8)
    ax.set_xlabel("edge (to<-from)")
    fig.legend(handles=[Patch(color="#9ecae1", label=f"skip = {skip}"), Patch(color="#fdae6b", label=f"conv = {conv}")],
               loc="outside lower center", ncol=2, fontsize=8)
    fig.suptitle(f"DARTS-PT thesis Fig. 2.2: in S2 ({skip} or {conv}) alpha picks {skip} on most edges\n"
                 f"measured on the {space_label(p)}, profile {p.name}", fontsize=10)
    return fig


def figure_2_3(gap: pd.DataFrame, p: Profile):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    sc = ax.scatter(gap["valid_acc"], gap["alpha_gap"], c=gap["epoch"], cmap="viridis")
    ax.plot(gap["valid_acc"], gap["alpha_gap"], color="gray", lw=0.5)
    ax.axhline(0, color="k", lw=0.5, ls=":")
    fig.colorbar(sc, label="epoch")
    ax.set(xlabel="supernet validation accuracy (%)", ylabel="mean(alpha_skip - alpha_conv), softmaxed",
           title=f"DARTS-PT thesis Fig. 2.3 on S2, {space_label(p)}\n(paper: the gap grows with accuracy), "
                 f"profile {p.name}")
    return fig


# --------------------------------------------------------------------------- claims
UNIFORM_MARGIN = 0.05  # alphas within 0.05 of uniform (1/O) are "still near uniform"


def scale(p: Profile) -> str:
    s = p["supernet"]
    size = f"C={s['C']} N={s['N']}" if p["space"] == "nb201" else f"C={s['C']} {s['layers']} cells"
    images = "full 25k/25k" if s["limit_train"] is None else f"{s['limit_train']}/{s['limit_valid']} images"
    d = p["discretize"]
    return (f"{space_label(p)}, {size}, {s['epochs']} epochs on {images}; fine-tuning "
            f"{'weights + alphas' if d['tune_alphas'] else 'weights only'} until no gain > {d['min_delta']:g} points "
            f"for {d['patience']} epoch(s) (>= {d['min_epochs']}, cap {d['max_epochs']})")


def claims(p: Profile, fig21: pd.DataFrame, agree21: pd.DataFrame, agree22: pd.DataFrame,
           gap: pd.DataFrame) -> list[Claim]:
    """Rules.
    Fig. 2.1 "alpha does not necessarily agree with discretization accuracy": holds when on at
      least one edge the op with the largest alpha is not the best op AND the best op's accuracy
      is separated from the runner-up's (95% binomial intervals do not overlap); inconclusive when
      the alphas are still near uniform (max alpha < 1/O + 0.05 on every edge) or no disagreement
      is separated from the noise; differs when they agree on every edge with separated accuracies.
    Fig. 2.2 "alpha picks skip_connect on most edges (12 of 14)": holds when alpha picks skip on
      more than half the edges, differs when on at most half; inconclusive when alphas are near uniform.
    Fig. 2.3 "the skip-conv gap grows as the supernet improves": Spearman rho between validation
      accuracy and gap over epochs with a bootstrap interval over epochs; holds if the interval is
      above 0, differs if below 0, inconclusive otherwise, and inconclusive whatever the trend
      while the S2 alphas are still near uniform (the thesis' gap is the skip dominance that
      sets in late; a trend of a few hundredths says nothing about it).
    """
    sc = scale(p)
    out = []
    n_ops = fig21["op"].nunique()
    near_uniform21 = bool((agree21["max_alpha"] < 1 / n_ops + UNIFORM_MARGIN).all())
    disagree = agree21[~agree21["agree"]]
    sep = int(disagree["best_separated"].sum())
    if near_uniform21:
        v, why = "inconclusive", f"alphas still near uniform (max {agree21['max_alpha'].max():.2f} with {n_ops} ops)"
    elif sep:
        v, why = "holds", f"largest alpha is not the best op on {sep} edge(s) with separated accuracies"
    elif len(disagree):
        v, why = "inconclusive", "alpha and accuracy disagree only where accuracies are within the binomial noise"
    else:
        v, why = ("differs" if agree21["best_separated"].all() else "inconclusive",
                  "largest alpha is the best op on every edge")
    out.append(Claim(id="fig2_1_alpha_vs_strength", claim="alpha does not necessarily agree with an op's "
                     "discretization accuracy at convergence", source="DARTS-PT thesis Fig. 2.1", paper="disagree",
                     measured=f"largest alpha = best op on {int(agree21['agree'].sum())} of {len(agree21)} edges; "
                              f"Kendall tau(alpha, acc) {agree21['kendall_tau'].mean():.2f} (mean over edges); "
                              f"{int(fig21['cap_bound'].sum())} of {len(fig21)} fine-tunings ended by the cap",
                     value=float(agree21["agree"].mean()), verdict=v, reason=why, scale=sc))

    n = len(agree22)
    skip = int((agree22["op_by_alpha"] == "skip_connect").sum())
    near_uniform22 = bool((agree22["max_alpha"] < 0.5 + UNIFORM_MARGIN).all())
    v = "inconclusive" if near_uniform22 else ("holds" if skip > n / 2 else "differs")
    out.append(Claim(id="fig2_2_skip_by_alpha", claim="in S2 alpha picks skip_connect on most edges",
                     source="DARTS-PT thesis Fig. 2.2", paper="12 of 14 edges", measured=f"{skip} of {n} edges",
                     value=skip / n, verdict=v,
                     reason=("alphas still near uniform" if near_uniform22 else
                             f"skip on {'more' if skip > n / 2 else 'at most'} than half the edges"), scale=sc))

    rho = spearmanr(gap["valid_acc"], gap["alpha_gap"]).statistic if len(gap) > 2 else np.nan
    idx = np.arange(len(gap))
    rhos = []
    rng = np.random.default_rng(0)
    for _ in range(1000):
        b = rng.choice(idx, len(idx))
        if len(set(b)) > 2:
            rhos.append(spearmanr(gap["valid_acc"].to_numpy()[b], gap["alpha_gap"].to_numpy()[b]).statistic)
    lo, hi = (np.nanpercentile(rhos, [2.5, 97.5]) if rhos else (np.nan, np.nan))
    out.append(Claim(id="fig2_3_gap_grows", claim="mean(alpha_skip - alpha_conv) grows as the supernet improves",
                     source="DARTS-PT thesis Fig. 2.3", paper="increasing",
                     measured=f"Spearman rho(valid acc, gap) {rho:.2f} [{lo:.2f}, {hi:.2f}] (bootstrap 95% over "
                              f"{len(gap)} epochs); gap {gap['alpha_gap'].iloc[0]:+.3f} -> {gap['alpha_gap'].iloc[-1]:+.3f}",
                     value=float(rho), lo=float(lo), hi=float(hi),
                     verdict="inconclusive" if near_uniform22 else stats.interval_verdict(lo, hi),
                     reason=(f"S2 alphas still near uniform (max {agree22['max_alpha'].max():.2f} of 2 ops), although "
                             f"the trend is {'towards skip' if rho > 0 else 'towards the conv'}" if near_uniform22
                             else "bootstrap interval of rho above 0 holds, below 0 differs"), scale=sc))
    return out
