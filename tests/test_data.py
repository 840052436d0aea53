"""nasbook.data: CIFAR-10 sources and cache, the Loader and its augmentation, the NB201 table."""
import io
import os
import pickle
import tarfile

import numpy as np
import pandas as pd
import pytest
import torch

from nasbook import files
from nasbook.data import (CIFAR_MEAN, CIFAR_STD, DataError, Loader, augment, balanced_subset, cifar, cifar10,
                          download, fetch, nb201, normalize, search_split, status, teacher_checkpoint)
from nasbook.spaces.nb201 import ArchError, arch_of


# ----------------------------------------------------------------------------- helpers

def _write_batches(folder, x_train, y_train, x_test, y_test):
    """Write arrays in the official python format (5 train batches + test_batch)."""
    folder.mkdir(parents=True)
    for k, (xs, ys) in enumerate(zip(np.array_split(x_train, 5), np.array_split(y_train, 5)), start=1):
        with open(folder / f"data_batch_{k}", "wb") as f:
            pickle.dump({b"data": xs.reshape(len(xs), -1), b"labels": [int(v) for v in ys]}, f)
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({b"data": x_test.reshape(len(x_test), -1), b"labels": [int(v) for v in y_test]}, f)
    return folder


def _tiny(rng, per_class=2):
    """A few random images per class, labels in a mixed order."""
    def split(n):
        y = np.tile(np.arange(10), n)
        return rng.integers(0, 256, (len(y), 3, 32, 32), dtype=np.uint8), y
    return (*split(per_class), *split(1))


@pytest.fixture(scope="module")
def real_cifar(shared_data):
    """The real train and test splits, loaded (through the normal cache) before any test moves the cache."""
    return (*cifar10("train"), *cifar10("test"))


