"""CIFAR-10 as uint8 tensors, read from the official files or an image-folder copy.

Sources, looked for in ``data_dir()/cifar10/`` and then ``data_dir()`` (first match wins;
the official files are preferred):

  cifar-10-batches-py/      extracted official python version (pickled batches)
  cifar-10-python.tar.gz    official tarball (md5 c58f30108f718f92721af3b95e74349a)
  cifar10-jpeg/             image folders {train,test}/<class>/<name>.jpg|png
  cifar10-jpeg.tar.gz       the same folders as a tarball (read member by member)

The first load decodes the source once into ``cache_dir()/cifar10/<kind>-<key>.<array>.npy``
(uint8 .npy files, key = the source's name, size and mtime); later loads memory-map them.

Image order: the official files keep the official order (data_batch_1..5, test_batch);
image folders are sorted by class, then file name. Labels are the official ones
(class folders sorted alphabetically give the official order airplane=0 .. truck=9).

The NAS-Bench-201 search split (``search_train`` / ``search_valid``) halves the 50k training
images per class with a fixed seeded permutation (SPLIT_SEED). The official
``cifar-split.txt`` of NAS-Bench-201 is not available here, so the split has the same
sizes and class balance (25k / 25k, 2,500 per class each) but not the same images.
"""
from __future__ import annotations

import hashlib
import io
import os
import pickle
import tarfile
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import torch

from ..config import cache_dir, data_dir
from ..files import atomic_path, record_data_file
from .errors import DataError

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
NUM_CLASSES = len(CLASSES)
PER_CLASS = {"train": 5000, "test": 1000}
SPLITS = ("train", "test", "search_train", "search_valid")
SPLIT_SEED = 201  # seed of the class-balanced 25k/25k search split (see module docstring)

OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
OFFICIAL_MD5 = "c58f30108f718f92721af3b95e74349a"
OFFICIAL_TARBALL = "cifar-10-python.tar.gz"
OFFICIAL_DIR = "cifar-10-batches-py"
JPEG_TARBALL = "cifar10-jpeg.tar.gz"
JPEG_DIR = "cifar10-jpeg"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
CACHE_VERSION = 1

FIX = ("Fix: run `nasbook data fetch cifar10` (downloads the official CIFAR-10, needs internet), "
       "or use a folder that holds cifar10/, e.g. `nasbook data use ../shared/data`.")


@dataclass(frozen=True)
class Source:
    path: Path
    kind: str  # "batches-dir" | "batches-tar" | "images-dir" | "images-tar"

    def describe(self) -> str:
        return {"batches-dir": "official CIFAR-10 batches (directory)",
                "batches-tar": "official CIFAR-10 tarball",
                "images-dir": "image-folder tree",
                "images-tar": "image-folder tarball"}[self.kind] + f" {self.path}"


# ----------------------------------------------------------------------------- finding

def search_dirs() -> list[Path]:
    root = data_dir()
    return [root / "cifar10", root]


def _is_image_tree(path: Path) -> bool:
    return (path / "train").is_dir() and (path / "test").is_dir()


def find_source() -> Source | None:
    """The CIFAR-10 source that `cifar10()` reads, or None. Official files first."""
    dirs = search_dirs()
    for d in dirs:
        if (d / OFFICIAL_DIR / TEST_BATCH).is_file():
            return Source(d / OFFICIAL_DIR, "batches-dir")
    for d in dirs:
        if (d / OFFICIAL_TARBALL).is_file():
            return Source(d / OFFICIAL_TARBALL, "batches-tar")
    for d in dirs:
        if _is_image_tree(d / JPEG_DIR):
            return Source(d / JPEG_DIR, "images-dir")
    if _is_image_tree(dirs[0]):
        return Source(dirs[0], "images-dir")
    for d in dirs:
        if (d / JPEG_TARBALL).is_file():
            return Source(d / JPEG_TARBALL, "images-tar")
    return None


def _missing_message() -> str:
    looked = " and ".join(str(d) for d in search_dirs())
    return (f"CIFAR-10 not found: looked in {looked} for {OFFICIAL_DIR}/, {OFFICIAL_TARBALL}, "
            f"{JPEG_DIR}/ or {JPEG_TARBALL} (expected the official python version of CIFAR-10, or an "
            f"image-folder tree {{train,test}}/<class>/<name>.jpg). {FIX}")


# ----------------------------------------------------------------------------- decoding

def _unpickle_batch(fileobj, name: str) -> tuple[np.ndarray, np.ndarray]:
    batch = pickle.load(fileobj, encoding="bytes")
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise ValueError(f"batch {name}: data {data.shape}, {len(labels)} labels; "
                         f"expected [n, 3072] uint8 and n labels")
    return data.reshape(-1, 3, 32, 32), labels


def _stack(parts: dict[str, list]) -> dict[str, np.ndarray]:
    out = {}
    for split in ("train", "test"):
        xs, ys = zip(*parts[split]) if parts[split] else ((), ())
        if not xs:
            raise ValueError(f"no {split} images")
        out[f"x_{split}"] = np.ascontiguousarray(np.concatenate(xs))
        out[f"y_{split}"] = np.concatenate(ys).astype(np.uint8)
    return out


