"""RANK-NOSH, the full-fidelity predictor search and the epoch accounting (nasbook.search)."""
import numpy as np
import pandas as pd
import pytest
import torch

from nasbook.proxies import TableProxy, naswot_score
from nasbook.data.nb201 import TEST
from nasbook.experiments import nb201_searches as ne
from nasbook.search import predictor_search, rank_nosh
from nasbook.search.budget import EpochOracle
from nasbook.search.result import BudgetExhausted
from nasbook.spaces import nb201

FAST_NOSH = dict(n_init=20, n_add=10, promote=[5], n_candidates=300, pairs_per_level=300, fit_steps=40)
FAST_PRED = dict(n_init=4, per_round=4, n_candidates=300, fit_steps=40)


@pytest.fixture(scope="module")
def table(shared_data):
    from nasbook.data.nb201 import load_table
    return load_table()


@pytest.fixture(scope="module")
def blind(table):
    """The table with every test column NaN: a search that read one would break or change."""
    t = table.copy()
    for c in t.columns:
        if "_test_" in c:
            t[c] = np.nan
    return t


def fake_proxy(table):
    valid = table["cifar10_valid_12"].to_numpy()
    noise = np.random.default_rng(123).normal(0, 3, len(valid))
    return TableProxy(lambda i: valid[i] + noise[i])


@pytest.fixture(autouse=True)
def one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_oracle_accounting_is_exact(table):
    o = EpochOracle(table, budget=500)
    v = o.train(7, 12)
    assert v == table["cifar10_valid_12"].iloc[7] and o.spent == 12
    assert o.train(7, 12) == v and o.spent == 12           # trained already: free
    o.train(7, 200)
    assert o.spent == 200                                  # resumed: pays 188 more
    o.train(8, 200)
    assert o.spent == 400 and o.left == 100
    with pytest.raises(BudgetExhausted):
        o.train(9, 200)
    assert o.spent == 400 and o.queried == [7, 8]
    with pytest.raises(ValueError, match="12, 200"):
        o.train(9, 50)


@pytest.mark.parametrize("method", ["rank_nosh", "predictor", "predictor_12", "random", "rea"])
def test_budget_and_no_test_signal(method, table, blind):
    """Spent epochs = price x evaluations <= budget, and the search is identical on a table whose
    test columns are NaN (so no test column is ever a signal)."""
    budget = {"predictor": 2200}.get(method, 250)
    kw = dict(budget=budget, seed=3, proxy=fake_proxy(table), nosh=FAST_NOSH, predictor=FAST_PRED)
    r = ne.run_one(method, table=table, **kw)
    b = ne.run_one(method, table=blind, **kw)
    per = ne.EPOCHS_PER_EVAL[method]
    assert r.cost == per * len(r.queried) <= budget
    assert budget - r.cost < per                          # it spent all it could
    assert r.queried == b.queried and r.index == b.index
    assert np.isnan(b.test_acc["cifar10"]) and r.test_acc["cifar10"] == table[TEST["cifar10"]].iloc[r.index]
    assert r.valid_acc["cifar10"] == max(table["cifar10_valid_12"].iloc[r.queried])  # pick = best observed


def test_ranker_orders_a_monotone_target():
    """Pairwise RankNet on one-hot encodings recovers a synthetic additive score (Kendall tau > 0.8)."""
    from scipy.stats import kendalltau
    X = predictor_search.all_encodings()
    w = np.random.default_rng(0).normal(size=30)
    target = X @ w
    rng = np.random.default_rng(1)
    train = rng.choice(nb201.NUM_ARCHS, 300, replace=False)
    a, b, wins = rank_nosh.sample_pairs(np.arange(300), target[train], 3000, rng)
    score = rank_nosh.fit_ranker(X[train], a, b, wins, seed=0, steps=300, lr=1e-2)
    held = np.setdiff1d(np.arange(nb201.NUM_ARCHS), train)[:2000]
    assert kendalltau(score(X[held]), target[held])[0] > 0.8