@pytest.fixture
def empty_data(tmp_path, monkeypatch):
    monkeypatch.setenv("NASBOOK_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("NASBOOK_CACHE", str(tmp_path / "cache"))
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


# ----------------------------------------------------------------------------- real CIFAR-10

def test_cifar10_splits_on_shared_data(real_cifar):
    x, y, _, _ = real_cifar
    assert x.shape == (50000, 3, 32, 32) and x.dtype == torch.uint8
    assert y.shape == (50000,) and y.dtype == torch.int64
    assert torch.bincount(y).tolist() == [5000] * 10
    xt, yt = cifar10("test")
    assert xt.shape == (10000, 3, 32, 32) and torch.bincount(yt).tolist() == [1000] * 10
    # per-channel means of CIFAR-10 (0.491, 0.482, 0.447)
    means = x[::5].float().mean((0, 2, 3)) / 255
    assert torch.allclose(means, torch.tensor([0.491, 0.482, 0.447]), atol=0.003)
    assert str(cifar.find_source().path.resolve()) in files.used_data_files()
    x2, _ = cifar10("train")
    x2[0] = 0  # a fresh copy: modifying it does not change later loads
    assert torch.equal(cifar10("train")[0][0], x[0])


def test_search_split_is_balanced_disjoint_and_fixed(real_cifar):
    x, y, _, _ = real_cifar
    tr, va = search_split(y.numpy())
    assert len(tr) == len(va) == 25000
    assert len(np.intersect1d(tr, va)) == 0 and np.array_equal(np.union1d(tr, va), np.arange(50000))
    for split, idx in (("search_train", tr), ("search_valid", va)):
        xs, ys = cifar10(split)
        assert xs.shape == (25000, 3, 32, 32)
        assert torch.bincount(ys).tolist() == [2500] * 10
        assert torch.equal(xs, x[idx]) and torch.equal(ys, y[idx])
    assert all(np.array_equal(a, b) for a, b in zip(search_split(y.numpy()), (tr, va)))
    assert not np.array_equal(search_split(y.numpy(), seed=1)[0], tr)
    with pytest.raises(ValueError, match="search_train"):
        cifar10("valid")


def test_loader_on_real_splits(shared_data):
    loader = Loader("train", 512, train=True, device="cpu")
    assert len(loader) == 50000 // 512 and loader.drop_last
    xb, yb = next(iter(loader))
    assert xb.shape == (512, 3, 32, 32) and xb.dtype == torch.float32 and yb.dtype == torch.int64
    test = Loader("test", 64, train=False, device="cpu", limit=100)
    assert len(test) == 2 and not test.drop_last
    ys = torch.cat([y for _, y in test])
    assert torch.bincount(ys).tolist() == [10] * 10


# ----------------------------------------------------------------------------- augmentation, normalisation

def test_augment_is_a_zero_padded_shifted_and_flipped_copy():
    g = torch.Generator().manual_seed(0)
    x = torch.randint(1, 256, (64, 3, 32, 32), dtype=torch.uint8, generator=g)  # no zeros in the images
    out = augment(x, torch.Generator().manual_seed(1))
    assert out.shape == x.shape and out.dtype == torch.uint8
    padded = np.pad(x.numpy(), ((0, 0), (0, 0), (4, 4), (4, 4)))
    seen = set()
    for b in range(len(x)):
        matches = [(dy, dx, f) for dy in range(9) for dx in range(9) for f in (False, True)
                   if np.array_equal(out[b].numpy(), (lambda c: c[..., ::-1] if f else c)(
                       padded[b, :, dy:dy + 32, dx:dx + 32]))]
        assert len(matches) == 1, f"image {b}: not a unique crop/flip of its input"
        dy, dx, f = matches[0]
        # the border that came from the padding is exactly zero, the rest is the image
        assert (out[b].numpy() == 0).sum() == 3 * (32 * 32 - (32 - abs(dy - 4)) * (32 - abs(dx - 4)))
        seen.add(matches[0])
    assert {f for _, _, f in seen} == {False, True}
    assert len({(dy, dx) for dy, dx, _ in seen}) > 20  # offsets spread over the 9x9 grid


def test_augment_known_shift_and_flip():
    x = torch.arange(2 * 3 * 32 * 32, dtype=torch.int64).reshape(2, 3, 32, 32) % 251 + 1
    out = augment(x, torch.Generator().manual_seed(5), pad=0)  # no padding: only flips
    for b in range(2):
        assert torch.equal(out[b], x[b]) or torch.equal(out[b], x[b].flip(-1))
    y = augment(x, torch.Generator().manual_seed(5), pad=4, flip=False)
    g = torch.Generator().manual_seed(5)
    dy, dx = torch.randint(0, 9, (2, 2), generator=g)  # the documented draw order: rows, then columns
    for b in range(2):
        shifted = torch.zeros_like(x[b])
        sy, sx = 4 - int(dy[b]), 4 - int(dx[b])  # image content moves by (4 - offset)
        src = x[b][:, max(0, -sy):32 - max(0, sy), max(0, -sx):32 - max(0, sx)]
        shifted[:, max(0, sy):max(0, sy) + src.shape[1], max(0, sx):max(0, sx) + src.shape[2]] = src
        assert torch.equal(y[b], shifted)


def test_normalize_matches_formula():
    x = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    out = normalize(x, CIFAR_MEAN, CIFAR_STD)
    expected = (x.numpy().astype(np.float64) / 255 - np.array(CIFAR_MEAN)[:, None, None]) / np.array(CIFAR_STD)[:, None, None]
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-5)
    assert np.allclose(CIFAR_MEAN, (0.4914, 0.4824, 0.4467), atol=1e-4)  # NB201's 125.3/123.0/113.9


def _synthetic(n=200):
    g = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, generator=g), torch.arange(n) % 10


def test_loader_is_deterministic_per_seed_and_epoch():
    data = _synthetic()
    def epochs(seed, n=2):
        loader = Loader(data, 64, train=True, device="cpu", seed=seed)
        return [[(x.clone(), y.clone()) for x, y in loader] for _ in range(n)]
    a, b = epochs(3), epochs(3)
    assert len(a[0]) == 3  # 200 // 64 with drop_last
    for ea, eb in zip(a, b):
        for (xa, ya), (xb, yb) in zip(ea, eb):
            assert torch.equal(xa, xb) and torch.equal(ya, yb)
    assert not torch.equal(a[0][0][0], a[1][0][0])       # epochs differ
    assert not torch.equal(a[0][0][0], epochs(4, 1)[0][0][0])  # seeds differ
    loader = Loader(data, 64, train=True, device="cpu", seed=3)
    loader.set_epoch(1)
    assert torch.equal(next(iter(loader))[0], a[1][0][0])  # epoch e == seed + e, resumable


