import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nasbook.spaces import nb201
from nasbook.supernet import Supernet
from nasbook.supernet import search
from nasbook.supernet.model import to_network

TINY = dict(C=4, N=1, limit_train=128, limit_valid=128, batch_size=32, epochs=2, log_every=1)


def reference_forward(net, x, W):
    """Per-edge sum over ops, written independently of the fused cell."""
    x = net.stem(x)
    for s, stage in enumerate(net.stages):
        if s:
            x = net.reductions[s - 1](x)
        for cell in stage:
            nodes = [x, None, None, None]
            for e, (to, frm) in enumerate(nb201.EDGES):
                y = sum(W[e, k] * cell.edges[e][k](nodes[frm]) for k in range(net.num_ops))
                nodes[to] = y if nodes[to] is None else nodes[to] + y
            x = nodes[3]
    return net.head(x)


def test_mixed_op_onehot_equals_discrete_op():
    torch.manual_seed(0)
    net = Supernet(C=4, N=1)
    x = torch.randn(4, 3, 32, 32)
    W = F.softmax(torch.randn(6, 5), -1)
    assert torch.allclose(net(x, W), reference_forward(net, x, W), atol=1e-5)
    cell = net.cells[0]
    h = torch.randn(4, 4, 8, 8)
    for k, name in enumerate(net.ops):
        onehot = torch.zeros(6, 5)
        onehot[:, k] = 1
        # every edge carries op k only: node 1 = op(h), node 2 = op(h) + op(node1), ...
        out = cell(h, onehot, [list(range(5))] * 6)
        ops = cell.edges
        n1 = ops[0][k](h)
        n2 = ops[1][k](h) + ops[2][k](n1)
        n3 = ops[3][k](h) + ops[4][k](n1) + ops[5][k](n2)
        assert torch.allclose(out, n3, atol=1e-5), name


def test_discretized_supernet_is_the_nb201_network():
    # In train mode both use batch statistics everywhere: the search cells' BN has no
    # affine and no running stats, the NB201 cells' BN has affine weight 1 / bias 0 at
    # init, and the supernet conv's bias (bias=not affine, as official) cancels in BN.
    # In eval mode they would differ: NB201 BN uses running statistics, search cells not.
    torch.manual_seed(1)
    rng = np.random.default_rng(0)
    x = torch.randn(6, 3, 32, 32)
    for _ in range(3):
        arch = nb201.sample(rng)
        net = Supernet(C=4, N=2)
        for cell in net.cells:  # non-zero conv biases, to check that they cancel
            for edge in cell.edges:
                for m in edge.modules():
                    if isinstance(m, torch.nn.Conv2d) and m.bias is not None:
                        torch.nn.init.normal_(m.bias)
        net.discretize(arch)
        ref = to_network(net, arch).train()
        assert torch.allclose(net(x), ref(x), atol=1e-4), arch
        assert net.derive_str() == arch


def test_gdas_one_op_per_edge_and_gradient_reaches_alpha():
    torch.manual_seed(0)
    net = Supernet(C=4, N=1)
    calls = []
    for cell in net.cells:
        for e, edge in enumerate(cell.edges):
            for k, op in enumerate(edge):
                op.register_forward_hook(lambda m, i, o, e=e, k=k: calls.append((e, k)))
    arch = search.make_arch("gdas", net, dict(search_cfg(), tau_max=10.0, tau_min=0.1), 0)
    W, index = arch.sample()
    assert torch.allclose(W.sum(-1), torch.ones(6)) and ((W == 1) | (W == 0)).all()
    net(torch.randn(2, 3, 32, 32), W, index).sum().backward()
    per_cell = len(net.cells)
    evaluated = [(e, k) for e, k in calls]
    # one op per edge per cell ("none" is never called as a module)
    for e in range(6):
        ks = {k for ee, k in evaluated if ee == e}
        assert ks <= {index[e]}
        assert len([1 for ee, _ in evaluated if ee == e]) in (0, per_cell)
    assert net.alphas.grad is not None and net.alphas.grad.abs().sum() > 0


