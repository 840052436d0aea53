import numpy as np
import pytest
import torch
import torch.nn as nn

from nasbook.spaces import nb201
from nasbook.spaces.nb201 import EDGES
from nasbook.spaces.nb201_network import (AvgPool3x3, InferCell, ReLUConvBN, ResNetBasicblock, TinyNetwork, Zero,
                                          build_network, live_edges, param_count)

ARCH_9930 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def test_closed_form_matches_built_network_for_random_archs():
    rng = np.random.default_rng(0)
    archs = [nb201.sample(rng) for _ in range(40)] + [nb201.to_str([o] * 6) for o in range(5)]
    for arch in archs:
        assert n_params(build_network(arch)) == param_count(arch), arch
    for C, N, k in [(8, 1, 100), (4, 2, 120)]:
        for arch in archs[:5]:
            assert n_params(build_network(arch, C=C, N=N, num_classes=k)) == param_count(arch, C=C, N=N, num_classes=k)


def test_official_benchmark_param_counts():
    # Official NAS-Bench-201 / NATS-Bench 'params' (MB = 1e6) on cifar10, cifar100, ImageNet16-120:
    # minimum over the space (no convolution) and maximum (six 3x3 convs), e.g. HPOBench scripts
    # reading NAS-Bench-201-v1_1-096897; and 0.802426 for the arch of D-X-Y/NATS-Bench issue #36.
    no_conv = ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
               "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|",
               "|avg_pool_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|skip_connect~2|"]
    for arch in no_conv:
        assert param_count(arch, num_classes=10) == 73306
        assert param_count(arch, num_classes=100) == 79156
        assert param_count(arch, num_classes=120) == 80456
    all_conv3 = nb201.to_str([3] * 6)
    assert param_count(all_conv3, num_classes=10) == 1531546
    assert param_count(all_conv3, num_classes=100) == 1537396
    assert param_count(all_conv3, num_classes=120) == 1538696
    issue36 = "|skip_connect~0|+|none~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    assert param_count(issue36) == 802426
    assert n_params(build_network(issue36)) == 802426
    # The best architecture (index 9930): five 3x3 convs. Not checked against an official
    # number (none found); the closed form itself: 73306 + 5 * 5 * (2336 + 9280 + 36992).
    assert nb201.index_of(ARCH_9930) == 9930
    assert param_count(ARCH_9930) == n_params(build_network(ARCH_9930)) == 1288506


def test_blocks_match_official_definitions():
    b = ResNetBasicblock(16, 32, 2)
    assert isinstance(b.downsample[0], nn.AvgPool2d) and b.downsample[1].bias is None
    assert b.conv_a[1].stride == (2, 2) and b.conv_b[1].stride == (1, 1)
    assert n_params(b) == 9 * 16 * 32 + 64 + 9 * 32 * 32 + 64 + 16 * 32
    r = ReLUConvBN(8, 8, 3, 1, 1)
    assert isinstance(r[0], nn.ReLU) and r[1].bias is None and r[2].affine and r[2].track_running_stats
    cell = InferCell(nb201.to_str([0, 1, 2, 3, 4, 0]), 8)
    kinds = [type(m) for m in cell.edges]
    assert kinds == [Zero, nn.Identity, ReLUConvBN, ReLUConvBN, AvgPool3x3, Zero]
    assert cell.edges[2][1].kernel_size == (1, 1) and cell.edges[3][1].kernel_size == (3, 3)
    assert cell.edges[4].count_include_pad is False


def official_op(op, x):
    """The op as the official code computes it (AvgPool3x3 as the nn.AvgPool2d it is)."""
    return nn.AvgPool2d.forward(op, x) if isinstance(op, AvgPool3x3) else op(x)


def reference_cell(cell, x):
    """The official InferCell.forward: every edge, Zero included, each node a plain sum."""
    nodes = [x]
    for node in (1, 2, 3):
        nodes.append(sum(official_op(cell.edges[e], nodes[frm]) for e, (to, frm) in enumerate(EDGES) if to == node))
    return nodes[3]


@pytest.mark.parametrize("seed", range(12))
def test_cell_forward_equals_official_semantics(seed):
    rng = np.random.default_rng(seed)
    ops = list(rng.integers(0, 5, 6))
    if seed < 4:  # make sure dead ends and zero nodes occur
        ops[[0, 2, 4, 5][seed]] = 0
    torch.manual_seed(seed)
    cell = InferCell(ops, 8)
    for m in cell.modules():  # non-trivial BN statistics and affine parameters
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1); m.running_var.uniform_(0.5, 2)
            m.weight.data.uniform_(0.5, 1.5); m.bias.data.uniform_(-1, 1)
    x = torch.randn(4, 8, 6, 6, requires_grad=True)
    for train_mode in (True, False):
        cell.train(train_mode)
        ours = cell(x)
        ref = reference_cell(cell, x)
        torch.testing.assert_close(ours, ref)  # equal but for the average pool's summation order
        g1, = torch.autograd.grad(ours.square().sum(), x, allow_unused=True)
        g2, = torch.autograd.grad(ref.square().sum(), x, allow_unused=True)
        if g1 is None or g2 is None:
            assert g1 is None or not g1.any()
            assert g2 is None or not g2.any()
        else:
            torch.testing.assert_close(g1, g2)


