"""Searches on NB201: the budget-counting signal, every method end to end, determinism,
and the pieces checked against independent computations."""
import numpy as np
import pytest
import torch

from nasbook.data import nb201 as bench
from nasbook.search import BudgetExhausted, Signal, rea, reinforce, rminas, run, signals, theorem
from nasbook.spaces import nb201

TARGET = (3, 3, 1, 3, 2, 3)  # a fake optimum


def fake_score(indices):
    """Fitness = number of edges that agree with TARGET (+ a tiny index tie-break); 0 s each."""
    ops = nb201.ops_matrix()[np.asarray(indices)]
    return (ops == np.array(TARGET)).sum(1) + 1e-6 * np.asarray(indices) / nb201.NUM_ARCHS, np.zeros(len(indices))


def test_signal_counts_unique_archs_in_order_and_enforces_budget():
    calls = []

    def score(idx):
        calls.append(list(idx))
        return fake_score(idx)
    sig = Signal(score, budget=3)
    a, b, c, d = 5, nb201.arch_of(7), (0, 1, 2, 3, 4, 0), 11
    sig([a, b, a])
    assert sig.queried == [5, 7] and calls == [[5, 7]] and sig.remaining == 1
    assert sig.one(b) == pytest.approx(fake_score([7])[0][0])  # repeat: free, no new call
    assert len(calls) == 1
    sig([c])
    assert sig.exhausted and sig.queried == [5, 7, nb201.index_of(c)]
    with pytest.raises(BudgetExhausted):
        sig([d])
    assert sig.best() == max(sig.queried, key=lambda i: fake_score([i])[0][0])
    with pytest.raises(ValueError, match="budget"):
        Signal(score, budget=0)


@pytest.mark.parametrize("method,budget", [("random", 60), ("rea", 60), ("reinforce", 60), ("gpnas", 30),
                                           ("gpnas_rdm", 30), ("rminas", 150)])
def test_every_method_returns_a_consistent_result(shared_data, method, budget):
    kw = {"n_warm": 40, "quantile": 0.1, "n_collect": 5, "top": 5} if method == "rminas" else {}
    res = run(method, signal="benchmark", budget=budget, seed=3, score=fake_score, **kw)
    assert res.method == method and res.signal == "benchmark" and res.seed == 3
    assert nb201.index_of(res.arch) == res.index
    assert 0 < len(res.queried) <= budget and len(set(res.queried)) == len(res.queried)
    assert res.seconds > 0 and res.cost >= 0
    table = bench.load_table()
    for d in bench.DATASETS:
        assert res.test_acc[d] == pytest.approx(table.iloc[res.index][bench.test_col(d)])
        assert res.valid_acc[d] == pytest.approx(table.iloc[res.index][bench.valid_col(d)])
    again = run(method, signal="benchmark", budget=budget, seed=3, score=fake_score, **kw)
    assert again.index == res.index and again.queried == res.queried  # same seed, same search


def test_searches_beat_chance_on_an_easy_landscape(shared_data):
    # REA climbs one edge at a time: 200 queries find the optimum of a separable landscape
    assert run("rea", budget=200, seed=0, score=fake_score).index == nb201.index_of(TARGET)
    # RMI-NAS's per-edge mode of good architectures recovers it too (Theorem 1 on a separable f)
    res = run("rminas", budget=600, seed=0, score=fake_score, n_warm=100, n_collect=30, top=20)
    assert res.index == nb201.index_of(TARGET)
    assert res.trace[-1]["hits"] == 30


def test_benchmark_signal_is_the_12_epoch_validation_accuracy(shared_data):
    res = run("random", signal="benchmark", budget=200, seed=1, dataset="cifar100")
    valid = bench.column(bench.valid_col("cifar100"))
    assert res.index == res.queried[int(np.argmax(valid[res.queried]))]
    assert len(res.queried) == 200


