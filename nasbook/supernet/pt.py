"""Perturbation-based architecture selection (DARTS-PT, thesis ch. 3, Algorithm 1).

On a pretrained supernet, repeat until every edge is decided:
  pick an undecided edge at random; for each of its ops, mask that op (weight 0, the
  others unchanged) and measure the supernet's validation accuracy; the op whose removal
  drops the accuracy most is the strongest: discretize the edge to it; then tune the
  supernet (weights, and alpha unless fix_alpha) before the next edge.
A checkpoint after every selection makes the procedure resumable.

Written against darts-pt (github ruocwang/darts-pt), `nasbench201/projection.py`
(`pt_project`) and `nasbench201/train_search.py`:

- Tuning optimiser: `model.reset_optimizer(args.learning_rate / 10, args.momentum,
  args.weight_decay)` (`search_model.py`): a fresh SGD at lr 0.025 / 10 = 0.0025
  (cfg["pt_tune_lr"]), momentum 0.9, weight decay 3e-4, no Nesterov, and no scheduler (the
  learning rate stays constant while tuning). Gradients clipped to norm 5 as in training.
- Masked-op accuracy: `infer(valid_queue, model, ..., eval=False, weights=...)`, i.e. the
  model in train mode, so every BatchNorm normalises with the batch's statistics. In the
  reference those forwards also update the BN running statistics (train mode under no_grad),
  which only its eval-mode logging reads; here the running statistics are saved and restored
  (`search.batch_statistics`), so the selection is the reference's and evaluating changes
  nothing. The unmasked base accuracy is measured the same way (the reference does not log one).
- Schedule: tune_epochs = proj_intv * (E - 1); an edge is decided at tuning epochs 0,
  proj_intv, 2 proj_intv, ... and at epoch tune_epochs - 1, so with proj_intv 5 on NB201 the
  gaps are 5, 5, 5, 5, 4 epochs. Here the k-th decision comes after
  min(k * pt_tune_epochs, tune_epochs - 1) tuning epochs, the same gaps. The reference
  tunes one more epoch after the last decision, which cannot change the architecture; it is
  skipped. (With proj_intv 1 the reference decides only 5 of the 6 edges and leaves the
  last to argmax alpha; here every edge is decided by PT.)
- Step order while tuning: the architecture step first, then the weights step (as its
  training, cfg["arch_first"]); alpha's Adam continues from the supernet checkpoint when
  `arch_state` is given (the reference loads 'arch_optimizer' from its checkpoint).

Differences: the validation batches are the search-valid split in a fixed class-mixed order
without augmentation (the reference's valid_queue is a random sampler over train-transformed
images), optionally only the first cfg["pt_eval_batches"] batches.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from . import search
from .model import Supernet


def op_strengths(net: Supernet, edge: int, cfg: dict, device) -> dict[int, float]:
    """Validation accuracy of the supernet with each active op of `edge` masked (train-mode
    BatchNorm on batch statistics, as darts-pt's projection)."""
    out = {}
    for o in net.active_ops()[edge]:
        with net.masked(edge, o):
            out[o] = search.evaluate(net, cfg, device, cfg.get("pt_eval_batches"), batch_stats=True)
    return out


def tune_optimizer(net: Supernet, cfg: dict) -> torch.optim.SGD:
    """darts-pt's `reset_optimizer(lr / 10, momentum, weight_decay)`: a fresh SGD without
    Nesterov; no scheduler is attached (constant learning rate)."""
    return torch.optim.SGD(net.weight_parameters(), lr=cfg["pt_tune_lr"], momentum=cfg["momentum"],
                           nesterov=False, weight_decay=cfg["wd"])


def decision_epochs(num_edges: int, interval: int) -> list[int]:
    """Tuning epochs done before each edge decision: min(k * interval, interval * (E - 1) - 1)."""
    last = max(interval * (num_edges - 1) - 1, 0)
    return [min(k * interval, last) for k in range(num_edges)]


def select(net: Supernet, cfg: dict, seed: int, directory: Path, tag: str, *, device,
           fix_alpha: bool = False, progress: bool = True, arch_state: dict | None = None) -> dict:
    """Run PT on `net` (modified in place). `arch_state`: the architecture optimiser state of
    the supernet's checkpoint (continued while tuning). Returns {arch, steps, seconds}."""
    E = net.num_edges
    order = [int(e) for e in np.random.default_rng(seed + 424242).permutation(E)]
    arch = search.make_arch("none" if fix_alpha else "darts", net, cfg, seed)
    if arch_state is not None and not fix_alpha:
        arch.load_state_dict(arch_state)
    w_opt = tune_optimizer(net, cfg)
    when = decision_epochs(E, cfg["pt_tune_epochs"])
    steps, seconds, start = [], 0.0, 0
    done, path = search.latest_checkpoint(directory, tag)
    if path is not None:
        ckpt = search.restore_checkpoint(path, net=net, arch=arch, w_opt=w_opt, device=device)
        steps, seconds, start = ckpt["steps"], ckpt["seconds"], done
    for k in range(start, E):
        t0 = time.perf_counter()
        e = order[k]
        base = search.evaluate(net, cfg, device, cfg.get("pt_eval_batches"), batch_stats=True)
        accs = op_strengths(net, e, cfg, device)
        best = min(accs, key=lambda o: (accs[o], o))
        net.fix(e, best)
        rec = {"edge": e, "op": best, "base_acc": base, "masked_acc": {str(o): a for o, a in accs.items()}}
        if k < E - 1:
            for tune_epoch in range(when[k], when[k + 1]):
                search.train_epoch(net, arch, w_opt, cfg, seed=seed + 7, epoch=10_000 + tune_epoch,
                                   device=device, train_arch=not fix_alpha, progress=progress,
                                   desc=f"{tag} tune after edge {k + 1}/{E}")
        seconds += time.perf_counter() - t0
        steps.append(rec)
        search.save_checkpoint(search.checkpoint_path(directory, tag, k + 1), net=net, arch=arch, w_opt=w_opt,
                               steps=steps, seconds=seconds)
        if path is not None:
            path.unlink(missing_ok=True)  # keep only the newest PT checkpoint
        path = search.checkpoint_path(directory, tag, k + 1)
    return {"arch": list(net.derive()), "steps": steps, "seconds": seconds}