def test_eval_loader_fixed_order_without_augmentation():
    x, y = _synthetic(130)
    loader = Loader((x, y), 64, train=False, device="cpu")
    batches = list(loader)
    assert [len(b[1]) for b in batches] == [64, 64, 2]
    assert torch.equal(torch.cat([b[1] for b in batches]), y)
    assert torch.allclose(torch.cat([b[0] for b in batches]), normalize(x))
    assert torch.equal(torch.cat([b[0] for b in Loader((x, y), 64, train=False, device="cpu")]),
                       torch.cat([b[0] for b in batches]))


def test_eval_loader_order_seed_mixes_class_sorted_data():
    """Class-sorted storage (as CIFAR-10 decoded from an image-folder tree) gives one-class
    batches in storage order; order_seed gives a fixed permutation, the same every pass."""
    y = torch.arange(500) // 50                      # 10 classes, sorted
    x = (y.view(-1, 1, 1, 1) * torch.ones(1, 3, 2, 2)).to(torch.uint8)
    plain = [yb for _, yb in Loader((x, y), 50, train=False, device="cpu")]
    assert all(len(b.unique()) == 1 for b in plain)
    loader = Loader((x, y), 50, train=False, device="cpu", order_seed=0)
    mixed = [(xb, yb) for xb, yb in loader]
    assert all(len(yb.unique()) >= 5 for _, yb in mixed)
    assert sorted(torch.cat([yb for _, yb in mixed]).tolist()) == y.tolist()
    image_of = lambda labels: normalize((labels.view(-1, 1, 1, 1) * torch.ones(1, 3, 2, 2)).to(torch.uint8))
    assert all(torch.equal(xb, image_of(yb)) for xb, yb in mixed)  # images keep their labels
    assert all(torch.equal(a[1], b) for a, b in zip(mixed, [yb for _, yb in loader]))  # same order each pass
    with pytest.raises(ValueError, match="order_seed"):
        Loader((x, y), 50, train=True, device="cpu", order_seed=0)


def test_supernet_evaluation_batches_mix_classes(shared_data):
    """The supernets' BatchNorm uses batch statistics at evaluation, so the batches that PT
    and the thesis notebooks evaluate on must hold many classes (our CIFAR-10 cache from the
    JPEG tree is stored class by class)."""
    from nasbook.experiments import alpha_vs_discretization as ch2
    from nasbook.experiments import edge_shuffling
    from nasbook.supernet import search
    p = ch2.resolve("cpu")
    cfg = ch2.supernet_config(p, ch2.SPACES["nb201"][0])
    _, yb = next(iter(search.loader("search_valid", cfg, train=False, seed=0, device="cpu")))
    assert len(yb.unique()) >= 8
    assert len(next(iter(edge_shuffling.test_loader(edge_shuffling.resolve("cpu"), device="cpu")))[1].unique()) >= 8


def test_balanced_subset():
    y = np.repeat(np.arange(10), 50)
    idx = balanced_subset(y, 95)
    assert len(idx) == 95 and np.all(np.diff(idx) > 0)
    assert np.bincount(y[idx]).tolist() == [10] * 5 + [9] * 5
    assert np.array_equal(idx, balanced_subset(y, 95))
    assert len(balanced_subset(y, 1000)) == 500
    x, yy = _synthetic()
    sub = Loader((x, yy), 10, train=False, device="cpu", limit=30)
    assert sub.num_images == 30 and torch.bincount(sub.y).tolist() == [3] * 10


# ----------------------------------------------------------------------------- sources, cache, errors

