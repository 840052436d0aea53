"""Weight-sharing supernet of the NAS-Bench-201 cell space and the searches run on it.

Public API (stable; the chapter-2 notebooks build on it)
---------------------------------------------------------
``from nasbook.supernet import Supernet``

``Supernet(C=16, N=5, num_classes=10, ops=nb201.OPS, seed=None)``  (model.py)
    The NB201 skeleton (stem, 3 stages of N search cells, ResNet reduction blocks, head),
    every search cell shares ONE architecture: 6 edges (``nb201.EDGES`` order) x len(ops).
    Mixed ops use BatchNorm without affine and without running statistics (batch stats
    in train and eval mode). ``ops`` is any subset/order of the NB201 op names, e.g.
    ``("skip_connect", "nor_conv_3x3")`` for the two-op space of chapter 2.
  net(x)                      logits with mixing weights softmax(alphas) (DARTS);
  net(x, weights=W)           logits with explicit mixing weights W (E x O tensor);
  net(x, weights=W, index=I)  only op I[e] is computed on edge e (GDAS hard sampling;
                              gradients still reach every W[e, o]).
  net.alphas                  nn.Parameter, E x O (E = 6, O = len(ops)), the logits.
  net.arch_parameters()       [alphas];  net.weight_parameters(): everything else.
  net.ops, net.num_edges, net.num_ops
  net.fix(edge, op)           discretize edge -> op (op: index or name); the edge then
                              computes op(x) only, whatever weights are passed.
  net.unfix(edge)             undo.  net.fixed -> list[int | None] per edge.
  net.discretize(arch)        fix every edge (arch: NB201 string / 6 op indices, only
                              when ops are the 5 NB201 ops, or a list of indices into net.ops).
  net.mask(edge, op) / net.unmask(edge, op); ``with net.masked(edge, op): ...``
                              remove one op of an edge (its weight is set to 0, the others
                              are not renormalised - DARTS-PT's perturbation).
  net.mixing_weights()        the E x O weights the default forward uses (softmax of alphas,
                              masks applied, fixed edges one-hot).
  net.derive()                tuple of op indices (into net.ops): fixed op or argmax alpha.
  net.derive_str()            NB201 string (only with the 5 NB201 ops).
  net.swap_edges(e1, e2, cells=None, alphas=False)
                              exchange the op modules (weights) of two edges in the
                              given cells (indices into net.cells; default all); with
                              alphas=True also exchange the alpha rows (only sensible
                              when all cells are swapped, since alphas are shared).
  net.swap_cells(i, j)        exchange two search cells of the same stage (same width).
  net.cells                   list of the 3N search cells, stage by stage.
  net.save(path) / Supernet.load(path, map_location="cpu") -> Supernet
                              a checkpoint holds constructor args + state_dict (alphas,
                              fixed edges and masks included).

The one supernet trainer (search.py) and the selection rule (pt.py):
  ``search.train_supernet(method, cfg, seed, directory, tag, device=...) -> dict``
      per-epoch loop of every method (darts, gdas, drnas, vimnas, none) with one checkpoint
      format (weights, architecture state, optimisers, schedule, RNG state) per epoch;
      rerunning continues from the newest checkpoint. Notebooks 05, 06 and 07 all train
      their supernets with it (their experiment modules in ``nasbook.experiments``).
  ``pt.select(net, cfg, seed, directory, tag, device=...)`` perturbation-based selection.
  ``darts.DartsSupernet``: the same API on the DARTS cell space (``nasbook.spaces.darts``).
"""
from __future__ import annotations

from .model import Supernet  # noqa: F401