def search_cfg(**kw):
    from nasbook.experiments.nb201_weight_sharing import COMMON
    return dict(COMMON, **kw)


def _drnas():
    """A C=4 N=1 supernet with random alphas (seed 0) and its DrNAS architecture parameters."""
    torch.manual_seed(0)
    net = Supernet(C=4, N=1)
    with torch.no_grad():
        net.alphas.copy_(torch.randn(6, 5))
    return net, search.make_arch("drnas", net, search_cfg(), 0)


def test_drnas_simplex_and_concentration():
    net, arch = _drnas()
    W, _ = arch.sample()
    assert (W >= 0).all() and torch.allclose(W.sum(-1), torch.ones(6), atol=1e-5)
    a = net.alphas.detach()
    assert torch.allclose(arch.concentration(), torch.where(a > 0, a + 1, torch.exp(a)))
    # reparameterised: gradients flow into beta
    (W * torch.arange(5.0)).sum().backward()
    assert net.alphas.grad.abs().sum() > 0


def test_vimnas_generator_shape():
    net = Supernet(C=4, N=1)
    arch = search.make_arch("vimnas", net, search_cfg(), 0)
    mu = arch.mu()
    assert mu.shape == (6, 5)
    assert torch.allclose(net.alphas, mu.detach())
    W, _ = arch.sample()
    assert torch.allclose(W.sum(-1), torch.ones(6), atol=1e-5)
    two_ops = Supernet(C=4, N=1, ops=("skip_connect", "nor_conv_3x3"))
    assert search.make_arch("vimnas", two_ops, search_cfg(), 0).mu().shape == (6, 2)


def test_api_fix_mask_swap_save(tmp_path):
    torch.manual_seed(0)
    net = Supernet(C=4, N=2, ops=("skip_connect", "nor_conv_3x3"))
    x = torch.randn(2, 3, 32, 32)
    W = net.mixing_weights()
    with net.masked(0, "nor_conv_3x3"):
        assert net.mixing_weights()[0, 1] == 0 and net.mixing_weights()[0, 0] == W[0, 0]
    assert torch.equal(net.mixing_weights(), W)
    net.fix(2, 1)
    assert net.fixed[2] == 1 and net.derive()[2] == 1
    y = net(x)
    net.save(tmp_path / "n.pt")
    back = Supernet.load(tmp_path / "n.pt")
    assert back.fixed == net.fixed and torch.allclose(back(x), y, atol=1e-6)
    e0 = net.cells[0].edges[0]
    net.swap_edges(0, 3, cells=[0])
    assert net.cells[0].edges[3] is e0
    a = net.alphas.detach().clone()
    net.swap_edges(nb201.EDGES[1], nb201.EDGES[4], alphas=True)  # (to, from) pairs; every cell and the alphas
    assert torch.equal(net.alphas.detach()[[1, 4]], a[[4, 1]]) and torch.equal(net.alphas.detach()[[0, 2, 3, 5]],
                                                                                  a[[0, 2, 3, 5]])
    c0, c1 = net.cells[0], net.cells[1]
    net.swap_cells(0, 1)
    assert net.cells[0] is c1 and net.cells[1] is c0
    with pytest.raises(ValueError):
        net.swap_cells(0, 2)


