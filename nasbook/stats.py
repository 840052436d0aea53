"""Statistics that turn stored numbers into verdict intervals.

    kendall            rank correlation of a proxy score (a loss, lower is better) with accuracy;
                       kendall_weighted: the same for many bootstrap replicates at once
    mean_sd            mean, sample std and count of repeated runs; fmt_mean_sd prints them
    binomial_ci        Wilson interval of an accuracy measured on n test images
    bootstrap_ci       percentile-bootstrap interval of a statistic of repeated runs
    bootstrap_tau      Kendall tau per group (mean over seeds) with an interval from a paired
                       bootstrap over architectures and seeds; bootstrap_tau_diff: tau(a) - tau(b)
    interval_verdict   "holds" / "differs" / "inconclusive" from where an interval lies

Everything random is seeded: the same input and seed give the same numbers.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binomtest, bootstrap, kendalltau


def kendall(scores, acc) -> float:
    """Kendall tau-b between -score and accuracy. Scores are losses (lower is better);
    inf and NaN scores rank last: they are replaced by (max finite score + 1)."""
    return float(kendalltau(-_ranked_last(scores), np.asarray(acc, dtype=float)).statistic)


def _ranked_last(scores) -> np.ndarray:
    s = np.asarray(scores, dtype=float)
    finite = np.isfinite(s)
    return np.where(finite, s, (s[finite].max() + 1.0) if finite.any() else 0.0)


def kendall_weighted(scores, acc, weights) -> np.ndarray:
    """kendall(np.repeat(scores, w), np.repeat(acc, w)) for every row w of `weights` [B, m]
    (how often each of the m architectures is drawn in each of B bootstrap replicates), in one
    go, equal bit for bit.

    Tau-b = (concordant - discordant) / sqrt(pairs untied in x) / sqrt(pairs untied in y), as
    scipy.stats.kendalltau computes it. Copies of one architecture tie in both variables, so
    each count is a sum over architecture pairs (i, j) of w_i w_j times a sign term: the
    quadratic forms w^T M w of three m x m matrices, integers that float64 holds exactly."""
    s, a = -_ranked_last(scores), np.asarray(acc, dtype=float)
    w = np.atleast_2d(np.asarray(weights, dtype=float))
    if w.shape[1:] != s.shape or a.shape != s.shape:
        raise ValueError(f"kendall_weighted needs m scores, m accuracies and weights of shape [B, m]; got "
                         f"{s.shape}, {a.shape} and {w.shape}")
    sx, sy = np.sign(s[:, None] - s[None, :]), np.sign(a[:, None] - a[None, :])

    def pairs(m):  # sum over unordered pairs i < j of w_i w_j m_ij (m symmetric, zero diagonal)
        return ((w @ m) * w).sum(1) / 2

    con_minus_dis, untied_x, untied_y = pairs(sx * sy), pairs(np.abs(sx)), pairs(np.abs(sy))
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.clip(con_minus_dis / np.sqrt(untied_x) / np.sqrt(untied_y), -1.0, 1.0)
    return np.where((untied_x == 0) | (untied_y == 0), np.nan, tau)  # all tied: undefined, as scipy


def mean_sd(values) -> tuple[float, float, int]:
    """(mean, sample std with ddof=1, n) of the non-NaN values; std is NaN when n < 2,
    mean is NaN when n = 0."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    return (float(v.mean()) if n else np.nan, float(v.std(ddof=1)) if n >= 2 else np.nan, n)


def fmt_mean_sd(values, digits: int = 2) -> str:
    """'mean ± sd (n=N)'; 'mean (n=1)' for one value; 'n/a (n=0)' for none."""
    m, s, n = mean_sd(values)
    if n == 0:
        return "n/a (n=0)"
    if n == 1:
        return f"{m:.{digits}f} (n=1)"
    return f"{m:.{digits}f} ± {s:.{digits}f} (n={n})"


def binomial_ci(acc_percent: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson interval (in percent) of an accuracy of acc_percent measured on n images,
    i.e. round(acc_percent * n / 100) correct out of n."""
    ci = binomtest(k=round(acc_percent * n / 100), n=n).proportion_ci(confidence_level=level, method="wilson")
    return 100 * float(ci.low), 100 * float(ci.high)


def bootstrap_ci(values, stat=np.mean, level: float = 0.95, n_boot: int = 2000,
                 seed: int = 0) -> tuple[float, float, float]:
    """(stat(values), lo, hi): percentile bootstrap, resampling the non-NaN values with
    replacement n_boot times. Fewer than 2 values give (value or NaN, NaN, NaN)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) < 2:
        return (float(stat(v)) if len(v) else np.nan), np.nan, np.nan
    res = bootstrap((v,), stat, n_resamples=n_boot, confidence_level=level, method="percentile",
                    rng=np.random.default_rng(seed))
    return float(stat(v)), float(res.confidence_interval.low), float(res.confidence_interval.high)


