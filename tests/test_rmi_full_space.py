"""Notebook 08 (RMI over the NB201 space vs zero-cost proxies): the architecture sample, the
top-k sets, the correlation table (point estimates = scipy's, intervals around them, paired
draws), the claim rules on synthetic frames with a known answer, and the scores.csv columns."""
import numpy as np
import pandas as pd
import pytest
from scipy.stats import kendalltau, spearmanr

from nasbook import profiles
from nasbook.data import nb201 as bench
from nasbook.experiments import rmi_full_space as ex
from nasbook.spaces import nb201

ACC = bench.test_col("cifar10")


@pytest.fixture
def p(tmp_path):
    return ex.resolve("smoke", root=tmp_path).replace(n_boot=100)


def synthetic(n: int, rmi=None, seed: int = 0, **scores) -> pd.DataFrame:
    """A score frame with a known answer: accuracy uniform, transfer = accuracy + noise, every
    score pure noise unless given as a function of (acc, rng)."""
    rng = np.random.default_rng(seed)
    acc = rng.uniform(10, 95, n)
    df = pd.DataFrame({"index": np.arange(n), "arch": [f"a{i}" for i in range(n)]})
    cols = {c: (lambda a, r: r.normal(size=len(a))) for c in ex.score_columns(ex.resolve("smoke"))}
    cols.update({ex.rmi_column(0.8): rmi} if rmi is not None else {})
    cols.update(scores)
    for c, fn in cols.items():
        df[c] = fn(acc, rng)
    df[ACC] = acc
    for d in ex.TRANSFER:
        df[bench.test_col(d)] = acc + rng.normal(0, 5, n)
    return df


def run(p, df):
    runs = {"synthetic": (p, df)}
    corr = ex.correlations(p, runs)
    return corr, {c.id: c for c in ex.claims(p, runs, corr)}


def test_profiles_have_one_shape_and_the_sample_is_uniform_and_fixed():
    for name in profiles.NAMES:
        assert ex.resolve(name).settings == ex.PROFILES[name]
    cpu, paper = ex.resolve("cpu"), ex.resolve("paper")
    s = ex.sample(cpu)
    assert len(s) == len(set(s)) == 1000 and s == ex.sample(cpu)
    assert sorted(ex.sample(paper)) == list(range(nb201.NUM_ARCHS))
    assert ex.sample(paper)[:1000] == s  # one permutation: every prefix (chunk) is a uniform sample
    # notebook 01's cpu RMI settings at beta 0.8 and 0: its stored scores are shared
    from nasbook.experiments import rmi_kendall_tau_vs_beta as ex01
    for b in (0.8, 0.0):
        assert ex._rmi_settings(cpu, b) == ex01.rmi_settings(ex01.resolve("cpu"), beta=b)


def test_top_positions():
    acc = np.array([5.0, 9.0, 1.0, 9.0, 7.0] * 4)
    assert len(ex.top_positions(np.arange(1000.0), 0.05)) == 50
    assert len(ex.top_positions(np.arange(1000.0), 0.10)) == 100
    assert len(ex.top_positions(np.arange(12.0), 0.05)) == 1
    assert list(ex.top_positions(acc, 0.10)) == [1, 3]  # ties: the lower row first
    assert set(ex.top_positions(np.arange(15625.0), 0.05)) == set(range(15625 - 782, 15625))


