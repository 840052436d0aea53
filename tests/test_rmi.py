"""RMI score: CKA against an independent formula, batch selection, batched == sequential,
NaN -> inf, determinism, and a real (tiny) search_signal call."""
import math

import numpy as np
import pandas as pd
import pytest
import torch

from nasbook import rmi
from nasbook.data import nb201 as bench
from nasbook.experiments import _rmi
from nasbook.spaces import nb201

ALL_NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
TINY = {"C": 4, "N": 1, "steps": 6, "batch_size": 8, "gamma": 2, "record_every": 2}


def feature_space_cka(x, y):
    """||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F) on column-centred features (paper Eq. 3)."""
    x = x - x.mean(0, keepdims=True)
    y = y - y.mean(0, keepdims=True)
    return np.linalg.norm(y.T @ x) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))


def test_linear_cka_matches_feature_space_formula():
    rng = np.random.default_rng(0)
    for n, dx, dy in [(10, 5, 7), (32, 64, 3), (16, 200, 50)]:
        x = rng.normal(size=(n, dx))
        y = x[:, :1] * rng.normal(size=(1, dy)) + 0.5 * rng.normal(size=(n, dy))  # related, not equal
        got = rmi.linear_cka(torch.from_numpy(x), torch.from_numpy(y)).item()
        assert got == pytest.approx(feature_space_cka(x, y), rel=1e-10)


def test_linear_cka_flattens_feature_maps_and_is_invariant():
    torch.manual_seed(0)
    x = torch.randn(12, 3, 4, 4, dtype=torch.float64)
    y = torch.randn(12, 5, 2, 2, dtype=torch.float64) + x[:, :1, :2, :2]
    base = rmi.linear_cka(x, y).item()
    assert base == pytest.approx(rmi.linear_cka(x.reshape(12, -1), y.reshape(12, -1)).item(), rel=1e-12)
    q, _ = torch.linalg.qr(torch.randn(48, 48, dtype=torch.float64))  # orthogonal transform
    assert rmi.linear_cka(x.reshape(12, -1) @ q, y).item() == pytest.approx(base, rel=1e-10)
    assert rmi.linear_cka(7.5 * x, 0.01 * y).item() == pytest.approx(base, rel=1e-10)  # isotropic scaling
    assert rmi.linear_cka(x + 3.0, y).item() == pytest.approx(base, rel=1e-10)  # centring
    assert rmi.linear_cka(x, x).item() == pytest.approx(1.0, abs=1e-12)
    assert 0.0 <= base <= 1.0


def test_linear_cka_rejects_bad_input_and_nan_on_constant():
    with pytest.raises(ValueError, match="same examples"):
        rmi.linear_cka(torch.randn(4, 3), torch.randn(5, 3))
    assert math.isnan(rmi.linear_cka(torch.zeros(6, 3), torch.randn(6, 2)).item())


def test_batch_selection_keeps_lowest_cross_entropy():
    torch.manual_seed(1)
    teacher = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 10))
    x, y = torch.randn(40, 3, 2, 2), torch.randint(0, 10, (40,))
    index, ce = rmi.select_batch(teacher, x, y, 8)
    assert len(index) == 8 and len(set(index.tolist())) == 8
    kept = torch.zeros(40, dtype=torch.bool)
    kept[index] = True
    assert ce[kept].max() <= ce[~kept].min()
    expected = torch.nn.functional.cross_entropy(teacher(x), y, reduction="none")
    assert torch.allclose(ce, expected.detach())


def _fake_batch(n=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, 32, 32, generator=g)
    stages = [torch.randn(n, 16 * 32 * 32, generator=g), torch.randn(n, 32 * 16 * 16, generator=g),
              torch.randn(n, 64 * 8 * 8, generator=g)]
    return rmi.Batch(x=x, y=torch.randint(0, 10, (n,), generator=g), teacher_stages=stages,
                     pool_index=torch.arange(n), pool_ce=torch.zeros(n))


def test_batched_training_equals_sequential():
    archs = ["|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|",
             "|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
             ALL_NONE]
    s = rmi.resolve(TINY)
    batch = _fake_batch()
    together = rmi.train_group(archs, batch, s, seed=3, device="cpu")
    alone = [rmi.train_group([a], batch, s, seed=3, device="cpu")[0] for a in archs]
    for t, a in zip(together, alone):
        np.testing.assert_allclose(t["curve"], a["curve"], rtol=1e-5, atol=1e-6)
        assert t["curve_steps"] == a["curve_steps"] == [2, 4, 6]
    assert math.isnan(together[2]["score"])  # all-none cell: zero stage output, CKA undefined
    assert all(math.isfinite(t["score"]) for t in together[:2])  # ... and it does not leak into the others


