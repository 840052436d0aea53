"""Notebook 04's experiment module: profile table, store keys of the committed results, the
Table 1 formatting and the claim rules, checked on small hand-made inputs."""
import numpy as np
import pandas as pd
import pytest

from nasbook import config, profiles, rmi
from nasbook.data import nb201 as bench
from nasbook.experiments import nb201_searches as ex
from nasbook.search.result import SearchResult


def result(acc, seed=0, queried=(0, 1), cost=1.0):
    return SearchResult(method="random", signal="benchmark", seed=seed, arch="", index=0, queried=list(queried),
                        cost=cost, valid_acc={d: acc - 10 for d in bench.DATASETS},
                        test_acc={d: acc for d in bench.DATASETS})


def test_profiles_carry_resolved_rmi_settings_not_a_profile_name():
    for name in profiles.NAMES:
        p = ex.resolve(name)
        assert p["rmi"]["settings"] == rmi.resolve(rmi.SIGNAL_PROFILES[name])
        assert "rmi_profile" not in p["rmi"] and "threads" not in p["rank_nosh"]
    assert "Scale of the cpu profile" in ex.scale(ex.resolve("cpu"))


def test_committed_rmi_searches_are_found_under_the_migrated_keys(shared_data, monkeypatch):
    """The cpu RMI-signal searches (and their table-signal counterparts of Fig. 1b) read from
    the committed store without computing anything."""
    monkeypatch.setenv("NASBOOK_RESULTS_ONLY", "1")
    p = profiles.resolve(ex.PROFILES, "cpu", root=config.ROOT / "results" / "cpu")
    runs = ex.rmi_runs(p)
    r = p["rmi"]
    assert {m: len(v) for m, v in runs.items()} == {**{m: r["seeds"] for m in r["methods"]},
                                                    "rminas": r["rminas"]["seeds"]}
    assert all(x.signal == "rmi" and len(x.queried) <= r["budget"] for x in runs["random"])
    f1b = ex.fig1b(p, runs, ex.fig1b_timing(p))
    assert list(f1b.seeds) == [5, 5, 5, 5]
    assert f1b["accuracy change"].tolist() == pytest.approx(
        (f1b["C10 test, RMI signal"] - f1b["C10 test, table signal"]).tolist())


def test_summary_uses_the_sample_sd_and_says_n():
    runs = [result(a, seed=i) for i, a in enumerate([90.0, 92.0, 94.0])]
    s = ex.summarize(runs, "cifar10")
    assert s["cifar10_test_mean"] == pytest.approx(92.0) and s["cifar10_test_std"] == pytest.approx(2.0)  # ddof=1
    row = ex.table_row("RS", "benchmark", {d: runs for d in bench.DATASETS}, "RS")
    assert row["C10 test"] == "92.00 ± 2.00 (n=3)" and row["C10 test (paper)"] == "93.80 ± 0.36"
    assert ex.table_row("RS", "rmi", {d: runs[:1] for d in bench.DATASETS}, None)["C10 test"] == "90.00 (n=1)"


def test_table1_claim_rule():
    def claim(values):
        return ex._table1_claim("x", "RS", [result(v, seed=i) for i, v in enumerate(values)], "RS", "test")
    rng = np.random.default_rng(0)
    tight = 93.80 + rng.normal(0, 0.05, 50)                    # paper mean inside our interval
    assert claim(tight).verdict == "holds" and "interval" in claim(tight).reason
    off = 94.00 + rng.normal(0, 0.01, 50)                      # interval misses 93.80, mean within 0.36
    c = claim(off)
    assert c.verdict == "holds" and "within the paper's" in c.reason and "interval" not in c.reason
    assert claim(95.0 + rng.normal(0, 0.01, 50)).verdict == "differs"
    assert claim([93.8, 93.8, 93.8, 93.8]).verdict == "inconclusive"   # n < 5


def test_anytime_is_the_first_best_so_far_by_the_validation_signal(shared_data):
    valid, test = bench.column(bench.valid_col("cifar10")), bench.column(bench.test_col("cifar10"))
    order = np.argsort(valid)
    q = [int(order[100]), int(order[5000]), int(order[50]), int(order[9000])]
    runs = {"random": {"cifar10": [SearchResult("random", "benchmark", 0, "", 0, queried=q)]}}
    df = ex.anytime(runs, methods=("random",))
    assert df.test_acc.tolist() == pytest.approx([test[q[0]], test[q[1]], test[q[1]], test[q[3]]])


def curves_frame(taus_mi, taus_rdm, ns, ns_rdm=None, seed=0):
    rows = [dict(method="GP-NAS", seed=seed, n=n, tau_valid=t) for n, t in zip(ns, taus_mi)]
    rows += [dict(method="GP-NAS-rdm", seed=seed, n=n, tau_valid=t) for n, t in zip(ns_rdm or ns, taus_rdm)]
    return pd.DataFrame(rows)


