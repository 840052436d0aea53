"""The DARTS-space supernet (paper profile of notebook 05)."""
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from nasbook.spaces.darts import EDGES, OPS, S2
from nasbook.supernet.darts import DartsSupernet


def test_parameter_count_equals_the_darts_search_model():
    # DARTS train_search.py logs "param size = 1.930618MB" for C=16, 8 layers, 10 classes
    # (alphas are not counted there, and are not weights here either).
    net = DartsSupernet(C=16, layers=8)
    assert sum(p.numel() for p in net.weight_parameters()) == 1_930_618
    assert net.alphas.shape == (28, 8) and len(EDGES) == 14
    assert [c.reduction for c in net.cells] == [False, False, True, False, False, True, False, False]


def reference_forward(net, x, W):
    """Every op of every edge evaluated and summed, written independently of Cell.forward."""
    s0 = s1 = net.stem(x)
    for cell in net.cells:
        Wc = W[14:] if cell.reduction else W[:14]
        states = [cell.pre0(s0), cell.pre1(s1)]
        for node in range(2, 6):
            states.append(sum(Wc[e, k] * (0 if OPS[k] == "none" else cell.edges[e][k](states[j]))
                              for e, (to, j) in enumerate(EDGES) if to == node for k in range(len(OPS))))
        s0, s1 = s1, torch.cat(states[2:], 1)
    return net.classifier(s1.mean((2, 3)))


def test_forward_is_the_weighted_sum_and_fix_is_one_op():
    torch.manual_seed(0)
    net = DartsSupernet(C=4, layers=3)
    x = torch.randn(3, 3, 16, 16)
    W = F.softmax(torch.randn(28, 8), -1)
    assert torch.allclose(net(x, W), reference_forward(net, x, W), atol=1e-5)
    # fixing an edge = one-hot weights on that edge, whatever the alphas say
    net.fix(4, "sep_conv_5x5")
    W1 = W.clone()
    W1[4] = F.one_hot(torch.tensor(OPS.index("sep_conv_5x5")), 8).float()
    assert torch.allclose(net(x, W), reference_forward(net, x, W1), atol=1e-5)
    assert net.derive()[4] == OPS.index("sep_conv_5x5")
    with net.masked(0, "skip_connect"):
        W2 = W1.clone()
        W2[0, OPS.index("skip_connect")] = 0
        assert torch.allclose(net(x, W), reference_forward(net, x, W2), atol=1e-5)
    assert net.edge_names[0] == "normal 2<-0" and net.edge_names[14] == "reduce 2<-0"
    with pytest.raises(ValueError, match="even C"):
        DartsSupernet(C=3, layers=8)
    with pytest.raises(ValueError, match="ops must be"):
        DartsSupernet(C=4, layers=3, ops=("skip_connect", "nor_conv_3x3"))


def test_notebook05_runs_on_the_darts_space(shared_data, tmp_path):
    """Figs. 2.1-2.3 on a tiny DARTS-space supernet trained by the one supernet trainer:
    14 normal-cell edges in S2."""
    from nasbook.experiments import alpha_vs_discretization as ch2
    from nasbook.profiles import Profile
    smoke = ch2.resolve("smoke")
    p = Profile("smoke", {**smoke.settings, "space": "darts",
                          "supernet": dict(ch2.PROFILES["paper"]["supernet"], C=2, layers=3, epochs=2,
                                           limit_train=64, limit_valid=64, batch_size=32),
                          "discretize": dict(smoke["discretize"], max_epochs=0, min_epochs=0, edges=1)}, tmp_path)
    s2 = ch2.s2_strength(p, progress=False)
    assert len(s2) == 28 and set(s2["op"]) == set(S2)
    assert list(s2["edge_name"].unique()) == [f"normal {t}<-{f}" for t, f in EDGES]
    agree = ch2.edge_agreement(s2)
    assert len(agree) == 14 and set(agree["op_by_alpha"]) <= set(S2)
    fig21 = ch2.alpha_vs_discretization(p, progress=False)
    assert len(fig21) == len(OPS) and fig21["edge"].max() < 14
    gap = ch2.alpha_gap(p, progress=False)
    _, traj = ch2.train_supernet(p, S2)
    a = pd.DataFrame(list(traj["alphas"].iloc[-1]))
    assert len(gap) == 2 and gap["alpha_gap"].iloc[-1] == pytest.approx((a[0] - a[1])[:14].mean())
