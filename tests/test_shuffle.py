"""Layer / edge shuffling (thesis Table 2.1): shapes, exact undo, candidate layers."""
import numpy as np
import pytest
import torch

from nasbook.models.resnet import resnet20
from nasbook.models.vgg import vgg11_bn, vgg16_bn
from nasbook.shuffle import (ShuffleError, candidates, layer_stages, random_edge_swaps, random_swaps,
                             shuffle_trials, supernet_cells, swap, swap_edges, swapped)
from nasbook.supernet import Supernet


def _randomise_bn(model):
    # fresh BN has identity running stats; make them non-trivial so swaps matter in eval mode
    g = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(0.1 * torch.randn(m.num_features, generator=g))
            m.running_var.copy_(1 + 0.1 * torch.rand(m.num_features, generator=g))
    return model.eval()


def test_vgg11_candidates_follow_shapes():
    stages = layer_stages(vgg11_bn())
    assert [len(s) for s in stages] == [1, 1, 2, 2, 2]          # convs between the 5 pools
    cands = candidates(stages)
    # only convs with in == out channels: the 2nd conv of stages 3, 4 and both of stage 5
    assert [[l.name for l in c] for c in cands] == [[], [], ["features.5"], ["features.8"],
                                                  ["features.10", "features.11"]]
    assert all(l.in_shape == l.out_shape for c in cands for l in c)
    pairs = random_swaps(stages, np.random.default_rng(0))
    assert [(a.name, b.name) for a, b in pairs] == [("features.10", "features.11")]   # one stage has 2


def test_vgg16_candidates():
    cands = candidates(layer_stages(vgg16_bn()))
    assert [len(c) for c in cands] == [1, 1, 2, 2, 3]
    assert {l.in_shape for l in cands[4]} == {(512, 2, 2)}


def test_resnet20_candidates_exclude_downsampling_blocks():
    stages = layer_stages(resnet20())
    cands = candidates(stages)
    assert [[l.name for l in c] for c in cands] == [["layer1.0", "layer1.1", "layer1.2"],
                                                  ["layer2.1", "layer2.2"], ["layer3.1", "layer3.2"]]
    assert stages[1][0].in_shape == (16, 32, 32) and stages[1][0].out_shape == (32, 16, 16)
    with pytest.raises(ShuffleError, match="matching"):
        swap(stages[1][0], stages[1][1])                              # downsampling block: not allowed
    with pytest.raises(ShuffleError, match="matching"):
        swap(stages[0][1], stages[1][1])                              # different stages / widths


@pytest.mark.parametrize("make", [vgg11_bn, resnet20])
def test_swap_changes_output_keeps_shape_and_undoes_exactly(make):
    torch.manual_seed(0)
    model = _randomise_bn(make())
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        y0 = model(x)
        a, b = candidates(layer_stages(model))[-1][:2]
        first = [m for m in a.modules()]
        swap(a, b)
        assert a.modules() != first and b.modules() == first       # modules really moved
        y1 = model(x)
        assert y1.shape == y0.shape
        assert not torch.allclose(y0, y1)
        swap(a, b)                                                  # same pair again -> original
        assert torch.equal(model(x), y0)
        pairs = random_swaps(layer_stages(model), np.random.default_rng(3))
        with swapped(pairs):
            assert not torch.allclose(model(x), y0)
        assert torch.equal(model(x), y0)


def test_shuffle_trials_seeded_and_resumable():
    model = _randomise_bn(resnet20())
    x = torch.randn(8, 3, 32, 32)
    with torch.no_grad():
        y0 = model(x)
        score = lambda: float((model(x) - y0).abs().mean())
        a = shuffle_trials(model, score, trials=4, seed=1, progress=False)
        b = shuffle_trials(model, score, trials=4, seed=1, progress=False)
        stored = {0: dict(a.iloc[0])}
        c = shuffle_trials(model, lambda: -1.0, trials=1, seed=1, done=stored, progress=False)
    assert a.equals(b) and len(a) == 4 and (a["acc"] > 0).all()
    assert c["acc"].iloc[0] == a["acc"].iloc[0]                    # read back, not recomputed
    assert torch.equal(model(x), y0)