def test_search_end_to_end_and_resume(shared_data, tmp_path, monkeypatch):
    from nasbook.experiments import nb201_weight_sharing as ws
    from nasbook.search.result import SearchResult
    from nasbook.supernet.search import Incomplete
    monkeypatch.setenv("NASBOOK_RESULTS", str(tmp_path / "a"))
    p = ws.resolve("smoke").replace(**TINY)
    assert p.root == tmp_path / "a" / "smoke"
    r = ws.run("darts", p, 0, progress=False)
    assert isinstance(r, SearchResult) and r.signal == "supernet"
    assert nb201.index_of(r.arch) == r.index and 0 < r.test_acc["cifar10"] <= 100
    assert len(r.trace[0]["history"]) == 2
    final = r.trace[0]["history"][-1]["probs"]
    # kill after epoch 1 (stop_epoch), rerun in the same store: continues from the checkpoint
    monkeypatch.setenv("NASBOOK_RESULTS", str(tmp_path / "b"))
    p = ws.resolve("smoke").replace(**TINY)
    with pytest.raises(Incomplete):
        ws.run("darts", p, 0, progress=False, stop_epoch=1)
    ckpts = sorted((tmp_path / "b").rglob("supernet_e*.pt"))
    assert [p.name for p in ckpts] == ["supernet_e001.pt"]
    r2 = ws.run("darts", p, 0, progress=False)
    assert r2.trace[0]["history"][-1]["probs"] == final
    assert r2.arch == r.arch
    # the per-seed table counts the derived cell's parameter-free edges
    (row,) = ws.per_seed([r2]).to_dict("records")
    assert row["parameter-free ops"] == ws.param_free(r2.arch) and row["seed"] == 0


def test_stored_reads_finished_searches_only(shared_data, tmp_path, monkeypatch):
    """Notebook 04 lists the weight-sharing searches already stored by notebook 07; it never trains."""
    monkeypatch.setenv("NASBOOK_RESULTS", str(tmp_path))
    from nasbook.experiments import nb201_weight_sharing as ws
    p = ws.resolve("smoke")
    assert ws.stored(p) == []
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    done = ws._result("gdas", 0, nb201.parse(arch), 1.5, [], [])
    p.store("nb201_search_gdas", ws.method_config("gdas", p.settings)).compute(("search", 0), lambda: done)
    (r,) = ws.stored(p)
    assert (r.method, r.arch, r.index) == ("gdas", arch, nb201.index_of(arch))
    assert ws.stored(p, seed=1) == []  # another seed offset: not stored
    row = ws.search_table([r]).iloc[0]
    assert row["seeds"] == 1 and row["archs"] == arch
    assert row["cifar10 (ours)"] == f"{r.test_acc['cifar10']:.2f} (n=1)"


def test_pt_selection_resumes_where_it_stopped(shared_data, tmp_path, monkeypatch):
    """Kill PT after two edges are decided: the rerun continues from the checkpoint and ends
    exactly where an uninterrupted run ends."""
    import copy
    from nasbook.experiments import nb201_weight_sharing as ws
    from nasbook.supernet import pt
    cfg = ws.method_config("darts_pt", ws.resolve("smoke").replace(**TINY).settings)
    net, *_ = search.build("darts", cfg, 0, torch.device("cpu"))
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    full = pt.select(copy.deepcopy(net), cfg, 0, tmp_path / "a", "pt", device=net.stem[0].weight.device, progress=False)
    real, calls = pt.op_strengths, []

    def dies_on_third_edge(*a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*a, **k)
    monkeypatch.setattr(pt, "op_strengths", dies_on_third_edge)
    with pytest.raises(KeyboardInterrupt):
        pt.select(copy.deepcopy(net), cfg, 0, tmp_path / "b", "pt", device=net.stem[0].weight.device, progress=False)
    assert [p.name for p in (tmp_path / "b").glob("pt_e*.pt")] == ["pt_e002.pt"]
    monkeypatch.setattr(pt, "op_strengths", real)
    again = pt.select(copy.deepcopy(net), cfg, 0, tmp_path / "b", "pt", device=net.stem[0].weight.device, progress=False)
    assert len(again["steps"]) == net.num_edges and again["arch"] == full["arch"]
    assert [s["edge"] for s in again["steps"]] == [s["edge"] for s in full["steps"]]
    assert [s["masked_acc"] for s in again["steps"]] == [s["masked_acc"] for s in full["steps"]]


