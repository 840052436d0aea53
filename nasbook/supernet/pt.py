"""Perturbation-based architecture selection (DARTS-PT, thesis ch. 3, Algorithm 1).

On a pretrained supernet, repeat until every edge is decided:
  pick an undecided edge at random; for each of its ops, mask that op (weight 0, the
  others unchanged) and measure the supernet's validation accuracy; the op whose removal
  drops the accuracy most is the strongest: discretize the edge to it; then tune the
  supernet `tune_epochs` epochs (weights, and alpha unless fix_alpha) before the next edge.
With 6 NB201 edges and 5 tune epochs between selections that is 25 tune epochs, as the
darts-pt NB201 runs. A checkpoint after every selection makes the procedure resumable.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from . import search
from .model import Supernet


def op_strengths(net: Supernet, edge: int, cfg: dict, device) -> dict[int, float]:
    """Validation accuracy of the supernet with each active op of `edge` masked."""
    out = {}
    for o in net.active_ops()[edge]:
        with net.masked(edge, o):
            out[o] = search.evaluate(net, cfg, device, cfg.get("pt_eval_batches"))
    return out


def select(net: Supernet, cfg: dict, seed: int, directory: Path, tag: str, *, device,
           fix_alpha: bool = False, progress: bool = True) -> dict:
    """Run PT on `net` (modified in place). Returns {arch, steps, seconds}."""
    E = net.num_edges
    order = [int(e) for e in np.random.default_rng(seed + 424242).permutation(E)]
    arch = search.make_arch("none" if fix_alpha else "darts", net, cfg, seed)
    if fix_alpha:
        pass  # Fixed() already zeroed alphas (uniform mixing) - same as the fix-alpha supernet
    tune_cfg = dict(cfg, epochs=max(cfg["pt_tune_epochs"] * (E - 1), 1))
    w_opt = torch.optim.SGD(net.weight_parameters(), lr=cfg["lr"], momentum=cfg["momentum"],
                            nesterov=cfg["nesterov"], weight_decay=cfg["wd"])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(w_opt, T_max=tune_cfg["epochs"], eta_min=cfg["lr_min"])
    steps, seconds, start = [], 0.0, 0
    done, path = search.latest_checkpoint(directory, tag)
    if path is not None:
        ckpt = search.restore_checkpoint(path, net=net, arch=arch, w_opt=w_opt, sched=sched, device=device)
        steps, seconds, start = ckpt["steps"], ckpt["seconds"], done
    tune_epoch = start * cfg["pt_tune_epochs"]
    for k in range(start, E):
        t0 = time.perf_counter()
        e = order[k]
        base = search.evaluate(net, cfg, device, cfg.get("pt_eval_batches"))
        accs = op_strengths(net, e, cfg, device)
        best = min(accs, key=lambda o: (accs[o], o))
        net.fix(e, best)
        rec = {"edge": e, "op": best, "base_acc": base, "masked_acc": {str(o): a for o, a in accs.items()}}
        if k < E - 1:
            for _ in range(cfg["pt_tune_epochs"]):
                search.train_epoch(net, arch, w_opt, cfg, seed=seed + 7, epoch=10_000 + tune_epoch,
                                   device=device, train_arch=not fix_alpha, progress=progress,
                                   desc=f"{tag} tune after edge {k + 1}/{E}")
                sched.step()
                tune_epoch += 1
        seconds += time.perf_counter() - t0
        steps.append(rec)
        search.save_checkpoint(search.checkpoint_path(directory, tag, k + 1), net=net, arch=arch, w_opt=w_opt,
                               sched=sched, steps=steps, seconds=seconds)
        if path is not None:
            path.unlink(missing_ok=True)  # keep only the newest PT checkpoint
        path = search.checkpoint_path(directory, tag, k + 1)
    return {"arch": list(net.derive()), "steps": steps, "seconds": seconds}
