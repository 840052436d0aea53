"""RMI evaluation speed at the paper's settings, side by side in one run: the official
NB201 network (xautodl's TinyNetwork, stages taken with forward hooks as XNAS does) trained
one architecture at a time, nasbook's network in the same loop (contiguous memory,
channels_last, and channels_last with the bf16 option), and nasbook's batched engine (K candidates in one StackedNB201, see
nasbook.spaces.nb201_stacked); on a GPU also the batched engine with settings["cuda_graph"]. On a CPU with several cores also nasbook's loop with one
architecture per core (a pool of one-thread processes, as `nasbook run ... --executor ray` with
NASBOOK_RAY_CPUS=1 runs them; the time is the pool's wall time per architecture): small
convolutions do not spread well over threads, whole architectures do. Same batch, same loss (beta * RMI + (1 - beta) * CE), same SGD,
fp32, on the device of nasbook.config.device() (CPU here, CUDA on a GPU machine). On a CPU every
way runs in a process of its own (see `own` in main), on a GPU all in this one. Repetitions
are interleaved (A B C D A B C D ...) so that a busy machine slows every way alike; the ratios
are what to read.

    pip install --no-deps --target .bench-deps xautodl      # the official network, for this bench only
    NASBOOK_DATA=../shared/data .venv/bin/python bench/rmi_speed.py              # C=16, N=5, 150 steps
    ... bench/rmi_speed.py --steps 30 --archs 3                                   # quicker
    PYTHONPATH=.:.bench-deps python3 bench/rmi_speed.py --archs 32 --loop-archs 8 --json OUT.json   # a GPU

Prints seconds per architecture and architectures per second for each way, the ratios to the
official loop, and the largest relative differences of the other ways' scores to the contiguous
loop's (channels_last and batched: the same maths in another summation order; bf16: another
precision).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
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


def random_batch(B: int, device="cpu") -> rmi.Batch:
    """A batch of B random images with random teacher stages of ResNet-20's shapes (16x32x32,
    32x16x16, 64x8x8): the values do not change the cost."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(B, 3, 32, 32, generator=g).to(device)
    teacher = [torch.randn(B, c * h * h, generator=g).to(device) for c, h in ((16, 32), (32, 16), (64, 8))]
    return rmi.Batch(x=x, y=torch.randint(0, 10, (B,), generator=g).to(device), teacher_stages=teacher,
                     pool_index=torch.arange(B), pool_ce=torch.zeros(B))


