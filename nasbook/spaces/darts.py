"""The DARTS cell search space (Liu et al. 2019, the space of the DARTS-PT thesis' chapter-2
analyses): its ops, edges and mixed cell. The supernet built from it is
`nasbook.supernet.darts.DartsSupernet`.

Layout as the DARTS search model (`model_search.Network` of the DARTS code): a 3x3 conv
stem with 3C channels, `layers` cells (8), the cells at layers//3 and 2*layers//3 are
reduction cells that double the channels; every cell preprocesses its two inputs (the
outputs of the two previous cells) to C channels, has 4 intermediate nodes, each the sum
of one mixed op per earlier node (2 + 3 + 4 + 5 = 14 edges), and outputs the 4 nodes
concatenated. Global average pooling and a linear classifier. All normal cells share one
14 x O alpha, all reduction cells another; here they are the rows 0..13 and 14..27 of one
28 x O `alphas`, so fixing, masking and deriving work as on the NB201 supernet
(`MixedSupernet`). Ops inside cells use BatchNorm without affine parameters and, as our
NB201 supernet, without running statistics (batch statistics in eval mode too); the
parameter count equals DARTS' (1,930,618 for C=16, 8 layers, 10 classes, 8 ops).
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F


OPS = ("none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
       "dil_conv_3x3", "dil_conv_5x5")
S2 = ("skip_connect", "sep_conv_3x3")
STEPS = 4
# edge e of a cell: node 2 + i <- input j (0, 1: the preprocessed cell inputs)
EDGES = [(2 + i, j) for i in range(STEPS) for j in range(2 + i)]


def _bn(C):
    return nn.BatchNorm2d(C, affine=False, track_running_stats=False)


def _relu_conv(C_in, C_out, k, stride, padding, dilation=1, groups=1):
    return [nn.ReLU(), nn.Conv2d(C_in, C_out, k, stride, padding, dilation=dilation, groups=groups, bias=False)]


class FactorizedReduce(nn.Module):
    """Halve the resolution with two 1x1 stride-2 convs on offset pixel grids."""

    def __init__(self, C_in, C_out):
        super().__init__()
        if C_out % 2:
            raise ValueError(f"FactorizedReduce needs an even channel count, got {C_out}")
        self.conv1 = nn.Conv2d(C_in, C_out // 2, 1, 2, bias=False)
        self.conv2 = nn.Conv2d(C_in, C_out // 2, 1, 2, bias=False)
        self.bn = _bn(C_out)

    def forward(self, x):
        x = F.relu(x)
        return self.bn(torch.cat([self.conv1(x), self.conv2(x[:, :, 1:, 1:])], dim=1))


def make_op(name: str, C: int, stride: int) -> nn.Module:
    if name == "none":
        return nn.Identity()  # never evaluated: its weight multiplies zero
    if name == "max_pool_3x3":
        return nn.Sequential(nn.MaxPool2d(3, stride, 1), _bn(C))
    if name == "avg_pool_3x3":
        return nn.Sequential(nn.AvgPool2d(3, stride, 1, count_include_pad=False), _bn(C))
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(C, C)
    if name.startswith("sep_conv_"):  # two stacked (ReLU, depthwise k x k, pointwise, BN)
        k = int(name[-1])
        return nn.Sequential(*_relu_conv(C, C, k, stride, k // 2, groups=C), nn.Conv2d(C, C, 1, bias=False), _bn(C),
                             *_relu_conv(C, C, k, 1, k // 2, groups=C), nn.Conv2d(C, C, 1, bias=False), _bn(C))
    if name.startswith("dil_conv_"):  # ReLU, dilated (2) depthwise k x k, pointwise, BN
        k = int(name[-1])
        return nn.Sequential(*_relu_conv(C, C, k, stride, k - 1, dilation=2, groups=C),
                             nn.Conv2d(C, C, 1, bias=False), _bn(C))
    raise ValueError(f"unknown DARTS op {name!r}; expected one of {OPS}")


class Cell(nn.Module):
    def __init__(self, C_pp, C_p, C, ops, reduction, reduction_prev):
        super().__init__()
        self.reduction = reduction
        self.pre0 = FactorizedReduce(C_pp, C) if reduction_prev else nn.Sequential(*_relu_conv(C_pp, C, 1, 1, 0), _bn(C))
        self.pre1 = nn.Sequential(*_relu_conv(C_p, C, 1, 1, 0), _bn(C))
        self.edges = nn.ModuleList(
            nn.ModuleList(make_op(o, C, 2 if reduction and j < 2 else 1) for o in ops) for _, j in EDGES)
        self.none = ops.index("none") if "none" in ops else -1

    def forward(self, s0, s1, W, active):
        states = [self.pre0(s0), self.pre1(s1)]
        e = 0
        for i in range(STEPS):
            node = 0
            for j, h in enumerate(states):
                for k in active[e]:
                    if k != self.none:
                        node = node + W[e, k] * self.edges[e][k](h)
                e += 1
            if not torch.is_tensor(node):  # every edge into the node is "none"
                node = states[-1].new_zeros(states[1].shape[0], states[1].shape[1],
                                            *(d // (2 if self.reduction else 1) for d in states[1].shape[2:]))
            states.append(node)
        return torch.cat(states[2:], dim=1)
