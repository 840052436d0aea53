"""RMI evaluation speed at the paper's settings, side by side in one process: the official
NB201 network (xautodl's TinyNetwork, stages taken with forward hooks as XNAS does) trained
one architecture at a time, nasbook's network in the same loop (contiguous memory), and
nasbook's default (channels_last). Same batch, same loss (beta * RMI + (1 - beta) * CE), same
SGD, fp32. Repetitions are interleaved (A B C A B C ...) so that a busy machine slows all three
alike; the ratios are what to read.

    pip install --no-deps --target .bench-deps xautodl      # the official network, for this bench only
    NASBOOK_DATA=../shared/data .venv/bin/python bench/rmi_speed.py              # C=16, N=5, 150 steps
    ... bench/rmi_speed.py --steps 30 --archs 3                                   # quicker

Prints seconds per architecture and architectures per second for each way, the ratios to the
official loop, and the largest relative difference between nasbook's contiguous and
channels_last scores (the same maths in another summation order).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from nasbook import config, rmi
from nasbook.spaces import nb201

ARCHS = ["|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
         "|nor_conv_1x1~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_3x3~0|none~1|nor_conv_1x1~2|",
         "|avg_pool_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|nor_conv_1x1~0|nor_conv_3x3~1|avg_pool_3x3~2|",
         "|skip_connect~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|none~0|skip_connect~1|nor_conv_3x3~2|"]


def official_network(arch: str, s: dict):
    """xautodl's TinyNetwork with hooks returning XNAS's stages: the last cell of stages 1 and 2
    and the head's lastact (XNAS forward_with_features)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / ".bench-deps"))
    from xautodl.models.cell_infers.tiny_network import TinyNetwork
    from xautodl.models.cell_searchs.genotypes import Structure
    torch.manual_seed(rmi.arch_seed(0, arch))
    net = TinyNetwork(int(s["C"]), int(s["N"]), Structure.str2structure(arch), 10)
    N, stages = int(s["N"]), []
    for module in (net.cells[N - 1], net.cells[2 * N], net.lastact):
        module.register_forward_hook(lambda m, i, out: stages.append(out))

    def forward(x):
        stages.clear()
        _, logits = net(x)
        return logits, list(stages)
    return net, forward


def train_official(arch: str, batch: rmi.Batch, s: dict) -> float:
    """The RMI training loop of nasbook.rmi.train_group around the official network; seconds."""
    start = time.perf_counter()
    net, forward = official_network(arch, s)
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=s["lr"], momentum=s["momentum"], weight_decay=s["weight_decay"])
    for step in range(int(s["steps"])):
        opt.zero_grad(set_to_none=True)
        logits, stages = forward(batch.x)
        loss = rmi.mixed_loss(s["beta"], rmi.rmi_loss(batch.teacher_stages, stages), F.cross_entropy(logits, batch.y))
        if step + 1 == int(s["steps"]):
            break
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--archs", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    s = rmi.resolve({"steps": args.steps, "record_every": args.steps})
    device = config.device()
    g = torch.Generator().manual_seed(0)
    B = int(s["batch_size"])
    x = torch.randn(B, 3, 32, 32, generator=g).to(device)
    # ResNet-20 teacher stage shapes (16x32x32, 32x16x16, 64x8x8); values do not change the cost
    teacher = [torch.randn(B, c * h * h, generator=g).to(device) for c, h in ((16, 32), (32, 16), (64, 8))]
    batch = rmi.Batch(x=x, y=torch.randint(0, 10, (B,), generator=g).to(device), teacher_stages=teacher,
                      pool_index=torch.arange(B), pool_ce=torch.zeros(B))
    archs = ARCHS[:args.archs]
    times = {"official loop (xautodl)": [], "nasbook loop, contiguous": [], "nasbook loop, channels_last": []}
    scores = {False: [], True: []}
    for _ in range(args.repeats):
        for arch in archs:
            times["official loop (xautodl)"].append(train_official(arch, batch, s))
            for cl, name in ((False, "nasbook loop, contiguous"), (True, "nasbook loop, channels_last")):
                r = rmi.train_group([arch], batch, {**s, "channels_last": cl}, 0, device)[0]
                times[name].append(r["seconds"])
                scores[cl].append(r["score"])
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads; C={s['C']}, N={s['N']}, "
          f"{s['steps']} steps, batch {B}, {len(archs)} archs x {args.repeats} repeats, fp32")
    ref = np.mean(times["official loop (xautodl)"])
    for name, t in times.items():
        print(f"  {name:30s} {np.mean(t):7.2f} s/arch  {1 / np.mean(t):6.3f} archs/s  x{ref / np.mean(t):.2f} vs official")
    a, b = np.array(scores[False]), np.array(scores[True])
    print(f"  largest relative score difference, contiguous vs channels_last: {np.max(np.abs(a - b) / np.abs(a)):.2e}")


if __name__ == "__main__":
    main()
