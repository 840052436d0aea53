"""Zero-cost proxies (nasbook.proxies): each one against a value computed independently (numpy
backpropagation written out by hand, closed forms, finite differences) on a tiny network, then
determinism, "the network is left as it was", NB201 sanity checks and the cached scorer."""
import math

import numpy as np
import pytest
import torch
import torch.nn as nn

from nasbook import proxies as P
from nasbook.spaces import nb201
from nasbook.spaces.nb201_network import param_count

K_JC = 1e-5                         # jacob_cov's k
D, H, KC, N = 10, 6, 4, 6           # MLP: inputs, hidden units, classes, images
CONV_ARCH = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
NONE_ARCH = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
# nor_conv_1x1 on edge 2<-0 is a dead end: node 2 only feeds node 3 through "none"
DEAD_END_ARCH = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"


# ------------------------------------------------------------------------------ tiny networks

def _softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


@pytest.fixture(scope="module")
def mlp():
    """Linear(D, H) -> ReLU -> Linear(H, KC) in float64 with fixed weights, a batch and labels."""
    rng = np.random.default_rng(0)
    w = dict(W1=rng.normal(size=(H, D)), b1=rng.normal(size=H) * 0.3,
             W2=rng.normal(size=(KC, H)), b2=rng.normal(size=KC) * 0.3)
    x = rng.normal(size=(N, D))
    y = np.array([0, 1, 2, 3, 1, 2])
    assert np.abs(x @ w["W1"].T + w["b1"]).min() > 1e-3   # no ReLU near its kink (finite differences)
    return w, x, y


def _torch_mlp(w) -> nn.Module:
    net = nn.Sequential(nn.Linear(D, H), nn.ReLU(), nn.Linear(H, KC)).double()
    with torch.no_grad():
        for layer, (W, b) in ((net[0], ("W1", "b1")), (net[2], ("W2", "b2"))):
            layer.weight.copy_(torch.from_numpy(w[W]))
            layer.bias.copy_(torch.from_numpy(w[b]))
    return net


def _np_backprop(W1, b1, W2, b2, x, y):
    """Forward and backward of mean cross-entropy through the MLP, by hand."""
    z1 = x @ W1.T + b1
    a = np.maximum(z1, 0)
    z2 = a @ W2.T + b2
    dz2 = (_softmax(z2) - np.eye(KC)[y]) / len(x)
    dz1 = (dz2 @ W2) * (z1 > 0)
    return dict(z1=z1, z2=z2, dz1=dz1, dz2=dz2, dW1=dz1.T @ x, dW2=dz2.T @ a)


def _run(net, x, y, name, **kw):
    return P.PROXIES[name](net, torch.as_tensor(x), torch.as_tensor(y), **kw)


# ------------------------------------------------------------------------------ by hand

def test_snip_and_grad_norm_by_hand(mlp):
    w, x, y = mlp
    g = _np_backprop(w["W1"], w["b1"], w["W2"], w["b2"], x, y)
    net = _torch_mlp(w)
    snip = np.abs(g["dW1"] * w["W1"]).sum() + np.abs(g["dW2"] * w["W2"]).sum()
    grad_norm = np.sqrt((g["dW1"] ** 2).sum()) + np.sqrt((g["dW2"] ** 2).sum())  # one norm per layer
    assert _run(net, x, y, "snip") == pytest.approx(snip, rel=1e-10)
    assert _run(net, x, y, "grad_norm") == pytest.approx(grad_norm, rel=1e-10)