def test_fast_avg_pool_equals_avg_pool2d_without_padding_counts():
    from nasbook.spaces.nb201_network import avg_pool_3x3
    for shape in [(2, 3, 8, 8), (4, 16, 5, 7), (1, 1, 1, 1)]:
        h = torch.randn(*shape, requires_grad=True)
        g = torch.randn(*shape)
        ref = F.avg_pool2d(h, 3, 1, 1, count_include_pad=False)
        (gr,) = torch.autograd.grad((ref * g).sum(), h)
        out = avg_pool_3x3(h)
        (go,) = torch.autograd.grad((out * g).sum(), h)
        assert torch.allclose(out, ref, atol=1e-6) and torch.allclose(go, gr, atol=1e-6)


# ---------------------------------------------------------------- fidelity to the reference code (issue 13)
def test_pt_tunes_with_a_fresh_constant_sgd_at_a_tenth_of_the_lr(shared_data, tmp_path, monkeypatch):
    """darts-pt projection.py: reset_optimizer(learning_rate / 10, momentum, weight_decay), i.e.
    SGD at 0.0025 without Nesterov, no scheduler; decisions after 0, 5, 10, 15, 20, 24 epochs."""
    from nasbook.experiments import nb201_weight_sharing as ws
    from nasbook.supernet import pt
    assert pt.decision_epochs(6, 5) == [0, 5, 10, 15, 20, 24]
    assert pt.decision_epochs(6, 1) == [0, 1, 2, 3, 4, 4]
    cfg = ws.method_config("darts_pt", ws.resolve("smoke").replace(**TINY, pt_tune_epochs=2).settings)
    assert cfg["pt_tune_lr"] == 0.0025 == cfg["lr"] / 10
    net, *_ = search.build("darts", cfg, 0, torch.device("cpu"))
    seen, real = [], search.train_epoch

    def recording(net_, arch, w_opt, cfg_, **kw):
        lr0 = w_opt.param_groups[0]["lr"]
        steps = []
        hook = w_opt.register_step_pre_hook(lambda opt, a, k: steps.append(opt.param_groups[0]["lr"]))
        out = real(net_, arch, w_opt, cfg_, **kw)
        hook.remove()
        g = w_opt.param_groups[0]
        seen.append((lr0, steps, g["lr"], g["nesterov"], g["momentum"], g["weight_decay"], kw["epoch"]))
        return out
    monkeypatch.setattr(search, "train_epoch", recording)
    pt.select(net, cfg, 0, tmp_path, "pt", device=torch.device("cpu"), progress=False)
    assert [s[-1] - 10_000 for s in seen] == list(range(9))  # decisions after 0, 2, 4, 6, 8, 9 epochs
    for lr0, steps, lr1, nesterov, momentum, wd, _ in seen:
        assert lr0 == lr1 == 0.0025 and steps and set(steps) == {0.0025}   # constant over every step
        assert nesterov is False and momentum == 0.9 and wd == 3e-4


def test_pt_masked_evaluation_uses_batch_statistics_and_keeps_running_stats(shared_data):
    """darts-pt evaluates masked supernets with model.train(): every BatchNorm on batch statistics;
    nasbook restores the running statistics afterwards."""
    from nasbook.experiments import nb201_weight_sharing as ws
    from nasbook.supernet import pt
    cfg = ws.method_config("darts_pt", ws.resolve("smoke").replace(**TINY, pt_eval_batches=2).settings)
    torch.manual_seed(0)
    net = Supernet(C=4, N=1).eval()
    bns = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert any(m.track_running_stats for m in bns)  # stem, reductions and head track running stats
    with torch.no_grad():
        for m in bns:
            if m.track_running_stats:
                m.running_mean.normal_()
                m.running_var.uniform_(0.5, 2.0)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    uses_batch_stats = []
    hooks = [m.register_forward_hook(lambda m, i, o: uses_batch_stats.append(m.training or not m.track_running_stats))
             for m in bns]
    accs = pt.op_strengths(net, 0, cfg, torch.device("cpu"))
    assert len(accs) == 5 and uses_batch_stats and all(uses_batch_stats)
    assert not net.training  # mode restored
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    # the plain (eval-mode) evaluation does use running statistics: the check above is not vacuous
    uses_batch_stats.clear()
    search.evaluate(net, cfg, torch.device("cpu"), 1)
    assert not all(uses_batch_stats)
    for h in hooks:
        h.remove()


