"""The NAS-Bench-201 network, block for block as the official implementation.

Official reference: D-X-Y/AutoDL-Projects, xautodl/models/cell_infers/tiny_network.py
(TinyNetwork), cells.py (InferCell) and cell_operations.py (OPS, ReLUConvBN,
ResNetBasicblock). Macro structure for C=16, N=5:

    stem   Conv3x3(3, C) + BN
    stage1 N cells at C        (32x32)
    reduce ResNetBasicblock(C, 2C, stride 2)
    stage2 N cells at 2C       (16x16)
    reduce ResNetBasicblock(2C, 4C, stride 2)
    stage3 N cells at 4C       (8x8)
    head   BN + ReLU, global average pool, Linear(4C, num_classes)

Parameter counts equal the official network for every architecture (`param_count`
is the closed form). Module names differ from the official ones (the cells sit in
`stages[s][i]` rather than one flat `cells` list, the head in `head`), so official
state dicts need a key mapping.

Forward-time shortcuts (outputs and gradients equal the official network's):
"none" edges are skipped instead of adding x*0, and edges whose result cannot reach
node 3 are not evaluated. The only observable difference: BatchNorm running
statistics of such dead-end ops are not updated (they never influence an output).
The 3x3 average pool (`AvgPool3x3`, an nn.AvgPool2d with the official arguments) is
computed as a depthwise convolution with a ones kernel times 1 / (pixels inside the
image): the same average in another summation order, about 5x faster forward + backward
on these CPUs (bench/rmi_speed.py measures the whole network).
"""
from __future__ import annotations

import functools
from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

from .nb201 import EDGES, OPS, Arch, ops_of, to_str


class ReLUConvBN(nn.Sequential):
    """ReLU -> Conv (bias only when BN has no affine) -> BN, as the official op."""

    def __init__(self, C_in, C_out, kernel_size, stride=1, padding=0, affine=True, track_running_stats=True):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_out, kernel_size, stride=stride, padding=padding, bias=not affine),
            nn.BatchNorm2d(C_out, affine=affine, track_running_stats=track_running_stats),
        )


class Zero(nn.Module):
    """The "none" op. Cells skip it at forward time; kept so that edge i is module i."""

    is_zero = True

    def forward(self, x):
        return x.mul(0.0)


def avg_pool_3x3(h: torch.Tensor) -> torch.Tensor:
    """F.avg_pool2d(h, 3, 1, 1, count_include_pad=False), computed as a depthwise convolution
    with a ones kernel divided by the number of pixels inside the image (3-5x faster on CPU)."""
    C, H, W = h.shape[1:]
    return F.conv2d(h, h.new_ones(C, 1, 3, 3), padding=1, groups=C) * _inverse_counts(H, W, h.device, h.dtype)


@functools.lru_cache(maxsize=32)
def _inverse_counts(H: int, W: int, device, dtype) -> torch.Tensor:
    ones = torch.ones(1, 1, H, W, device=device, dtype=dtype)
    return 1.0 / F.conv2d(ones, torch.ones(1, 1, 3, 3, device=device, dtype=dtype), padding=1)


class AvgPool3x3(nn.AvgPool2d):
    """The official op, nn.AvgPool2d(3, 1, 1, count_include_pad=False), computed by avg_pool_3x3."""

    def __init__(self):
        super().__init__(3, stride=1, padding=1, count_include_pad=False)

    def forward(self, x):
        return avg_pool_3x3(x)


# Ops inside a cell: C_in == C_out and stride 1 in every NB201 cell, so the official
# POOLING preprocess and FactorizedReduce never occur.
OP_FACTORIES: dict[str, Callable[..., nn.Module]] = {
    "none": lambda C, affine=True, track=True: Zero(),
    "skip_connect": lambda C, affine=True, track=True: nn.Identity(),
    "nor_conv_1x1": lambda C, affine=True, track=True: ReLUConvBN(C, C, 1, 1, 0, affine, track),
    "nor_conv_3x3": lambda C, affine=True, track=True: ReLUConvBN(C, C, 3, 1, 1, affine, track),
    "avg_pool_3x3": lambda C, affine=True, track=True: AvgPool3x3(),
}
assert tuple(OP_FACTORIES) == OPS


def make_op(op: int | str, C: int, affine: bool = True, track_running_stats: bool = True) -> nn.Module:
    name = OPS[op] if isinstance(op, int) else op
    return OP_FACTORIES[name](C, affine, track_running_stats)


class ResNetBasicblock(nn.Module):
    """Official reduction block: conv_a (3x3, stride), conv_b (3x3), plus a shortcut
    (stride 2: AvgPool2d(2,2) + Conv1x1 without bias or BN)."""

    def __init__(self, C_in, C_out, stride, affine=True, track_running_stats=True):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"ResNetBasicblock stride must be 1 or 2, got {stride}")
        self.conv_a = ReLUConvBN(C_in, C_out, 3, stride, 1, affine, track_running_stats)
        self.conv_b = ReLUConvBN(C_out, C_out, 3, 1, 1, affine, track_running_stats)
        if stride == 2:
            self.downsample = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(C_in, C_out, 1, bias=False))
        elif C_in != C_out:
            self.downsample = ReLUConvBN(C_in, C_out, 1, 1, 0, affine, track_running_stats)
        else:
            self.downsample = None
        self.in_dim, self.out_dim = C_in, C_out

    def forward(self, x):
        residual = x if self.downsample is None else self.downsample(x)
        return residual + self.conv_b(self.conv_a(x))


