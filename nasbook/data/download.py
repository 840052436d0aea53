"""What data is where (`status`), downloads (`fetch`), and the teacher checkpoints."""
from __future__ import annotations

import hashlib
import urllib.request
from pathlib import Path

from ..config import data_dir, data_source
from ..files import atomic_path, record_data_file
from . import cifar, nb201
from .errors import DataError

# akamaster/pytorch_resnet_cifar10 pretrained models; the 8 hex digits are the sha256 prefix.
TEACHERS = {20: "resnet20-12fca82f.th", 32: "resnet32-d509ac18.th",
            44: "resnet44-014dd654.th", 56: "resnet56-4bfd9763.th"}
TEACHER_URL = "https://github.com/akamaster/pytorch_resnet_cifar10/raw/master/pretrained_models/{}"


def teacher_checkpoint(depth: int) -> Path:
    """Path of the pretrained CIFAR-10 ResNet-`depth` checkpoint in data_dir()/teachers."""
    if depth not in TEACHERS:
        raise ValueError(f"no pretrained ResNet-{depth}; available depths: {sorted(TEACHERS)}")
    path = data_dir() / "teachers" / TEACHERS[depth]
    if not path.is_file():
        raise DataError(f"teacher checkpoint not found: looked for {path} (expected the pretrained ResNet-{depth} "
                        f"of akamaster/pytorch_resnet_cifar10). Fix: run `nasbook data fetch teachers`, or "
                        f"`nasbook data use ../shared/data` (a folder that has teachers/).")
    record_data_file(path)
    return path


def status() -> list[str]:
    """One line per data set: what was found where (or what is missing and how to fix it)."""
    where, why = data_source()
    lines = [f"data dir: {where} ({why})"]
    source = cifar.find_source()
    if source is None:
        lines.append(f"cifar10: MISSING (looked in {' and '.join(map(str, cifar.search_dirs()))}); "
                     f"`nasbook data fetch cifar10` or `nasbook data use ../shared/data`")
    else:
        cached = cifar.cache_path(source)
        lines.append(f"cifar10: {source.describe()}; cache "
                     + (f"{cached}.*.npy" if cifar.cache_exists(source)
                        else f"not built yet (the first load decodes it into {cached.parent})"))
    try:
        table = nb201.load_table()
        lines.append(f"nb201: {nb201.table_path()} ({len(table):,} architectures)")
    except DataError as err:
        lines.append(f"nb201: MISSING or invalid: {err}")
    found = {d: data_dir() / "teachers" / f for d, f in TEACHERS.items()}
    have = [f"resnet{d}" for d, p in found.items() if p.is_file()]
    lack = [f"resnet{d}" for d, p in found.items() if not p.is_file()]
    lines.append(f"teachers: {data_dir() / 'teachers'}: found {', '.join(have) or 'none'}"
                 + (f"; missing {', '.join(lack)} (`nasbook data fetch teachers`)" if lack else ""))
    return lines


def _digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download(url: str, path: Path, *, md5: str | None = None, sha256_prefix: str | None = None) -> Path:
    """Download `url` to `path` atomically; verify the checksum before the file appears."""
    from tqdm.auto import tqdm

    with atomic_path(path) as tmp:
        try:
            with urllib.request.urlopen(url, timeout=60) as response, open(tmp, "wb") as f:
                total = int(response.headers.get("Content-Length") or 0) or None
                with tqdm(total=total, unit="B", unit_scale=True, desc=path.name) as bar:
                    for block in iter(lambda: response.read(1 << 20), b""):
                        f.write(block)
                        bar.update(len(block))
        except OSError as err:
            raise DataError(f"download of {url} failed ({err}); this needs internet access. Without it, copy "
                            f"the data from a machine that has it and `nasbook data use <that folder>`.") from err
        if md5 and _digest(tmp, "md5") != md5:
            raise DataError(f"{url}: md5 {_digest(tmp, 'md5')} does not match the official {md5}; nothing was "
                            f"written to {path}. Try `nasbook data fetch` again.")
        if sha256_prefix and not _digest(tmp, "sha256").startswith(sha256_prefix):
            raise DataError(f"{url}: sha256 does not start with {sha256_prefix}; nothing was written to {path}.")
    return path


def fetch(what: str) -> list[Path]:
    """Download 'cifar10' (official tarball, md5 checked) or 'teachers' into data_dir()."""
    if what == "cifar10":
        path = data_dir() / "cifar10" / cifar.OFFICIAL_TARBALL
        if path.is_file() and _digest(path, "md5") == cifar.OFFICIAL_MD5:
            return [path]
        return [download(cifar.OFFICIAL_URL, path, md5=cifar.OFFICIAL_MD5)]
    if what == "teachers":
        paths = []
        for name in TEACHERS.values():
            path = data_dir() / "teachers" / name
            prefix = name.rsplit("-", 1)[1].split(".")[0]
            if not (path.is_file() and _digest(path, "sha256").startswith(prefix)):
                download(TEACHER_URL.format(name), path, sha256_prefix=prefix)
            paths.append(path)
        return paths
    if what == "nb201":
        raise DataError(f"the NAS-Bench-201 table cannot be downloaded by nasbook: copy nb201/nb201.csv from the "
                        f"shared data into {data_dir() / 'nb201'} (or `nasbook data use ../shared/data`), or "
                        f"download the official NATS-Bench topology files (NATS-tss-v1_0-3ffb9, see "
                        f"github.com/D-X-Y/NATS-Bench) and run `nasbook data import-nb201 --nats PATH`.")
    raise ValueError(f"unknown data set {what!r}; expected 'cifar10', 'teachers' or 'nb201'")
