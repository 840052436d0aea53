"""Layer (edge) shuffling at test time: thesis Table 2.1 (DARTS-PT analysis, Wang 2021).

A *stage* is a run of successive layers between two downsampling blocks. Two layers of a
stage can trade places only when both map a tensor of one shape to a tensor of the same
shape (in == out for both, and equal across the pair); those are the *candidates*.

  VGG (BatchNorm)  layer = Conv2d + BatchNorm2d + ReLU of the flat `features` Sequential,
                   stages split at the pooling layers.
  ResNet           layer = one residual block, stages = layer1, layer2, layer3 (the first
                   block of layer2/3 downsamples, so it is never a candidate).
  supernets        two edges of one cell trade their mixed ops (weights; the shared alphas
                   stay with the edge positions): the NB201 `Supernet` and the DARTS-space
                   `DartsSupernet` (thesis Table 2.1 shuffles the latter; in its reduction
                   cells only edges of equal stride can trade); see `supernet_cells` /
                   `swap_edges`.

Swaps are done in place by exchanging modules between slots, so applying the same swap
twice restores the network exactly; `swapped(...)` does that around a block.

>>> stages = layer_stages(model)                   # list of stages, each a list of Layer slots
>>> pairs = random_swaps(stages, np.random.default_rng(0))
>>> with swapped(pairs):
...     acc = evaluate(model, loader)["acc"]
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn


class ShuffleError(ValueError):
    pass


@dataclass(eq=False)
class Layer:
    """A slot: modules parent[start:stop] form one layer of stage `stage`."""
    stage: int
    index: int                  # position inside its stage
    name: str
    parent: nn.Module           # nn.Sequential (or ModuleList) holding the modules
    start: int
    stop: int
    in_shape: tuple = ()
    out_shape: tuple = ()

    @property
    def candidate(self) -> bool:
        return bool(self.in_shape) and self.in_shape == self.out_shape

    def modules(self) -> list[nn.Module]:
        return [self.parent[i] for i in range(self.start, self.stop)]

    def __repr__(self) -> str:
        return f"Layer({self.name}, stage={self.stage}, {self.in_shape}->{self.out_shape})"


# --------------------------------------------------------------------------- discovery

_POOL = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)


def _resnet_slots(model: nn.Module) -> list[list[Layer]] | None:
    names = [n for n in ("layer1", "layer2", "layer3", "layer4") if isinstance(getattr(model, n, None), nn.Sequential)]
    if not names:
        return None
    return [[Layer(s, i, f"{n}.{i}", getattr(model, n), i, i + 1) for i in range(len(getattr(model, n)))]
            for s, n in enumerate(names)]


def _is_conv(m: nn.Module) -> bool:
    return isinstance(m, nn.Conv2d) or any(isinstance(k, nn.Conv2d) for k in m.modules())


def _vgg_slots(model: nn.Module) -> list[list[Layer]] | None:
    """Layers of the first Sequential holding conv units and pools: a unit starts at a conv
    (a Conv2d, or a block such as ConvBNReLU containing one) and runs to the next conv/pool."""
    for prefix, seq in model.named_modules():
        if not isinstance(seq, nn.Sequential):
            continue
        kids = list(seq)
        if not (any(_is_conv(k) for k in kids) and any(isinstance(k, _POOL) for k in kids)):
            continue
        stages: list[list[Layer]] = [[]]
        i = 0
        while i < len(kids):
            if isinstance(kids[i], _POOL):
                if stages[-1]:
                    stages.append([])
                i += 1
            elif _is_conv(kids[i]):
                j = i + 1
                while j < len(kids) and not (_is_conv(kids[j]) or isinstance(kids[j], _POOL)):
                    j += 1
                st = stages[-1]
                name = f"{prefix or 'features'}.{i}" if j == i + 1 else f"{prefix or 'features'}[{i}:{j}]"
                st.append(Layer(len(stages) - 1, len(st), name, seq, i, j))
                i = j
            else:
                i += 1
        return [s for s in stages if s]
    return None


@torch.no_grad()
def _trace_shapes(model: nn.Module, stages: list[list[Layer]], input_shape: Sequence[int]) -> None:
    hooks = []
    for layer in (l for st in stages for l in st):
        first, last = layer.parent[layer.start], layer.parent[layer.stop - 1]

        def pre(mod, args, layer=layer):
            layer.in_shape = tuple(args[0].shape[1:])

        def post(mod, args, out, layer=layer):
            layer.out_shape = tuple(out.shape[1:])

        hooks += [first.register_forward_pre_hook(pre), last.register_forward_hook(post)]
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        model(torch.zeros(*input_shape, device=device))
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()


def layer_stages(model: nn.Module, input_shape: Sequence[int] = (1, 3, 32, 32)) -> list[list[Layer]]:
    """The stages of a CIFAR ResNet (blocks of layer1..3) or a VGG (conv units between pools),
    each a list of `Layer` slots with their traced input/output shapes."""
    stages = _resnet_slots(model) or _vgg_slots(model)
    if not stages:
        raise ShuffleError(f"{type(model).__name__}: expected a ResNet with Sequential layer1..layer3 "
                           f"(nasbook.models.resnet) or a VGG with a Sequential of Conv2d/pooling layers "
                           f"(nasbook.models.vgg)")
    _trace_shapes(model, stages, input_shape)
    return stages


def candidates(stages: list[list[Layer]]) -> list[list[Layer]]:
    """Per stage, the layers that may trade places (in shape == out shape)."""
    out = []
    for st in stages:
        cands = [l for l in st if l.candidate]
        # only layers sharing one shape can be exchanged with each other
        if cands:
            shape = max({l.in_shape for l in cands}, key=lambda s: sum(l.in_shape == s for l in cands))
            cands = [l for l in cands if l.in_shape == shape]
        out.append(cands)
    return out


# --------------------------------------------------------------------------- swapping

def swap(a: Layer, b: Layer) -> None:
    """Exchange the modules of two slots in place (its own inverse)."""
    if a is b:
        raise ShuffleError(f"cannot swap {a.name} with itself")
    if not (a.candidate and b.candidate and a.in_shape == b.in_shape):
        raise ShuffleError(f"layers {a} and {b} do not have matching input/output shapes; "
                           f"choose both from candidates(stages)")
    if a.stop - a.start != b.stop - b.start:
        raise ShuffleError(f"layers {a.name} and {b.name} hold different numbers of modules")
    for k in range(a.stop - a.start):
        ma, mb = a.parent[a.start + k], b.parent[b.start + k]
        a.parent[a.start + k] = mb
        b.parent[b.start + k] = ma


def random_swaps(stages: list[list[Layer]], rng: np.random.Generator) -> list[tuple[Layer, Layer]]:
    """Two random candidate layers in every stage that has at least two."""
    pairs = []
    for cands in candidates(stages):
        if len(cands) >= 2:
            i, j = sorted(rng.choice(len(cands), size=2, replace=False).tolist())
            pairs.append((cands[i], cands[j]))
    if not pairs:
        raise ShuffleError("no stage has two layers with matching shapes: nothing to shuffle")
    return pairs


@contextlib.contextmanager
def swapped(pairs: Sequence[tuple], swap_fn: Callable = swap):
    """Apply the swaps, yield, then undo them (in reverse order), even on error."""
    done = []
    try:
        for a, b in pairs:
            swap_fn(a, b)
            done.append((a, b))
        yield pairs
    finally:
        for a, b in reversed(done):
            swap_fn(a, b)


# --------------------------------------------------------------------------- supernet edges

@dataclass(eq=False)
class Edge:
    """Edge `index` (position in net.cell_edges, (to, from) = `edge`) of search cell `cell` of `net`."""
    net: nn.Module = field(repr=False)
    cell: int
    index: int

    @property
    def edge(self) -> tuple:
        return self.net.cell_edges[self.index]

    @property
    def group(self) -> int:
        """Edges of one cell with equal groups can trade places (DARTS reduction cells: stride)."""
        return self.net.swap_group(self.cell, self.index)


def supernet_cells(net) -> list[list[Edge]]:
    """One 'stage' per search cell of a supernet (nasbook.supernet Supernet or DartsSupernet),
    the edges of that cell as slots."""
    if not all(hasattr(net, a) for a in ("cells", "swap_edges", "cell_edges", "swap_group")):
        raise ShuffleError(f"{type(net).__name__}: expected an nasbook.supernet Supernet or DartsSupernet "
                           f"(with .cells, .cell_edges, .swap_group and .swap_edges)")
    return [[Edge(net, c, e) for e in range(len(net.cell_edges))] for c in range(len(net.cells))]


def swap_edges(a: Edge, b: Edge) -> None:
    """Exchange the op modules (weights) of two edges of one cell (its own inverse).

    The architecture weights stay with the edge positions: alphas are shared by all cells
    and each cell draws its own pair, as when DARTS' MixedOp modules of a cell are reordered.
    """
    if a.net is not b.net or a.cell != b.cell or a.index == b.index or a.group != b.group:
        raise ShuffleError(f"swap_edges needs two different edges of one cell with equal input/output shapes, "
                           f"got {a} and {b}")
    a.net.swap_edges(a.index, b.index, cells=[a.cell], alphas=False)


def random_edge_swaps(cells: list[list[Edge]], rng: np.random.Generator) -> list[tuple[Edge, Edge]]:
    """Two random edges in every cell, uniform over the pairs that can trade places (a pair
    of different groups is drawn again; NB201 cells have one group, so the first draw)."""
    pairs = []
    for edges in cells:
        while True:
            i, j = sorted(rng.choice(len(edges), size=2, replace=False).tolist())
            if edges[i].group == edges[j].group:
                break
        pairs.append((edges[i], edges[j]))
    return pairs


# --------------------------------------------------------------------------- evaluation

def shuffle_trials(model: nn.Module, evaluate: Callable[[], float], *, trials: int = 10, seed: int = 0,
                   slots: Callable[[], list] | None = None, pick: Callable | None = None,
                   swap_fn: Callable = swap, done: dict | None = None,
                   on_trial: Callable[[int, dict], None] | None = None, progress: bool = True) -> pd.DataFrame:
    """Accuracy after `trials` independent random swaps (trial t uses rng([seed, t])).

    `evaluate()` returns the accuracy of `model` as it stands; `slots()` returns its stages
    (default `layer_stages(model)`) and `pick(slots, rng)` the pairs (default `random_swaps`).
    `done` maps trial -> stored row (from a ResultStore) so finished trials are skipped;
    `on_trial(t, row)` stores a new one. Returns one row per trial: trial, swaps, acc.
    """
    from tqdm.auto import tqdm
    if trials < 1:
        raise ShuffleError(f"trials must be >= 1, got {trials}")
    stages = (slots or (lambda: layer_stages(model)))()
    pick = pick or random_swaps
    rows = []
    for t in tqdm(range(trials), desc="shuffles", disable=not progress, leave=False):
        pairs = pick(stages, np.random.default_rng([seed, t]))
        row = (done or {}).get(t)
        if row is None:
            with swapped(pairs, swap_fn):
                acc = float(evaluate())
            row = {"trial": t, "swaps": "; ".join(f"{_name(a)}<->{_name(b)}" for a, b in pairs), "acc": acc}
            if on_trial:
                on_trial(t, row)
        rows.append(row)
    return pd.DataFrame(rows)


def _name(x) -> str:
    if isinstance(x, Layer):
        return x.name
    if isinstance(x, Edge):
        return f"c{x.cell}:{x.edge[0]}<-{x.edge[1]}"
    return str(x)
