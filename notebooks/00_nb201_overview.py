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
# # NAS-Bench-201 overview
# The ground truth every search notebook is judged against: the CIFAR-10, CIFAR-100 and
# ImageNet16-120 test accuracies of all 15,625 cells after 200 epochs, how well the
# 12-epoch validation accuracy (the search signal of the NATS-Bench protocol) ranks them,
# the best architectures, and parameter count against accuracy.

# %% tags=["parameters"]
profile = "smoke"
seed = 0

# %%
import matplotlib.pyplot as plt
import seaborn as sns

from nasbook.data import nb201 as bench
from nasbook.experiments import nb201_overview as ex

nb = ex.start(globals())
table = bench.load_table()

# %% [markdown]
# ## Accuracy distributions and rank agreement
# "paper best" is the "Optimal" row of the NAS-Bench-201 paper; our "best" is read from the
# same benchmark, so the two must agree. The Kendall tau column says how faithfully the
# 12-epoch validation accuracy orders architectures by their final test accuracy.

# %%
summary = ex.summary(table)
nb.table(summary, "summary")
summary

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
sns.histplot(ex.accuracy_long(table), x="test_acc", hue="dataset", bins=100, element="step", ax=ax)
ax.set(xlabel="200-epoch test accuracy (%)", ylabel="architectures", xlim=(0, 100))
nb.figure(fig, "accuracy_distribution")

# %% [markdown]
# ## Top-10 architectures (by CIFAR-10 test accuracy)

# %%
top10 = ex.top(table, 10)
nb.table(top10, "top10")
top10

# %% [markdown]
# ## Parameter count vs accuracy
# Parameter counts come from `nasbook.spaces.nb201.build_network` (C=16, N=5, CIFAR-10 head):
# a random sample in the smoke profile, all 15,625 networks otherwise.

# %%
params = ex.param_counts(nb.p, seed)
frame = table.loc[params.index, [bench.TEST["cifar10"]]].assign(params_M=params)
fig, ax = plt.subplots(figsize=(5, 4))
ax.scatter(frame.params_M, frame[bench.TEST["cifar10"]], s=2, alpha=0.3)
ax.set(xlabel="parameters (M)", ylabel="CIFAR-10 test accuracy (%)", ylim=(50, 96))
nb.figure(fig, "params_vs_accuracy")
frame.corr(method="kendall")

# %% [markdown]
# ## Verdicts

# %%
nb.claim(*ex.claims(table))
nb.verdicts()

# %%
nb.finish()
