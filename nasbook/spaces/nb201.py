"""The NAS-Bench-201 cell search space, with the official semantics.

A cell is a DAG on 4 nodes; each of its 6 edges (to <- from) carries one of 5 ops.
Internally an architecture is a tuple of 6 op indices in EDGES order, which is also
the order of the official string ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``.

Architecture indices follow the official generation rule of NAS-Bench-201
(``CellStructure.gen_all`` over the op list, node by node, then
``random.seed(88); random.shuffle``), so ``index_of(arch)`` equals the row of the
official benchmark for all 15,625 architectures.
"""
from __future__ import annotations

import operator
import random as _random
from functools import lru_cache
from typing import Iterable, Sequence, Union

import numpy as np

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))  # (to, from), the string order
NUM_OPS = len(OPS)
NUM_EDGES = len(EDGES)
NUM_ARCHS = NUM_OPS ** NUM_EDGES  # 15,625

Arch = Union[str, Sequence[Union[int, str]]]  # official string, or 6 op indices / op names


class ArchError(ValueError):
    """An architecture string or op tuple that is not in the NB201 space."""


_EXAMPLE = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def parse(arch: str) -> tuple[int, ...]:
    """Official string -> tuple of 6 op indices (EDGES order)."""
    if not isinstance(arch, str):
        raise ArchError(f"expected an architecture string like {_EXAMPLE!r}, got {type(arch).__name__}")
    nodes = arch.split("+")
    if len(nodes) != 3:
        raise ArchError(f"invalid NB201 architecture {arch!r}: expected 3 nodes joined by '+', "
                        f"like {_EXAMPLE!r}")
    ops = []
    for node, text in enumerate(nodes, start=1):
        if not (text.startswith("|") and text.endswith("|")):
            raise ArchError(f"invalid NB201 architecture {arch!r}: node {node} {text!r} must be "
                            f"wrapped in '|', like '|nor_conv_3x3~0|'")
        parts = text[1:-1].split("|")
        if len(parts) != node:
            raise ArchError(f"invalid NB201 architecture {arch!r}: node {node} needs {node} input "
                            f"edge(s) ~0..~{node - 1}, got {len(parts)}")
        for j, part in enumerate(parts):
            name, sep, src = part.partition("~")
            if not sep or src != str(j):
                raise ArchError(f"invalid NB201 architecture {arch!r}: edge {part!r} of node {node} "
                                f"must read 'op~{j}'")
            if name not in OPS:
                raise ArchError(f"invalid NB201 architecture {arch!r}: unknown op {name!r}; "
                                f"expected one of {', '.join(OPS)}")
            ops.append(OPS.index(name))
    return tuple(ops)


_FORMS = ("an NB201 string like '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|...|', or a sequence of "
          f"{NUM_EDGES} op names or op indices 0-{NUM_OPS - 1} (ints) in edge order")


def _op(o) -> int | None:
    """One op as an index (an op name or an int; not bool, not float), or None if it is neither."""
    if isinstance(o, str):
        return OPS.index(o) if o in OPS else None
    return _int(o)


def _int(x) -> int | None:
    """`x` as an int if it is an integer (int, numpy / torch integer scalar; not bool, not float), else None."""
    if isinstance(x, (bool, np.bool_)):
        return None
    try:
        return operator.index(x)
    except TypeError:
        return None


def ops_of(arch: Arch) -> tuple[int, ...]:
    """Accept a string or a sequence of 6 op names / op indices; return the validated tuple of indices."""
    if isinstance(arch, str):
        return parse(arch)
    if _int(arch) is not None:
        raise ArchError(f"expected {_FORMS}; got the number {arch!r} (for an official index 0..{NUM_ARCHS - 1} "
                        f"use arch_of(index))")
    if isinstance(arch, (float, np.floating)):
        raise ArchError(f"expected {_FORMS}; got the float {arch!r} (an official index 0..{NUM_ARCHS - 1} "
                        f"must be an int: use arch_of(int(index)))")
    if isinstance(arch, (bytes, bytearray, set, frozenset, dict)) or not isinstance(arch, Iterable):
        raise ArchError(f"expected {_FORMS}; got {_desc(arch)}")
    try:
        items = list(arch)
    except TypeError:  # a 0-d array or tensor
        raise ArchError(f"expected {_FORMS}; got {_desc(arch)}") from None
    ops = tuple(_op(o) for o in items)
    if len(ops) != NUM_EDGES or not all(o is not None and 0 <= o < NUM_OPS for o in ops):
        raise ArchError(f"expected {_FORMS}; got {_short(items)}")
    return ops