def test_sample_pairs_labels():
    rng = np.random.default_rng(0)
    members = np.array([10, 11, 12, 13])
    values = np.array([1.0, 3.0, 2.0, 2.0])
    a, b, w = rank_nosh.sample_pairs(members, values, 100, rng)
    assert len(a) == 5                                    # 6 pairs minus the tie 12-13
    lookup = dict(zip(members, values))
    assert all((lookup[x] > lookup[y]) == bool(z) for x, y, z in zip(a, b, w))


def test_deterministic_by_seed(table):
    kw = dict(budget=240, proxy=fake_proxy(table), table=table, **FAST_NOSH)
    r1, r2 = rank_nosh.run(seed=5, **kw), rank_nosh.run(seed=5, **kw)
    r3 = rank_nosh.run(seed=6, **kw)
    assert r1.queried == r2.queried and r1.index == r2.index and r1.trace == r2.trace
    assert r1.queried != r3.queried
    p1 = predictor_search.run(budget=1000, seed=5, table=table, **FAST_PRED)
    p2 = predictor_search.run(budget=1000, seed=5, table=table, **FAST_PRED)
    assert p1.queried == p2.queried


def test_anytime_prefix(table):
    """A smaller budget makes exactly the first decisions of a larger one (the trace is the anytime curve)."""
    kw = dict(proxy=fake_proxy(table), table=table, seed=2, **FAST_NOSH)
    small, big = rank_nosh.run(budget=120, **kw), rank_nosh.run(budget=300, **kw)
    assert big.queried[:len(small.queried)] == small.queried
    inc = ne.incumbent_at(big, np.array([120.0]))[0]
    assert inc == small.index


def test_nosh_never_discards_and_resumes(table):
    """Three-level pyramid (proxy, 12, 200): members only ever move up, none leaves, and the
    promotion to 200 pays 188 epochs (resume), never 200."""
    proxy = fake_proxy(table)
    oracle = EpochOracle(table, budget=1500)
    history = []
    pool = rank_nosh.search(oracle, proxy, seed=0, levels=(12, 200), n_init=20, n_add=10, promote=[6, 2],
                            n_candidates=300, pairs_per_level=300, fit_steps=30,
                            on_round=lambda p: history.append(dict(p.level)))
    assert len(history) >= 2
    for before, after in zip(history, history[1:] + [dict(pool.level)]):
        assert set(before) <= set(after)                          # nothing discarded
        assert all(after[i] >= lvl for i, lvl in before.items())  # levels never go down
    counts = pool.counts()
    assert counts[2] > 0 and counts[0] > 0 and sum(counts) == len(pool.level)   # a pyramid with a proxy base
    assert set(proxy.calls) == set(pool.level) and len(proxy.calls) == len(set(proxy.calls))
    paid = 12 * sum(1 for l in pool.level.values() if l >= 1) + 188 * counts[2]
    assert oracle.spent == paid
    assert oracle.incumbent in [i for i, l in pool.level.items() if l == 2]   # pick from the top level


