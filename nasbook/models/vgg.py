"""CIFAR VGG-11 / VGG-16 with BatchNorm (Simonyan & Zisserman 2015, CIFAR variant).

`features` is an nn.Sequential of units, each either a `ConvBNReLU` (conv3x3 without
bias -> BN -> ReLU) or an nn.MaxPool2d(2, 2). Five stages, each ending with a max-pool
(32 -> 16 -> 8 -> 4 -> 2 -> 1), so the classifier is a single Linear(512, num_classes)
on the flattened 1x1x512 map (the kuangliu/pytorch-cifar layout, except that conv
biases are dropped because BN follows; VGG-11 has 9,228,362 parameters, VGG-16
14,724,042 with 10 classes).

`model.stage_bounds[s] = (start, stop)`: `features[start:stop]` is stage s, the pool
included. Two successive ConvBNReLU units with equal in/out channels
(`unit.in_channels == unit.out_channels`) can be swapped without changing any shape.
"""
from __future__ import annotations

import torch.nn as nn

CFGS = {
    11: [[64], [128], [256, 256], [512, 512], [512, 512]],
    16: [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
}


class ConvBNReLU(nn.Sequential):
    def __init__(self, C_in: int, C_out: int):
        super().__init__(nn.Conv2d(C_in, C_out, 3, padding=1, bias=False), nn.BatchNorm2d(C_out), nn.ReLU(inplace=True))
        self.in_channels, self.out_channels = C_in, C_out


class VGG(nn.Module):
    def __init__(self, depth: int, num_classes: int = 10):
        super().__init__()
        if depth not in CFGS:
            raise ValueError(f"VGG depth must be one of {tuple(CFGS)}, got {depth}")
        units, self.stage_bounds, C = [], [], 3
        for widths in CFGS[depth]:
            start = len(units)
            for w in widths:
                units.append(ConvBNReLU(C, w))
                C = w
            units.append(nn.MaxPool2d(2, 2))
            self.stage_bounds.append((start, len(units)))
        self.features = nn.Sequential(*units)
        self.classifier = nn.Linear(512, num_classes)

    def forward(self, x, return_stages: bool = False):
        stages = []
        for start, stop in self.stage_bounds:
            x = self.features[start:stop](x)
            stages.append(x)
        logits = self.classifier(x.flatten(1))
        return (logits, stages) if return_stages else logits


def vgg11_bn(num_classes: int = 10) -> VGG:
    return VGG(11, num_classes)


def vgg16_bn(num_classes: int = 10) -> VGG:
    return VGG(16, num_classes)
