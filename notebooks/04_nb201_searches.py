# ---
# jupyter:
#   jupytext:
#     notebook_metadata_filter: -jupytext.text_representation.format_version,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Searches on NAS-Bench-201: RMI-NAS Table 1, Fig. 1b, GP-NAS, Theorem 1, RANK-NOSH
# - RMI-NAS (CVPR 2022) Table 1, CIFAR-10 test: RS 93.80 ± 0.36, RL (REINFORCE) 93.85 ± 0.37,
#   RMI-NAS 94.28 ± 0.10; Fig. 1b: searches driven by the RMI loss instead of training are 19x
#   faster on average; Theorem 1 / Eq. 6: the per-edge mode of good architectures is the optimum.
# - GP-NAS (CVPR 2020): MI sampling needs 25x fewer samples than random (MobileNetV3 space).
# - RANK-NOSH (thesis ch. 4): the best predictor search's accuracy with >= 5x less budget (DARTS).
# A search sees only its signal, the table's 12-epoch validation accuracy ("benchmark") or the
# RMI loss ("rmi", CIFAR-10 teacher), and a budget of architectures; it reports its pick's
# 200-epoch test accuracy (our "valid" columns are 12-epoch, the paper's 200-epoch). ± = sample
# sd (n). smoke checks the pipeline; cpu runs the table-driven searches at full scale and the RMI
# signal with a reduced candidate; paper uses the papers' settings (GPU). Scale: printed below.

# %% tags=["parameters"]
profile = "smoke"
seed = 0

# %%
from IPython.display import Markdown

from nasbook.experiments import nb201_searches as ex

nb = ex.start(globals())
display(Markdown(ex.scale(nb.p)))
bench, rmi = ex.benchmark_runs(nb.p), ex.rmi_runs(nb.p)

# %% [markdown]
# ## RMI-NAS Table 1 layout, the paper's numbers beside ours
# Our cost: wall time plus stored RMI seconds; the paper's: simulated training (RS, RL), GPU (RMI-NAS).

# %%
nb.table(ex.table1(bench, rmi), "table1")

# %% [markdown]
# ## RMI instead of training (Fig. 1b) and anytime curves
# Like with like: the same candidate networks, on this device, trained for 12 epochs (the table
# signal) or scored by RMI; then the anytime curves of the table-driven searches.

# %%
timing = nb.table(ex.fig1b_timing(nb.p), "fig1b_timing")
f1b = nb.table(ex.fig1b(nb.p, rmi, timing), "fig1b")
nb.figure(ex.fig1b_figure(f1b), "fig1b")
nb.figure(ex.anytime_figure(ex.anytime(bench)), "anytime_cifar10")
f1b

# %% [markdown]
# ## GP-NAS: prediction quality (tau, RMSE on held-out architectures) against the number of samples
# Batches by Eq. 12 (GP-NAS) or at random (GP-NAS-rdm); the held-out architectures are never sampled.
# Table: samples GP-NAS-rdm needs for GP-NAS's tau (censored where it never gets there).

# %%
curves, gp_runs = ex.gp_curves(nb.p)
nb.table(ex.gp_curve_means(curves), "gpnas_curves")
nb.figure(ex.gp_curves_figure(curves), "gpnas_curves")
nb.figure(ex.gp_pred_vs_true_figure(gp_runs), "gpnas_pred_vs_true")
nb.table(ex.samples_to_reach(curves), "gpnas_samples_to_reach")

# %% [markdown]
# ## Theorem 1 on the full table
# Rank (1 = optimum) of the per-edge mode (Eq. 6) above tightening thresholds, noise-free or sigma 0.5.

# %%
th = nb.table(ex.theorem1(nb.p), "theorem1")
nb.figure(ex.theorem1_figure(th), "theorem1")
ex.theorem1_ranks(th)

# %% [markdown]
# ## Weight-sharing searches: notebook 07's rows, read from its store (empty until it has run)

# %%
weight_sharing = ex.weight_sharing_rows(nb.p, seed)
if len(weight_sharing):
    nb.table(weight_sharing, "weight_sharing_rows")
weight_sharing

# %% [markdown]
# ## RANK-NOSH: budget in simulated training epochs
# All see the 12-epoch validation accuracy; RANK-NOSH pays 12 epochs per promotion (NASWOT level
# free), the predictor search 200 per architecture, `predictor_12` (ablation), RS and REA 12.

# %%
nosh = ex.nosh_runs(nb.p)
nosh_curves = ex.nosh_curves(nosh)
nb.table(ex.nosh_accuracy(nosh_curves, nb.p), "rank_nosh_accuracy")
nosh_ratio = nb.table(ex.nosh_budget_ratio(nosh_curves, nb.p), "rank_nosh_budget_ratio", floatfmt=".2f")
nb.table(ex.proxy_summary_table(nosh["proxy"]), "rank_nosh_proxy_tau", floatfmt=".3f")
nb.figure(ex.nosh_figure(nosh_curves), "rank_nosh_budget_curves")
nosh_ratio

# %%
nb.claim(*ex.claims(nb.p, bench, rmi, f1b, timing, curves, th, nosh_curves, nosh_ratio))
nb.verdicts()

# %%
nb.finish()