def _short(items: list) -> str:
    text = "[" + ", ".join(repr(o) for o in items[:NUM_EDGES + 1]) + (", ...]" if len(items) > NUM_EDGES + 1 else "]")
    return f"{len(items)} element(s) {_desc(text, plain=True)}"


def _desc(x, plain: bool = False) -> str:
    """A one-line, bounded description of a bad value for an error message."""
    text = " ".join((x if plain else repr(x)).split())
    text = text if len(text) <= 120 else text[:117] + "..."
    return text if plain else f"{text} ({type(x).__name__})"


def to_str(arch: Arch) -> str:
    """Tuple of 6 op indices (or a string, validated) -> official string."""
    ops = ops_of(arch)
    names = [f"{OPS[o]}~{j}" for o, (_, j) in zip(ops, EDGES)]
    return "|" + "|+|".join(["|".join(names[0:1]), "|".join(names[1:3]), "|".join(names[3:6])]) + "|"


@lru_cache(maxsize=1)
def _index_table() -> tuple[tuple[tuple[int, ...], ...], dict]:
    # CellStructure.gen_all: node 1's choices vary slowest, each node's edges in order.
    archs: list[tuple[int, ...]] = [()]
    for node in (1, 2, 3):
        combos = [()]
        for _ in range(node):
            combos = [c + (o,) for c in combos for o in range(NUM_OPS)]
        archs = [a + c for a in archs for c in combos]
    rng = _random.Random()
    rng.seed(88)  # "please do not change this line for reproducibility" (NAS-Bench-201)
    rng.shuffle(archs)
    return tuple(archs), {a: i for i, a in enumerate(archs)}


def arch_of(index: int) -> str:
    """Official index -> official string."""
    value = _int(index)
    if value is None:
        raise ArchError(f"expected an NB201 index: an int 0..{NUM_ARCHS - 1}; got {_desc(index)}")
    index = value
    if not 0 <= index < NUM_ARCHS:
        raise ArchError(f"NB201 index {index} out of range: expected 0..{NUM_ARCHS - 1}")
    return to_str(_index_table()[0][index])


def index_of(arch: Arch) -> int:
    """Official string or op tuple -> official index."""
    return _index_table()[1][ops_of(arch)]


def all_archs() -> list[str]:
    """All 15,625 official strings in official index order."""
    return [to_str(a) for a in _index_table()[0]]


def onehot(arch: Arch) -> np.ndarray:
    """6 x 5 one-hot matrix (rows: EDGES order, columns: OPS order)."""
    m = np.zeros((NUM_EDGES, NUM_OPS), dtype=np.float32)
    m[np.arange(NUM_EDGES), ops_of(arch)] = 1.0
    return m


def encode(archs: Iterable[Arch]) -> np.ndarray:
    """n x 30 flattened one-hot encodings."""
    return np.stack([onehot(a).reshape(-1) for a in archs])


def ops_matrix() -> np.ndarray:
    """15,625 x 6 op indices in official index order (fast vectorised encodings)."""
    return np.array(_index_table()[0], dtype=np.int64)


def sample(rng: np.random.Generator) -> str:
    """One architecture, uniformly at random."""
    return to_str(rng.integers(0, NUM_OPS, size=NUM_EDGES))


EDGE_OF = {edge: e for e, edge in enumerate(EDGES)}  # (to, from) -> position in EDGES order
MUTATION_EDGE_PROBS = tuple(1 / 3 / to for to, _ in EDGES)  # node 1/3, then 1/(its in-degree)


def mutate(arch: Arch, rng: np.random.Generator) -> str:
    """NATS-Bench's topology mutation (AutoDL-Projects exps/NATS-algos/regularized_ea.py,
    `mutate_topology_func`): a node uniformly among nodes 1-3, then one of its incoming edges
    uniformly, then a different op uniformly. Edge probabilities in EDGES order:
    1/3, 1/6, 1/6, 1/9, 1/9, 1/9 (see `MUTATION_EDGE_PROBS`)."""
    ops = list(ops_of(arch))
    node = int(rng.integers(1, 4))                   # to-node 1, 2 or 3
    edge = EDGE_OF[node, int(rng.integers(node))]  # its incoming edge from node 0..node-1
    ops[edge] = int((ops[edge] + rng.integers(1, NUM_OPS)) % NUM_OPS)
    return to_str(ops)



def build_network(arch: Arch, C: int = 16, N: int = 5, num_classes: int = 10):
    """The NB201 network of `arch` (see nasbook.spaces.nb201_network)."""
    from .nb201_network import build_network as _build
    return _build(arch, C=C, N=N, num_classes=num_classes)