def _read_batches_dir(path: Path) -> dict[str, np.ndarray]:
    parts = {"train": [], "test": []}
    for split, names in (("train", TRAIN_BATCHES), ("test", (TEST_BATCH,))):
        for name in names:
            with open(path / name, "rb") as f:
                parts[split].append(_unpickle_batch(f, name))
    return _stack(parts)


def _read_batches_tar(path: Path) -> dict[str, np.ndarray]:
    found = {}
    with tarfile.open(path, "r:*") as tar:
        for member in tar:
            name = PurePosixPath(member.name).name
            if member.isfile() and name in TRAIN_BATCHES + (TEST_BATCH,):
                found[name] = _unpickle_batch(tar.extractfile(member), name)
    missing = [n for n in TRAIN_BATCHES + (TEST_BATCH,) if n not in found]
    if missing:
        raise ValueError(f"tarball lacks {', '.join(missing)}")
    return _stack({"train": [found[n] for n in TRAIN_BATCHES], "test": [found[TEST_BATCH]]})


def _decode_image(data: bytes, name: str) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        arr = np.asarray(img.convert("RGB"), dtype=np.uint8)
    if arr.shape != (32, 32, 3):
        raise ValueError(f"image {name} is {arr.shape[1]}x{arr.shape[0]}, expected 32x32")
    return arr


def _images_to_arrays(items: list[tuple[str, str, str, np.ndarray]]) -> dict[str, np.ndarray]:
    """items: (split, class name, file name, HWC image) -> arrays sorted by class, then name."""
    parts = {"train": [], "test": []}
    for split in ("train", "test"):
        chosen = sorted((c, n, i) for i, (s, c, n, _) in enumerate(items) if s == split)
        classes = sorted({c for c, _, _ in chosen})
        if tuple(classes) != CLASSES:
            raise ValueError(f"{split}/ has class folders {classes}; expected the 10 CIFAR-10 class names "
                             f"{list(CLASSES)} (sorted alphabetically they give the official labels)")
        label = {c: k for k, c in enumerate(CLASSES)}
        x = np.stack([items[i][3] for _, _, i in chosen]).transpose(0, 3, 1, 2)
        y = np.array([label[c] for c, _, _ in chosen], dtype=np.int64)
        parts[split].append((x, y))
    return _stack(parts)


def _progress(total=None):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="decoding CIFAR-10 (once; cached afterwards)", unit="img",
                mininterval=1.0, leave=False)


def _split_and_class(relpath: PurePosixPath):
    parts = relpath.parts
    if len(parts) >= 3 and parts[-3] in ("train", "test") and relpath.suffix.lower() in IMAGE_SUFFIXES:
        return parts[-3], parts[-2], parts[-1]
    return None


def _read_images_tar(path: Path) -> dict[str, np.ndarray]:
    items = []
    with tarfile.open(path, "r:*") as tar, _progress(60000) as bar:
        for member in tar:
            where = _split_and_class(PurePosixPath(member.name)) if member.isfile() else None
            if where:
                items.append((*where, _decode_image(tar.extractfile(member).read(), member.name)))
                bar.update()
    return _images_to_arrays(items)


def _read_images_dir(path: Path) -> dict[str, np.ndarray]:
    items = []
    with _progress(60000) as bar:
        for split in ("train", "test"):
            for file in sorted((path / split).glob("*/*")):
                where = _split_and_class(PurePosixPath(file.relative_to(path).as_posix()))
                if where and file.is_file():
                    items.append((*where, _decode_image(file.read_bytes(), str(file))))
                    bar.update()
    return _images_to_arrays(items)


_READERS = {"batches-dir": _read_batches_dir, "batches-tar": _read_batches_tar,
            "images-dir": _read_images_dir, "images-tar": _read_images_tar}


def read_source(source: Source) -> dict[str, np.ndarray]:
    """Decode a source into {x_train, y_train, x_test, y_test} (no size checks, no cache)."""
    try:
        return _READERS[source.kind](source.path)
    except DataError:
        raise
    except Exception as err:  # noqa: BLE001 - any decoding failure means a corrupt source
        raise DataError(f"could not read CIFAR-10 from {source.describe()}: {type(err).__name__}: {err}. "
                        f"Expected {_expected(source)}. The file may be incomplete or corrupt: delete it "
                        f"and fetch it again. {FIX}") from err


def _expected(source: Source) -> str:
    if source.kind.startswith("batches"):
        return (f"the official python version ({', '.join(TRAIN_BATCHES)}, {TEST_BATCH}: pickled dicts with "
                f"b'data' [10000, 3072] uint8 and b'labels')")
    return "folders {train,test}/<class>/<name>.jpg with 32x32 RGB images and the 10 CIFAR-10 class names"


