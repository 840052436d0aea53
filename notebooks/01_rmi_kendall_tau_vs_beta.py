# %% [markdown]
# # RMI-NAS, Fig. 3a: Kendall's tau of the RMI score for different beta
#
# Claim (Zheng et al., CVPR 2022, Sec. 4.2): with the mixed loss
# `beta * RMI + (1 - beta) * CE` (Eq. 4) as the score, Kendall's tau with the NAS-Bench-201
# CIFAR-10 test accuracy peaks at **beta = 0.8**; beta = 1 is only marginally worse, and
# beta = 0 (plain cross-entropy after training on one batch) gives a much lower tau of about
# **0.25**. Mean and standard deviation over 3 seeds.
#
# What is measured here: the score of `nasbook.rmi` (teacher = ResNet-20, one batch of 32
# images chosen by the teacher from a pool of 16 x 32, fresh NB201 candidate trained with SGD on
# that batch) for one architecture sample, stratified by accuracy as in the supplement,
# for every beta and seed. A seed changes the batch (pool draw) and the candidates' initial
# weights; the architecture sample stays the same.
#
# Scale per profile (see `nasbook.rmi_experiments.BETA_PROFILES`):
# * **paper**: C=16, N=5 candidates, 150 steps, 100 architectures, 3 seeds, ResNet-20 fine-tuned on
#   the JPEG CIFAR-10 used here (5 epochs).
# * **cpu**: C=8, N=1 candidates (about 20x cheaper per step than C=16, N=5), 100 steps,
#   25 architectures, 3 seeds: 450 evaluations of about 3-4 s each on 2 free cores, so the
#   notebook fits in about 35 minutes. The teacher is the pretrained ResNet-20 fine-tuned for one
#   epoch on 10k JPEG training images. With 25 architectures a tau has a standard error of roughly
#   0.1, so only large differences between betas are meaningful.
# * **smoke**: a handful of tiny candidates for a few steps; checks the pipeline, not the claim.
#
# Known differences from the paper: the CIFAR-10 here is a JPEG re-encoding (so the teacher is
# fine-tuned on it, and its accuracy is measured and shown), the official code's teacher BatchNorm
# runs in train mode and its selected batch is not actually used (see `nasbook/rmi.py`), and
# the paper's Fig. 3a values other than the two quoted in its text are not available here.

# %% tags=["parameters"]
profile = "smoke"
seed = 0

# %%
import matplotlib.pyplot as plt
import numpy as np

from nasbook import rmi_experiments as rx
from nasbook import teacher as teachers
from nasbook.outputs import Outputs
from nasbook.profiles import select

p = select(rx.BETA_PROFILES, profile)
out = Outputs("01_rmi_kendall_tau_vs_beta", profile, params=dict(profile=profile, seed=seed))
teacher_spec = p["rmi"]["teacher"]
teacher_acc = teachers.test_accuracy(teacher_spec, root=rx.results_root(profile))
print(f"teacher: {teachers.label(teacher_spec)}, measured test accuracy {teacher_acc:.2f}%")
print({k: v for k, v in rx._settings(p).items() if k != "teacher"})

# %%
scores = rx.beta_sweep(profile, seed=seed)
per_seed, summary = rx.tau_table(scores, ["beta"])
summary["paper (text)"] = [
    f"~{rx.PAPER_BETA['tau_at_beta0']}" if b == 0 else ("peak" if b == rx.PAPER_BETA["peak_beta"] else "")
    for b in summary["beta"]]
summary["teacher"] = teachers.label(teacher_spec)
summary["teacher test acc"] = teacher_acc
out.table(summary, "tau_vs_beta", floatfmt=".3f")
out.table(per_seed, "tau_vs_beta_per_seed", floatfmt=".3f")
summary

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
ax = axes[0]
ax.errorbar(summary["beta"], summary["tau_mean"], yerr=summary["tau_std"].fillna(0), marker="o",
            capsize=4, label=f"measured ({profile}; mean ± std over {summary['seeds'].max()} seeds)")
ax.plot([0.0], [rx.PAPER_BETA["tau_at_beta0"]], "s", color="C3", label="paper text: tau ≈ 0.25 at beta = 0")
ax.axvline(rx.PAPER_BETA["peak_beta"], color="C3", ls="--", lw=1, label="paper: peak at beta = 0.8")
ax.set(xlabel="beta (weight of the RMI loss)", ylabel="Kendall tau (score vs test acc.)",
       title="Fig. 3a: tau vs beta")
ax.legend(fontsize=8)
ax = axes[1]
best_beta = summary.loc[summary["tau_mean"].idxmax(), "beta"]
for beta in sorted({0.0, best_beta, max(summary["beta"])}):
    d = scores[(scores["beta"] == beta) & (scores["seed"] == scores["seed"].min())]
    finite = np.isfinite(d["score"])
    ax.scatter(d["test_acc"][finite], d["score"][finite], s=12, label=f"beta={beta}")
ax.set(xlabel="NB201 CIFAR-10 test accuracy (200 ep)", ylabel="score (mixed loss, lower = better)",
       title="scores of one seed", yscale="log")
ax.legend(fontsize=8)
fig.tight_layout()
out.figure(fig, "tau_vs_beta")

# %% [markdown]
# Reading the result: the table gives the measured tau per beta next to the two numbers the
# paper's text states. The paper's claim holds here if tau at beta = 0.8 (and 1.0) is clearly above
# tau at beta = 0; the exact peak location is within noise whenever neighbouring betas differ by
# less than their standard deviations. Diverged candidates (NaN loss, e.g. cells whose output is
# always zero) rank last, as in the official code; their count is the `diverged` column.
#
# **What the cpu profile measured** (25 architectures, 3 seeds, C=8, N=1 candidates, 100 steps,
# fine-tuned ResNet-20 teacher at 85.7%): tau is 0.06 ± 0.20 with cross-entropy alone
# (beta = 0; the paper's text: about 0.25), jumps to 0.66 at beta = 0.2 and peaks at
# beta = 0.8 (0.76 ± 0.02), then drops at beta = 1.0 (0.71 ± 0.02): the paper's peak location
# holds. Our beta = 0 value is lower than the paper's and noisier (one seed gives 0.27, another
# -0.11): with 25 architectures and a loss that a one-batch fit drives to near zero, the CE
# ranking is close to chance.

# %%
out.finish()