def test_naswot_score_independent_formula():
    """naswot_score equals log|det K| computed from the hooked ReLU inputs by hand."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 64), torch.nn.ReLU(), torch.nn.Linear(64, 32),
                              torch.nn.ReLU())
    x = torch.randn(6, 3, 2, 2)
    h1 = net[1](x.flatten(1))
    h2 = net[3](torch.relu(h1))
    K = np.zeros((6, 6))
    for h in (h1, h2):
        c = (h.detach().numpy() > 0).astype(float)
        K += (c[:, None, :] == c[None, :, :]).sum(-1)   # units where images i and j agree
    sign, expected = np.linalg.slogdet(K)
    assert sign > 0 and np.isfinite(expected)
    assert naswot_score(net, x) == pytest.approx(expected, rel=1e-9)


def test_naswot_proxy_caches(tmp_path, shared_data):
    from nasbook.proxies import NaswotProxy
    p = NaswotProxy(C=4, N=1, batch_size=8, root=tmp_path, readonly=False)
    a = p(1234)
    assert p.computed == 1 and p(1234) == a and p.computed == 1          # read back, not recomputed
    q = NaswotProxy(C=4, N=1, batch_size=8, root=tmp_path, readonly=False)
    assert q(1234) == a and q.computed == 0 and q.cached() == {1234: a}
    assert np.isfinite(p(0)) and p.computed == 2                        # another arch is computed


def test_ratio_and_tables():
    grid = np.array([100.0, 200.0, 400.0])
    rows = []
    for seed in range(3):
        rows += [dict(method="predictor", seed=seed, budget=b, test_acc=v) for b, v in zip(grid, [90, 92, 94])]
        rows += [dict(method="rank_nosh", seed=seed, budget=b, test_acc=v) for b, v in zip(grid, [92, 94, 94])]
    df = pd.DataFrame(rows)
    r = ne.budget_ratio(df, at=[200, 400], n_boot=20)
    assert list(r["rank_nosh budget to match"]) == [100.0, 200.0]
    assert list(r["budget ratio"]) == [2.0, 2.0]
    assert list(r["ratio 90% lo"]) == [2.0, 2.0] and list(r["ratio 90% hi"]) == [2.0, 2.0]   # identical seeds
    t = ne.accuracy_table(df, budgets=(200,))
    assert t["200 ep."].tolist() == ["92.00 ± 0.00 (n=3)", "94.00 ± 0.00 (n=3)"]


def _claim_frame(ours, alt, predictor, budget=400):
    """Curves at `budget` (RANK-NOSH's) for RANK-NOSH, predictor_12 and REA, and the predictor
    search's curve at 2x and 10x that budget."""
    rows = []
    for seed, (o, a) in enumerate(zip(ours, alt)):
        rows += [dict(method="rank_nosh", seed=seed, budget=b, test_acc=v) for b, v in ((budget / 2, o - 1), (budget, o))]
        rows += [dict(method=m, seed=seed, budget=budget, test_acc=a) for m in ("predictor_12", "rea")]
        rows += [dict(method="predictor", seed=seed, budget=b, test_acc=v)
                 for b, v in ((budget, predictor - 2), (2 * budget, predictor - 1), (10 * budget, predictor))]
    return pd.DataFrame(rows)


def test_rank_nosh_claim_is_partly_when_cheap_fidelity_matches():
    """Ratio interval above 5x -> holds, unless predictor_12 / REA match RANK-NOSH at its budget."""
    p = ne.resolve("smoke")
    two_levels = {**p["rank_nosh"]["nosh"], "levels": [12, 200], "promote": [5, 3]}
    p = p.replace(rank_nosh={**p["rank_nosh"], "budgets": dict(p["rank_nosh"]["budgets"], rank_nosh=400),
                             "nosh": two_levels})
    ours = [94.0, 94.1, 94.2, 94.0, 94.1]
    for alt, verdict in (([93.0, 93.1, 93.0, 93.1, 93.0], "holds"), ([94.3, 94.2, 94.3, 94.2, 94.3], "partly")):
        df = _claim_frame(ours, alt, predictor=94.0)
        ratio = ne.budget_ratio(df, at=[4000], n_boot=50)
        assert ratio["budget ratio"].iloc[0] == 10.0
        c = ne._rank_nosh_claim(p, df, ratio)
        assert c.verdict == verdict and c.value == 10.0
        assert ("predictor_12" in c.reason) == (verdict == "partly")
    # never matched within RANK-NOSH's budget: differs
    df = _claim_frame(ours, ours, predictor=95.0)
    c = ne._rank_nosh_claim(p, df, ne.budget_ratio(df, at=[4000], n_boot=20))
    assert c.verdict == "differs" and np.isnan(c.value)
    # one trained level (the committed profiles): nothing is paused and resumed -> not tested as stated
    one = p.replace(rank_nosh={**p["rank_nosh"], "nosh": {**two_levels, "levels": [12], "promote": [5]}})
    c = ne._rank_nosh_claim(one, df, ne.budget_ratio(df, at=[4000], n_boot=20))
    assert c.verdict == "not run" and c.reason.startswith("not tested as stated") and "differs" in c.reason


def test_rejects_other_signals(table):
    with pytest.raises(ValueError, match="benchmark"):
        rank_nosh.run(signal="rmi", budget=100, seed=0, table=table, proxy=fake_proxy(table))
