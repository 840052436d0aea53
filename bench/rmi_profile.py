"""Where the time of one RMI evaluation goes on a CPU, and the most any change outside the
convolution kernels could gain over the official loop (issue 14's target: x2 in fp32).

bench/rmi_speed.py measures the ways to train a candidate side by side; this bench asks why
the best fp32 way stops short of x2. For each way it times the RMI loop on the same four
architectures (C=16, N=5, batch 32, the paper's settings, fewer steps) and, in a second run
of the same steps under torch.profiler, the time spent inside convolution kernels (forward
and backward; oneDNN on a CPU). Then

    bound = official loop's seconds / the way's convolution seconds

is the ratio the way would reach if everything but its convolutions (BatchNorm, ReLU, adds,
CKA, SGD, Python) cost nothing. A bound under the target means the target needs faster
convolution kernels, not a better loop. The ways:

    official loop        xautodl's TinyNetwork in nasbook's RMI loop (bench/rmi_speed.py),
                         torch's default threads (all cores), contiguous
    nasbook loop         nasbook's network, channels_last (the default), all cores
    nasbook per core     the same, one thread; one architecture per core runs `cores` of them
                         at once, so its seconds and convolution seconds are divided by the
                         number of cores (perfect scaling: an upper bound of that way)

It also prints the convolutions' rate (GFLOP/s, counted by torch.utils.flop_counter) beside
the rate of one large convolution (256 channels, 3x3, 16x16, batch 32, channels_last) on the
same threads: how much of the machine oneDNN reaches on NB201's narrow (16-64 channel)
convolutions. Each way runs in a fresh process of its own (see bench/rmi_speed.py: the ways
ran slower in one long-lived process).

    PYTHONPATH=.:.bench-deps .venv/bin/python bench/rmi_profile.py --json bench/results/rmi_profile_cpu.json
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rmi_speed  # noqa: E402  (the official network, the four architectures, the batch)

from nasbook import config, rmi  # noqa: E402


def conv_seconds(prof) -> float:
    """Self time of the convolution ops (forward and backward) in a profile."""
    return sum(e.self_cpu_time_total for e in prof.key_averages() if "conv" in e.key.lower()) / 1e6


def measure(run) -> tuple[float, float, float]:
    """(wall seconds, convolution seconds, convolution FLOPs) of one call of `run`: timed bare,
    then again under the profiler (its own overhead stays out of the wall time) and under the
    FLOP counter."""
    start = time.perf_counter()
    run()
    wall = time.perf_counter() - start
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        run()
    with FlopCounterMode(display=False) as counter:
        run()
    return wall, conv_seconds(prof), float(counter.get_total_flops())


def measure_way(train: str, threads: int, batch, s: dict) -> list[tuple[float, float, float]]:
    """measure() of each of rmi_speed.ARCHS trained by "official" (xautodl's network) or "nasbook"
    (nasbook's loop engine, channels_last) on `threads` threads, after a 2-step warm-up."""
    torch.set_num_threads(threads)

    def run(arch, settings):
        if train == "official":
            return rmi_speed.train_official(arch, batch, settings)
        return rmi.train_group([arch], batch, {**settings, "engine": "loop"}, 0, "cpu")
    run(rmi_speed.ARCHS[0], {**s, "steps": 2, "record_every": 2})  # kernels chosen, caches filled
    return [measure(lambda: run(arch, s)) for arch in rmi_speed.ARCHS]


def large_conv_gflops(threads: int, repeats: int = 10) -> float:
    """GFLOP/s of forward + backward of one wide convolution (what oneDNN reaches when the
    convolution is big enough), on `threads` threads."""
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 256, 16, 16, generator=g).contiguous(memory_format=torch.channels_last).requires_grad_()
    w = torch.randn(256, 256, 3, 3, generator=g).contiguous(memory_format=torch.channels_last).requires_grad_()

    def step():
        F.conv2d(x, w, padding=1).sum().backward()
    step()
    with FlopCounterMode(display=False) as counter:
        step()
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    return counter.get_total_flops() * repeats / (time.perf_counter() - start) / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--json", help="also write the measurements to this JSON file")
    args = ap.parse_args()
    if torch.device(config.device()).type != "cpu":
        raise SystemExit("bench/rmi_profile.py profiles the CPU; on a GPU run bench/rmi_speed.py")
    cores = rmi_speed.cpu_cores()
    s = rmi.resolve({"steps": args.steps, "record_every": args.steps})
    B = int(s["batch_size"])
    batch = rmi_speed.random_batch(B)
    # ---------------------------------------------------------------- the three ways, each in a process of its own
    ways = [("official loop", "official", cores, 1), ("nasbook loop", "nasbook", cores, 1),
            ("nasbook per core", "nasbook", 1, cores)]
    rows = []
    for name, train, threads, parallel in ways:  # a fresh process each, as bench/rmi_speed.py times them
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            per_arch = pool.apply(measure_way, (train, threads, batch, s))
        wall, conv, flops = (np.array(v) for v in zip(*per_arch))
        rows.append({"way": name, "threads": threads, "parallel": parallel,
                     "s_per_arch": float(wall.mean() / parallel), "conv_s_per_arch": float(conv.mean() / parallel),
                     "conv_share": float(conv.sum() / wall.sum()),
                     "conv_gflops": float(flops.sum() / conv.sum() / 1e9 * parallel)})
    ceiling = {"all cores": large_conv_gflops(cores), "1 thread": large_conv_gflops(1)}
    torch.set_num_threads(cores)

    # ---------------------------------------------------------------- report
    ref = rows[0]["s_per_arch"]
    print(f"CPU {rmi_speed._device_name(torch.device('cpu'))}, {cores} cores, torch {torch.__version__}; "
          f"C={s['C']}, N={s['N']}, batch {B}, {args.steps} steps, {len(rmi_speed.ARCHS)} archs, fp32")
    for r in rows:
        r["vs_official"] = ref / r["s_per_arch"]
        r["bound_vs_official"] = ref / r["conv_s_per_arch"]
        print(f"  {r['way']:17s} {r['s_per_arch']:6.2f} s/arch  x{r['vs_official']:.2f}  convolutions "
              f"{r['conv_s_per_arch']:6.2f} s ({r['conv_share']:.0%} of the time, {r['conv_gflops']:5.1f} GFLOP/s)  "
              f"bound x{r['bound_vs_official']:.2f} if all else were free")
    print(f"  one wide convolution (256 ch, 3x3): {ceiling['all cores']:.1f} GFLOP/s on {cores} threads, "
          f"{ceiling['1 thread']:.1f} on 1")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "device": rmi_speed._device_name(torch.device("cpu")), "cores": cores, "torch": torch.__version__,
            "settings": {"C": s["C"], "N": s["N"], "steps": args.steps, "batch": B, "archs": rmi_speed.ARCHS},
            "ways": rows, "wide_conv_gflops": ceiling}, indent=1) + "\n")


if __name__ == "__main__":
    main()
