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
# # RMI-NAS, Fig. 3c: Kendall's tau of the RMI score vs optimisation steps
#
# Claim (Zheng et al., CVPR 2022, Sec. 4.2): with ResNet-20 as teacher, Kendall's tau between
# the RMI score and the NAS-Bench-201 CIFAR-10 test accuracy is **positively correlated with the
# number of optimisation iterations**; the paper settles on **150** as the trade-off between
# cost and rank quality.
#
# What is measured here: each candidate is trained once for the largest step count, and its
# mixed loss (beta = 0.8) is recorded every few steps, so the tau at every step count comes from
# the same runs (a run stopped after k steps sees exactly the first k steps of a longer one:
# the learning rate is constant, as in the paper). Same stratified architecture sample for
# every seed; a seed changes the batch and the initial weights. Every tau comes with a paired
# bootstrap interval over architectures and seeds.
#
# Scale per profile (`nasbook.experiments.rmi_iterations.PROFILES`):
# * **paper**: C=16, N=5 candidates, up to 200 steps, 100 architectures, 3 seeds.
# * **cpu**: C=8, N=1 candidates, up to 200 steps (loss recorded every 10), 60 architectures,
#   3 seeds; teacher: the pretrained ResNet-20 fine-tuned for one epoch on 10k JPEG images. A
#   second scale at the paper's candidate size (C=16, N=5, up to 200 steps), 30 architectures,
#   2 seeds, the same teacher: both shown (a run still in progress shows what is stored).
# * **smoke**: tiny candidates for 8 steps; checks the pipeline, not the claim (which needs 150
#   steps, so its verdict is "not run").
#
# Known differences from the paper: the paper's Fig. 3c values are not in its text, the teacher
# is ResNet-20 fine-tuned on the JPEG CIFAR-10 used here (its accuracy is shown), and the cpu
# profile's first scale is narrower and shallower than NB201's C=16, N=5.

# %% tags=["parameters"]
profile = "smoke"
seed = 0

# %%
from nasbook import teacher
from nasbook.experiments import rmi_iterations as ex

nb = ex.start(globals())
teacher_acc = ex.teacher_accuracy(nb.p)
print(f"teacher: {teacher.label(ex.rmi_settings(nb.p)['teacher'])}, measured test accuracy {teacher_acc:.2f}%")

# %%
runs = ex.sweeps(nb.p, seed=seed)   # {scale: (profile, curves)}
per_seed, summary = ex.summaries(runs, teacher_acc)
nb.table(summary, "tau_vs_steps", floatfmt=".3f")
nb.table(per_seed, "tau_vs_steps_per_seed", floatfmt=".3f")
summary

# %%
nb.figure(ex.figure(summary, nb.profile), "tau_vs_steps")

# %% [markdown]
# ## Verdicts

# %%
nb.claim(*ex.claims(runs, teacher_acc))
nb.verdicts()

# %%
nb.finish()