def test_grasp_closed_form_softmax_regression():
    """One linear layer: H g = d/dt grad(W + t g) = dP^T x / n with dp_i = (diag p_i - p_i p_i^T) G x_i."""
    rng = np.random.default_rng(1)
    W, b, x, y = rng.normal(size=(3, 5)), rng.normal(size=3), rng.normal(size=(4, 5)), np.array([0, 2, 1, 2])
    p = _softmax(x @ W.T + b)
    G = (p - np.eye(3)[y]).T @ x / len(x)
    dZ = x @ G.T
    dP = np.stack([(np.diag(pi) - np.outer(pi, pi)) @ dzi for pi, dzi in zip(p, dZ)])
    expected = -(W * (dP.T @ x / len(x))).sum()
    net = nn.Linear(5, 3).double()
    with torch.no_grad():
        net.weight.copy_(torch.from_numpy(W))
        net.bias.copy_(torch.from_numpy(b))
    assert _run(net, x, y, "grasp") == pytest.approx(expected, rel=1e-10)
    # temperature: logits / T
    pT = _softmax((x @ W.T + b) / 2)
    GT = (pT - np.eye(3)[y]).T @ x / len(x) / 2
    dPT = np.stack([(np.diag(pi) - np.outer(pi, pi)) @ dzi for pi, dzi in zip(pT, x @ GT.T / 2)])
    assert _run(net, x, y, "grasp", T=2.0) == pytest.approx(-(W * (dPT.T @ x / len(x) / 2)).sum(), rel=1e-10)


def test_grasp_two_layers_finite_difference(mlp):
    """H g over both layers (cross terms included): central difference of the hand gradient along g."""
    w, x, y = mlp
    g = _np_backprop(w["W1"], w["b1"], w["W2"], w["b2"], x, y)
    eps = 1e-5
    plus = _np_backprop(w["W1"] + eps * g["dW1"], w["b1"], w["W2"] + eps * g["dW2"], w["b2"], x, y)
    minus = _np_backprop(w["W1"] - eps * g["dW1"], w["b1"], w["W2"] - eps * g["dW2"], w["b2"], x, y)
    hg1, hg2 = ((plus[k] - minus[k]) / (2 * eps) for k in ("dW1", "dW2"))
    expected = -(w["W1"] * hg1).sum() - (w["W2"] * hg2).sum()
    assert _run(_torch_mlp(w), x, y, "grasp") == pytest.approx(expected, rel=1e-6)


def test_fisher_by_hand_linear(mlp):
    """Activations = the outputs of both Linear layers (pre-ReLU z1 and the logits z2)."""
    w, x, y = mlp
    g = _np_backprop(w["W1"], w["b1"], w["W2"], w["b2"], x, y)
    d1 = 0.5 * ((g["z1"] * g["dz1"]) ** 2).mean(0)      # per channel of layer 1
    d2 = 0.5 * ((g["z2"] * g["dz2"]) ** 2).mean(0)
    net = _torch_mlp(w)
    assert _run(net, x, y, "fisher", fan_in=False) == pytest.approx(d1.sum() + d2.sum(), rel=1e-10)
    # the reference's summed number: each channel once per weight of that channel (fan-in D, H)
    assert _run(net, x, y, "fisher") == pytest.approx(D * d1.sum() + H * d2.sum(), rel=1e-10)


