# %% [markdown]
# # RMI-NAS, Fig. 3b and supplement Fig. 1: how good must the teacher be?
#
# Claims (Zheng et al., CVPR 2022, Sec. 4.2 and supplement Sec. 3):
# * Fig. 3b: Kendall's tau between the RMI score and the NAS-Bench-201 CIFAR-10 test accuracy
#   grows with the teacher's accuracy, and **any teacher above 85% test accuracy** makes the
#   RMI score a good indicator.
# * Supplement Fig. 1: the RMI loss of sampled architectures against their test error is
#   strongly correlated for (a) an NB201 architecture as teacher, (b) ResNet-20, and (c) a
#   ResNet-20 trained for only 20 epochs.
#
# What is measured here: the score of `nasbook.rmi` (beta = 0.8) for one architecture sample
# stratified by accuracy, once per teacher. Teachers of graded accuracy come from one seeded
# ResNet-20 training run from scratch (its snapshot after every few epochs is a teacher of its
# own), plus the pretrained ResNet-20 as it is, the same fine-tuned on the JPEG CIFAR-10 used
# here, and an NB201 network (the best CIFAR-10 cell, index 9930) trained briefly. Every
# teacher's test accuracy is **measured** on the CIFAR-10 test images in use and shown.
#
# Scale per profile (see `nasbook.rmi_experiments.TEACHER_PROFILES`):
# * **paper**: C=16, N=5 candidates, 150 steps, 100 architectures, 3 seeds; ResNet-20 snapshots
#   after 1-40 epochs on the full training set, the NB201 teacher at C=16, N=5 for 50 epochs.
# * **cpu**: C=8, N=1 candidates, 100 steps, 40 architectures, 1 seed; ResNet-20 trained from
#   scratch on 10k images (snapshots after 1, 2, 4, 8 epochs), the pretrained ResNet-20 with and
#   without a one-epoch fine-tune, an NB201 teacher at C=16, N=1 trained 5 epochs on 10k images;
#   accuracies measured on 2,000 test images. About 280 evaluations of 3-4 s plus a few minutes
#   of teacher training on 2 cores. Panel (c) is the scratch ResNet-20 after its 8 epochs: at this
#   scale that is the "trained briefly" teacher (the paper's is 20 epochs on all 50k images).
# * **smoke**: tiny candidates and one-epoch teachers; checks the pipeline, not the claim.
#
# Known differences from the paper: the paper's Fig. 3b values are not in its text (only the
# 85% threshold is), the JPEG CIFAR-10 lowers every teacher's accuracy (data README), and with
# 40 architectures a tau has a standard error of roughly 0.08.

# %% tags=["parameters"]
profile = "smoke"
seed = 0

# %%
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from nasbook import rmi_experiments as rx
from nasbook.outputs import Outputs
from nasbook.profiles import select

p = select(rx.TEACHER_PROFILES, profile)
out = Outputs("02_rmi_teacher_accuracy", profile, params=dict(profile=profile, seed=seed))
teachers = rx.teacher_table(profile)
out.table(teachers.drop(columns="spec"), "teachers", floatfmt=".2f")
teachers.drop(columns="spec")

# %%
scores = rx.teacher_sweep(profile, seed=seed)
per_seed, summary = rx.tau_table(scores, ["spec", "teacher", "teacher_acc"])
summary = summary.drop(columns="spec").sort_values("teacher_acc").reset_index(drop=True)
summary["paper"] = np.where(summary["teacher_acc"] > rx.PAPER_TEACHER_THRESHOLD,
                            "> 85%: 'suitable enough'", "below the paper's 85% threshold")
out.table(summary, "tau_vs_teacher_accuracy", floatfmt=".3f")
summary

# %%
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.errorbar(summary["teacher_acc"], summary["tau_mean"], yerr=summary["tau_std"].fillna(0), fmt="o",
            capsize=4, label=f"measured ({profile})")
for _, r in summary.iterrows():
    ax.annotate(r["teacher"], (r["teacher_acc"], r["tau_mean"]), fontsize=6, xytext=(3, 3),
                textcoords="offset points")
ax.axvline(rx.PAPER_TEACHER_THRESHOLD, color="C3", ls="--", lw=1, label="paper: > 85% is enough")
ax.set(xlabel="teacher test accuracy on the CIFAR-10 in use (%)", ylabel="Kendall tau (score vs test acc.)",
       title="Fig. 3b: tau vs teacher accuracy")
ax.legend(fontsize=8)
fig.tight_layout()
out.figure(fig, "tau_vs_teacher_accuracy")

# %% [markdown]
# ## Supplement Fig. 1: RMI loss vs test error for three teachers
# One point per sampled architecture (first seed); the title of each panel gives the teacher,
# its measured accuracy and the Kendall tau between loss and test error (the paper shows the
# scatter only, no tau).

# %%
panels = scores[(scores["panel"] != "") & (scores["seed"] == scores["seed"].min())]
panels = panels.assign(test_error=100 - panels["test_acc"])
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=False)
for ax, (key, title) in zip(axes, rx.PANEL_TITLES.items()):
    d = panels[panels["panel"] == key]
    finite = np.isfinite(d["score"])
    sns.scatterplot(x=d["score"][finite], y=d["test_error"][finite], s=18, ax=ax)
    tau = rx.kendall(d["score"], d["test_acc"])
    ax.set(xlabel="RMI score (mixed loss)", ylabel="NB201 CIFAR-10 test error (%)",
           title=f"{title}\n{d['teacher'].iloc[0]}: {d['teacher_acc'].iloc[0]:.1f}%, tau={tau:.2f}")
    ax.title.set_fontsize(8)
fig.tight_layout()
out.figure(fig, "supplement_fig1_loss_vs_error")

# %% [markdown]
# Reading the result: the paper's claim holds here if tau rises with teacher accuracy and is
# roughly flat for teachers above 85%. On this JPEG CIFAR-10 at the cpu scale few teachers
# reach 85%, so the table's `paper` column says for each teacher which side of the threshold it
# is on; a flat or noisy curve among the weak teachers is reported as measured.
#
# **What the cpu profile measured** (40 architectures, one seed, C=8, N=1 candidates, 100
# steps): tau rises from 0.62 (ResNet-20 after 1 epoch, 34.7%) to 0.77 (4 epochs, 47.7%) and
# is highest for the only teacher above 85% (the fine-tuned ResNet-20, 85.9%: tau 0.81), so
# the direction of Fig. 3b holds. It is not monotone: the pretrained ResNet-20 as it is (80.3%
# on this JPEG CIFAR-10) gives 0.69, below teachers at 48-56%; with one seed and 40
# architectures a tau differs by about +-0.05 between seeds (notebook 01), so teachers from
# 48% to 80% are not told apart. All three supplement panels show the strong loss-error
# correlation (tau 0.75-0.81), including the briefly trained ResNet-20 (56%, 8 epochs on 10k
# images instead of the paper's 20 on 50k).

# %%
out.finish()