def test_supernet_edge_swap_permutes_op_modules_of_one_cell():
    torch.manual_seed(0)
    net = Supernet(C=4, N=2, ops=("skip_connect", "nor_conv_3x3")).eval()
    with torch.no_grad():
        net.alphas.normal_()
    x = torch.randn(8, 3, 32, 32)
    cells = supernet_cells(net)
    assert len(cells) == 6 and all(len(c) == 6 for c in cells)
    before = [[list(c.edges[e]) for e in range(6)] for c in net.cells]
    alphas = net.alphas.detach().clone()
    with torch.no_grad():
        y0 = net(x)
        a, b = cells[2][1], cells[2][4]
        swap_edges(a, b)
        after = [[list(c.edges[e]) for e in range(6)] for c in net.cells]
        assert after[2][1] == before[2][4] and after[2][4] == before[2][1]   # the two edges traded ops
        for c in range(6):
            for e in range(6):
                if (c, e) not in ((2, 1), (2, 4)):
                    assert after[c][e] == before[c][e]                        # nothing else moved
        assert torch.equal(net.alphas, alphas)                                # alphas stay with positions
        y1 = net(x)
        assert y1.shape == y0.shape and not torch.allclose(y0, y1)
        swap_edges(a, b)
        assert torch.equal(net(x), y0)
        pairs = random_edge_swaps(cells, np.random.default_rng(0))
        assert len(pairs) == 6 and all(p.cell == q.cell == i and p.index != q.index for i, (p, q) in enumerate(pairs))
        with swapped(pairs, swap_edges):
            assert not torch.allclose(net(x), y0)
        assert torch.equal(net(x), y0)
    with pytest.raises(ShuffleError):
        swap_edges(cells[0][1], cells[1][2])


def test_notebook06_paper_profile_shuffles_the_darts_space_supernet():
    """Thesis Table 2.1 shuffles the DARTS-space supernet: notebook 06's paper profile builds it
    (a tiny instance here, untrained), and edge swaps in every cell permute op modules of equal
    stride, change the output and undo exactly."""
    from nasbook.experiments import alpha_vs_discretization as ch2
    from nasbook.experiments import edge_shuffling as es
    from nasbook.spaces.darts import EDGES, OPS
    from nasbook.supernet import search
    from nasbook.supernet.darts import DartsSupernet
    p = es.resolve("paper")
    assert p["supernet"]["space"] == "darts" and es.supernet_ops(p) == OPS
    tiny = p.replace(supernet=dict(p["supernet"], supernet=dict(p["supernet"]["supernet"], C=2, layers=5)))
    cfg = ch2.supernet_config(es._chapter2(tiny), es.supernet_ops(tiny))
    assert cfg["space"] == "darts" and cfg["epochs"] == 50 and cfg["ops"] == list(OPS)
    torch.manual_seed(0)
    net = search.build_net(cfg).eval()
    assert isinstance(net, DartsSupernet) and "DARTS-space supernet C=2 5 cells" in es.supernet_label(tiny)
    with torch.no_grad():
        net.alphas.normal_()
    cells = supernet_cells(net)
    assert len(cells) == 5 and all(len(c) == len(EDGES) == 14 for c in cells)
    reduce = [c for c, cell in enumerate(net.cells) if cell.reduction]
    assert reduce == [1, 3] and {e.group for e in cells[1]} == {1, 2} and {e.group for e in cells[0]} == {1}
    x = torch.randn(4, 3, 16, 16)
    with torch.no_grad():
        y0 = net(x)
        for t in range(20):
            pairs = random_edge_swaps(cells, np.random.default_rng([0, t]))
            assert len(pairs) == 5
            assert all(a.cell == b.cell == i and a.group == b.group for i, (a, b) in enumerate(pairs))
            before = [list(cell.edges) for cell in net.cells]
            with swapped(pairs, swap_edges):
                (a, b) = pairs[1]
                assert net.cells[1].edges[a.index] is before[1][b.index]
                assert not torch.allclose(net(x), y0)
            assert torch.equal(net(x), y0)
        stride2 = next(e for e in cells[1] if e.group == 2)
        stride1 = next(e for e in cells[1] if e.group == 1)
        with pytest.raises(ShuffleError):
            swap_edges(stride2, stride1)
        with pytest.raises(ValueError, match="strides"):
            net.swap_edges(stride2.index, stride1.index)
        a = net.alphas.detach().clone()
        net.swap_edges(0, 1, alphas=True)  # both leave the cell inputs: every cell, both cell types' alphas
        assert torch.equal(net.alphas.detach()[[0, 1, 14, 15]], a[[1, 0, 15, 14]])
        net.swap_edges(0, 1, alphas=True)
        assert torch.equal(net.alphas.detach(), a) and torch.equal(net(x), y0)
        rows = shuffle_trials(net, lambda: float(net(x).sum()), trials=3, slots=lambda: cells,
                              pick=random_edge_swaps, swap_fn=swap_edges, progress=False)
        assert len(rows) == 3 and rows["swaps"].str.contains("c1:").all()
        assert torch.equal(net(x), y0)