def _stack_archs(n, seed=0):
    """n sampled architectures plus the corner cases of the stacked engine: every op on every
    edge somewhere, an all-"none" cell (no live edge) and a cell whose node 3 reads only node 0."""
    rng = np.random.default_rng(seed)
    return [nb201.sample(rng) for _ in range(n)] + [
        ALL_NONE, "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|",
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|nor_conv_1x1~2|"]


def test_stacked_network_equals_the_networks_one_by_one():
    """StackedNB201: logits, the three stages and every weight gradient of K candidates equal the
    K networks' own (same weights; only the summation order differs)."""
    from nasbook.spaces.nb201_stacked import StackedNB201

    archs = _stack_archs(5)
    s = rmi.resolve({**TINY, "C": 4, "N": 2})
    # in float64, where summation order no longer shows (in float32 the BatchNorm backward amplifies
    # it to ~1e-3 relative in single gradient elements), everything agrees to 1e-9
    nets = [rmi.build_candidate(a, {**s, "channels_last": False}, 1, "cpu").double() for a in archs]
    stacked = StackedNB201(nets)
    x = _fake_batch(6).x.double()
    logits, stages = stacked(x)
    (logits.square().sum() + sum(st.square().sum() for st in stages)).backward()
    K = len(archs)

    def grad(param):  # a weight no output depends on (the all-"none" cell's stem) has no gradient
        return torch.zeros_like(param) if param.grad is None else param.grad

    for k, net in enumerate(nets):
        own_logits, own_stages = net(x, return_stages=True)
        (own_logits.square().sum() + sum(st.square().sum() for st in own_stages)).backward()
        torch.testing.assert_close(logits[:, k], own_logits, rtol=1e-9, atol=1e-12)
        for st, own in zip(stages, own_stages):
            torch.testing.assert_close(stacked.per_candidate(st)[k], own.reshape(len(x), -1), rtol=1e-9, atol=1e-12)
        C = net.C
        torch.testing.assert_close(stacked.stem_conv.weight.grad[k * C:(k + 1) * C], grad(net.stem[0].weight),
                                   rtol=1e-9, atol=1e-12)
        torch.testing.assert_close(stacked.fc_weight.grad[k], grad(net.head.classifier.weight), rtol=1e-9, atol=1e-12)
        red = net.reductions[1].conv_b[1].weight
        torch.testing.assert_close(stacked.reductions[1].conv_b.conv.weight.grad.view(K, *red.shape)[k], grad(red),
                                   rtol=1e-9, atol=1e-12)
    # a cell conv's gradient lands in the slice of its candidate among those that use it
    cell = stacked.stages[0][1]
    for e, name, key, _ in cell.plan:
        if name != "nor_conv_3x3":
            continue
        who = [k for k, a in enumerate(archs) if nb201.ops_of(a)[e] == 3 and e in nets[k].stages[0][1]._live]
        stacked_grad = cell.convs[key].conv.weight.grad.view(len(who), C, C, 3, 3)
        for j, k in enumerate(who):
            torch.testing.assert_close(stacked_grad[j], grad(nets[k].stages[0][1].edges[e][1].weight), rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="one C and N"):
        StackedNB201([nets[0], rmi.build_candidate(archs[0], {**s, "C": 8}, 1, "cpu")])


@pytest.mark.parametrize("beta", [0.8, 0.0, 1.0])
def test_batched_engine_trains_as_the_loop(beta):
    """engine="batched" gives the loop's losses step for step. Single-batch SGD at lr 0.1 amplifies
    float summation-order differences (~1e-7) by roughly 10x a step, as the memory format does
    (see the channels_last test), so the first steps are compared tightly and the whole run
    loosely; an all-"none" candidate's NaN stays in its own slice."""
    archs = _stack_archs(5, seed=1)
    s = rmi.resolve({**TINY, "C": 4, "N": 2, "steps": 4, "record_every": 1, "beta": beta})
    batch = _fake_batch()
    loop = rmi.train_group(archs, batch, {**s, "engine": "loop"}, seed=4, device="cpu")
    batched = rmi.train_group(archs, batch, {**s, "engine": "batched"}, seed=4, device="cpu")
    for a, b in zip(loop, batched):
        np.testing.assert_allclose(b["curve"][:2], a["curve"][:2], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(b["curve"], a["curve"], rtol=1e-2, atol=1e-5)
        for key in ("rmi", "ce"):
            np.testing.assert_allclose(b[key], a[key], rtol=1e-2, atol=5e-4)
    finite = [math.isfinite(r["score"]) for r in loop]
    assert finite == [math.isfinite(r["score"]) for r in batched]
    assert (beta == 0.0) == all(finite)  # CE alone is defined for the all-none cell; a CKA is not
    assert rmi.store_config(s, 0) == rmi.store_config({**s, "engine": "batched"}, 0)
    with pytest.raises(ValueError, match="engine must be"):
        rmi.resolve({"engine": "fast"})


def test_cuda_graph_is_checked_and_not_keyed():
    s = rmi.resolve({**TINY, "cuda_graph": True})
    assert rmi.store_config(s, 0) == rmi.store_config({**s, "cuda_graph": False}, 0)
    with pytest.raises(ValueError, match="cuda_graph=True needs a CUDA device"):
        rmi.train_group([_stack_archs(1)[0]], _fake_batch(), s, seed=0, device="cpu")
    with pytest.raises(ValueError, match="cuda_graph must be True or False"):
        rmi.resolve({"cuda_graph": "yes"})


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a GPU")
@pytest.mark.parametrize("engine", ["batched", "loop"])
def test_cuda_graph_replays_the_eager_steps(engine):
    """Replayed steps are the eager steps: the same curve, step for step (cuDNN's own
    non-determinism aside, which the tolerance of the batched-engine test covers)."""
    archs = _stack_archs(5, seed=2)
    s = rmi.resolve({**TINY, "C": 4, "N": 2, "steps": 8, "record_every": 1, "engine": engine})
    batch = _fake_batch()
    batch = rmi.Batch(batch.x.cuda(), batch.y.cuda(), [t.cuda() for t in batch.teacher_stages],
                      batch.pool_index, batch.pool_ce)
    eager = rmi.train_group(archs, batch, s, seed=4, device="cuda")
    graph = rmi.train_group(archs, batch, {**s, "cuda_graph": True}, seed=4, device="cuda")
    for a, b in zip(eager, graph):
        np.testing.assert_allclose(b["curve"], a["curve"], rtol=1e-2, atol=1e-5)
        assert math.isfinite(a["score"]) == math.isfinite(b["score"])


def test_seeded_determinism_and_beta_zero_is_cross_entropy():
    arch = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|"
    s = rmi.resolve(TINY)
    batch = _fake_batch()
    first = rmi.train_group([arch], batch, s, seed=5, device="cpu")[0]
    again = rmi.train_group([arch], batch, s, seed=5, device="cpu")[0]
    other = rmi.train_group([arch], batch, s, seed=6, device="cpu")[0]
    assert first["curve"] == again["curve"]
    assert first["curve"] != other["curve"]
    ce_only = rmi.train_group([arch, ALL_NONE], batch, rmi.resolve({**TINY, "beta": 0.0}), seed=5, device="cpu")
    assert all(r["score"] == r["ce"] and math.isfinite(r["score"]) for r in ce_only)
    mixed = first
    assert mixed["score"] == pytest.approx(0.8 * mixed["rmi"] + 0.2 * mixed["ce"], rel=1e-5)


def test_tau_table_per_seed_then_mean_and_sample_std():
    acc = [90.0, 80.0, 70.0, 10.0]
    frame = pd.DataFrame({"beta": [0.8] * 8, "seed": [0] * 4 + [1] * 4, "test_acc": acc * 2,
                          "score": [1.0, 2.0, 3.0, np.inf,     # seed 0: perfect order, inf ranks last
                                    2.0, 1.0, 3.0, 4.0]})      # seed 1: one swapped pair
    per_seed, summary = _rmi.tau_table(frame, ["beta"])
    assert per_seed["tau"].tolist() == pytest.approx([1.0, 4 / 6])
    assert per_seed["diverged"].tolist() == [1, 0] and per_seed["archs"].tolist() == [4, 4]
    row = summary.iloc[0]
    assert row["tau_mean"] == pytest.approx((1.0 + 4 / 6) / 2)
    assert row["tau_std"] == pytest.approx(np.std([1.0, 4 / 6], ddof=1))
    assert (row["seeds"], row["archs"], row["diverged"]) == (2, 4, 0.5)


def test_channels_last_gives_the_contiguous_scores_and_does_not_key_the_store():
    """channels_last is the default memory format (faster on CPU); same maths, other summation
    orders, so the curve of a real candidate matches the contiguous one to float tolerance over
    20 SGD steps (differences of ~1e-7 grow through training to ~1e-4 relative by step 20;
    bench/rmi_speed.py measures them on full runs)."""
    arch = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|"
    batch = _fake_batch()
    s = rmi.resolve({**TINY, "C": 8, "steps": 20, "record_every": 5})
    fast = rmi.train_group([arch], batch, s, seed=2, device="cpu")[0]
    plain = rmi.train_group([arch], batch, {**s, "channels_last": False}, seed=2, device="cpu")[0]
    assert rmi.build_candidate(arch, s, 2, "cpu").stem[0].weight.is_contiguous(memory_format=torch.channels_last)
    np.testing.assert_allclose(fast["curve"][0], plain["curve"][0], rtol=1e-5)
    np.testing.assert_allclose(fast["curve"], plain["curve"], rtol=1e-3)
    assert rmi.store_config(s, 0) == rmi.store_config({**s, "channels_last": False, "group": 4}, 0)
    assert rmi.store_config(s, 0)["stage3"] == "lastact"  # scores of the post-lastact stage 3 only


def test_bf16_is_an_option_that_keys_its_scores():
    """precision="bf16" trains under bfloat16 autocast: close to fp32 at the first step, not equal,
    and stored under its own key; fp32 (the default) adds nothing to the key, so scores stored
    before the option existed keep theirs."""
    arch = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|"
    s = rmi.resolve({**TINY, "steps": 2, "record_every": 1})
    batch = _fake_batch()
    fp32 = rmi.train_group([arch], batch, s, seed=1, device="cpu")[0]
    bf16 = rmi.train_group([arch], batch, {**s, "precision": "bf16"}, seed=1, device="cpu")[0]
    assert fp32["curve"][0] != bf16["curve"][0]
    np.testing.assert_allclose(bf16["curve"][0], fp32["curve"][0], rtol=0.05)
    assert "precision" not in rmi.store_config(s, 0)
    assert rmi.store_config({**s, "precision": "fp32"}, 0) == rmi.store_config(s, 0)
    assert rmi.store_config({**s, "precision": "bf16"}, 0) == {**rmi.store_config(s, 0), "precision": "bf16"}
    with pytest.raises(ValueError, match="precision must be one of fp32, bf16"):
        rmi.resolve({"precision": "fp16"})


def test_resolve_rejects_unknown_settings():
    with pytest.raises(ValueError, match="unknown RMI setting"):
        rmi.resolve({"stepz": 3})
    with pytest.raises(ValueError, match="beta"):
        rmi.resolve({"beta": 1.5})


def test_bad_input_gets_one_line_errors_and_stores_nothing(tmp_path):
    from nasbook import teacher
    arch = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|"
    with pytest.raises(ValueError, match="unknown RMI setting.*expected keys") as err:
        rmi.evaluate([arch], {"stepz": 3}, root=tmp_path)
    assert "\n" not in str(err.value)
    with pytest.raises(nb201.ArchError, match="expected|like"):
        rmi.evaluate(["|conv~0|+|none~0|"], TINY, root=tmp_path)
    with pytest.raises(teacher.TeacherError, match="teacher model must be one of"):
        rmi.evaluate([arch], {**TINY, "teacher": {"model": "resnet99", "init": "pretrained", "epochs": 0}},
                     root=tmp_path)
    assert not any(tmp_path.rglob("*.json"))  # nothing stored, nothing half-written


def test_search_signal_end_to_end(shared_data, tmp_path):
    settings = {**TINY, "steps": 3, "teacher": {"model": "resnet20", "init": "pretrained", "epochs": 0,
                                                 "test_limit": 200}}
    arch = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|"
    signal = rmi.search_signal(settings, seed=0, root=tmp_path, device="cpu")
    out = signal([arch, ALL_NONE])
    assert out.shape == (2,) and np.isfinite(out[0]) and out[1] == np.inf  # NaN -> inf
    store = rmi.rmi_store(rmi.resolve(settings), 0, root=tmp_path)
    assert len(store.items()) == 2
    again = rmi.search_signal(settings, seed=0, root=tmp_path, device="cpu")([ALL_NONE, arch])
    np.testing.assert_array_equal(again, out[::-1])  # read back from the store, not recomputed
    assert len(store.items()) == 2
    batch = rmi.make_batch(__import__("nasbook.teacher", fromlist=["load"]).load(settings["teacher"], root=tmp_path,
                                                                                   device="cpu"),
                           rmi.resolve(settings), 0, "cpu")
    kept = torch.zeros(len(batch.pool_ce), dtype=torch.bool)
    kept[batch.pool_index] = True
    assert len(batch.pool_ce) == 16 and kept.sum() == 8 and batch.pool_ce[kept].max() <= batch.pool_ce[~kept].min()


def test_stratified_sample_spans_accuracy(shared_data):
    archs = _rmi.stratified_sample(10)
    assert archs == _rmi.stratified_sample(10) and len(set(archs)) == 10
    acc = bench.column("cifar10")[[nb201.index_of(a) for a in archs]]
    assert acc.max() - acc.min() > 50  # from ~10% to >90%
    assert list(acc) == sorted(acc)  # sorted by accuracy
