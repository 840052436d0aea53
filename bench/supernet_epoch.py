"""One supernet training epoch (DARTS first order: weights step + alpha step per batch),
this implementation vs the official NB201 search model (xautodl TinyNetworkDarts),
side by side in one process on the same data and device.

    .venv/bin/pip install --no-deps xautodl      # benchmark only
    NASBOOK_DATA=/work/shared/data .venv/bin/python bench/supernet_epoch.py --profile smoke
    ... --profile paper                          # C=16, N=5, 25k/25k (GPU)
    ... --profile cpu --json bench/results/supernet_epoch_cpu.json   # C=8, N=1, 5k/5k; what README shows

Both models get the same optimisers (SGD nesterov 0.025, wd 5e-4, clip 5; Adam 3e-4 on
alpha) and the same batches. Ours on a GPU also uses channels_last + bf16 autocast (the
official search code runs fp32); on CPU both run fp32. Prints seconds per epoch and the
ratio official / ours (target >= 1.5).
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from nasbook import config
from nasbook.spaces import nb201
from nasbook.supernet import search
from nasbook.experiments.nb201_weight_sharing import COMMON
from nasbook.supernet.model import Supernet

SIZES = {"smoke": dict(C=8, N=1, limit_train=512, limit_valid=512),
         "cpu": dict(C=8, N=1, limit_train=5000, limit_valid=5000),
         "paper": dict(C=16, N=5, limit_train=None, limit_valid=None)}


def official(C, N):
    from xautodl.models.cell_searchs.search_model_darts import TinyNetworkDarts
    return TinyNetworkDarts(C, N, 4, 10, list(nb201.OPS), False, False)


def epoch(model, forward, arch_params, cfg, device, amp):
    wparams = [p for p in model.parameters() if all(p is not a for a in arch_params)]
    w_opt = torch.optim.SGD(wparams, lr=0.025, momentum=0.9, nesterov=True, weight_decay=5e-4)
    a_opt = torch.optim.Adam(arch_params, lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)
    train = search.loader("search_train", cfg, train=True, seed=0, device=device)
    valid = iter(search.loader("search_valid", cfg, train=True, seed=1, device=device))
    ctx = torch.autocast("cuda", dtype=torch.bfloat16) if amp else torch.autocast("cpu", enabled=False)
    model.train()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for xt, yt in train:
        xv, yv = next(valid)
        if amp:
            xt, xv = xt.contiguous(memory_format=torch.channels_last), xv.contiguous(memory_format=torch.channels_last)
        with ctx:
            loss = F.cross_entropy(forward(xt).float(), yt)
        w_opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(wparams, 5.0)
        w_opt.step()
        a_opt.zero_grad(set_to_none=True)
        with ctx:
            F.cross_entropy(forward(xv).float(), yv).backward()
        a_opt.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="smoke", choices=list(SIZES))
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--json", help="also write the measurements to this JSON file")
    args = ap.parse_args()
    device = config.device()
    cfg = dict(COMMON, **SIZES[args.profile])
    search.search_split("search_train", cfg["limit_train"]), search.search_split("search_valid", cfg["limit_valid"])
    torch.manual_seed(0)
    ours = Supernet(C=cfg["C"], N=cfg["N"]).to(device)
    amp = device.type == "cuda"
    if amp:
        ours = ours.to(memory_format=torch.channels_last)
    theirs = official(cfg["C"], cfg["N"]).to(device)
    times = {"ours": [], "xautodl": []}
    for r in range(args.repeats):  # interleaved, first pair as warm-up when repeats > 1
        times["ours"].append(epoch(ours, ours, [ours.alphas], cfg, device, amp))
        times["xautodl"].append(epoch(theirs, lambda x: theirs(x)[1], theirs.get_alphas(), cfg, device, False))
        print(f"repeat {r}: ours {times['ours'][-1]:.2f}s  xautodl {times['xautodl'][-1]:.2f}s", flush=True)
    pick = (lambda v: min(v[1:])) if args.repeats > 1 else (lambda v: v[0])
    o, x = pick(times["ours"]), pick(times["xautodl"])
    print(f"device {device} threads {torch.get_num_threads()} profile {args.profile} C={cfg['C']} N={cfg['N']}: "
          f"epoch ours {o:.2f}s, xautodl {x:.2f}s, speed-up x{x / o:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "machine": platform.processor() or platform.machine(), "device": str(device), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "profile": args.profile, "settings": cfg, "repeats": args.repeats,
            "epoch_s": times, "ours_s": o, "xautodl_s": x, "ratio": x / o}, indent=1) + "\n")


if __name__ == "__main__":
    main()
