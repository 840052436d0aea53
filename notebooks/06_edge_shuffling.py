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
# # Layer and edge shuffling: DARTS-PT thesis, Table 2.1
# Claim (Wang 2021, Sec. 2.3.2): like a ResNet and unlike a VGG, a trained DARTS supernet is
# robust to reordering its layers at test time, evidence that its edges perform "unrolled
# estimation" of one shared feature map. Paper, CIFAR-10 test accuracy before -> after swapping
# two layers in each stage (VGG, ResNet) or two edges in every cell (supernet):
# VGG 92.69 -> 9.83 ± 0.33, ResNet 93.86 -> 83.20 ± 2.03, DARTS supernet 88.44 -> 81.09 ± 1.87.
#
# **Protocol.** A stage is the run of layers between two downsampling blocks; two layers can be
# swapped only when both keep the shape of their input (VGG: conv-BN-ReLU units with equal in/out
# channels; ResNet: blocks without downsampling). Each trial swaps one random candidate pair in
# every stage that has two, evaluates on the CIFAR-10 test set in eval mode and restores the
# network; trial t draws from rng([seed, t]). VGG-16 and ResNet-20 have only a few distinct swap
# configurations, so repeated trials repeat them: mean ± sample std are over the distinct
# configurations (n = `distinct_swaps`), not over the trials. Supernet: in every search cell two random edges trade
# their op modules (weights); the shared alphas stay with the edge positions.
#
# **Networks.** VGG with BatchNorm trained from scratch on the CIFAR-10 in use (VGG-11 in smoke);
# the pretrained CIFAR ResNet (official images) fine-tuned on it; the supernet of notebook 05
# (NB201 space, all 5 ops, trained once by the project's supernet trainer and shared), not the
# DARTS-space supernet of the thesis.

# %% tags=["parameters"]
profile = "smoke"
seed = 0

# %%
import pandas as pd

from nasbook.experiments import edge_shuffling as ex

nb = ex.start(globals())
pd.DataFrame({k: [str(nb.p[k])] for k in ("vgg", "resnet", "shuffle")}).T

# %%
table, trials = ex.shuffling(nb.p, seed=seed)
nb.table(table, "table2_1")
nb.table(trials, "table2_1_trials")
nb.figure(ex.figure(table, nb.p), "table2_1")
table

# %% [markdown]
# The ResNet was trained on the official CIFAR-10 images; its accuracy on the images in use,
# before and after fine-tuning:

# %%
ex.resnet_accuracies(nb.p, seed=seed)

# %% [markdown]
# ## Verdicts

# %%
nb.claim(*ex.claims(nb.p, table, trials))
nb.verdicts()

# %%
nb.finish()
