"""nasbook.stats against independent computations (scipy/numpy by hand, the Wilson formula)."""
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kendalltau

from nasbook import stats


# ---- kendall ---------------------------------------------------------------------------------

def test_kendall_anti_ordered_losses_give_one():
    acc = [60.0, 70.0, 80.0, 90.0]
    assert stats.kendall([4.0, 3.0, 2.0, 1.0], acc) == pytest.approx(1.0)
    assert stats.kendall([1.0, 2.0, 3.0, 4.0], acc) == pytest.approx(-1.0)


def test_kendall_inf_ranks_last_and_nan_like_inf():
    scores = np.array([0.5, np.inf, 0.2, 0.9, 0.1])
    acc = np.array([70.0, 95.0, 80.0, 60.0, 85.0])
    by_hand = kendalltau(-np.array([0.5, 1.9, 0.2, 0.9, 0.1]), acc).statistic  # inf -> max finite + 1
    assert stats.kendall(scores, acc) == pytest.approx(by_hand)
    assert stats.kendall(np.where(np.isinf(scores), np.nan, scores), acc) == pytest.approx(by_hand)
    # ranking the inf architecture last is not the same as ranking it first
    assert by_hand != pytest.approx(kendalltau(-np.array([0.5, -1.0, 0.2, 0.9, 0.1]), acc).statistic)


def test_kendall_weighted_is_scipy_on_the_repeated_sample():
    """Every row of weights is a resample (architecture i drawn w_i times): the result equals
    scipy's tau-b of the repeated arrays bit for bit, with ties, inf / NaN scores (ranked last),
    architectures not drawn, and all-tied samples (NaN)."""
    rng = np.random.default_rng(1)
    for trial in range(60):
        m = int(rng.integers(1, 25))
        scores = rng.integers(0, 6, m).astype(float)  # ties in the scores
        scores[rng.random(m) < 0.15] = [np.inf, np.nan][trial % 2]
        acc = rng.integers(0, 5, m).astype(float)     # and in the accuracies
        weights = rng.integers(0, 4, (12, m))
        weights[0] = 0
        weights[1, :] = 0
        weights[1, 0] = 3                              # one architecture three times: all tied
        finite = np.isfinite(scores)
        ranked = np.where(finite, scores, scores[finite].max() + 1 if finite.any() else 0.0)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = [kendalltau(-np.repeat(ranked, w), np.repeat(acc, w)).statistic for w in weights]
        np.testing.assert_array_equal(stats.kendall_weighted(scores, acc, weights), expected)


def test_kendall_weighted_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"weights of shape \[B, m\]"):
        stats.kendall_weighted([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], np.ones((4, 2)))


# ---- mean_sd / fmt_mean_sd -------------------------------------------------------------------

def test_mean_sd_matches_numpy_and_ignores_nan():
    v = np.array([93.0, 93.12, 92.7, np.nan, 93.5])
    m, s, n = stats.mean_sd(v)
    finite = v[~np.isnan(v)]
    assert (m, s, n) == (pytest.approx(finite.mean()), pytest.approx(np.std(finite, ddof=1)), 4)
    m1, s1, n1 = stats.mean_sd([94.05, np.nan])
    assert m1 == pytest.approx(94.05) and math.isnan(s1) and n1 == 1


def test_fmt_mean_sd_strings():
    assert stats.fmt_mean_sd([93.0, 93.12]) == "93.06 ± 0.08 (n=2)"
    assert stats.fmt_mean_sd([93.0, 93.0849]) == "93.04 ± 0.06 (n=2)"
    assert stats.fmt_mean_sd([94.05]) == "94.05 (n=1)"
    assert stats.fmt_mean_sd([]) == "n/a (n=0)"
    assert stats.fmt_mean_sd([np.nan]) == "n/a (n=0)"
    assert stats.fmt_mean_sd([1.0, 2.0, 3.0], digits=1) == "2.0 ± 1.0 (n=3)"


# ---- binomial_ci -----------------------------------------------------------------------------

def test_binomial_ci_is_the_wilson_interval():
    p, n, z = 0.5, 100, 1.959963984540054
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    lo, hi = stats.binomial_ci(50.0, 100)
    assert lo == pytest.approx(100 * (centre - half), abs=1e-9)
    assert hi == pytest.approx(100 * (centre + half), abs=1e-9)


def test_binomial_ci_contains_point_and_narrows_with_n():
    lo, hi = stats.binomial_ci(93.5, 1000)
    assert lo < 93.5 < hi
    lo2, hi2 = stats.binomial_ci(93.5, 10000)
    assert lo < lo2 < 93.5 < hi2 < hi
    lo90, hi90 = stats.binomial_ci(93.5, 1000, level=0.90)
    assert lo < lo90 and hi90 < hi


# ---- bootstrap_ci ----------------------------------------------------------------------------

