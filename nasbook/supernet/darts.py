"""The DARTS-space weight-sharing supernet (`nasbook.spaces.darts` holds the space: ops,
edges, the mixed cell). Same architecture API as the NB201 `Supernet` (fix, mask, derive,
swap_edges for the edge shuffling of thesis Table 2.1).
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from nasbook.spaces.darts import EDGES, OPS, STEPS, Cell

from .model import MixedSupernet


class DartsSupernet(MixedSupernet):
    """DARTS-space supernet; `alphas` rows 0..13: normal cell edges (EDGES order), 14..27:
    reduction cell edges. Same architecture API as `Supernet` (fix, mask, derive, ...)."""

    def __init__(self, C: int = 16, layers: int = 8, num_classes: int = 10, ops: Sequence[str] = OPS):
        super().__init__()
        ops = tuple(ops)
        bad = [o for o in ops if o not in OPS]
        if bad or len(set(ops)) != len(ops) or not ops:
            raise ValueError(f"ops must be distinct names from {OPS}, got {ops!r}")
        if C < 2 or C % 2 or layers < 3:
            raise ValueError(f"need an even C >= 2 and layers >= 3 (two reduction cells), got C={C}, layers={layers}")
        self.C, self.layers, self.num_classes = C, layers, num_classes
        self.stem = nn.Sequential(nn.Conv2d(3, 3 * C, 3, padding=1, bias=False), nn.BatchNorm2d(3 * C))
        C_pp, C_p, C_cur, red_prev = 3 * C, 3 * C, C, False
        cells = []
        for i in range(layers):
            red = i in (layers // 3, 2 * layers // 3)
            C_cur *= 2 if red else 1
            cells.append(Cell(C_pp, C_p, C_cur, ops, red, red_prev))
            red_prev, C_pp, C_p = red, C_p, STEPS * C_cur
        self.cells = nn.ModuleList(cells)
        self.classifier = nn.Linear(C_p, num_classes)
        self._init_arch(2 * len(EDGES), ops)

    @property
    def edge_names(self) -> list[str]:
        return [f"{kind} {to}<-{frm}" for kind in ("normal", "reduce") for to, frm in EDGES]

    @property
    def normal_edges(self) -> list[int]:
        return list(range(len(EDGES)))

    @property
    def cell_edges(self) -> list[tuple[int, int]]:
        """(to, from) of the 14 edges of one cell, the indices of `swap_edges`."""
        return list(EDGES)

    def swap_group(self, cell: int, edge: int) -> int:
        """The stride of `edge` in cell `cell`: in a reduction cell the edges leaving the two
        cell inputs have stride 2, the others 1; two edges of one cell can trade their op
        modules only with equal strides (same input and output shapes)."""
        return 2 if self.cells[cell].reduction and EDGES[edge][1] < 2 else 1

    def config(self) -> dict:
        return dict(C=self.C, layers=self.layers, num_classes=self.num_classes, ops=list(self.ops))

    def forward(self, x, weights: torch.Tensor | None = None, index=None):
        """`index` (GDAS's one sampled op per edge) is not supported in this space: every
        active op is computed; passing one is an error rather than a silent full forward."""
        if index is not None:
            raise ValueError("DartsSupernet computes every active op; GDAS-style index sampling is NB201-only")
        W = self.mixing_weights() if weights is None else self.structural(weights)
        active = self.active_ops()
        E = len(EDGES)
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            sl = slice(E, 2 * E) if cell.reduction else slice(0, E)
            s0, s1 = s1, cell(s0, s1, W[sl], active[sl])
        return self.classifier(F.adaptive_avg_pool2d(s1, 1).flatten(1))