def test_rminas_threshold_and_vote_match_the_official_rule():
    ops = np.array([[0, 1, 2, 3, 4, 0], [0, 1, 2, 3, 4, 1], [1, 1, 2, 3, 4, 1], [2, 2, 2, 2, 2, 2]])
    assert rminas.per_edge_mode(ops) == (0, 1, 2, 3, 4, 1)
    # ties go to the first op, as np.argmax in the official optimal_arch
    assert rminas.per_edge_mode(np.array([[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]))[0] == 0


def test_numpy_adam_matches_torch():
    rng = np.random.default_rng(0)
    p = rng.standard_normal((6, 5))
    tp = torch.nn.Parameter(torch.tensor(p.copy()))
    opt_t, opt_n = torch.optim.Adam([tp], lr=0.01), reinforce.Adam(0.01)
    for _ in range(5):
        g = rng.standard_normal((6, 5))
        tp.grad = torch.tensor(g)
        opt_t.step()
        opt_n.step(p, g)
    np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_reinforce_gradient_is_that_of_log_softmax():
    logits = torch.randn(6, 5, dtype=torch.float64, requires_grad=True)
    action = torch.tensor([0, 1, 2, 3, 4, 0])
    torch.log_softmax(logits, -1).gather(1, action[:, None]).sum().backward()
    probs = reinforce.softmax(logits.detach().numpy())
    np.testing.assert_allclose(np.eye(5)[action.numpy()] - probs, logits.grad.numpy(), atol=1e-12)


def test_ema_baseline_is_bias_corrected():
    ema = reinforce.EMA(0.9)
    ema.update(10.0)
    assert ema.value() == pytest.approx(10.0)
    ema.update(20.0)
    assert ema.value() == pytest.approx((0.9 * 0.1 * 10 + 0.1 * 20) / (0.9 * 0.1 + 0.1))


def test_bad_input_raises_clear_errors(shared_data):
    with pytest.raises(ValueError, match="unknown search method"):
        run("nope", budget=10, seed=0)
    with pytest.raises(ValueError, match="budget"):
        run("random", seed=0)
    with pytest.raises(ValueError, match="unknown signal"):
        run("random", signal="accuracy", budget=10, seed=0)
    with pytest.raises(ValueError, match="CIFAR-10 teacher"):
        run("random", signal="rmi", budget=10, seed=0, dataset="cifar100")
    with pytest.raises(ValueError, match="unknown NB201 dataset"):
        run("random", budget=10, seed=0, dataset="svhn")


def test_weight_sharing_methods_point_to_their_experiment_module():
    with pytest.raises(ValueError, match="nb201_weight_sharing"):
        run("darts", seed=4, epochs=1)


def test_rmi_signal_searches_keep_rmi_scores_in_the_profile_store(shared_data, tmp_path, monkeypatch):
    """The RMI losses behind a stored search live next to it (the Profile's root), the search is
    keyed by the resolved RMI settings (no profile name), and the settings reach nasbook.rmi."""
    import json
    from nasbook import rmi
    from nasbook.experiments import nb201_searches as ex
    monkeypatch.setenv("NASBOOK_RESULTS", str(tmp_path))
    p = ex.resolve("smoke")
    calls = []

    def fake_evaluate(archs, settings=None, seed=0, *, root=None, **kw):
        calls.append((root, settings))
        return [{"score": float(sum(op == 0 for op in nb201.parse(a))), "seconds": 0.0} for a in archs]
    monkeypatch.setattr(rmi, "evaluate", fake_evaluate)
    (res,) = ex.searches(p, "random", "rmi", "cifar10", 5, [0], rmi_settings=p["rmi"]["settings"], progress=False)
    assert len(res.queried) == 5
    assert calls and all(root == tmp_path / "smoke" == p.root for root, _ in calls)
    assert all(s == rmi.SIGNAL_PROFILES["smoke"] for _, s in calls)
    (cfg,) = [json.loads(f.read_text()) for f in (tmp_path / "smoke" / "search").glob("*/config.json")]
    assert cfg["rmi_settings"] == {**rmi.SIGNAL_PROFILES["smoke"], **rmi.REPRESENTATION} and "rmi_profile" not in cfg
    with pytest.raises(ValueError, match="rmi_settings"):
        ex.searches(p, "random", "rmi", "cifar10", 5, [0], progress=False)


def test_rmi_signal_refuses_a_profile_name():
    with pytest.raises(TypeError, match="SIGNAL_PROFILES"):
        signals.make_signal("rmi", "cifar10", 5, rmi_settings="cpu")


def test_theorem1_joint_mode_is_the_optimum_and_separable_f_has_it_per_edge():
    ops = nb201.ops_matrix()
    f = (ops == np.array(TARGET)).sum(1) + 0.01 * np.random.default_rng(0).random(len(ops))
    df = theorem.check(f, quantiles=(0.5, 0.9, 0.99))
    assert df.joint_mode_is_optimum.all()
    assert (df.mode_index == nb201.index_of(TARGET)).all() and (df.mode_rank == 1).all()
    noisy = theorem.check(f, quantiles=(0.9,), noise=0.5)
    assert noisy.mode_index.iloc[0] == nb201.index_of(TARGET)