def check(arrays: dict[str, np.ndarray], source: Source) -> None:
    """Raise DataError unless the arrays are a complete CIFAR-10 (5000/1000 per class)."""
    problems = []
    for split, per_class in PER_CLASS.items():
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or x.shape[1:] != (3, 32, 32) or len(x) != len(y):
            problems.append(f"{split} images {x.dtype} {tuple(x.shape)} with {len(y)} labels "
                            f"(expected uint8 [N, 3, 32, 32] and N labels)")
            continue
        counts = np.bincount(y.astype(np.int64), minlength=NUM_CLASSES)
        if len(counts) != NUM_CLASSES or not (counts == per_class).all():
            problems.append(f"{split} has {counts.tolist()} images per class (expected {per_class} each)")
    if problems:
        raise DataError(f"incomplete CIFAR-10 in {source.describe()}: {'; '.join(problems)}. "
                        f"Expected 50,000 train / 10,000 test images, 5,000 / 1,000 per class. {FIX}")


# ----------------------------------------------------------------------------- cache

def _identity(path: Path) -> str:
    """Name, size and mtime of the source (of every file in it, for a directory)."""
    if path.is_file():
        st = path.stat()
        return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    entries = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            st = os.stat(os.path.join(root, name))
            entries.append(f"{os.path.relpath(os.path.join(root, name), path)}|{st.st_size}|{st.st_mtime_ns}")
    return f"{path.resolve()}|" + "\n".join(entries)


def cache_path(source: Source) -> Path:
    """Prefix of the cache files of a source: <prefix>.x_train.npy, .y_train.npy, .x_test.npy, .y_test.npy."""
    key = hashlib.sha1(f"v{CACHE_VERSION}|{_identity(source.path)}".encode()).hexdigest()[:16]
    return cache_dir() / "cifar10" / f"{source.kind}-{key}"


_KEYS = ("x_train", "y_train", "x_test", "y_test")
_MEMO: dict[Path, dict[str, np.ndarray]] = {}


def _cache_files(prefix: Path) -> dict[str, Path]:
    return {k: prefix.with_name(f"{prefix.name}.{k}.npy") for k in _KEYS}


def cache_exists(source: Source) -> bool:
    return all(f.is_file() for f in _cache_files(cache_path(source)).values())


def _read_cache(prefix: Path) -> dict[str, np.ndarray] | None:
    """Memory-mapped cached arrays (read-only), or None when missing or unreadable."""
    try:
        return {k: np.load(f, mmap_mode="r") for k, f in _cache_files(prefix).items()}
    except Exception:  # noqa: BLE001 - missing or unreadable cache: decode again
        return None


def _write_cache(prefix: Path, arrays: dict[str, np.ndarray]) -> None:
    for k, f in _cache_files(prefix).items():
        with atomic_path(f) as tmp:
            np.save(tmp, arrays[k])
            os.chmod(tmp, 0o644)


def _record(source: Source) -> None:
    if source.kind == "batches-dir":
        for name in TRAIN_BATCHES + (TEST_BATCH,):
            record_data_file(source.path / name)
    else:
        record_data_file(source.path)


def load_arrays() -> tuple[dict[str, np.ndarray], Source]:
    """All of CIFAR-10 as read-only (memory-mapped) numpy uint8 arrays, and where they came from."""
    source = find_source()
    if source is None:
        raise DataError(_missing_message())
    cached = cache_path(source)
    arrays = _MEMO.get(cached)
    if arrays is None:
        arrays = _read_cache(cached)
        if arrays is None:
            arrays = read_source(source)
            check(arrays, source)
            try:
                _write_cache(cached, arrays)
            except OSError as err:
                warnings.warn(f"could not write the CIFAR-10 cache {cached}: {err}; decoding again next time")
            arrays = _read_cache(cached) or arrays
        check(arrays, source)
        _MEMO.clear()  # one source per process
        _MEMO[cached] = arrays
    _record(source)
    return arrays, source


# ----------------------------------------------------------------------------- splits

def search_split(y_train, seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Class-balanced halves of the training set: (search_train indices, search_valid indices).

    Per class, the images are permuted with `np.random.default_rng(seed)` and cut in two;
    both index arrays are returned sorted.
    """
    y = np.asarray(y_train)
    rng = np.random.default_rng(seed)
    train, valid = [], []
    for c in range(NUM_CLASSES):
        idx = np.flatnonzero(y == c)
        idx = idx[rng.permutation(len(idx))]
        half = len(idx) // 2
        train.append(idx[:half])
        valid.append(idx[half:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(valid))


def cifar10(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """One split of CIFAR-10: (x uint8 [N, 3, 32, 32], y int64 [N]) CPU tensors (fresh copies).

    split: "train" (50k), "test" (10k), "search_train" / "search_valid" (25k each, the
    NAS-Bench-201-style halves of "train", see `search_split`).
    """
    if split not in SPLITS:
        raise ValueError(f"unknown CIFAR-10 split {split!r}; expected one of {', '.join(SPLITS)}")
    arrays, _ = load_arrays()
    if split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        x = x.copy()
    else:
        idx = search_split(arrays["y_train"])[0 if split == "search_train" else 1]
        x, y = arrays["x_train"][idx], arrays["y_train"][idx]
    return torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