def test_correlation_table_points_match_scipy_and_intervals_contain_them(p):
    rmi = lambda a, r: -a + r.normal(0, 10, len(a))  # a loss: lower is better
    df = synthetic(200, rmi=rmi, naswot=lambda a, r: a + r.normal(0, 30, len(a)))
    df.loc[3, ex.rmi_column(0.8)] = np.inf  # a diverged candidate ranks last
    corr, _ = run(p, df)
    assert len(corr) == len(ex.score_columns(p)) * 5  # (all, top 10%, top 5%) x CIFAR-10 + 2 transfer
    finite = corr.dropna(subset=["tau"])
    assert len(finite) == len(corr)
    assert (finite["tau_lo"] <= finite["tau"]).all() and (finite["tau"] <= finite["tau_hi"]).all()
    assert (finite["rho_lo"] <= finite["rho"]).all() and (finite["rho"] <= finite["rho_hi"]).all()
    c = corr.set_index(["score", "dataset", "subset"])
    loss = df[ex.rmi_column(0.8)].replace(np.inf, 1e9)
    top = df.nlargest(10, ACC)  # the top 5% of 200
    assert c.loc[(ex.rmi_column(0.8), "cifar10", "all"), "tau"] == pytest.approx(kendalltau(-loss, df[ACC])[0])
    assert c.loc[(ex.rmi_column(0.8), "cifar10", "all"), "rho"] == pytest.approx(spearmanr(-loss, df[ACC])[0])
    assert c.loc[("naswot", "cifar10", "top 5%"), "tau"] == pytest.approx(kendalltau(top["naswot"], top[ACC])[0])
    assert c.loc[("naswot", "cifar10", "top 5%"), "archs"] == 10
    assert c.loc[("naswot", "cifar100", "all"), "rho"] == pytest.approx(
        spearmanr(df["naswot"], df[bench.test_col("cifar100")])[0])
    # the draws do not depend on which scores and sets are asked for (paired claims = the table's draws)
    a = ex._bootstrap(df, ["naswot"], 100, subsets=("all",), datasets=("cifar10",))[("naswot", "cifar10", "all")]
    b = ex._bootstrap(df, ["snip", "naswot"], 100, datasets=("cifar10",))[("naswot", "cifar10", "all")]
    np.testing.assert_array_equal(a["tau_reps"], b["tau_reps"])


def test_bootstrap_replicates_are_the_taus_of_the_resampled_architectures(p):
    """Each replicate's tau is scipy's Kendall tau of its drawn rows (duplicates included), bit for
    bit, and its rho scipy's Spearman rho: in the top 5% and over all, a diverged score ranking last."""
    df = synthetic(200, rmi=lambda a, r: -a + r.normal(0, 10, len(a)))
    df.loc[[3, 7], ex.rmi_column(0.8)] = np.inf
    col = ex.rmi_column(0.8)
    boot = ex._bootstrap(df, [col], 40, rng_seed=3, datasets=("cifar10",))
    order, sizes, draws = ex._draws(df, 40, rng_seed=3)
    loss = df[col].replace(np.inf, df[col][np.isfinite(df[col])].max() + 1).to_numpy()
    for subset in ("all", "top 5%"):
        reps = boot[(col, "cifar10", subset)]
        rows = draws[:, :sizes[subset]]
        assert set(np.unique(rows)) <= set(order[:sizes[subset]])
        expected = [kendalltau(-loss[r], df[ACC].to_numpy()[r]).statistic for r in rows]
        np.testing.assert_array_equal(reps["tau_reps"], expected)
        np.testing.assert_allclose(reps["rho_reps"], [spearmanr(-loss[r], df[ACC].to_numpy()[r])[0] for r in rows],
                                   rtol=1e-12)


def test_claims_hold_on_a_good_rmi_score(p):
    # RMI exact within the top 5% and noisy below: positive, higher in the top 5%, better than every proxy
    def rmi(a, r):
        return -a + r.normal(0, 25, len(a)) * (a < np.quantile(a, 0.95))
    _, claims = run(p, synthetic(240, rmi=rmi, naswot=lambda a, r: a + r.normal(0, 40, len(a))))
    assert claims["rmi_positive_whole_space"].verdict == "holds"
    assert claims["rmi_higher_in_top5"].verdict == "holds"
    assert claims["rmi_vs_best_zero_cost"].verdict == "holds"
    assert "NASWOT" in claims["rmi_vs_best_zero_cost"].measured  # the best proxy is named
    c = claims["rmi_higher_in_top5"]
    assert c.lo <= c.value <= c.hi and c.lo > 0


def test_claims_differ_on_a_bad_rmi_score(p):
    # RMI ranks backwards and a proxy ranks well
    _, claims = run(p, synthetic(240, rmi=lambda a, r: a + r.normal(0, 10, len(a)),
                                 synflow=lambda a, r: a + r.normal(0, 10, len(a))))
    assert claims["rmi_positive_whole_space"].verdict == "differs"
    assert claims["rmi_vs_best_zero_cost"].verdict == "differs"
    assert "synflow" in claims["rmi_vs_best_zero_cost"].measured
    # the same noise at every accuracy: within the narrow top 5% the ranking is far worse than overall
    _, claims = run(p, synthetic(240, rmi=lambda a, r: -a + r.normal(0, 10, len(a))))
    assert claims["rmi_positive_whole_space"].verdict == "holds"
    assert claims["rmi_higher_in_top5"].verdict == "differs"


