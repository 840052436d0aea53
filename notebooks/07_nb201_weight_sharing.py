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
# # Weight-sharing searches on NAS-Bench-201: DARTS, GDAS, DARTS-PT, DrNAS, VIM-NAS
#
# One NB201 supernet (same skeleton as the final network; BatchNorm without affine or
# running statistics in the search cells) trained on the NB201 search split of CIFAR-10
# by five methods; the derived architecture of each search is looked up in the NB201
# table (200-epoch test accuracy on CIFAR-10, CIFAR-100, ImageNet16-120).
#
# Claims checked (papers' numbers, CIFAR-10 test): DARTS collapses to parameter-free ops
# (VIM-NAS Table 3: 54.30); GDAS 93.61 ± 0.09 and VIM-NAS 94.31 ± 0.11 (VIM-NAS Table 3,
# RMI-NAS Table 1); thesis Fig. 3.1, the argmax-alpha architecture degrades along DARTS
# training while perturbation-based selection (PT) stays high; VIM-NAS Fig. 2, a nearly
# one-hot distribution after one epoch. Measured: per seed, the derived cell, its test
# accuracy and its number of parameter-free edges; argmax vs PT on DARTS supernet snapshots;
# the anytime weights of edge 1<-0.
#
# Scale per profile: smoke C=4, N=1, 256/256 images, 2 epochs, 1 seed (pipeline check only);
# cpu C=8, N=1, a class-balanced 5k/5k subset of the search split, 8 epochs per method,
# PT on 8 validation batches with 1 tune epoch between edges, 2 seeds; paper C=16, N=5,
# 25k/25k, DARTS 50 / GDAS 250 / DARTS-PT and DrNAS 100 / VIM-NAS 50 epochs, PT on the full
# validation split with 5 tune epochs, 4 seeds (GPU; resumable with `max_seconds`). At cpu
# scale the supernets are far from converged: the claims' scale column says so next to
# every verdict.

# %% tags=["parameters"]
profile = "smoke"
seed = 0
max_seconds = None  # paper profile on a lent GPU: e.g. 540 to stop (resumably) before 10 minutes

# %%
from nasbook.experiments import nb201_weight_sharing as ex

nb = ex.start(globals())

# %% [markdown]
# ## Searches: mean ± sample std (n seeds) of the derived architecture's NB201 test accuracy
# Search seconds are this machine's; the papers' are GPU seconds.

# %%
results = ex.run_all(nb.p, seed, max_seconds=max_seconds)
nb.table(ex.search_table(results), "searches")

# %% [markdown]
# Per seed: the derived cell, its CIFAR-10 test accuracy, how many of its 6 edges carry a
# parameter-free op (none, skip_connect, avg_pool_3x3), and whether any input-output path
# avoids `none` (a cell without one outputs zeros).

# %%
nb.table(ex.per_seed(results), "searches_per_seed")

# %% [markdown]
# ## Thesis Fig. 3.1: argmax alpha vs perturbation-based selection along DARTS training

# %%
traj = nb.table(ex.trajectories(nb.p, seed), "pt_trajectory")
nb.figure(ex.trajectory_figure(traj, nb.p), "pt_trajectory")
ex.trajectory_means(traj)

# %% [markdown]
# ## VIM-NAS Fig. 2 analogue: anytime weights of the first edge, DARTS vs VIM-NAS
# The table gives each op's weight at the end of epoch 1 (largest weight near 1 = one-hot).

# %%
any_df = nb.table(ex.anytime_edge0(results), "anytime_edge0")
nb.figure(ex.anytime_figure(any_df), "anytime_edge0")
ex.epoch1_weights(any_df)

# %% [markdown]
# ## Verdicts

# %%
nb.claim(*ex.claims(nb.p, results, traj))
nb.verdicts()

# %%
nb.finish()
