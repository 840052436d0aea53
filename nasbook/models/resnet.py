"""CIFAR ResNets (He et al. 2016, Sec. 4.2) in the layout of akamaster/pytorch_resnet_cifar10.

3 stages of n BasicBlocks at 16/32/64 channels (depth = 6n + 2); option-A shortcuts
(subsample x[:, :, ::2, ::2] and zero-pad the new channels, no parameters). Module names
equal akamaster's `resnet.py` (conv1, bn1, layer1..3, linear), so its checkpoints in
`data_dir()/teachers` load strictly once the `module.` prefix of nn.DataParallel is
stripped. Parameters: ResNet-20 269,722; -32 464,154; -44 658,586; -56 853,018.
Pretrained teachers expect inputs normalised with IMAGENET_MEAN / IMAGENET_STD.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .. import config, files

DEPTHS = (20, 32, 44, 56)


class PadShortcut(nn.Module):
    """Option A: stride-2 subsampling, then zero channels on both sides (C -> C + 2 * pad)."""

    def __init__(self, pad: int):
        super().__init__()
        self.pad = pad

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))


class BasicBlock(nn.Module):
    def __init__(self, C_in: int, C_out: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(C_in, C_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(C_out)
        self.conv2 = nn.Conv2d(C_out, C_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(C_out)
        self.shortcut = nn.Sequential() if stride == 1 and C_in == C_out else PadShortcut(C_out // 4)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, n: int, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        blocks = lambda C_in, C, stride: nn.Sequential(
            BasicBlock(C_in, C, stride), *[BasicBlock(C, C) for _ in range(n - 1)])
        self.layer1 = blocks(16, 16, 1)
        self.layer2 = blocks(16, 32, 2)
        self.layer3 = blocks(32, 64, 2)
        self.linear = nn.Linear(64, num_classes)
        for m in self.modules():  # akamaster's _weights_init
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x, return_stages: bool = False):
        out = F.relu(self.bn1(self.conv1(x)))
        s1 = self.layer1(out)
        s2 = self.layer2(s1)
        s3 = self.layer3(s2)
        logits = self.linear(s3.mean((2, 3)))
        return (logits, [s1, s2, s3]) if return_stages else logits


def resnet(depth: int, num_classes: int = 10) -> ResNet:
    if (depth - 2) % 6 or depth < 8:
        raise ValueError(f"CIFAR ResNet depth must be 6n + 2 (20, 32, 44, 56, 110, ...), got {depth}")
    return ResNet((depth - 2) // 6, num_classes)


def resnet20(num_classes: int = 10) -> ResNet:
    return resnet(20, num_classes)


def resnet32(num_classes: int = 10) -> ResNet:
    return resnet(32, num_classes)


def resnet44(num_classes: int = 10) -> ResNet:
    return resnet(44, num_classes)


def resnet56(num_classes: int = 10) -> ResNet:
    return resnet(56, num_classes)


def load_pretrained(depth: int = 20, device=None) -> ResNet:
    """The pretrained CIFAR-10 ResNet-`depth` from `data_dir()/teachers`, in eval mode."""
    if depth not in DEPTHS:
        raise ValueError(f"pretrained ResNets exist for depths {DEPTHS}, got {depth}")
    folder = config.data_dir() / "teachers"
    found = sorted(folder.glob(f"resnet{depth}-*.th"))
    if not found:
        raise FileNotFoundError(
            f"no pretrained ResNet-{depth} at {folder}/resnet{depth}-*.th; run `nasbook data fetch teachers` "
            f"or use a data folder that has it (e.g. `nasbook data use ../shared/data`)")
    path = found[0]
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        raise ValueError(f"{path} is not an akamaster checkpoint: expected a dict with 'state_dict'")
    files.record_data_file(path)
    state = {k.removeprefix("module."): v for k, v in checkpoint["state_dict"].items()}
    model = resnet(depth)
    model.load_state_dict(state, strict=True)
    return model.to(device or "cpu").eval()