def test_bootstrap_ci_deterministic_contains_mean_and_shrinks():
    rng = np.random.default_rng(1)
    small, large = rng.normal(5.0, 1.0, 20), rng.normal(5.0, 1.0, 500)
    est, lo, hi = stats.bootstrap_ci(small, seed=3)
    assert (est, lo, hi) == stats.bootstrap_ci(small, seed=3)
    assert (lo, hi) != stats.bootstrap_ci(small, seed=4)[1:]
    assert est == pytest.approx(small.mean()) and lo < small.mean() < hi
    _, lo_l, hi_l = stats.bootstrap_ci(large, seed=3)
    assert hi_l - lo_l < (hi - lo) / 2
    med, lo_m, hi_m = stats.bootstrap_ci(small, stat=np.median, seed=3)
    assert med == pytest.approx(np.median(small)) and lo_m <= med <= hi_m


def test_bootstrap_ci_single_value():
    est, lo, hi = stats.bootstrap_ci([2.5])
    assert est == 2.5 and math.isnan(lo) and math.isnan(hi)


# ---- bootstrap_tau ---------------------------------------------------------------------------

N_ARCH, SEEDS = 30, [0, 1, 2]


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(0)
    acc = rng.uniform(60, 95, N_ARCH)
    rows = []
    for s in SEEDS:
        for i in range(N_ARCH):
            rows.append({"rule": "good", "seed": s, "index": 100 + i, "test_acc": acc[i],
                         "score": -acc[i] + rng.normal(0, 3)})
            rows.append({"rule": "good_too", "seed": s, "index": 100 + i, "test_acc": acc[i],
                         "score": -acc[i] + rng.normal(0, 3)})
            rows.append({"rule": "bad", "seed": s, "index": 100 + i, "test_acc": acc[i],
                         "score": rng.normal()})
    return pd.DataFrame(rows)


def _tau_by_hand(df, rule, keep=None):
    taus = []
    for _, d in df[df.rule == rule].groupby("seed"):
        if keep is not None:
            d = d[d["index"].isin(keep)]
        taus.append(kendalltau(-d.score, d.test_acc).statistic)
    return np.mean(taus)


def test_bootstrap_tau_point_interval_and_separation(synthetic):
    out = stats.bootstrap_tau(synthetic, "rule", n_boot=300).set_index("rule")
    assert list(out.columns) == ["tau", "lo", "hi", "seeds", "archs"]
    for rule in ("good", "bad"):
        assert out.loc[rule, "tau"] == pytest.approx(_tau_by_hand(synthetic, rule))
        assert out.loc[rule, "lo"] < out.loc[rule, "tau"] < out.loc[rule, "hi"]
        assert out.loc[rule, "seeds"] == 3 and out.loc[rule, "archs"] == N_ARCH
    assert out.loc["good", "lo"] > out.loc["bad", "hi"]
    assert out.loc["good", "tau"] > 0.5


def test_bootstrap_tau_is_seeded(synthetic):
    a = stats.bootstrap_tau(synthetic, "rule", n_boot=100, rng_seed=7)
    pd.testing.assert_frame_equal(a, stats.bootstrap_tau(synthetic, "rule", n_boot=100, rng_seed=7))
    b = stats.bootstrap_tau(synthetic, "rule", n_boot=100, rng_seed=8)
    assert not np.allclose(a[["lo", "hi"]], b[["lo", "hi"]])
    assert np.allclose(a["tau"], b["tau"])


def test_bootstrap_tau_diff_and_verdicts(synthetic):
    d, lo, hi = stats.bootstrap_tau_diff(synthetic, "rule", "good", "bad", n_boot=300)
    assert d == pytest.approx(_tau_by_hand(synthetic, "good") - _tau_by_hand(synthetic, "bad"))
    assert 0 < lo < d < hi
    assert stats.interval_verdict(lo, hi) == "holds"
    assert stats.interval_verdict(*stats.bootstrap_tau_diff(synthetic, "rule", "bad", "good", n_boot=300)[1:]) \
        == "differs"
    # same rule, independent noise: the difference is not resolved
    _, lo2, hi2 = stats.bootstrap_tau_diff(synthetic, "rule", "good", "good_too", n_boot=300)
    assert lo2 < 0 < hi2 and stats.interval_verdict(lo2, hi2) == "inconclusive"
    # an exact copy differs by exactly 0 in every replicate
    copy = pd.concat([synthetic, synthetic[synthetic.rule == "good"].assign(rule="copy")])
    assert stats.bootstrap_tau_diff(copy, "rule", "good", "copy", n_boot=50) == (0.0, 0.0, 0.0)


def test_bootstrap_tau_diff_is_paired(synthetic):
    """A near-copy of "good" differs from it much less than either tau is uncertain: only true
    when both see the same resampled architectures and seeds."""
    rng = np.random.default_rng(5)
    near = synthetic[synthetic.rule == "good"].assign(rule="near")
    near["score"] += rng.normal(0, 0.3, len(near))
    df = pd.concat([synthetic, near])
    out = stats.bootstrap_tau(df, "rule", n_boot=300).set_index("rule")
    _, lo, hi = stats.bootstrap_tau_diff(df, "rule", "good", "near", n_boot=300)
    assert hi - lo < 0.25 * (out.loc["good", "hi"] - out.loc["good", "lo"])