def test_live_edges():
    assert live_edges((3, 3, 3, 1, 3, 3)) == [0, 1, 2, 3, 4, 5]
    assert live_edges((0,) * 6) == []
    # node 1 only feeds node 2, node 2 goes nowhere: only the edge 0 -> 3 is alive
    assert live_edges((3, 3, 3, 1, 0, 0)) == [3]
    # node 2 -> 3 alive through node 1
    assert live_edges((2, 0, 3, 0, 0, 3)) == [0, 2, 5]


def test_forward_shapes_and_stages():
    torch.manual_seed(0)
    net = build_network(ARCH_9930, C=8, N=2, num_classes=7)
    x = torch.randn(3, 3, 32, 32)
    logits, stages = net(x, return_stages=True)
    assert logits.shape == (3, 7)
    assert [tuple(s.shape) for s in stages] == [(3, 8, 32, 32), (3, 16, 16, 16), (3, 32, 8, 8)]
    torch.testing.assert_close(net(x), logits)
    # stage s is the output of the last cell of stage s, before the next reduction
    net.eval()
    s1 = net.stages[0](net.stem(x))
    torch.testing.assert_close(net(x, return_stages=True)[1][0], s1)
    s2 = net.stages[1](net.reductions[0](s1))
    torch.testing.assert_close(net(x, return_stages=True)[1][1], s2)
    assert net.arch == ARCH_9930


def test_stage3_is_after_lastact_as_the_rmi_nas_code():
    """XNAS compares stage 3 after the head's BN + ReLU: stage 3 must be that tensor (non-negative,
    equal to lastact of the last cell's output), and the logits must be pooled from it."""
    torch.manual_seed(0)
    net = build_network(ARCH_9930, C=8, N=1).eval()
    with torch.no_grad():
        net.head.lastact[0].bias.fill_(-0.3)       # so that the ReLU clips something
        net.head.lastact[0].running_mean.uniform_(-1, 1)
    x = torch.randn(4, 3, 32, 32)
    logits, stages = net(x, return_stages=True)
    raw = net.stages[2](net.reductions[1](net.stages[1](net.reductions[0](net.stages[0](net.stem(x))))))
    expected = torch.relu(net.head.lastact[0](raw))
    torch.testing.assert_close(stages[2], expected, rtol=0, atol=0)
    assert (stages[2] == 0).any() and (stages[2] >= 0).all() and not torch.equal(stages[2], raw)
    torch.testing.assert_close(logits, net.head.classifier(expected.mean((2, 3))), rtol=0, atol=0)
    torch.testing.assert_close(logits, net(x), rtol=0, atol=0)


def test_all_none_network_runs_and_trains():
    net = build_network((0,) * 6, C=4, N=1)
    logits = net(torch.randn(2, 3, 32, 32))
    assert logits.shape == (2, 10) and torch.isfinite(logits).all()
    logits.sum().backward()
    assert net.head.classifier.weight.grad is not None


def test_tiny_network_accepts_any_cell():
    net = TinyNetwork(lambda C: nn.Conv2d(C, C, 1), C=4, N=2, num_classes=3)
    assert len(net.stages) == 3 and all(len(s) == 2 for s in net.stages)
    assert net(torch.randn(1, 3, 16, 16)).shape == (1, 3)


def test_bad_arch_raises():
    with pytest.raises(nb201.ArchError):
        build_network("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    with pytest.raises(nb201.ArchError):
        param_count((0, 1, 2))


def test_network_forward_equals_official_semantics():
    torch.manual_seed(3)
    arch = "|nor_conv_1x1~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"
    net = build_network(arch, C=4, N=2).eval()
    x = torch.randn(2, 3, 16, 16)
    h = net.stem(x)
    for s in range(3):
        if s:
            b = net.reductions[s - 1]  # official ResNetBasicblock: downsample(x) + conv_b(conv_a(x))
            h = b.downsample(h) + b.conv_b(b.conv_a(h))
        for cell in net.stages[s]:
            h = reference_cell(cell, h)
    ref = net.head.classifier(torch.relu(net.head.lastact[0](h)).mean((2, 3)))
    torch.testing.assert_close(net(x), ref)
