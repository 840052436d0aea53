"""The NB201 weight-sharing supernet: mixed ops on every edge of one shared cell.

Same skeleton as the final NB201 network (nasbook.spaces.nb201_network: Stem, 3 stages
of N cells, ResNetBasicblock reductions, Head); every search cell holds all candidate
ops on each of its 6 edges, with BatchNorm without affine parameters and without running
statistics (batch statistics in train AND eval mode), as the official search models
(xautodl search_cells.NAS201SearchCell with affine=False, track_running_stats=False).

Speed (outputs equal the per-edge sum up to float rounding): the cell evaluates its
ops per *source node*: one ReLU per node, the 3x3 (and 1x1) convolutions of all edges
leaving a node as ONE convolution over the concatenated kernels followed by one
BatchNorm (per-channel, so identical to a BatchNorm per edge), the average pool once
per node (it has no parameters), "none" never evaluated, masked ops and the unused ops
of fixed edges skipped. GDAS-style calls with `index` evaluate exactly one op per edge.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from nasbook.files import atomic_path
from nasbook.spaces import nb201
from nasbook.spaces.nb201_network import Head, ResNetBasicblock, Stem, avg_pool_3x3, make_op

CONVS = ("nor_conv_1x1", "nor_conv_3x3")


def _check_ops(ops: Sequence[str]) -> tuple[str, ...]:
    ops = tuple(ops)
    bad = [o for o in ops if o not in nb201.OPS]
    if bad or len(set(ops)) != len(ops) or not ops:
        raise ValueError(f"ops must be distinct names from {nb201.OPS}, got {ops!r}")
    return ops


def _conv_bn(module: nn.Module) -> tuple[nn.Conv2d, nn.BatchNorm2d]:
    conv = next(m for m in module.modules() if isinstance(m, nn.Conv2d))
    bn = next(m for m in module.modules() if isinstance(m, nn.BatchNorm2d))
    return conv, bn


class SearchCell(nn.Module):
    """One NB201 search cell: `edges[e][k]` is op `ops[k]` on edge nb201.EDGES[e]."""

    def __init__(self, C: int, ops: Sequence[str]):
        super().__init__()
        self.C, self.ops = C, tuple(ops)
        self.edges = nn.ModuleList(
            nn.ModuleList(make_op(o, C, affine=False, track_running_stats=False) for o in self.ops)
            for _ in nb201.EDGES)
        # edges leaving each source node, in EDGES order
        self.out_edges = [[e for e, (_, frm) in enumerate(nb201.EDGES) if frm == j] for j in range(3)]

    # -- per edge (GDAS: one op per edge) -------------------------------------------
    def _forward_index(self, x, W, index, active):
        nodes = [x, None, None, None]
        for e, (to, frm) in enumerate(nb201.EDGES):
            k = int(index[e])
            op = self.edges[e][k]
            y = W[e, k] * (nodes[frm].mul(0.0) if self.ops[k] == "none" else op(nodes[frm]))
            others = [W[e, o] for o in active[e] if o != k]  # zero in value, carry gradient
            if others:
                y = y + torch.stack(others).sum()
            nodes[to] = y if nodes[to] is None else nodes[to] + y
        return nodes[3]

    # -- fused per source node --------------------------------------------------------
    def forward(self, x, W, active, index=None):
        """`W`: E x O mixing weights; `active[e]`: op positions evaluated on edge e."""
        if index is not None:
            return self._forward_index(x, W, index, active)
        acc = [x, None, None, None]
        for j in range(3):
            h = acc[j]
            outs: dict[int, list] = {e: [] for e in self.out_edges[j]}
            relu = None
            for name in CONVS:
                if name not in self.ops:
                    continue
                k = self.ops.index(name)
                edges = [e for e in self.out_edges[j] if k in active[e]]
                if not edges:
                    continue
                relu = F.relu(h) if relu is None else relu
                convs = [_conv_bn(self.edges[e][k])[0] for e in edges]
                if len(edges) == 1:
                    weight, bias = convs[0].weight, convs[0].bias
                else:
                    weight = torch.cat([c.weight for c in convs])
                    bias = None if convs[0].bias is None else torch.cat([c.bias for c in convs])
                y = F.conv2d(relu, weight, bias, padding=convs[0].padding)
                # the mixing weight of each edge enters as the BatchNorm scale (one fused kernel)
                scale = W[edges, k].repeat_interleave(self.C)
                y = F.batch_norm(y, None, None, weight=scale, training=True,
                                 eps=_conv_bn(self.edges[edges[0]][k])[1].eps)
                for e, part in zip(edges, y.split(self.C, dim=1)):
                    outs[e].append(part)
            if "avg_pool_3x3" in self.ops:
                k = self.ops.index("avg_pool_3x3")
                edges = [e for e in self.out_edges[j] if k in active[e]]
                if edges:
                    pooled = avg_pool_3x3(h)
                    for e in edges:
                        outs[e].append(W[e, k] * pooled)
            if "skip_connect" in self.ops:
                k = self.ops.index("skip_connect")
                for e in self.out_edges[j]:
                    if k in active[e]:
                        outs[e].append(W[e, k] * h)
            for e in self.out_edges[j]:
                to = nb201.EDGES[e][0]
                if not outs[e]:  # only "none" (or nothing) active: contributes 0 * h
                    outs[e].append(h.mul(0.0))
                y = outs[e][0]
                for t in outs[e][1:]:
                    y = y + t
                acc[to] = y if acc[to] is None else acc[to] + y
        return acc[3]


class MixedSupernet(nn.Module):
    """Architecture state shared by the weight-sharing supernets (NB201 here, DARTS space
    in darts.py): E x O logits `alphas`, fixed edges, masked ops and everything
    derived from them. Subclasses build the network and set `ops`; forward reads
    `mixing_weights()` (or explicit weights through `structural`) and `active_ops()`."""

    def _init_arch(self, num_edges: int, ops: Sequence[str]):
        self.ops = tuple(ops)
        self.num_edges, self.num_ops = num_edges, len(self.ops)
        self.alphas = nn.Parameter(1e-3 * torch.randn(self.num_edges, self.num_ops))
        self.register_buffer("fixed_ops", torch.full((self.num_edges,), -1, dtype=torch.long))
        self.register_buffer("op_mask", torch.ones(self.num_edges, self.num_ops, dtype=torch.bool))
        self._active = None

    def arch_parameters(self) -> list[nn.Parameter]:
        return [self.alphas]

    def weight_parameters(self) -> list[nn.Parameter]:
        return [p for n, p in self.named_parameters() if n != "alphas"]

    def _op(self, op) -> int:
        if isinstance(op, str):
            if op not in self.ops:
                raise ValueError(f"op {op!r} is not in this supernet's ops {self.ops}")
            return self.ops.index(op)
        op = int(op)
        if not 0 <= op < self.num_ops:
            raise ValueError(f"op index {op} out of range 0..{self.num_ops - 1} (ops {self.ops})")
        return op

    def _edge(self, edge) -> int:
        edge = int(edge)
        if not 0 <= edge < self.num_edges:
            raise ValueError(f"edge {edge} out of range 0..{self.num_edges - 1}")
        return edge

    def swap_edges(self, e1, e2, cells=None, alphas: bool = False) -> None:
        """Exchange the op modules (weights) of edges e1 and e2 of one cell (indices into
        `cell_edges`, or (to, from) pairs of it) in the given cells (indices into self.cells;
        default all); two edges can trade only where their `swap_group`s are equal. With
        alphas=True also exchange their alpha rows in every cell type (only sensible when all
        cells are swapped, since alphas are shared)."""
        edges = self.cell_edges
        e1, e2 = (edges.index(e) if isinstance(e, tuple) else int(e) for e in (e1, e2))
        if not (0 <= e1 < len(edges) and 0 <= e2 < len(edges)):
            raise ValueError(f"edges must be in 0..{len(edges) - 1} (a cell's edges), got {e1} and {e2}")
        cells = range(len(self.cells)) if cells is None else list(cells)
        for c in cells:
            if self.swap_group(c, e1) != self.swap_group(c, e2):
                raise ValueError(f"edges {edges[e1]} and {edges[e2]} of cell {c} have different strides; swap two "
                                 f"edges with equal input and output shapes (DARTS reduction cells: both leave, or "
                                 f"both do not leave, the cell inputs 0, 1)")
        for c in cells:
            cell = self.cells[c]
            cell.edges[e1], cell.edges[e2] = cell.edges[e2], cell.edges[e1]
        if alphas:
            with torch.no_grad():
                for off in range(0, len(self.alphas), len(edges)):  # one block of rows per cell type
                    self.alphas[[off + e1, off + e2]] = self.alphas[[off + e2, off + e1]].clone()

    def _changed(self):
        self._active = None

    @property
    def fixed(self) -> list[int | None]:
        return [None if o < 0 else int(o) for o in self.fixed_ops.tolist()]

    def fix(self, edge, op) -> None:
        self.fixed_ops[self._edge(edge)] = self._op(op)
        self._changed()

    def unfix(self, edge) -> None:
        self.fixed_ops[self._edge(edge)] = -1
        self._changed()

    def mask(self, edge, op) -> None:
        self.op_mask[self._edge(edge), self._op(op)] = False
        self._changed()

    def unmask(self, edge, op) -> None:
        self.op_mask[self._edge(edge), self._op(op)] = True
        self._changed()

    @contextlib.contextmanager
    def masked(self, edge, op):
        was = bool(self.op_mask[self._edge(edge), self._op(op)])
        self.mask(edge, op)
        try:
            yield self
        finally:
            if was:
                self.unmask(edge, op)

    def active_ops(self) -> list[list[int]]:
        """Op positions evaluated on each edge: the fixed op, or the unmasked ones."""
        if self._active is None:
            fixed, mask = self.fixed, self.op_mask.tolist()
            self._active = [[f] if f is not None else [k for k in range(self.num_ops) if mask[e][k]]
                            for e, f in enumerate(fixed)]
        return self._active

    def structural(self, W: torch.Tensor) -> torch.Tensor:
        """Apply masks (weight 0) and fixed edges (one-hot) to mixing weights W."""
        if W.shape != (self.num_edges, self.num_ops):
            raise ValueError(f"weights must be {self.num_edges} x {self.num_ops} (edges x ops), got {tuple(W.shape)}")
        fixed = self.fixed
        if all(f is None for f in fixed) and bool(self.op_mask.all()):
            return W
        W = W * self.op_mask.to(W.dtype)
        onehot = torch.zeros_like(W)
        rows = [e for e, f in enumerate(fixed) if f is not None]
        if rows:
            onehot[rows, [fixed[e] for e in rows]] = 1.0
            keep = torch.ones(self.num_edges, 1, dtype=W.dtype, device=W.device)
            keep[rows] = 0.0
            W = W * keep + onehot
        return W

    def mixing_weights(self) -> torch.Tensor:
        return self.structural(F.softmax(self.alphas, dim=-1))

    def derive(self) -> tuple[int, ...]:
        W = self.alphas.detach().masked_fill(~self.op_mask, float("-inf"))
        arg = W.argmax(-1).tolist()
        return tuple(f if f is not None else a for f, a in zip(self.fixed, arg))

    def load_state_dict(self, state, strict: bool = True, assign: bool = False):
        out = super().load_state_dict(state, strict=strict, assign=assign)
        self._changed()
        return out


class Supernet(MixedSupernet):
    """See the API in nasbook/supernet/__init__.py."""

    def __init__(self, C: int = 16, N: int = 5, num_classes: int = 10, ops: Sequence[str] = nb201.OPS):
        super().__init__()
        if C < 1 or N < 1:
            raise ValueError(f"need C >= 1 and N >= 1, got C={C}, N={N}")
        self.C, self.N, self.num_classes = C, N, num_classes
        ops = _check_ops(ops)
        self.stem = Stem(C)
        self.stages = nn.ModuleList(nn.ModuleList(SearchCell(C * 2**s, ops) for _ in range(N)) for s in range(3))
        self.reductions = nn.ModuleList(ResNetBasicblock(C * 2**s, C * 2**(s + 1), 2) for s in range(2))
        self.head = Head(4 * C, num_classes)
        self._init_arch(len(nb201.EDGES), ops)

    # -- structure ----------------------------------------------------------------------
    @property
    def cells(self) -> list[SearchCell]:
        return [c for stage in self.stages for c in stage]

    @property
    def edge_names(self) -> list[str]:
        return [f"{to}<-{frm}" for to, frm in nb201.EDGES]

    @property
    def normal_edges(self) -> list[int]:
        """The edges of the (only) cell type; the DARTS space has normal and reduce cells."""
        return list(range(self.num_edges))

    @property
    def cell_edges(self) -> list[tuple[int, int]]:
        """(to, from) of the edges of one cell, in the order of `swap_edges`' indices."""
        return list(nb201.EDGES)

    def swap_group(self, cell: int, edge: int) -> int:
        """Edges of one cell with equal groups can trade op modules: all of them here."""
        return 0

    def _edge(self, edge) -> int:
        """An edge index, or a (to, from) pair of nb201.EDGES."""
        return nb201.EDGES.index(edge) if isinstance(edge, tuple) else super()._edge(edge)

    def discretize(self, arch) -> None:
        if isinstance(arch, str):
            if self.ops != nb201.OPS:
                raise ValueError("an NB201 string needs the 5 NB201 ops; pass op indices into net.ops instead")
            arch = nb201.parse(arch)
        arch = list(arch)
        if len(arch) != self.num_edges:
            raise ValueError(f"expected {self.num_edges} ops, got {arch!r}")
        for e, o in enumerate(arch):
            self.fix(e, o)

    def derive_str(self) -> str:
        if self.ops != nb201.OPS:
            raise ValueError(f"derive_str needs the 5 NB201 ops, this supernet has {self.ops}; use derive()")
        return nb201.to_str(self.derive())

    def swap_cells(self, i: int, j: int) -> None:
        cells = self.cells
        si, ii = divmod(i, self.N)
        sj, jj = divmod(j, self.N)
        if si != sj:
            raise ValueError(f"cells {i} and {j} are in different stages (widths differ); swap within a stage "
                             f"(cells {si * self.N}..{si * self.N + self.N - 1})")
        stage = self.stages[si]
        stage[ii], stage[jj] = cells[j], cells[i]

    # -- forward --------------------------------------------------------------------------
    def forward(self, x, weights: torch.Tensor | None = None, index=None, return_stages: bool = False):
        W = self.mixing_weights() if weights is None else self.structural(weights)
        active = self.active_ops()
        if index is not None:
            index = [f if f is not None else int(i) for f, i in zip(self.fixed, index)]
        W = W.to(x.dtype) if x.dtype in (torch.float16, torch.bfloat16) else W
        x = self.stem(x)
        stages = []
        for s, stage in enumerate(self.stages):
            if s > 0:
                x = self.reductions[s - 1](x)
            for cell in stage:
                x = cell(x, W, active, index)
            stages.append(x)
        logits = self.head(x)
        return (logits, stages) if return_stages else logits

    # -- checkpoints --------------------------------------------------------------------
    def config(self) -> dict:
        return dict(C=self.C, N=self.N, num_classes=self.num_classes, ops=list(self.ops))

    def save(self, path) -> Path:
        with atomic_path(path) as tmp:
            torch.save({"config": self.config(), "state": self.state_dict()}, tmp)
        return Path(path)

    @classmethod
    def load(cls, path, map_location="cpu") -> "Supernet":
        ckpt = torch.load(path, map_location=map_location, weights_only=False)
        if "config" not in ckpt or "state" not in ckpt:
            raise ValueError(f"{path} is not a Supernet checkpoint (expected keys 'config' and 'state'); "
                             f"write one with Supernet.save or search checkpoints (key 'net')")
        net = cls(**ckpt["config"])
        net.load_state_dict(ckpt["state"])
        return net