def test_official_batches_round_trip_and_cache(real_cifar, empty_data, monkeypatch):
    """Real CIFAR-10 images re-written in the official pickled format load identically, then from the cache.

    A class-balanced part of the data (20 / 10 per class) keeps it fast; the count check is told so.
    """
    real_read = cifar.read_source
    x, y, xt, yt = real_cifar
    tr, te = balanced_subset(y, 200), balanced_subset(yt, 100)
    x, y, xt, yt = x[tr], y[tr], xt[te], yt[te]
    monkeypatch.setattr(cifar, "PER_CLASS", {"train": 20, "test": 10})
    monkeypatch.setenv("NASBOOK_DATA", str(empty_data))
    folder = _write_batches(empty_data / "cifar10" / "cifar-10-batches-py", x.numpy(), y.numpy(), xt.numpy(), yt.numpy())
    (empty_data / "cifar10" / "cifar10-jpeg.tar.gz").write_bytes(b"not used: the official files win")
    assert cifar.find_source() == cifar.Source(folder, "batches-dir")
    x1, y1 = cifar10("train")
    assert torch.equal(x1, x) and torch.equal(y1, y)
    assert len(list((empty_data.parent / "cache" / "cifar10").glob("batches-dir-*.npy"))) == 4
    assert cifar.cache_exists(cifar.find_source()) and "cache " + str(empty_data.parent / "cache") in status()[1]
    assert str((folder / "test_batch").resolve()) in files.used_data_files()
    # a new process would read the cache: forget the in-process copy and forbid decoding
    cifar._MEMO.clear()
    monkeypatch.setattr(cifar, "read_source", lambda source: pytest.fail("decoded again instead of using the cache"))
    x2, y2 = cifar10("test")
    assert torch.equal(x2, xt) and torch.equal(y2, yt)
    xs, ys = cifar10("search_valid")
    assert torch.equal(xs, x[search_split(y.numpy())[1]]) and torch.bincount(ys).tolist() == [10] * 10
    # touching the source changes its identity: the cache is rebuilt, not trusted
    os.utime(folder / "data_batch_1", ns=(1, 1))
    calls = []
    monkeypatch.setattr(cifar, "read_source", lambda source: calls.append(source) or real_read(source))
    assert torch.equal(cifar10("train")[0], x) and len(calls) == 1