def test_drnas_has_one_l2_term_adams_weight_decay():
    """DrNAS 201-space: reg_type l2 is Adam(weight_decay=1e-3) on beta only; the loss adds nothing."""
    net, arch = _drnas()
    assert arch.opt.param_groups[0]["weight_decay"] == 1e-3
    assert [p for g in arch.opt.param_groups for p in g["params"]] == [net.alphas]
    # a network whose loss does not depend on beta: any gradient on beta would come from a regulariser
    net.forward = lambda x, W=None, index=None: torch.zeros(len(x), 10) + 0.0 * W.sum()
    x, y = torch.randn(2, 3, 32, 32), torch.tensor([0, 1])
    arch.opt.zero_grad()
    arch.arch_loss(x, y).backward()
    assert torch.equal(net.alphas.grad, torch.zeros_like(net.alphas))
    # the one L2 term: Adam's first step on g = 0 + 1e-3 * beta moves beta by lr * sign(beta)
    beta = net.alphas.detach().clone()
    arch.opt.step()
    assert torch.allclose(net.alphas.detach(), beta - 3e-4 * beta.sign(), atol=1e-7)


def test_step_order_follows_arch_first(shared_data):
    """AutoDL's DARTS-V1 / GDAS: weights step then architecture step; darts-pt and DrNAS: the
    architecture step first."""
    from nasbook.experiments import nb201_weight_sharing as ws
    p = ws.resolve("smoke").replace(**TINY)
    for method, first in (("darts", "w"), ("darts_pt", "a"), ("drnas", "a"), ("gdas", "w")):
        cfg = ws.method_config(method, p.settings)
        net, arch, w_opt, _ = search.build(cfg["supernet"], cfg, 0, torch.device("cpu"))
        order = []
        w_opt.register_step_post_hook(lambda *a: order.append("w"))
        arch.opt.register_step_post_hook(lambda *a: order.append("a"))
        search.train_epoch(net, arch, w_opt, cfg, seed=0, epoch=0, device=torch.device("cpu"))
        assert order[:2] == [first, "a" if first == "w" else "w"] and len(order) == 8, method


def test_precision_default_fp32_never_autocasts():
    """Papers trained in float32: the default precision does not autocast, even on CUDA, and keeps
    TF32 off on CUDA (nasbook.config turns it off at import; "tf32" turns it on inside training);
    bf16 is an option (decisions checked without a GPU)."""
    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    from nasbook.experiments import nb201_weight_sharing as ws
    for method in ws.SUPERNET:
        assert ws.method_config(method, ws.resolve("paper").settings)["precision"] == "fp32"
    cfg = search_cfg()
    assert search.autocast_dtype(cuda, cfg) is None and search.autocast_dtype(cuda, {}) is None
    assert search.autocast_dtype(cuda, dict(cfg, precision="bf16")) is torch.bfloat16
    assert search.autocast_dtype(cpu, dict(cfg, precision="bf16")) is None
    assert isinstance(search.autocast(cuda, cfg), type(search.autocast(cpu, cfg)))  # both nullcontext
    with pytest.raises(ValueError, match="fp32"):
        search.autocast_dtype(cuda, dict(cfg, precision="fp16"))
    def tf32():
        return torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    old = tf32()
    assert old == (False, False)  # nasbook.config, imported by search, turned TF32 off
    try:
        # TF32 is off for the whole process from nasbook.config's import (the one place that sets
        # it); "fp32" relies on that and leaves the flags alone, "tf32" turns it on inside the block
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        with search.float_mode(cuda, cfg):
            assert tf32() == (False, False)
        with search.float_mode(cuda, dict(cfg, precision="tf32")):
            assert tf32() == (True, True)
        assert tf32() == (False, False)  # restored
        with search.float_mode(cpu, dict(cfg, precision="tf32")):
            assert tf32() == (False, False)  # the CPU computes in float32 anyway: untouched
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old