def test_sample_ratio_and_gpnas_claim():
    ns = [10, 20, 30, 40]
    c = curves_frame([0.1, 0.3, 0.35, 0.4], [0.1, 0.2, 0.25, 0.3], ns)
    # GP-NAS reaches 0.3 at 20; random never before 40 -> 40/20; at 30 (0.35) random never -> inf
    assert ex.sample_ratio(curves_frame([0.1, 0.3, 0.3, 0.3], [0.1, 0.2, 0.25, 0.3], ns)) == 2.0
    assert ex.sample_ratio(c) == np.inf
    assert ex.sample_ratio(c, censored="bound") == 2.0    # never reached at 30, 40: at least 40/30, 40/40 < 2
    reach = ex.samples_to_reach(c)
    assert reach["n GP-NAS-rdm needs"].astype(float).tolist()[:2] == [10, 40]
    assert reach["n GP-NAS-rdm needs"].isna().tolist() == [False, False, True, True]
    assert reach["censored"].tolist() == [False, False, True, True]
    assert reach["ratio"].tolist() == pytest.approx([1.0, 2.0, 40 / 30, 1.0])
    two = pd.concat([curves_frame([0.1, 0.3, 0.3, 0.3], [0.1, 0.2, 0.25, 0.3], ns, seed=s) for s in (0, 1)])
    claim = ex._gpnas_claim(ex.resolve("smoke"), two, n_boot=50)
    assert claim.verdict == "differs" and claim.value == 2.0 and claim.hi == 2.0
    one = ex._gpnas_claim(ex.resolve("smoke"), two[two.seed == 0], n_boot=50)
    assert one.verdict == "inconclusive"                                    # one seed: no interval
    # seeds are resampled: random reaches 0.3 at 40 in seed 0, at 80 in seed 1 -> the interval spans 2..4
    mixed = pd.concat([curves_frame([0.1, 0.3], [0.1, 0.2, 0.3, 0.3], [10, 20], [10, 20, 40, 80], seed=0),
                       curves_frame([0.1, 0.3], [0.1, 0.2, 0.2, 0.3], [10, 20], [10, 20, 40, 80], seed=1)])
    c_mixed = ex._gpnas_claim(ex.resolve("smoke"), mixed, n_boot=200)
    assert (c_mixed.value, c_mixed.lo, c_mixed.hi, c_mixed.verdict) == (4.0, 2.0, 4.0, "differs")
    # never reached within random's runs: the ratio is censored; 30 / 10 < 25 cannot decide, 300 / 10 can
    short = pd.concat([curves_frame([0.5, 0.6], [0.1, 0.2, 0.3], [10, 20], [10, 20, 30], seed=s) for s in (0, 1)])
    c_short = ex._gpnas_claim(ex.resolve("smoke"), short, n_boot=50)
    assert c_short.verdict == "inconclusive" and c_short.value == 3.0 and c_short.hi == np.inf
    assert "at least 3.00x" in c_short.measured
    long_ns = list(range(10, 301, 10))
    long = pd.concat([curves_frame([0.5, 0.6], [0.1] * len(long_ns), [10, 20], long_ns, seed=s) for s in (0, 1)])
    c_long = ex._gpnas_claim(ex.resolve("smoke"), long, n_boot=50)
    assert c_long.verdict == "holds" and c_long.value == 30.0 and c_long.lo == 30.0


def test_theorem1_claim_counts_the_cases():
    th = pd.DataFrame({"dataset": ["cifar10", "cifar10", "cifar100"], "f": "test_200", "quantile": [0.5, 0.9, 0.5],
                       "noise": 0.0, "mode_rank": [1, 3, 1], "mode_is_optimum": [True, False, True],
                       "joint_mode_is_optimum": True})
    c = ex._theorem1_claim(th)
    assert c.verdict == "partly" and c.value == pytest.approx(2 / 3) and "2 of 3" in c.measured
    assert ex._theorem1_claim(th.assign(mode_is_optimum=True)).verdict == "holds"
    assert ex._theorem1_claim(th.assign(mode_is_optimum=False)).verdict == "differs"


def test_fig1b_speedup_is_like_for_like_with_an_interval():
    """Speedup = (12-epoch training s x table queries) / (RMI s x RMI queries), both timed on the
    same networks and device; the verdict follows the interval over the timed architectures."""
    p = ex.resolve("cpu")
    f1b = pd.DataFrame({"method": ["RS", "REA"], "seeds": [5, 5], "queries (table)": [30.0, 30.0],
                        "queries (RMI)": [30.0, 15.0], "speedup": [0.0, 0.0]})

    def timing(ratio):
        rmi_s = np.array([1.0, 1.2, 0.9, 1.1, 1.0])
        return pd.DataFrame({"rmi_s": rmi_s, "train_s": ratio * rmi_s * np.array([1.0, 1.05, 0.95, 1.0, 1.0]),
                             "device": "cpu"})
    c = ex._fig1b_claim(p, f1b, timing(20.0))
    assert c.value == pytest.approx(20.0 * 1.5 * timing(20.0).train_s.mean() / 20.0 / timing(20.0).rmi_s.mean())
    assert c.lo <= c.value <= c.hi and c.verdict == "holds"
    assert ex._fig1b_claim(p, f1b, timing(4.0)).verdict == "partly"
    assert ex._fig1b_claim(p, f1b, timing(0.5)).verdict == "differs"
    assert ex._fig1b_claim(p, f1b.iloc[:0], timing(4.0)).verdict == "not run"


def test_fig1b_timing_measures_both_sides_on_the_same_network(shared_data, tmp_path):
    p = profiles.resolve(ex.PROFILES, "smoke", root=tmp_path)
    t = ex.fig1b_timing(p.replace(rmi={**p["rmi"], "settings": rmi.resolve({**rmi.SIGNAL_PROFILES["smoke"], "steps": 2})}))
    assert len(t) == ex.FIG1B_TIMING["archs"] and (t.rmi_s > 0).all() and (t.train_step_s > 0).all()
    assert (t.train_steps == 12 * 98).all() and np.allclose(t.train_s, t.train_step_s * 1176)
