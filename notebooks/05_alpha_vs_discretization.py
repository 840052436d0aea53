# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Does alpha measure operation strength? DARTS-PT thesis, Fig. 2.1, 2.2, 2.3
# Claims (Wang 2021, Sec. 2.3, the DARTS-PT analysis):
# - Fig. 2.1: on a pretrained supernet, the softmaxed alpha of an op does not necessarily
#   agree with its *discretization accuracy at convergence* (discretize the edge to that op,
#   fine-tune the rest of the supernet until validation accuracy stops improving, record it).
# - Fig. 2.2: in the two-op space S2 = {skip_connect, sep_conv_3x3}, alpha picks skip on 12 of
#   14 edges, while discretization accuracy prefers the convolution on half of them.
# - Fig. 2.3: mean(alpha_skip - alpha_conv) (softmaxed) grows as the supernet gets better.
#
# **Search space.** The thesis uses the DARTS cell space (8 cells, 14 edges per cell, 8 ops;
# S2 with sep_conv_3x3). The paper profile does too (`nasbook.supernet.darts_space`, the DARTS
# search model, 1,930,618 parameters at C=16; the figures use the 14 edges of the normal cell).
# The smoke and cpu profiles use the NAS-Bench-201 weight-sharing supernet of `nasbook.supernet`
# (one cell architecture with 6 edges shared by all cells, 5 ops: none, skip_connect,
# nor_conv_1x1, nor_conv_3x3, avg_pool_3x3; S2 = {skip_connect, nor_conv_3x3}), so their
# Fig. 2.2 counts are out of 6 edges, not 14. Every figure title names its space.
#
# **Protocol.** Supernets are trained with first-order DARTS (NB201 settings: SGD 0.025
# cosine to 0.001, momentum 0.9, wd 3e-4, clip 5; alphas Adam 3e-4, betas (0.5, 0.999), wd 1e-3;
# batch 64) on the NB201 search split (train half for weights, valid half for alphas).
# Discretization accuracy: a copy of the trained supernet with one edge fixed to one op is
# fine-tuned epoch by epoch at a constant learning rate (`discretize.lr`), weights only or
# weights and alphas (`discretize.tune_alphas`), until the validation accuracy does not improve
# for `patience` epochs (at most `max_epochs`); the best validation accuracy is recorded.
# The thesis gives no fine-tuning settings; these are ours.
#
# **Scale.** smoke: C=4 N=1, 256/256 images, seconds. cpu: C=8 N=1 supernets trained 10
# epochs on a 5k/5k class-balanced subset of the search split; fine-tuning of weights only
# (alphas frozen, half the cost) for at most 4 epochs, patience 1 (measured ~25 min on 2
# cores). paper: C=16 N=5, 50 epochs on 25k/25k, fine-tuning weights and alphas up to 30
# epochs with patience 2 (GPU).

# %% tags=["parameters"]
profile = "smoke"
seed = 0

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from nasbook import thesis_experiments as te
from nasbook.outputs import Outputs

out = Outputs("05_alpha_vs_discretization", profile, params=dict(profile=profile, seed=seed))
settings = te.settings(profile)
all_ops, s2_ops = te.SPACES[te.space(profile)]
space = ("DARTS space (normal cell, 14 edges)" if te.space(profile) == "darts"
         else "NB201 supernet (6 edges)")
print(f"search space: {space}; Fig. 2.1 ops {all_ops}; S2 {s2_ops}")
pd.DataFrame({k: [str(v)] for k, v in settings.items() if k in ("supernet_05", "discretize")}).T

# %% [markdown]
# ## Fig. 2.1: alpha vs discretization accuracy at convergence on 3 random edges
# One panel per edge: blue bars are the softmaxed alphas of the trained supernet with all ops
# of its space, orange bars the discretization accuracy at convergence of each op. The table
# says per edge whether the largest alpha is the strongest op and gives Kendall's tau between
# alpha and accuracy over the ops (the thesis reports no number, only that they "do not necessarily agree").

# %%
fig21 = te.alpha_vs_discretization(profile, seed=seed)
out.table(fig21, "fig2_1_alpha_vs_disc_acc")
agree21 = te.edge_agreement(fig21)
out.table(agree21, "fig2_1_agreement")
print(f"largest alpha = strongest op on {int(agree21['agree'].sum())} of {len(agree21)} edges; "
      f"mean Kendall tau {agree21['kendall_tau'].mean():.2f}")
agree21

# %%
edges = list(agree21["edge_name"])
fig, axes = plt.subplots(1, len(edges), figsize=(4.2 * len(edges), 3.4), squeeze=False)
for ax, name in zip(axes[0], edges):
    g = fig21[fig21["edge_name"] == name]
    xs = np.arange(len(g))
    ax.bar(xs - 0.2, g["alpha"], 0.4, color="tab:blue", label="alpha (softmax)")
    ax.set_ylabel("alpha", color="tab:blue")
    ax2 = ax.twinx()
    ax2.bar(xs + 0.2, g["disc_acc"], 0.4, color="tab:orange", label="disc. acc. at convergence")
    lo = g["disc_acc"].min()
    ax2.set_ylim(max(0, lo - 0.5 * (g["disc_acc"].max() - lo) - 1), g["disc_acc"].max() + 1)
    ax2.set_ylabel("valid acc (%)", color="tab:orange")
    ax.set_xticks(xs, [o.replace("_", "\n") for o in g["op"]], fontsize=7)
    ax.set_title(f"edge {name}")
fig.suptitle(f"Fig. 2.1 on the {space}, {len(all_ops)} ops, profile {profile}")
fig.tight_layout()
out.figure(fig, "fig2_1")