def tau_replicates(df, group, *, score="score", acc="test_acc", arch="index", seed="seed",
                    n_boot=1000, rng_seed=0, subset=None):
    """Point tau per group (mean over its seeds of kendall within (group, seed)) and n_boot
    paired bootstrap replicates per group. A replicate draws one multiset of architectures and
    one multiset of seeds, both with replacement, shared by all groups; each (group, seed) tau
    is computed on its rows repeated by their architecture's multiplicity, then averaged over
    the drawn seeds (with multiplicity). Returns (point, replicates, counts)."""
    df = df.reset_index(drop=True)
    if subset == "top_half":
        per_arch = df.groupby(arch)[acc].mean()
        df = df[df[arch].isin(per_arch.index[per_arch >= per_arch.median()])]
    elif callable(subset):
        keep = [d.index[np.asarray(subset(d), bool)] for _, d in df.groupby([group, seed], sort=False)]
        df = df.loc[np.concatenate(keep)] if keep else df.iloc[:0]
    archs, seeds = np.sort(df[arch].unique()), np.sort(df[seed].unique())
    cells = {(g, s): (np.searchsorted(archs, d[arch].to_numpy()), d[score].to_numpy(float), d[acc].to_numpy(float))
             for (g, s), d in df.groupby([group, seed], sort=False)}
    groups = list(pd.unique(df[group]))
    point = {g: float(np.mean([kendall(sc, ac) for (h, _), (_, sc, ac) in cells.items() if h == g]))
             for g in groups}
    counts = {g: (df.loc[df[group] == g, seed].nunique(), df.loc[df[group] == g, arch].nunique()) for g in groups}
    rng = np.random.default_rng(rng_seed)
    arch_mult, seed_mult = np.empty((n_boot, len(archs)), int), np.empty((n_boot, len(seeds)), int)
    for r in range(n_boot):  # per replicate: its architectures, then its seeds
        arch_mult[r] = np.bincount(rng.integers(0, len(archs), len(archs)), minlength=len(archs))
        seed_mult[r] = np.bincount(rng.integers(0, len(seeds), len(seeds)), minlength=len(seeds))
    reps = {}
    for g in groups:
        # the seeds' taus weighted by how often each seed is drawn: a seed not drawn (weight 0)
        # or without rows in this group is left out; any drawn seed's NaN tau makes the replicate NaN
        taus, weights = np.zeros((n_boot, len(seeds))), np.zeros((n_boot, len(seeds)), int)
        for k, s in enumerate(seeds):
            if (g, s) in cells:
                pos, sc, ac = cells[(g, s)]
                taus[:, k], weights[:, k] = kendall_weighted(sc, ac, arch_mult[:, pos]), seed_mult[:, k]
        drawn = weights > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            reps[g] = np.where(drawn, taus * weights, 0.0).sum(1) / weights.sum(1)
        reps[g][(drawn & np.isnan(taus)).any(1) | ~drawn.any(1)] = np.nan
    return point, reps, counts


def percentile_interval(x, level=0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates (NaN replicates dropped)."""
    lo, hi = np.nanpercentile(x, [50 * (1 - level), 50 * (1 + level)]) if np.isfinite(x).any() else (np.nan, np.nan)
    return float(lo), float(hi)


def bootstrap_tau(df: pd.DataFrame, group: str, *, score="score", acc="test_acc", arch="index",
                  seed="seed", n_boot=1000, level=0.95, rng_seed=0, subset=None) -> pd.DataFrame:
    """Per value of `group`: tau (mean over seeds of kendall(score, acc) within the seed) and the
    percentile interval [lo, hi] of the paired bootstrap over architectures and seeds (NaN
    replicates dropped). subset: None, "top_half" (archs with acc >= median acc over the unique
    archs) or callable(rows of one group and seed) -> boolean mask. Columns: group, tau, lo, hi,
    seeds, archs (distinct architectures used)."""
    point, reps, counts = tau_replicates(df, group, score=score, acc=acc, arch=arch, seed=seed,
                                          n_boot=n_boot, rng_seed=rng_seed, subset=subset)
    return pd.DataFrame([{group: g, "tau": point[g], **dict(zip(("lo", "hi"), percentile_interval(reps[g], level))),
                          "seeds": counts[g][0], "archs": counts[g][1]} for g in point])


def bootstrap_tau_diff(df: pd.DataFrame, group: str, a, b, *, level=0.95, **kwargs) -> tuple[float, float, float]:
    """(tau(a) - tau(b), lo, hi) with the interval from the paired replicates of bootstrap_tau
    (a and b see the same resampled architectures and seeds); same keyword arguments."""
    point, reps, _ = tau_replicates(df, group, **kwargs)
    return (point[a] - point[b], *percentile_interval(reps[a] - reps[b], level))


def interval_verdict(lo: float, hi: float, *, threshold: float = 0.0, expect: str = "above") -> str:
    """'holds' if all of [lo, hi] is on the expected side of threshold (lo > threshold for
    expect="above", hi < threshold for "below"), 'differs' if all of it is on the other side,
    else 'inconclusive' (also for NaN bounds)."""
    if expect not in ("above", "below"):
        raise ValueError(f"expect must be 'above' or 'below', not {expect!r}")
    if np.isnan(lo) or np.isnan(hi):
        return "inconclusive"
    if (lo > threshold) if expect == "above" else (hi < threshold):
        return "holds"
    if (hi < threshold) if expect == "above" else (lo > threshold):
        return "differs"
    return "inconclusive"
