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
# # RMI over the NB201 space, beside the zero-cost proxies
#
# Claim (RMI-NAS supplement, Sec. 3 and Fig. 2, Zheng et al., CVPR 2022): ranking the
# NAS-Bench-201 architectures by their RMI score shows a **positive correlation with accuracy
# over the whole space**, and a **higher correlation among the best-performing architectures**
# (the top 5%). Fig. 2 is a rank-vs-rank scatter with no number, and no table of the scores exists.
# The paper never compares RMI with the free zero-cost proxies: Abdelfattah et al. (ICLR 2021)
# report a Spearman rho of **0.82** between final validation accuracy and their best zero-cost
# proxy on NB201; NASWOT is Mellor et al. (ICML 2021).
#
# What is measured here, on ONE set of architectures: the RMI score (beta 0.8 and beta 0),
# NASWOT, synflow, snip, grad_norm, grasp, fisher, jacob_cov, #params, FLOPs and the 12-epoch
# validation accuracy of the benchmark (the cheap-training baseline). Kendall tau and Spearman rho
# with the 200-epoch CIFAR-10 test accuracy over all architectures and over the top 5% / 10% by
# that accuracy (CIFAR-100 and ImageNet16-120 as transfer), each with a stratified paired
# bootstrap interval over architectures, and the cost of each score per architecture on this
# machine (12-epoch training: an estimate from timed training steps).
#
# Scale per profile (`nasbook.experiments.rmi_full_space.PROFILES`):
# * **paper**: all 15,625 architectures, RMI at the paper's settings (C=16, N=5 candidates, 150
#   steps, ResNet-20 fine-tuned 5 epochs); a GPU run in chunks through the burst runner.
# * **cpu**: 1,000 architectures drawn uniformly; RMI with notebook 01's cpu settings (C=8, N=1
#   candidates, 100 steps, ResNet-20 fine-tuned one epoch on 10k images); proxies on the NB201
#   network C=16, N=5 with one batch of 64 images. Beside it, notebook 01's paper-size scale
#   (C=16, N=5, 150 steps, 30 architectures stratified by accuracy), read from the store only:
#   a run still in progress shows what is stored.
# * With `--from-results` nothing is computed: a run still in progress is shown on the architectures
#   it has finished (its first chunks, a uniform sample too), and every claim's scale says how many.
# * **smoke**: a dozen architectures, tiny candidates and a tiny proxy network; checks the pipeline.

# %% tags=["parameters"]
profile = "smoke"
seed = 0

# %%
from nasbook.experiments import rmi_full_space as ex

nb = ex.start(globals())
runs = ex.scales(nb.p, seed=seed)   # {scale: (profile of its RMI settings, one row per architecture)}
label, (rp, frame) = next(iter(runs.items()))
nb.table(frame, "scores", floatfmt=".4g")
frame.head()

# %% [markdown]
# ## Correlation with the 200-epoch test accuracy
# Diverged RMI candidates (NaN loss) and singular proxy kernels rank last. Intervals: percentile
# bootstrap 95% over architectures, stratified by the top-5% / top-10% sets so that every
# difference is paired. `seconds_per_arch` is the cost on this machine.

# %%
cost = ex.costs(nb.p, runs, seed=seed)
corr = ex.correlations(nb.p, runs)
nb.table(cost, "costs", floatfmt=".3g")
nb.table(corr, "correlations", floatfmt=".3f")
nb.table(ex.summary(corr, cost), "summary", floatfmt=".3f")

# %%
if len(runs) > 1:   # notebook 01's paper-size scale: the architectures stored so far
    nb.table(ex.summary(corr, cost, list(runs)[1]), "summary_paper_size", floatfmt=".3f")

# %% [markdown]
# ## Transfer: the same scores against CIFAR-100 and ImageNet16-120

# %%
corr[(corr["dataset"] != "cifar10") & (corr["scale"] == label)][["label", "dataset", "tau", "tau_lo", "tau_hi", "rho"]]

# %% [markdown]
# ## Rank against rank (as the supplement's Fig. 2), and ranking quality against cost

# %%
nb.figure(ex.rank_figure(runs, corr), "rank_vs_rank")

# %%
nb.figure(ex.pareto_figure(corr, cost), "tau_vs_cost")

# %% [markdown]
# ## Verdicts

# %%
nb.claim(*ex.claims(nb.p, runs, corr, seed=seed))
nb.verdicts()

# %%
nb.finish()
