"""K NAS-Bench-201 networks with independent weights, trained in one forward/backward.

The RMI score trains many small candidates on the same batch. One network at a time, each
step launches a few hundred small kernels per candidate, so a GPU (and, less so, a CPU)
waits on launches. `StackedNB201` holds K candidates (each built by `build_network`, seeded
as the one-by-one path seeds it) and computes them together:

    activations   one tensor [B, K*C, H, W]: candidate k owns channels k*C .. (k+1)*C
    stem          Conv(3 -> K*C) on the shared input: the K stems side by side
    cell edge e   for every op, only the candidates whose live edge e carries it: gather
                  their channels, a grouped conv (groups = number of them) + BN over their
                  channels, add back into the target node with index_add
    reductions    the same ResNetBasicblock for every candidate: grouped convs (groups = K)
    head          BN + ReLU over K*C channels, average pool, one batched matmul
                  [K, classes, C] for the K classifiers

BatchNorm over K*C channels normalises every channel by its own batch statistics, which is
what each candidate's BN does; convolution groups and index_select/index_add never mix
candidates. So logits, stages and gradients equal the K one-by-one networks up to float
summation order (tests/test_rmi.py trains both ways and compares the scores). SGD with
momentum and weight decay acts elementwise, so one optimiser over the stacked parameters
updates every candidate as its own optimiser would.

Edges that are "none" or cannot reach node 3 are skipped per candidate, as `InferCell` does.
Running statistics of BatchNorm are kept for the stack but never read (RMI trains in train
mode only); `unstack` is not needed and not provided.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from .nb201 import EDGES, OPS
from .nb201_network import InferCell, TinyNetwork, avg_pool_3x3, run_stages

CONV_OPS = {"nor_conv_1x1": 1, "nor_conv_3x3": 3}


def _cat(tensors) -> nn.Parameter:
    return nn.Parameter(torch.cat([t.detach() for t in tensors]).clone())


def _bn(bns: Sequence[nn.BatchNorm2d]) -> nn.BatchNorm2d:
    """One BatchNorm2d over the channels of `bns`, side by side, with their weights."""
    first = bns[0]
    like = next(first.parameters(), first.running_mean)  # dtype and device of the networks
    out = nn.BatchNorm2d(sum(b.num_features for b in bns), eps=first.eps, momentum=first.momentum,
                         affine=first.affine, track_running_stats=first.track_running_stats,
                         device=like.device, dtype=like.dtype)
    if first.affine:
        out.weight, out.bias = _cat(b.weight for b in bns), _cat(b.bias for b in bns)
    return out


def _conv(convs: Sequence[nn.Conv2d], grouped: bool = True) -> nn.Conv2d:
    """The convs side by side: grouped (each reads its own channels) or all reading one input."""
    c = convs[0]
    k = len(convs)
    out = nn.Conv2d(c.in_channels * (k if grouped else 1), c.out_channels * k, c.kernel_size, stride=c.stride,
                    padding=c.padding, groups=k if grouped else 1, bias=c.bias is not None)
    out.weight = _cat(m.weight for m in convs)
    if c.bias is not None:
        out.bias = _cat(m.bias for m in convs)
    return out


class _ReLUConvBN(nn.Module):
    def __init__(self, ops):  # ops: ReLUConvBN modules (nn.Sequential: ReLU, Conv, BN)
        super().__init__()
        self.conv, self.bn = _conv([o[1] for o in ops]), _bn([o[2] for o in ops])

    def forward(self, x):
        return self.bn(self.conv(F.relu(x)))


class _Reduction(nn.Module):
    """K ResNetBasicblocks with stride 2 (conv_a, conv_b, AvgPool + 1x1 conv shortcut)."""

    def __init__(self, blocks):
        super().__init__()
        self.conv_a = _ReLUConvBN([b.conv_a for b in blocks])
        self.conv_b = _ReLUConvBN([b.conv_b for b in blocks])
        self.shortcut = _conv([b.downsample[1] for b in blocks])

    def forward(self, x):
        return self.shortcut(F.avg_pool2d(x, 2, 2)) + self.conv_b(self.conv_a(x))


class _Cell(nn.Module):
    """Cell i of one stage for K candidates: per (edge, op) the candidates that compute it."""

    def __init__(self, cells: Sequence[InferCell], C: int):
        super().__init__()
        self.C, self.K = C, len(cells)
        self.convs = nn.ModuleDict()
        self.plan = []  # (edge, op name, channel index tensor name or None for all, module key)
        for e in range(len(EDGES)):
            for o, name in enumerate(OPS[1:], start=1):
                who = [k for k, cell in enumerate(cells) if cell.ops[e] == o and e in cell._live]
                if not who:
                    continue
                key = f"e{e}_{name}"
                if name in CONV_OPS:
                    self.convs[key] = _ReLUConvBN([cells[k].edges[e] for k in who])
                channels = torch.tensor([k * C + c for k in who for c in range(C)], dtype=torch.long)
                self.register_buffer(f"idx_{key}", channels, persistent=False)
                self.plan.append((e, name, key, len(who) == self.K))

    def forward(self, x):
        nodes = [x, None, None, None]
        for e, name, key, everyone in self.plan:  # EDGES order: a node's inputs come before it is read
            to, frm = EDGES[e]
            src = nodes[frm] if nodes[frm] is not None else torch.zeros_like(x)
            idx = getattr(self, f"idx_{key}")
            part = src if everyone else src.index_select(1, idx)
            if name == "skip_connect":
                y = part
            elif name == "avg_pool_3x3":
                y = avg_pool_3x3(part)
            else:
                y = self.convs[key](part)
            if everyone:
                nodes[to] = y if nodes[to] is None else nodes[to] + y
            else:
                base = nodes[to] if nodes[to] is not None else torch.zeros_like(x)
                nodes[to] = base.index_add(1, idx, y)
        return nodes[3] if nodes[3] is not None else torch.zeros_like(x)


class StackedNB201(nn.Module):
    """K NB201 networks (`TinyNetwork`s of `InferCell`s, same C, N and classes) as one module.

    forward(x) -> (logits [B, K, classes], stages): stage s is [B, K*C_s, H, W] (candidate k
    owns channels k*C_s .. (k+1)*C_s), stage 3 after the head's BN + ReLU as TinyNetwork's
    return_stages. The weights are copies of the networks' at construction time.
    """

    def __init__(self, nets: Sequence[TinyNetwork]):
        super().__init__()
        if not nets:
            raise ValueError("StackedNB201 needs at least one network")
        C, N = nets[0].C, nets[0].N
        if any((n.C, n.N) != (C, N) or not isinstance(n.stages[0][0], InferCell) for n in nets):
            raise ValueError("StackedNB201 stacks NB201 networks (InferCell cells) of one C and N; got "
                             f"{sorted({(n.C, n.N, type(n.stages[0][0]).__name__) for n in nets})}")
        self.K, self.C, self.N = len(nets), C, N
        self.stem_conv = _conv([n.stem[0] for n in nets], grouped=False)
        self.stem_bn = _bn([n.stem[1] for n in nets])
        self.stages = nn.ModuleList(
            nn.Sequential(*[_Cell([n.stages[s][i] for n in nets], C * 2**s) for i in range(N)]) for s in range(3))
        self.reductions = nn.ModuleList(_Reduction([n.reductions[s] for n in nets]) for s in range(2))
        self.lastact = _bn([n.head.lastact[0] for n in nets])
        self.fc_weight = nn.Parameter(torch.stack([n.head.classifier.weight.detach() for n in nets]).clone())
        self.fc_bias = nn.Parameter(torch.stack([n.head.classifier.bias.detach() for n in nets]).clone())

    def forward(self, x):
        stages = run_stages(self.stem_bn(self.stem_conv(x)), self.stages, self.reductions)
        x = stages[2]
        stages[2] = F.relu(self.lastact(x))
        B = x.shape[0]
        pooled = stages[2].mean((2, 3)).view(B, self.K, -1)                     # [B, K, 4C]
        logits = torch.einsum("bkc,koc->bko", pooled, self.fc_weight) + self.fc_bias
        return logits, stages

    def per_candidate(self, stage: torch.Tensor) -> torch.Tensor:
        """A stage [B, K*C, H, W] as [K, B, C*H*W] (candidate-major rows of features)."""
        B = stage.shape[0]
        return stage.reshape(B, self.K, -1, *stage.shape[2:]).transpose(0, 1).reshape(self.K, B, -1)