def test_bootstrap_tau_top_half(synthetic):
    per_arch = synthetic.drop_duplicates("index").set_index("index").test_acc
    keep = per_arch.index[per_arch >= np.median(per_arch.to_numpy())]
    assert len(keep) == N_ARCH // 2
    out = stats.bootstrap_tau(synthetic, "rule", subset="top_half", n_boot=100).set_index("rule")
    assert (out["archs"] == len(keep)).all()
    assert out.loc["good", "tau"] == pytest.approx(_tau_by_hand(synthetic, "good", keep))
    d, _, _ = stats.bootstrap_tau_diff(synthetic, "rule", "good", "bad", subset="top_half", n_boot=50)
    assert d == pytest.approx(_tau_by_hand(synthetic, "good", keep) - _tau_by_hand(synthetic, "bad", keep))


def test_bootstrap_tau_callable_subset(synthetic):
    out = stats.bootstrap_tau(synthetic, "rule", subset=lambda d: d["index"] < 110, n_boot=50).set_index("rule")
    assert (out["archs"] == 10).all()
    assert out.loc["good", "tau"] == pytest.approx(_tau_by_hand(synthetic, "good", range(100, 110)))


def test_tau_replicates_follow_their_definition_replicate_by_replicate(synthetic):
    """Replicate r draws architectures then seeds (one rng, in that order); each drawn seed's tau is
    scipy's on its rows repeated by their architecture's multiplicity; the replicate is their
    average weighted by how often each seed is drawn. Here by hand, with a group missing a seed's
    rows and a group whose taus are NaN."""
    df = pd.concat([synthetic[~((synthetic.rule == "bad") & (synthetic.seed == 1))],
                    synthetic[synthetic.rule == "good"].assign(rule="const", score=1.0)])
    _, reps, _ = stats.tau_replicates(df, "rule", n_boot=60, rng_seed=4)
    archs, seeds = np.sort(df["index"].unique()), np.sort(df.seed.unique())
    rng = np.random.default_rng(4)
    for r in range(60):
        arch_mult = np.bincount(rng.integers(0, len(archs), len(archs)), minlength=len(archs))
        seed_mult = np.bincount(rng.integers(0, len(seeds), len(seeds)), minlength=len(seeds))
        for rule, g in df.groupby("rule"):
            taus, w = [], []
            for s, d in g.groupby("seed"):
                k = int(np.searchsorted(seeds, s))
                if seed_mult[k]:
                    mult = arch_mult[np.searchsorted(archs, d["index"])]
                    taus.append(kendalltau(-np.repeat(d.score, mult), np.repeat(d.test_acc, mult)).statistic)
                    w.append(seed_mult[k])
            expected = np.average(taus, weights=w) if w else np.nan
            if rule == "const":
                assert np.isnan(reps[rule][r])
            else:
                assert reps[rule][r] == pytest.approx(expected, rel=1e-12, abs=1e-15, nan_ok=True)


def test_bootstrap_tau_constant_scores_give_nan(synthetic):
    const = synthetic[synthetic.rule == "good"].assign(rule="const", score=1.0)
    df = pd.concat([synthetic, const])
    out = stats.bootstrap_tau(df, "rule", n_boot=50).set_index("rule")
    assert out.loc["const", ["tau", "lo", "hi"]].isna().all()
    assert not out.loc["good", ["tau", "lo", "hi"]].isna().any()
    _, lo, hi = stats.bootstrap_tau_diff(df, "rule", "good", "const", n_boot=50)
    assert stats.interval_verdict(lo, hi) == "inconclusive"


# ---- interval_verdict ------------------------------------------------------------------------

@pytest.mark.parametrize("lo, hi, expect, threshold, verdict", [
    (0.1, 0.3, "above", 0.0, "holds"),
    (-0.3, -0.1, "above", 0.0, "differs"),
    (-0.1, 0.3, "above", 0.0, "inconclusive"),
    (0.0, 0.3, "above", 0.0, "inconclusive"),
    (-0.3, -0.1, "below", 0.0, "holds"),
    (0.1, 0.3, "below", 0.0, "differs"),
    (-0.1, 0.3, "below", 0.0, "inconclusive"),
    (0.6, 0.8, "above", 0.5, "holds"),
    (0.4, 0.8, "above", 0.5, "inconclusive"),
    (0.6, 0.8, "below", 0.5, "differs"),
    (float("nan"), 0.3, "above", 0.0, "inconclusive"),
    (0.1, float("nan"), "below", 0.0, "inconclusive"),
])
def test_interval_verdict(lo, hi, expect, threshold, verdict):
    assert stats.interval_verdict(lo, hi, threshold=threshold, expect=expect) == verdict


def test_interval_verdict_rejects_unknown_side():
    with pytest.raises(ValueError):
        stats.interval_verdict(0.1, 0.2, expect="sideways")
