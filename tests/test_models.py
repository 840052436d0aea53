import io
import tarfile

import numpy as np
import pytest
import torch
import torch.nn as nn
from PIL import Image

from nasbook import files
from nasbook.models import load_pretrained, resnet, resnet20, resnet32, resnet44, resnet56, vgg11_bn, vgg16_bn
from nasbook.models.vgg import CFGS, ConvBNReLU

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def test_resnet_param_counts():
    # akamaster README: 0.27M / 0.46M / 0.66M / 0.85M; exact: stem 464, head 650, blocks 2 * (9c^2 + 2c)
    # except the first of stages 2-3, whose first conv maps c/2 -> c.
    def closed_form(n):
        block = lambda ci, c: 9 * ci * c + 2 * c + 9 * c * c + 2 * c
        return 27 * 16 + 32 + 650 + sum(block(ci, c) + (n - 1) * block(c, c) for ci, c in [(16, 16), (16, 32), (32, 64)])
    for build, n, expected in [(resnet20, 3, 269_722), (resnet32, 5, 464_154), (resnet44, 7, 658_586), (resnet56, 9, 853_018)]:
        assert n_params(build()) == closed_form(n) == expected
    assert [round(n_params(resnet(d)) / 1e6, 2) for d in (20, 32, 44, 56)] == [0.27, 0.46, 0.66, 0.85]
    with pytest.raises(ValueError, match="6n \\+ 2"):
        resnet(21)


def test_resnet_stages_and_option_a_shortcut():
    torch.manual_seed(0)
    model = resnet20(num_classes=7).eval()
    x = torch.randn(2, 3, 32, 32)
    logits, stages = model(x, return_stages=True)
    assert logits.shape == (2, 7)
    assert [tuple(s.shape) for s in stages] == [(2, 16, 32, 32), (2, 32, 16, 16), (2, 64, 8, 8)]
    torch.testing.assert_close(model(x), logits)
    shortcut = model.layer2[0].shortcut
    assert not list(shortcut.parameters())
    y = torch.randn(1, 16, 8, 8)
    out = shortcut(y)
    assert out.shape == (1, 32, 4, 4)
    torch.testing.assert_close(out[:, 8:24], y[:, :, ::2, ::2])
    assert not out[:, :8].any() and not out[:, 24:].any()


@pytest.mark.parametrize("depth", [20, 32, 44, 56])
def test_pretrained_loads_strictly(shared_data, depth):
    model = load_pretrained(depth)
    assert not model.training
    path = next((shared_data / "teachers").glob(f"resnet{depth}-*.th"))
    state = torch.load(path, map_location="cpu", weights_only=True)["state_dict"]
    assert all(k.startswith("module.") for k in state)
    ours = model.state_dict()
    assert {k for k in ours if not k.endswith("num_batches_tracked")} == {k[len("module."):] for k in state}
    torch.testing.assert_close(ours["linear.weight"], state["module.linear.weight"])
    assert str(path.resolve()) in files.used_data_files()


def test_pretrained_missing_says_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("NASBOOK_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="nasbook data fetch teachers"):
        load_pretrained(20)


def jpeg_test_images(data_dir, per_class):
    """Decode the first `per_class` test images of each class straight from the JPEG tarball."""
    xs, ys, counts = [], [], [0] * 10
    with tarfile.open(data_dir / "cifar10" / "cifar10-jpeg.tar.gz") as tar:
        for member in tar:
            parts = member.name.split("/")
            if len(parts) != 4 or parts[1] != "test" or not member.isfile():
                continue
            label = CLASSES.index(parts[2])
            if counts[label] >= per_class:
                if min(counts) >= per_class:
                    break
                continue
            img = Image.open(io.BytesIO(tar.extractfile(member).read())).convert("RGB")
            xs.append(np.asarray(img))
            ys.append(label)
            counts[label] += 1
    x = torch.tensor(np.stack(xs)).permute(0, 3, 1, 2).float() / 255
    x = (x - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return x, torch.tensor(ys)


def test_pretrained_resnet20_accuracy_on_jpeg_test_images(shared_data):
    x, y = jpeg_test_images(shared_data, per_class=30)
    assert len(y) == 300
    model = load_pretrained(20)
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    # data README: 81.0% on all 10,000 JPEG test images (91.6% on the official PNGs); chance 10%
    assert acc > 0.70, acc


def test_vgg_layout_and_params():
    for build, depth in [(vgg11_bn, 11), (vgg16_bn, 16)]:
        model = build()
        widths = [w for stage in CFGS[depth] for w in stage]
        assert sum(isinstance(m, nn.Conv2d) for m in model.modules()) + 3 == depth  # + 3 FC in the ImageNet original
        convs, C = 0, 3
        for w in widths:
            convs += 9 * C * w + 2 * w
            C = w
        assert n_params(model) == convs + 512 * 10 + 10
        assert len(model.stage_bounds) == 5
        for start, stop in model.stage_bounds:
            assert isinstance(model.features[stop - 1], nn.MaxPool2d)
            assert all(isinstance(u, ConvBNReLU) for u in model.features[start:stop - 1])
        x = torch.randn(2, 3, 32, 32)
        logits, stages = model.eval()(x, return_stages=True)
        assert logits.shape == (2, 10)
        assert [tuple(s.shape[1:]) for s in stages] == [(w[-1], 32 >> (i + 1), 32 >> (i + 1)) for i, w in enumerate(CFGS[depth])]
    assert n_params(vgg11_bn()) == 9_228_362 and n_params(vgg16_bn()) == 14_724_042


def test_vgg_swapping_equal_shape_units_keeps_shapes():
    model = vgg16_bn().eval()
    f = model.features
    i = next(i for i in range(len(f) - 1) if isinstance(f[i], ConvBNReLU) and isinstance(f[i + 1], ConvBNReLU)
             and f[i].in_channels == f[i].out_channels == f[i + 1].out_channels)
    f[i], f[i + 1] = f[i + 1], f[i]
    assert model(torch.randn(1, 3, 32, 32)).shape == (1, 10)