def test_fisher_by_hand_conv():
    """Conv 1x1 (2 -> 3 channels) then global mean as logits: dL/dact = dz / (h w), so the
    per-image channel sum over positions of act * dL/dact is z * dz."""
    rng = np.random.default_rng(2)
    W, b = rng.normal(size=(3, 2)), rng.normal(size=3)
    x, y = rng.normal(size=(5, 2, 3, 4)), np.array([0, 1, 2, 2, 0])
    act = np.einsum("kc,nchw->nkhw", W, x) + b[None, :, None, None]
    z = act.mean((2, 3))
    dz = (_softmax(z) - np.eye(3)[y]) / len(x)
    g_nk = (act * (dz / 12)[:, :, None, None]).sum((2, 3))
    delta = 0.5 * (g_nk ** 2).mean(0)
    net = nn.Sequential(nn.Conv2d(2, 3, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten()).double()
    with torch.no_grad():
        net[0].weight.copy_(torch.from_numpy(W).view(3, 2, 1, 1))
        net[0].bias.copy_(torch.from_numpy(b))
    assert _run(net, x, y, "fisher", fan_in=False) == pytest.approx(delta.sum(), rel=1e-10)
    assert _run(net, x, y, "fisher") == pytest.approx(2 * delta.sum(), rel=1e-10)   # fan-in 2*1*1


class _Twice(nn.Module):
    """One Linear(3, 3) applied twice: fisher adds the two calls' channel values (as the reference)."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)

    def forward(self, x):
        return self.lin(torch.relu(self.lin(x)))


def test_fisher_layer_called_twice():
    rng = np.random.default_rng(3)
    W, b, x, y = rng.normal(size=(3, 3)), rng.normal(size=3), rng.normal(size=(5, 3)), np.array([0, 1, 2, 1, 0])
    za = x @ W.T + b
    zb = np.maximum(za, 0) @ W.T + b
    dzb = (_softmax(zb) - np.eye(3)[y]) / len(x)
    dza = (dzb @ W) * (za > 0)
    delta = 0.5 * ((za * dza) ** 2).mean(0) + 0.5 * ((zb * dzb) ** 2).mean(0)
    net = _Twice().double()
    with torch.no_grad():
        net.lin.weight.copy_(torch.from_numpy(W))
        net.lin.bias.copy_(torch.from_numpy(b))
    assert _run(net, x, y, "fisher", fan_in=False) == pytest.approx(delta.sum(), rel=1e-10)
    assert _run(net, x, y, "fisher") == pytest.approx(3 * delta.sum(), rel=1e-10)


def test_synflow_by_hand():
    """|params|, BN removed, one all-ones input: R = 1^T |W2| (|W1| 1 + |b1|) + 1^T |b2|, so
    dR/dW2[j, i] = a1[i] and dR/dW1[i, c] = sum_j |W2[j, i]|."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 4))
    with torch.no_grad():
        net[1].weight.uniform_(-2, -1)      # a BN that would change R if it stayed
        net[1].bias.uniform_(-1, 1)
    W1, b1 = net[0].weight.detach().double().numpy(), net[0].bias.detach().double().numpy()
    W2 = net[3].weight.detach().double().numpy()
    a1 = np.abs(W1).sum(1) + np.abs(b1)
    s = np.abs(W2).sum(0)
    expected = (np.abs(W2) * a1[None, :]).sum() + (np.abs(W1) * s[:, None]).sum()
    x = torch.randn(7, 3)
    assert P.synflow_score(net, x) == pytest.approx(expected, rel=1e-12)
    # conv path, the all-ones input of shape x[0]: R = sum_jk |W2[j,k]| sum_c |W1[k,c]|
    conv = nn.Sequential(nn.Conv2d(2, 3, 1, bias=False), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(3, 4, bias=False))
    V1 = conv[0].weight.detach().double().numpy().reshape(3, 2)
    V2 = conv[3].weight.detach().double().numpy()
    r, s = np.abs(V1).sum(1), np.abs(V2).sum(0)
    expected = (np.abs(V2) * r[None, :]).sum() + (np.abs(V1) * s[:, None]).sum()
    assert P.synflow_score(conv, torch.randn(2, 2, 5, 5)) == pytest.approx(expected, rel=1e-12)


def test_jacob_cov_by_hand(mlp):
    """d(sum of outputs)/dx_i = W1^T (mask_i * W2^T 1): two images give corrcoef [[1, r], [r, 1]],
    eigenvalues 1 +- r; six images are checked against the reference formula with np.linalg.eig."""
    w, x, y = mlp
    z1 = x @ w["W1"].T + w["b1"]
    J = ((z1 > 0) * w["W2"].sum(0)[None, :]) @ w["W1"]     # rows: per-image input Jacobians
    net = _torch_mlp(w)
    c = J[:2] - J[:2].mean(1, keepdims=True)
    r = (c[0] @ c[1]) / math.sqrt((c[0] @ c[0]) * (c[1] @ c[1]))
    two = -sum(math.log(v + K_JC) + 1 / (v + K_JC) for v in (1 + r, 1 - r))
    assert P.jacob_cov_score(net, torch.as_tensor(x[:2])) == pytest.approx(two, rel=1e-9)
    v, _ = np.linalg.eig(np.corrcoef(J))
    ref = -np.sum(np.log(v + K_JC) + 1.0 / (v + K_JC))
    assert P.jacob_cov_score(net, torch.as_tensor(x)) == pytest.approx(float(np.real(ref)), rel=1e-9)


def test_params_and_flops_by_hand(mlp):
    w, _, _ = mlp
    net = _torch_mlp(w)
    assert P.params_score(net) == D * H + H + H * KC + KC
    assert P.flops_score(net, torch.zeros(1, D)) == D * H + H * KC      # MACs per image, no bias adds
    # NB201, C=4, N=1, 32x32: one 3x3 conv at c channels and h x h outputs = 9 c^2 h^2 MACs
    stem = 3 * 4 * 9 * 32 * 32
    cell = 2 * 9 * 4**2 * 32**2 + 2 * 4**2 * 32**2           # two 3x3 + two 1x1 convs; equal in every stage
    reduction = 9 * 4 * 8 * 16**2 + 9 * 8 * 8 * 16**2 + 4 * 8 * 16**2   # conv_a (stride 2), conv_b, 1x1 shortcut
    classifier = 16 * 10
    assert stem + 3 * cell + 2 * reduction + classifier == 1_552_544
    net = nb201.build_network(CONV_ARCH, C=4, N=1)
    assert P.flops_score(net) == 1_552_544
    assert P.flops_score(net, torch.zeros(8, 3, 32, 32)) == 1_552_544    # per image, shape of x[0]
    # a dead-end 1x1 conv does not run and is not counted (the official count includes it)
    dead = nb201.build_network(DEAD_END_ARCH, C=4, N=1)
    assert P.flops_score(dead) == 1_552_544 - 3 * 4**2 * 32**2 - 3 * 4**2 * 32**2
    for arch in (CONV_ARCH, NONE_ARCH, DEAD_END_ARCH):
        assert P.params_score(nb201.build_network(arch, C=4, N=1)) == param_count(arch, C=4, N=1)


# ------------------------------------------------------------------------------ NB201

def _nb201(arch, seed=0):
    torch.manual_seed(seed)
    return nb201.build_network(arch, C=4, N=1)


@pytest.fixture(scope="module")
def batch():
    g = torch.Generator().manual_seed(0)
    return torch.randn(8, 3, 32, 32, generator=g), torch.randint(0, 10, (8,), generator=g)


def test_deterministic_and_network_left_as_it_was(batch):
    x, y = batch
    net = _nb201(CONV_ARCH)
    with torch.no_grad():
        net.train()(x)              # BN running statistics that differ from their initial values
    net.eval()
    state = {k: v.clone() for k, v in net.state_dict().items()}
    modes = [m.training for m in net.modules()]
    first = {name: fn(net, x, y) for name, fn in P.PROXIES.items()}
    again = {name: fn(net, x, y) for name, fn in P.PROXIES.items()}
    rebuilt = _nb201(CONV_ARCH)    # initial running statistics, train mode: proxies use batch statistics
    third = {name: fn(rebuilt, x, y) for name, fn in P.PROXIES.items()}
    assert first == again == third
    assert set(state) == set(net.state_dict())
    assert all(torch.equal(state[k], v) for k, v in net.state_dict().items())
    assert [m.training for m in net.modules()] == modes
    for p in net.parameters():
        assert p.grad is None and p.requires_grad and p.dtype == torch.float32
    for m in net.modules():
        assert not (m._forward_hooks or m._forward_pre_hooks or m._backward_hooks)
        assert "forward" not in m.__dict__
    assert x.grad is None and not x.requires_grad
    assert all(math.isfinite(v) for v in first.values())


def test_nb201_sanity(batch):
    x, y = batch
    conv, none = _nb201(CONV_ARCH), _nb201(NONE_ARCH)
    s_conv = {name: fn(conv, x, y) for name, fn in P.PROXIES.items()}
    s_none = {name: fn(none, x, y) for name, fn in P.PROXIES.items()}
    assert all(math.isfinite(v) for v in s_conv.values()) and s_conv["synflow"] > 0
    # all-none cells: the network output is its classifier bias, whatever the input
    assert s_none["synflow"] == 0.0          # as the reference (its none edges are x * 0: zero gradients)
    assert s_none["snip"] == s_none["grad_norm"] == s_none["grasp"] == 0.0
    assert s_none["jacob_cov"] == s_none["naswot"] == P.NEG_SCORE     # reference: NaN / -inf
    assert math.isfinite(s_none["fisher"])   # only the logits count: act = bias, dL/dact != 0
    assert s_none["params"] < s_conv["params"] and s_none["flops"] < s_conv["flops"]
    # synflow keeping the reduction blocks' BNs (the reference's NB201 model) or every BN
    for kw in (dict(keep_bn=("reductions",)), dict(bn=True)):
        v = P.synflow_score(conv, x, **kw)
        assert math.isfinite(v) and v > 0 and v != s_conv["synflow"]


# ------------------------------------------------------------------------------ cached scorer

def test_naswot_store_key_unchanged(tmp_path):
    """Committed results and the cache depend on NaswotProxy's store configuration."""
    p = P.NaswotProxy(C=4, N=1, batch_size=16, seed=0, root=tmp_path, readonly=True)
    assert p.config == dict(proxy="naswot", C=4, N=1, batch_size=16, seed=0, images="cifar10 search_train")
    assert (p.store.experiment, p.store.key) == ("proxy_naswot", "c77c64147502")
    q = P.ProxyScorer("naswot", C=4, N=1, batch_size=16, root=tmp_path, readonly=True)
    assert q.store.dir == p.store.dir and p.name == "naswot"


def test_proxy_scorer_caches(tmp_path):
    s = P.ProxyScorer("params", C=4, N=1, root=tmp_path, readonly=False)
    assert s(17) == param_count(nb201.arch_of(17), C=4, N=1) and s.computed == 1
    assert s(17) == s(17) and s.computed == 1                     # read back, not recomputed
    t = P.ProxyScorer("params", C=4, N=1, root=tmp_path, readonly=False)
    assert t.many([17]) == [s(17)] and t.computed == 0 and t.cached() == {17: s(17)}
    f = P.ProxyScorer("flops", C=4, N=1, root=tmp_path, readonly=False)
    assert f(nb201.index_of(CONV_ARCH)) == 1_552_544
    a = P.ProxyScorer("synflow", C=4, N=1, root=tmp_path, readonly=True)
    b = P.ProxyScorer("synflow", C=4, N=1, root=tmp_path, readonly=True, keep_bn=["reductions"])
    assert "options" not in a.config and b.config["options"] == {"keep_bn": ["reductions"]}
    assert a.store.key != b.store.key and a.store.experiment == "proxy_synflow"
    with pytest.raises(ValueError, match="unknown proxy"):
        P.ProxyScorer("zen", root=tmp_path, readonly=True)
    with pytest.raises(ValueError, match="takes no option"):
        P.ProxyScorer("snip", root=tmp_path, readonly=True, keep_bn=["x"])


def test_proxy_scorer_recipe(tmp_path, shared_data):
    """A stored score is the proxy of the network built after manual_seed(seed) on proxy_data."""
    s = P.ProxyScorer("grad_norm", C=4, N=1, batch_size=8, seed=0, root=tmp_path, readonly=False)
    x, y = P.proxy_data(8, 0)
    assert torch.equal(x, P.proxy_batch(8, 0)) and y.dtype == torch.int64 and len(y) == 8
    torch.manual_seed(0)
    net = nb201.build_network(nb201.arch_of(1234), C=4, N=1)
    assert s(1234) == P.grad_norm_score(net, x, y) and math.isfinite(s(1234)) and s.computed == 1
    u = P.ProxyScorer("grad_norm", C=4, N=1, batch_size=8, seed=0, root=tmp_path / "other", readonly=False)
    assert u.compute(1234) == s(1234) and u.computed == 1 and u.seconds > 0  # the stored recipe, timed
    assert not u.store.dir.exists() or 1234 not in u.cached()                # and nothing stored