def cpu_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def official_network(arch: str, s: dict):
    """xautodl's TinyNetwork with hooks returning XNAS's stages: the last cell of stages 1 and 2
    and the head's lastact (XNAS forward_with_features)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / ".bench-deps"))
    from xautodl.models.cell_infers.tiny_network import TinyNetwork
    from xautodl.models.cell_searchs.genotypes import Structure
    torch.manual_seed(rmi.arch_seed(0, arch))
    net = TinyNetwork(int(s["C"]), int(s["N"]), Structure.str2structure(arch), 10).to(config.device())
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
    float(loss.detach())  # waits for the device
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--archs", type=int, default=4, help="architectures per way (the first 4 fixed, then sampled)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--group", type=int, default=None,
                    help="candidates per batched step (default: all --archs in one StackedNB201)")
    ap.add_argument("--loop-archs", type=int, default=None,
                    help="time the one-at-a-time ways on only the first this many architectures (default all)")
    ap.add_argument("--cudnn-benchmark", action="store_true",
                    help="let cuDNN time its algorithms for each shape (torch.backends.cudnn.benchmark)")
    ap.add_argument("--tf32", action="store_true", help="allow TF32 in convolutions and matmuls (nasbook's default: fp32)")
    ap.add_argument("--json", help="also write the measurements to this JSON file")
    ap.add_argument("--no-per-core", action="store_true", help="skip the one-architecture-per-core way (CPU)")
    args = ap.parse_args()
    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = args.tf32
    s = rmi.resolve({"steps": args.steps, "record_every": args.steps})
    device = torch.device(config.device())
    B = int(s["batch_size"])
    batch = random_batch(B, device)
    rng = np.random.default_rng(0)
    archs = (ARCHS + [nb201.sample(rng) for _ in range(max(0, args.archs - len(ARCHS)))])[:args.archs]
    group = args.group or len(archs)
    batched = f"nasbook batched, {group} per step"
    times = {"official loop (xautodl)": [], "nasbook loop, contiguous": [], "nasbook loop, channels_last": [],
             "nasbook loop, channels_last, bf16": [], batched: []}
    scores = {"contiguous": [], "channels_last": [], "channels_last, bf16": [], "batched": []}
    graphed = f"nasbook batched, {group} per step, CUDA graph"
    if device.type == "cuda":  # settings["cuda_graph"]: one captured step replayed (not yet the default)
        times[graphed], scores["batched, CUDA graph"] = [], []
    # On a CPU each way runs in a process of its own (a one-process pool with this process's threads),
    # as the per-core way's processes and the official code do: on 2026-11-29 the official loop ran
    # x1.28 faster alone than after the other ways in one process (9.26 vs 7.22 s per architecture),
    # which had made the per-core way look better than it is. On a GPU they share this process.
    ctx = multiprocessing.get_context("spawn")
    own = ({name: ctx.Pool(1, initializer=torch.set_num_threads, initargs=(torch.get_num_threads(),))
            for name in times} if device.type == "cpu" else {})

    def call(way, fn, *fn_args):
        return own[way].apply(fn, fn_args) if way in own else fn(*fn_args)

    loop_ways = ((False, "fp32", "contiguous"), (True, "fp32", "channels_last"), (True, "bf16", "channels_last, bf16"))
    cores = cpu_cores()
    pool = None
    if device.type == "cpu" and cores > 1 and not args.no_per_core:
        per_core = f"nasbook loop, channels_last, 1 arch per core ({cores} processes x 1 thread)"
        times[per_core], scores["per core"] = [], []
        pool = ctx.Pool(cores, initializer=torch.set_num_threads, initargs=(1,))

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    warm = {**s, "steps": 2, "record_every": 2}  # kernels chosen and caches filled before timing
    call("official loop (xautodl)", train_official, archs[0], batch, warm)
    for cl, prec, name in loop_ways:
        call(f"nasbook loop, {name}", rmi.train_group, [archs[0]], batch,
             {**warm, "channels_last": cl, "engine": "loop", "precision": prec}, 0, device)
    call(batched, rmi.train_group, archs[:group], batch, {**warm, "engine": "batched"}, 0, device)
    if graphed in times:
        try:
            rmi.train_group(archs[:group], batch, {**s, "steps": 6, "record_every": 6, "engine": "batched",
                                                   "cuda_graph": True}, 0, device)
        except Exception as err:  # measured on the next GPU: report it and time the others
            print(f"CUDA graph way failed, left out: {type(err).__name__}: {err}")
            del times[graphed], scores["batched, CUDA graph"]
    if pool is not None:
        pool.map(_train_one, [(archs[0], batch, warm)] * cores, chunksize=1)
    for _ in range(args.repeats):  # interleaved: a busy machine slows every way alike
        for arch in archs[:args.loop_archs]:
            sync()
            times["official loop (xautodl)"].append(call("official loop (xautodl)", train_official, arch, batch, s))
            for cl, prec, name in loop_ways:
                r = call(f"nasbook loop, {name}", rmi.train_group, [arch], batch,
                         {**s, "channels_last": cl, "engine": "loop", "precision": prec}, 0, device)[0]
                times[f"nasbook loop, {name}"].append(r["seconds"])
                scores[name].append(r["score"])
        if pool is not None:  # the same architectures, one per core at a time
            loop = archs[:args.loop_archs]
            t0 = time.perf_counter()
            scores["per core"] += pool.map(_train_one, [(a, batch, s) for a in loop], chunksize=1)
            times[per_core] += [(time.perf_counter() - t0) / len(loop)] * len(loop)
        for i in range(0, len(archs), group):
            results = call(batched, rmi.train_group, archs[i:i + group], batch, {**s, "engine": "batched"}, 0, device)
            times[batched] += [r["seconds"] for r in results]
            scores["batched"] += [r["score"] for r in results]
            if graphed in times:
                results = rmi.train_group(archs[i:i + group], batch, {**s, "engine": "batched", "cuda_graph": True},
                                          0, device)
                times[graphed] += [r["seconds"] for r in results]
                scores["batched, CUDA graph"] += [r["score"] for r in results]
    for p in [pool, *own.values()]:
        if p is not None:
            p.close()
            p.join()
    print(f"device {device} ({_device_name(device)}), torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"C={s['C']}, N={s['N']}, {s['steps']} steps, batch {B}, {len(archs)} archs x {args.repeats} repeats, "
          f"{'TF32' if args.tf32 else 'fp32'}{', cudnn.benchmark' if args.cudnn_benchmark else ''}")
    ref = np.mean(times["official loop (xautodl)"])
    rows = []
    for name, t in times.items():
        rows.append({"way": name, "s_per_arch": float(np.mean(t)), "archs_per_s": float(1 / np.mean(t)),
                     "vs_official": float(ref / np.mean(t))})
        print(f"  {name:30s} {np.mean(t):7.3f} s/arch  {1 / np.mean(t):7.3f} archs/s  x{ref / np.mean(t):.2f} vs official")
    n = len(archs[:args.loop_archs])  # the first repeat: the same architectures in the same order in every way
    a = np.array(scores["contiguous"][:n])
    diffs = {k: float(np.max(np.abs(a - np.array(v[:n])) / np.abs(a))) for k, v in scores.items()
             if k != "contiguous"}
    for k, v in diffs.items():
        print(f"  largest relative score difference, loop contiguous vs {k}: {v:.2e}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "device": _device_name(device), "device_type": device.type, "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "settings": {"C": s["C"], "N": s["N"], "steps": s["steps"], "batch": B, "archs": len(archs),
                         "repeats": args.repeats, "group": group, "loop_archs": len(archs[:args.loop_archs]),
                         "cudnn_benchmark": args.cudnn_benchmark, "tf32": args.tf32},
            "ways": rows, "score_differences": diffs}, indent=1))


def _train_one(job) -> float:
    """One architecture in a pool process (one torch thread): its score."""
    arch, batch, s = job
    return rmi.train_group([arch], batch, {**s, "engine": "loop"}, 0, "cpu")[0]["score"]


def _device_name(device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return platform.processor() or platform.machine()


if __name__ == "__main__":
    main()