def test_tiny_official_formats_decode_exactly(tmp_path):
    rng = np.random.default_rng(0)
    x, y, xt, yt = _tiny(rng)
    folder = _write_batches(tmp_path / "cifar-10-batches-py", x, y, xt, yt)
    arrays = cifar.read_source(cifar.Source(folder, "batches-dir"))
    assert np.array_equal(arrays["x_train"], x) and np.array_equal(arrays["y_train"], y)
    assert np.array_equal(arrays["x_test"], xt) and np.array_equal(arrays["y_test"], yt)
    with tarfile.open(tmp_path / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    from_tar = cifar.read_source(cifar.Source(tmp_path / "cifar-10-python.tar.gz", "batches-tar"))
    assert all(np.array_equal(from_tar[k], arrays[k]) for k in arrays)


def test_image_folder_tarball_sorted_by_class_then_name(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(1)
    images = {}
    with tarfile.open(tmp_path / "cifar10-jpeg.tar.gz", "w:gz") as tar:
        for split in ("test", "train"):
            for c in reversed(cifar.CLASSES):  # written out of order on purpose
                for name in ("0001.png", "0000.png"):
                    arr = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
                    images[split, c, name] = arr
                    buf = io.BytesIO()
                    Image.fromarray(arr).save(buf, format="PNG")  # lossless, so pixels compare exactly
                    info = tarfile.TarInfo(f"cifar10-jpeg/{split}/{c}/{name}")
                    info.size = len(buf.getvalue())
                    tar.addfile(info, io.BytesIO(buf.getvalue()))
    arrays = cifar.read_source(cifar.Source(tmp_path / "cifar10-jpeg.tar.gz", "images-tar"))
    assert arrays["x_train"].shape == (20, 3, 32, 32) and arrays["y_train"].tolist() == list(np.repeat(np.arange(10), 2))
    for i, (c, name) in enumerate((c, n) for c in cifar.CLASSES for n in ("0000.png", "0001.png")):
        assert np.array_equal(arrays["x_train"][i], images["train", c, name].transpose(2, 0, 1))
    # the extracted folder tree reads the same
    with tarfile.open(tmp_path / "cifar10-jpeg.tar.gz") as tar:
        tar.extractall(tmp_path / "extracted", filter="data")
    tree = cifar.read_source(cifar.Source(tmp_path / "extracted" / "cifar10-jpeg", "images-dir"))
    assert all(np.array_equal(tree[k], arrays[k]) for k in arrays)


def test_missing_cifar_names_path_and_fix(empty_data):
    with pytest.raises(DataError) as err:
        cifar10("train")
    msg = str(err.value)
    assert str(empty_data / "cifar10") in msg and "cifar-10-python.tar.gz" in msg
    assert "nasbook data fetch cifar10" in msg and "nasbook data use ../shared/data" in msg
    with pytest.raises(DataError, match="Loader|not found"):
        Loader("test", 10, train=False, device="cpu")


def test_corrupt_and_incomplete_cifar(empty_data):
    bad = empty_data / "cifar10" / "cifar10-jpeg.tar.gz"
    bad.parent.mkdir()
    bad.write_bytes(b"\x1f\x8b garbage, not a tarball")
    with pytest.raises(DataError) as err:
        cifar10("test")
    assert str(bad) in str(err.value) and "corrupt" in str(err.value) and "nasbook data fetch cifar10" in str(err.value)
    # official batches with too few images: decoded, then refused with the counts
    x, y, xt, yt = _tiny(np.random.default_rng(0))
    folder = _write_batches(empty_data / "cifar10" / "cifar-10-batches-py", x, y, xt, yt)
    with pytest.raises(DataError) as err:
        cifar10("train")
    msg = str(err.value)
    assert str(folder) in msg and "expected 5000 each" in msg and "expected 1000 each" in msg
    (folder / "data_batch_3").write_bytes(b"truncated")
    with pytest.raises(DataError, match="data_batch|corrupt"):
        cifar10("train")


# ----------------------------------------------------------------------------- NB201 table

def test_nb201_table_and_queries(shared_data):
    table = nb201.load_table()
    assert table.shape == (15625, len(nb201.COLUMNS) - 1) and table.index.name == "index"
    bench = nb201.Benchmark()
    a = arch_of(9930)
    assert bench.query(9930, "cifar10_test_200") == pytest.approx(94.36, abs=0.005)
    assert bench.test(a, "cifar10") == pytest.approx(94.36, abs=0.005)
    assert bench.test(9930, "cifar100") == pytest.approx(73.51, abs=0.005)
    assert bench.test(9930, "imagenet16") == pytest.approx(46.34, abs=0.005)
    assert bench.valid(a, "cifar10") == table.loc[9930, "cifar10_valid_12"]
    assert bench.best("cifar10_test_200") == pytest.approx(94.37, abs=0.005)
    assert bench.best(nb201.TEST["cifar100"]) == pytest.approx(73.51, abs=0.005)
    assert bench.best("imagenet16") == pytest.approx(47.31, abs=0.005)
    assert bench.query(bench.best_index("cifar10"), "cifar10_test_200") == bench.best("cifar10")
    assert set(nb201.VALID_TEST12.values()) <= set(table.columns)
    with pytest.raises(ArchError):
        bench.test("|nor_conv_3x3~0|+|bogus~0|", "cifar10")
    with pytest.raises(ArchError):
        bench.test(15625, "cifar10")
    with pytest.raises(ValueError, match="unknown NB201 dataset .svhn.: expected one of cifar10, cifar100, imagenet16"):
        bench.test(0, "svhn")
    table.loc[0, "arch"] = "changed"  # load_table hands out copies
    assert nb201.load_table().loc[0, "arch"] == arch_of(0)


def test_nb201_errors(shared_data, tmp_path):
    with pytest.raises(DataError) as err:
        nb201.load_table(tmp_path / "nb201.csv")
    assert str(tmp_path / "nb201.csv") in str(err.value) and "import-nb201 --nats" in str(err.value)
    full = pd.read_csv(shared_data / "nb201" / "nb201.csv")
    cases = {"short.csv": full.head(100), "nocol.csv": full.drop(columns="cifar10_valid_12"),
             "order.csv": full.iloc[::-1]}
    for name, df in cases.items():
        df.to_csv(tmp_path / name, index=False)
        with pytest.raises(DataError) as err:
            nb201.load_table(tmp_path / name)
        assert str(tmp_path / name) in str(err.value) and "15,625" in str(err.value)


class _FakeNATS:
    """Mimics nats_bench's topology API for 3 architectures (keys as in get_more_info)."""
    datasets = {"cifar10-valid": 1, "cifar10": 2, "cifar100": 3, "ImageNet16-120": 4}

    def __init__(self, archs):
        self.meta_archs = list(archs)
        self.calls = []

    def __len__(self):
        return len(self.meta_archs)

    def arch(self, index):
        return self.meta_archs[index]

    @staticmethod
    def value(index, dataset, hp, key):
        return 10 * index + _FakeNATS.datasets[dataset] + {"12": 0.1, "200": 0.2}[hp] + {"valid": 0.01, "test": 0.02}[key]

    def get_more_info(self, index, dataset, iepoch=None, hp="12", is_random=True):
        self.calls.append((index, dataset, hp, is_random))
        info = {"train-accuracy": 99.0, "train-loss": 0.1}
        if dataset == "cifar10-valid":
            info["valid-accuracy"] = self.value(index, dataset, hp, "valid")
        elif dataset == "cifar10":
            info["test-accuracy"] = self.value(index, dataset, hp, "test")
        else:
            info["valid-accuracy"] = self.value(index, dataset, hp, "valid")
            info["test-accuracy"] = self.value(index, dataset, hp, "test")
            info["valtest-accuracy"] = -1.0
        return info


def test_from_nats_with_stand_in(tmp_path):
    api = _FakeNATS([arch_of(i) for i in range(3)])
    df = nb201.from_nats(api, progress=False)
    assert list(df.index) == [0, 1, 2] and list(df.columns) == list(nb201.COLUMNS[1:])
    assert all(is_random is False for *_, is_random in api.calls)
    v = _FakeNATS.value
    for i in range(3):
        assert df.loc[i, "arch"] == arch_of(i)
        assert df.loc[i, "cifar10_test_200"] == v(i, "cifar10", "200", "test")
        assert df.loc[i, "cifar100_test_200"] == v(i, "cifar100", "200", "test")
        assert df.loc[i, "imagenet16_test_200"] == v(i, "ImageNet16-120", "200", "test")
        assert df.loc[i, "cifar10_valid_12"] == v(i, "cifar10-valid", "12", "valid")
        assert df.loc[i, "cifar10_test_12"] == v(i, "cifar10", "12", "test")
        assert df.loc[i, "cifar100_valid_12"] == v(i, "cifar100", "12", "valid")
        assert df.loc[i, "imagenet16_test_12"] == v(i, "ImageNet16-120", "12", "test")
    path = nb201.save_table(df, tmp_path / "nb201" / "t.csv")
    back = pd.read_csv(path)
    assert list(back.columns) == list(nb201.COLUMNS)
    pd.testing.assert_frame_equal(back.set_index("index"), df, check_dtype=False)
    with pytest.raises(DataError, match="official"):
        nb201.from_nats(_FakeNATS([arch_of(1), arch_of(0)]), progress=False)


# ----------------------------------------------------------------------------- teachers, status, fetch

def test_teachers_status_and_fetch(shared_data, empty_data, monkeypatch, tmp_path):
    monkeypatch.setenv("NASBOOK_DATA", str(shared_data))
    assert teacher_checkpoint(20).name == "resnet20-12fca82f.th"
    lines = status()
    assert any(l.startswith("cifar10: ") for l in lines) and any(l.startswith("nb201: ") for l in lines)
    assert any(l.startswith("teachers: ") and "resnet56" in l for l in lines)
    assert not any("MISSING" in l for l in lines)
    monkeypatch.setenv("NASBOOK_DATA", str(empty_data))
    assert sum("MISSING" in l for l in status()) == 2
    with pytest.raises(DataError, match="nasbook data fetch teachers"):
        teacher_checkpoint(56)
    with pytest.raises(DataError, match="import-nb201"):
        fetch("nb201")
    with pytest.raises(ValueError):
        fetch("imagenet")
    # downloads verify the checksum before the file appears (file:// stands in for the internet)
    src = tmp_path / "payload.bin"
    src.write_bytes(b"hello cifar")
    import hashlib
    good = hashlib.md5(b"hello cifar").hexdigest()
    target = empty_data / "cifar10" / "x.tar.gz"
    with pytest.raises(DataError, match="md5"):
        download.download(src.as_uri(), target, md5="0" * 32)
    assert not target.exists() and not list(target.parent.iterdir())
    assert download.download(src.as_uri(), target, md5=good).read_bytes() == b"hello cifar"