# %% [markdown]
# ## Fig. 2.2: op picked by alpha vs op picked by discretization accuracy in S2
# S2 in smoke/cpu is the NB201 cell with {skip_connect, nor_conv_3x3} on each of its 6 edges; in
# the paper profile, as in the thesis, the DARTS normal cell with {skip_connect, sep_conv_3x3} on
# its 14 edges. Parametric picks are red.

# %%
fig22 = te.s2_strength(profile, seed=seed)
out.table(fig22, "fig2_2_s2_alpha_vs_disc_acc")
agree22 = te.edge_agreement(fig22)
n = len(agree22)
summary22 = pd.DataFrame([
    {"quantity": "edges where alpha picks skip_connect",
     "measured": f"{int((agree22['op_by_alpha'] == 'skip_connect').sum())} of {n}", "paper": "12 of 14"},
    {"quantity": "edges where disc. accuracy prefers the conv",
     "measured": f"{int((agree22['op_by_disc_acc'] == s2_ops[1]).sum())} of {n}", "paper": "7 of 14 (half)"},
    {"quantity": "edges where alpha and disc. accuracy agree",
     "measured": f"{int(agree22['agree'].sum())} of {n}", "paper": "not reported"},
])
out.table(agree22, "fig2_2_per_edge")
out.table(summary22, "fig2_2_summary")
summary22

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 2.8))
for ax, col, title in zip(axes, ["op_by_alpha", "op_by_disc_acc"],
                          ["(a) largest alpha", "(b) best discretization accuracy"]):
    for i, (name, op) in enumerate(zip(agree22["edge_name"], agree22[col])):
        ax.text(i, 0, op, rotation=90, ha="center", va="center",
                color="red" if op != "skip_connect" else "black", fontsize=9)
    ax.set_xticks(range(n), agree22["edge_name"], rotation=90 if n > 6 else 0, fontsize=8)
    ax.set_yticks([])
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylim(-1, 1)
    ax.set_xlabel("edge (to<-from)")
    ax.set_title(title)
fig.suptitle(f"Fig. 2.2 on S2 {set(s2_ops)} of the {space}, profile {profile}")
fig.tight_layout()
out.figure(fig, "fig2_2")

# %% [markdown]
# ## Fig. 2.3: mean(alpha_skip - alpha_conv) vs supernet validation accuracy
# One point per epoch of training the S2 supernet. The thesis' claim holds when the gap
# grows as the validation accuracy grows; the table gives the Spearman correlation.

# %%
gap = te.alpha_gap(profile, seed=seed)
out.table(gap, "fig2_3_alpha_gap")
from scipy.stats import spearmanr
rho = spearmanr(gap["valid_acc"], gap["alpha_gap"]).statistic if len(gap) > 2 else float("nan")
print(f"Spearman(valid acc, alpha gap) over {len(gap)} epochs: {rho:.2f} (paper: gap increases with accuracy)")
gap

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
sc = ax.scatter(gap["valid_acc"], gap["alpha_gap"], c=gap["epoch"], cmap="viridis")
ax.plot(gap["valid_acc"], gap["alpha_gap"], color="gray", lw=0.5)
fig.colorbar(sc, label="epoch")
ax.set(xlabel="supernet validation accuracy (%)", ylabel="mean(alpha_skip - alpha_conv), softmaxed",
       title=f"Fig. 2.3 on S2 of the {space.split(' (')[0]}, profile {profile}")
out.figure(fig, "fig2_3")

# %% [markdown]
# ## Where this differs from the thesis
# - Search space (smoke, cpu): NB201 supernet (6 shared edges) instead of the DARTS space (14 edges,
#   8 cells), nor_conv_3x3 instead of sep_conv_3x3; Fig. 2.2 counts are out of 6 edges. The paper
#   profile runs on the DARTS space like the thesis.
# - Fine-tuning settings (learning rate, patience, what is tuned) are not given in the thesis;
#   the profile table above shows ours. In the cpu profile only the weights are fine-tuned.
# - cpu: small supernets (C=8, N=1) trained briefly on 5k images, so accuracies are far below
#   the thesis' and differences between ops can be within the noise of a 5k validation set.

# %% [markdown]
# ## Measured at the cpu profile (committed results)
# NB201 supernet, C=8 N=1, 10 epochs on 5k/5k (valid accuracy 48.5% with 5 ops, 52.3% in S2).
# - Fig. 2.1: the largest alpha is the strongest op on 1 of the 3 edges (edges 1<-0 and 3<-0:
#   alpha favours `none`, discretization accuracy `nor_conv_3x3`); Kendall tau 0.40-0.60. The
#   alphas are still almost uniform after 10 epochs (largest 0.21-0.22 of 5), so this agrees with
#   "alpha does not necessarily agree" only weakly.
# - Fig. 2.2: alpha picks the convolution on all 6 edges of S2 (thesis: skip on 12 of 14);
#   discretization accuracy prefers the convolution on 5 of 6. Differs from the thesis.
# - Fig. 2.3: mean(alpha_skip - alpha_conv) goes from -0.01 to -0.03 while validation accuracy
#   rises from 28% to 52%: the gap grows in favour of the convolution, the opposite of the
#   thesis' figure.
# At this scale (10 epochs of a one-cell-per-stage supernet on 5k images) the skip-connection
# dominance that the thesis analyses has not set in; the paper profile (the DARTS space,
# 50 epochs on 25k/25k) is where the claim is tested as stated, and it needs a GPU.

# %%
out.finish()