def to_network(net: Supernet, arch=None):
    """The NB201 network of `arch` (default net.derive()) carrying the supernet's weights.

    Stem, reductions and head are copied; each edge's conv takes the supernet edge's
    kernel. The supernet convs carry a bias (official: bias when BN has no affine), the
    NB201 ones do not; under batch statistics the bias cancels, and the NB201 BN starts
    at weight 1 / bias 0, so in train mode both compute the same function.
    """
    from nasbook.spaces.nb201_network import build_network
    if net.ops != nb201.OPS:
        raise ValueError("to_network needs the 5 NB201 ops")
    arch = nb201.ops_of(net.derive() if arch is None else arch)
    out = build_network(arch, C=net.C, N=net.N, num_classes=net.num_classes)
    out.stem.load_state_dict(net.stem.state_dict())
    out.reductions.load_state_dict(net.reductions.state_dict())
    out.head.load_state_dict(net.head.state_dict())
    for s in range(3):
        for i in range(net.N):
            src, dst = net.stages[s][i], out.stages[s][i]
            for e, o in enumerate(arch):
                if nb201.OPS[o] in CONVS:
                    conv, _ = _conv_bn(src.edges[e][o])
                    dconv, _ = _conv_bn(dst.edges[e])
                    dconv.weight.data.copy_(conv.weight.data)
    return out
