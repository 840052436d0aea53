"""CIFAR reference models: ResNet-20/32/44/56 (akamaster layout, pretrained teachers) and VGG-11/16 with BN.

Submodules: `nasbook.models.resnet` (resnet(depth), resnet20..56, load_pretrained; the package
exports the function `resnet(depth)` under the same name) and
`nasbook.models.vgg` (vgg11_bn, vgg16_bn).
"""
from . import vgg
from .resnet import load_pretrained, resnet, resnet20, resnet32, resnet44, resnet56
from .vgg import vgg11_bn, vgg16_bn

__all__ = ["load_pretrained", "resnet", "resnet20", "resnet32", "resnet44", "resnet56", "vgg", "vgg11_bn", "vgg16_bn"]
