"""How far fp32 gradients are from float64, contiguous vs channels_last, on this machine.

channels_last trains NB201 networks x1.2-1.3 faster per step on these CPUs (bench/rmi_speed.py),
with the same maths summed in another order. This script measures what that order costs in
accuracy: one batch, one backward, every parameter's gradient in fp32 (each memory format)
against the same network in float64; the error of a gradient is ||g32 - g64|| / ||g64||.

    NASBOOK_DATA=../shared/data .venv/bin/python bench/fp32_error.py [--json bench/results/fp32_error_cpu.json]

Networks: ResNet-20 (the teacher), an NB201 candidate at the paper's size (C=16, N=5), and the
NB201 supernet of notebooks 05-07 (C=8, N=1, DARTS mixing weights: its alpha gradient is the
search signal, and reaches alpha through the BatchNorm that scales each op's output).
"""
from __future__ import annotations

import argparse
import copy
import json
import platform

import numpy as np
import torch
import torch.nn.functional as F

from nasbook.models.resnet import resnet20
from nasbook.spaces.nb201_network import build_network
from nasbook.supernet.model import Supernet

SETTINGS = dict(batch=64, seed=0)
ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
FORMATS = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}


def gradients(net: torch.nn.Module, x, y, dtype, fmt) -> dict[str, torch.Tensor]:
    net = copy.deepcopy(net).to(dtype).to(memory_format=fmt).train()
    out = net(x.to(dtype).contiguous(memory_format=fmt))
    logits = out[0] if isinstance(out, tuple) else out
    F.cross_entropy(logits, y).backward()
    return {k: p.grad.contiguous().double() for k, p in net.named_parameters() if p.grad is not None}


def errors(net, x, y) -> dict[str, dict]:
    ref = gradients(net, x, y, torch.float64, torch.contiguous_format)
    out = {}
    for name, fmt in FORMATS.items():
        g = gradients(net, x, y, torch.float32, fmt)
        err = {k: float((g[k] - ref[k]).norm() / ref[k].norm()) for k in g if float(ref[k].norm()) > 1e-8}
        row = {"median": float(np.median(list(err.values()))), "max": max(err.values())}
        if "alphas" in err:
            row["alphas"] = err["alphas"]
        out[name] = row
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", help="write the measurements here")
    args = ap.parse_args()
    torch.manual_seed(SETTINGS["seed"])
    x, y = torch.randn(SETTINGS["batch"], 3, 32, 32), torch.randint(0, 10, (SETTINGS["batch"],))
    nets = {"ResNet-20": resnet20(), "NB201 candidate C=16 N=5": build_network(ARCH, C=16, N=5),
            "NB201 supernet C=8 N=1 (DARTS)": Supernet(C=8, N=1)}
    rows = {}
    for name, net in nets.items():
        rows[name] = errors(net, x, y)
        for fmt, r in rows[name].items():
            extra = f"  alphas {r['alphas']:.1e}" if "alphas" in r else ""
            print(f"{name:32s} {fmt:14s} gradient error vs float64: median {r['median']:.1e}  max {r['max']:.1e}{extra}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": platform.machine(), "torch": torch.__version__, "threads": torch.get_num_threads(),
                       "settings": SETTINGS, "relative_gradient_error_vs_float64": rows}, f, indent=1)


if __name__ == "__main__":
    main()