def live_edges(ops) -> list[int]:
    """Indices (EDGES order) of the non-"none" edges whose result reaches node 3."""
    live_nodes = {3}
    for node in (2, 1):
        if any(ops[e] != 0 and to in live_nodes for e, (to, frm) in enumerate(EDGES) if frm == node):
            live_nodes.add(node)
    return [e for e, (to, _) in enumerate(EDGES) if ops[e] != 0 and to in live_nodes]


class InferCell(nn.Module):
    """One NB201 cell: node j = sum of op(node i) over its incoming edges; output node 3.

    `edges[e]` is the op on EDGES[e] (a Zero module for "none").
    """

    def __init__(self, arch: Arch, C: int, affine: bool = True, track_running_stats: bool = True):
        super().__init__()
        self.ops = ops_of(arch)
        self.edges = nn.ModuleList(make_op(o, C, affine, track_running_stats) for o in self.ops)
        self._live = live_edges(self.ops)
        self.in_dim = self.out_dim = C

    def forward(self, x):
        nodes = [x, None, None, None]
        for e in self._live:  # EDGES order visits every input of a node before the node is used
            to, frm = EDGES[e]
            src = nodes[frm] if nodes[frm] is not None else torch.zeros_like(x)
            y = self.edges[e](src)
            nodes[to] = y if nodes[to] is None else nodes[to] + y
        return nodes[3] if nodes[3] is not None else torch.zeros_like(x)

    def extra_repr(self):
        return to_str(self.ops)


class Stem(nn.Sequential):
    def __init__(self, C: int):
        super().__init__(nn.Conv2d(3, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))


class Head(nn.Module):
    """lastact (BN + ReLU), global average pool, Linear."""

    def __init__(self, C: int, num_classes: int):
        super().__init__()
        self.lastact = nn.Sequential(nn.BatchNorm2d(C), nn.ReLU(inplace=True))
        self.classifier = nn.Linear(C, num_classes)

    def forward(self, x):
        return self.pool(self.lastact(x))

    def pool(self, x):
        """Global average pool and Linear, on the output of `lastact`."""
        return self.classifier(x.mean((2, 3)))


def run_stages(x, stages, reductions) -> list:
    """The outputs of the three cell stages of the NB201 skeleton, from the stem's output:
    stage 1, reduction, stage 2, reduction, stage 3 (shared by TinyNetwork and StackedNB201)."""
    out = []
    for s, stage in enumerate(stages):
        if s > 0:
            x = reductions[s - 1](x)
        x = stage(x)
        out.append(x)
    return out


class TinyNetwork(nn.Module):
    """The NB201 macro skeleton around any cell: `cell_fn(C) -> module` (C in, C out).

    `stages[s]` holds the N cells of stage s (channels C * 2**s); `reductions[s]` is
    the ResNetBasicblock between stage s and s+1.
    """

    def __init__(self, cell_fn: Callable[[int], nn.Module], C: int = 16, N: int = 5, num_classes: int = 10):
        super().__init__()
        if C < 1 or N < 1 or num_classes < 1:
            raise ValueError(f"need C >= 1, N >= 1, num_classes >= 1; got C={C}, N={N}, num_classes={num_classes}")
        self.C, self.N = C, N
        self.stem = Stem(C)
        self.stages = nn.ModuleList(nn.Sequential(*[cell_fn(C * 2**s) for _ in range(N)]) for s in range(3))
        self.reductions = nn.ModuleList(ResNetBasicblock(C * 2**s, C * 2**(s + 1), 2) for s in range(2))
        self.head = Head(4 * C, num_classes)

    def forward(self, x, return_stages: bool = False):
        """Logits; with return_stages also [stage 1, stage 2, stage 3]: the outputs of the first
        two cell stages and the third stage after the head's BN + ReLU (`lastact`), as the
        RMI-NAS code compares them (XNAS NASBench201 `forward_with_features`)."""
        stages = run_stages(self.stem(x), self.stages, self.reductions)
        x = stages[-1]
        if not return_stages:
            return self.head(x)
        stages[2] = self.head.lastact(x)
        return self.head.pool(stages[2]), stages


def build_network(arch: Arch, C: int = 16, N: int = 5, num_classes: int = 10) -> TinyNetwork:
    """The NB201 network of `arch` (official string or 6 op indices)."""
    ops = ops_of(arch)
    net = TinyNetwork(lambda c: InferCell(ops, c), C=C, N=N, num_classes=num_classes)
    net.arch = to_str(ops)
    return net


def param_count(arch: Arch, C: int = 16, N: int = 5, num_classes: int = 10) -> int:
    """Number of parameters of the NB201 network, in closed form.

    A 3x3 ReLUConvBN at c channels has 9c^2 + 2c parameters, a 1x1 one c^2 + 2c; the
    other ops none. Official benchmark values (cifar10, in millions): 0.073306 for
    cells without convolutions, 1.531546 for six 3x3 convolutions.
    """
    per_op = {"nor_conv_1x1": lambda c: c * c + 2 * c, "nor_conv_3x3": lambda c: 9 * c * c + 2 * c}
    ops = [OPS[o] for o in ops_of(arch)]
    cells = sum(N * per_op[o](C * 2**s) for s in range(3) for o in ops if o in per_op)
    stem = 27 * C + 2 * C
    reductions = sum(9 * ci * 2 * ci + 2 * 2 * ci        # conv_a + BN
                     + 9 * (2 * ci) ** 2 + 2 * 2 * ci    # conv_b + BN
                     + ci * 2 * ci                       # 1x1 shortcut conv
                     for ci in (C, 2 * C))
    head = 2 * 4 * C + 4 * C * num_classes + num_classes
    return stem + cells + reductions + head