def test_small_samples_give_not_run_instead_of_crashing(p):
    corr, claims = run(p, synthetic(12, rmi=lambda a, r: -a))
    assert claims["rmi_positive_whole_space"].verdict == "holds"
    assert claims["rmi_higher_in_top5"].verdict == "not run" and "top 5% of 12" in claims["rmi_higher_in_top5"].reason
    assert corr[corr["subset"] == "top 5%"]["tau"].isna().all()
    corr, claims = run(p, synthetic(5, rmi=lambda a, r: -a))
    assert corr.empty and {c.verdict for c in claims.values()} == {"not run"}
    assert ex.summary(corr, pd.DataFrame(columns=["scale", "score", "seconds_per_arch"])).empty


def test_scores_csv_columns(shared_data):
    idx = [0, 11, 1462]
    res = [{"score": v, "seconds": 1.0} for v in (0.5, float("nan"), 0.1)]
    df = ex._frame(idx, {ex.rmi_column(0.8): res, ex.rmi_column(0.0): res},
                   {n: [1.0, 2.0, 3.0] for n in ex.ZERO_COST})
    assert list(df.columns) == (["index", "arch", *ex.score_columns(ex.resolve("cpu")),
                                 *[bench.test_col(d) for d in ("cifar10", "cifar100", "imagenet16")],
                                 "rmi_beta_0.8_seconds", "rmi_beta_0_seconds"])
    assert list(df["index"]) == idx and df["arch"][2] == nb201.arch_of(1462)
    assert df[ex.rmi_column(0.8)][1] == np.inf  # a diverged candidate
    assert df[ACC][2] == pytest.approx(bench.column(ACC)[1462])


def test_synflow_is_scored_as_the_references_nb201_model(p):
    """zero-cost-nas scores synflow on its NB201 model rebuilt with use_bn=False, which keeps the
    reduction blocks' BatchNorms: the experiment's synflow column is that variant, not the
    generic one that removes every BN (the two differ)."""
    import torch
    from nasbook import proxies
    scorer = ex._scorers(p, seed=0)["synflow"]
    index = nb201.index_of("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|")
    x, y = proxies.proxy_data(p["proxy"]["batch_size"], 0)

    def direct(**options):
        torch.manual_seed(0)
        net = nb201.build_network(nb201.arch_of(index), C=p["proxy"]["C"], N=p["proxy"]["N"])
        return proxies.PROXIES["synflow"](net, x, y, **options)

    assert scorer.config["options"] == {"keep_bn": ["reductions"]}
    assert scorer(index) == pytest.approx(direct(keep_bn=("reductions",)), rel=1e-9)
    assert scorer(index) > 0 and scorer(index) != pytest.approx(direct(), rel=1e-3)


def test_a_read_only_render_of_a_run_in_progress_shows_its_finished_architectures(p, shared_data, monkeypatch):
    """--from-results during a run: the architectures with every score stored (here the first
    2 of 4), said in the scale of every claim; nothing is computed (three cheap proxies stand in
    for the nine)."""
    monkeypatch.setattr(ex, "ZERO_COST", ("naswot", "synflow", "params"))
    p = p.replace(paper_size_01=False, archs=4, cost={"archs": 1, "train_batch": 8, "train_steps": 1})
    ex.score_all(p.replace(archs=2), progress=False)  # the first 2 of the 4-architecture sample
    monkeypatch.setenv("NASBOOK_RESULTS_ONLY", "1")
    df = ex.scores(p, progress=False)
    assert list(df["index"]) == sorted(ex.sample(p)[:2]) and (df.attrs["planned"], df.attrs["stored"]) == (4, 2)
    assert np.isfinite(df[list(ex.ZERO_COST)].to_numpy()).all()
    runs = ex.scales(p, progress=False)
    assert ex.costs(p, runs)["seconds_per_arch"].notna().all()
    untimed = ex.costs(p.replace(cost={**p["cost"], "train_steps": 2}), runs)  # a cost sample not stored yet
    assert untimed.set_index("score").loc[list(ex.ZERO_COST), "seconds_per_arch"].isna().all()
    assert untimed.set_index("score").loc["rmi_beta_0.8", "seconds_per_arch"] > 0
    claims = ex.claims(p, runs, ex.correlations(p, runs))
    assert claims and all("run in progress: 2 of 4 architectures stored" in c.scale for c in claims)
