# %% [markdown]
# # Weight-sharing searches on NAS-Bench-201: DARTS, GDAS, DARTS-PT, DrNAS, VIM-NAS
#
# One NB201 supernet (same skeleton as the final network; BatchNorm without affine or
# running statistics in the search cells) trained on the NB201 search split of CIFAR-10
# by five methods; the derived architecture of each search is looked up in the NB201
# table (200-epoch test accuracy on CIFAR-10, CIFAR-100, ImageNet16-120, as the NB201
# paper does). Beside each row: the papers' numbers (VIM-NAS Table 3, RMI-NAS Table 1).
# Then thesis Fig. 3.1 (argmax alpha vs perturbation-based selection on DARTS supernet
# snapshots along training) and the VIM-NAS Fig. 2 analogue (anytime weights of one edge).
#
# Scale per profile: smoke C=4, N=1, 256/256 images, 2 epochs (pipeline check only);
# cpu C=8, N=1, a class-balanced 5k/5k subset of the search split, 8 epochs per
# method, 1 tune epoch between PT selections, 2 seeds - sized so the whole notebook fits in
# ~45 min on 2 free cores; paper: C=16, N=5, 25k/25k, DARTS 50 / GDAS 250 / DARTS-PT and
# DrNAS 100 / VIM-NAS 50 epochs, 5 tune epochs, 4 seeds (GPU; resumable, `max_seconds`).
# At cpu scale the supernet is far from converged, so the numbers show tendencies (DARTS
# drifting to parameter-free ops, PT choosing better ops, whether VIM-NAS becomes nearly one-hot
# quickly) rather than the papers' accuracies; the table's columns put both side by side.

# %% tags=["parameters"]
profile = "smoke"
seed = 0
max_seconds = None  # paper profile on a lent GPU: e.g. 540 to stop (resumably) before 10 minutes

# %%
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from nasbook.outputs import Outputs
from nasbook.supernet import experiments as ex

out = Outputs("07_nb201_weight_sharing", profile, params=dict(profile=profile, seed=seed))
cfg = ex.settings(profile)
seeds = [seed + s for s in cfg["seeds"]]

# %% [markdown]
# ## Searches: mean ± std over seeds of the derived architecture's NB201 test accuracy

# %%
results = [ex.run(m, seed=s, profile=profile, max_seconds=max_seconds, progress=False)
           for m in cfg["methods"] for s in seeds]
table = ex.search_table(results)
out.table(table, "searches")
table

# %% [markdown]
# DARTS's paper row (54.30) is the all-skip-connection collapse at 50 epochs on the full
# supernet; shorter or smaller runs collapse less far, so compare the ops in the `archs`
# column as well as the accuracy. Search seconds are this machine's (CPU for cpu profile),
# the papers' are GPU seconds.

# %% [markdown]
# ## Thesis Fig. 3.1: argmax alpha vs perturbation-based selection along DARTS training

# %%
traj = pd.concat([ex.trajectory(profile, s, progress=False) for s in seeds], ignore_index=True)
out.table(traj, "pt_trajectory")
fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
for ax, d in zip(axes, ex.DATASETS):
    sns.lineplot(data=traj, x="epoch", y=f"test_{d}", hue="selection", marker="o", ax=ax)
    ax.set_title(d)
    ax.set_ylabel("NB201 test accuracy (%)")
fig.suptitle(f"DARTS supernet snapshots: argmax alpha vs PT ({profile} profile)")
out.figure(fig, "pt_trajectory")
traj.groupby(["epoch", "selection"])[[f"test_{d}" for d in ex.DATASETS]].mean()

# %% [markdown]
# The thesis shows the argmax curve falling as DARTS trains while PT stays high; whether
# that holds at this profile's scale is visible in the table above (same snapshots, two
# selection rules).

# %% [markdown]
# ## VIM-NAS Fig. 2 analogue: anytime weights of the first edge, DARTS vs VIM-NAS

# %%
any_df = ex.anytime([r for r in results if r.method in ("darts", "vimnas") and r.seed == seeds[0]], edge=0)
out.table(any_df, "anytime_edge0")
g = sns.relplot(data=any_df, x="epochs", y="weight", hue="op", col="method", kind="line", height=3.2, aspect=1.4)
g.set_axis_labels("epoch", "architecture weight (edge 1<-0)")
out.figure(g.figure, "anytime_edge0")
last_epoch1 = any_df[any_df["epoch"] == 0].sort_values("step").groupby(["method", "op"])["weight"].last()
last_epoch1.unstack()

# %% [markdown]
# VIM-NAS claims a nearly one-hot distribution after one epoch; the last table gives the
# weights at the end of epoch 1 for both methods (max weight near 1 = one-hot).

# %% [markdown]
# ## Measured at the cpu profile (committed results), beside the papers
# C=8, N=1 supernets, 8 epochs on 5k/5k, 2 seeds; NB201 200-epoch CIFAR-10 test accuracy:
# - DARTS 51.59 ± 41.59: one seed derives a cell whose `none` edges cut every path from the input
#   (10.00; the paper's 54.30 is the all-skip collapse of the full 50-epoch run), the other 93.19. GDAS 86.07 ± 5.94 (paper
#   93.61 after 250 epochs; 8 epochs leave it on parameter-free ops).
# - DARTS-PT 93.06 ± 0.06 on the same DARTS supernets: perturbation-based selection repairs the
#   collapse, as the thesis claims. The fix-alpha variant 90.34 ± 1.07; DrNAS 93.10 ± 0.66.
# - VIM-NAS 91.99 ± 0.30 (paper 94.31 ± 0.11). Its claim of a nearly one-hot distribution after
#   one epoch does not hold at this scale: on edge 1<-0 the largest weight after epoch 1 is 0.56
#   (DARTS: 0.20 for every op), with 78 steps per epoch here against 391 in the paper.
# - Fig. 3.1: mean CIFAR-10 test of argmax alpha vs PT on the DARTS snapshots after 2 / 4 / 8
#   epochs: 90.4 / 50.9 / 51.6 vs 92.3 / 92.9 / 93.1. Argmax degrades as DARTS trains, PT does not:
#   the thesis' claim holds qualitatively.
# PT here evaluates on 8 batches (512 images) per candidate and tunes 1 epoch between edges
# (thesis: full validation set, 5 tune epochs; NB201: 25).

# %%
out.finish()
