"""Weight-sharing supernet of the NAS-Bench-201 cell space and the searches run on it.

Public API (stable; the chapter-2 notebooks build on it)
---------------------------------------------------------
``from nasbook.supernet import Supernet, run``

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

``run(method, *, seed, profile="smoke", **kw) -> SearchResult``
    method in "darts" (first order; "darts2" or order=2 for second order), "gdas",
    "darts_pt" (PT on the DARTS supernet; "darts_pt_fix" for the fix-alpha variant),
    "drnas", "vimnas". Settings come from ``experiments.PROFILES[profile]``, overridable
    by keyword (e.g. ``epochs=2, C=4, N=1, limit=128``). Checkpoints are kept per epoch
    in the ResultStore under results_dir()/profile; rerunning continues from the last one.

Lower level (search.py / pt.py):
  ``search.train_supernet(method, cfg, seed, store) -> dict`` per-epoch loop with
  checkpoints; ``pt.select(net, valid_loader, train_loader, cfg)`` perturbation-based
  selection on a trained supernet; ``experiments.supernet_checkpoint(profile, method,
  seed, epoch) -> Path`` to reuse a snapshot (chapter 2: edge shuffling, op strength).
"""
from __future__ import annotations

from .model import Supernet  # noqa: F401


def run(method: str, *, seed: int, profile: str = "smoke", **kw):
    """One search with `method` on the NB201 supernet; see the module docstring."""
    from .experiments import run as _run
    return _run(method, seed=seed, profile=profile, **kw)
