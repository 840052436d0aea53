"""Bad input gets a one-line error naming what was expected and how to fix it (reliability issue)."""
import os
import stat

import numpy as np
import pandas as pd
import pytest
import torch

from nasbook import config
from nasbook.data import nb201 as table
from nasbook.data.errors import DataError
from nasbook.files import atomic_path, atomic_write
from nasbook.spaces import nb201
from nasbook.store import CorruptResult, ResultStore, check


def _one_line(err) -> str:
    text = str(err.value)
    assert "\n" not in text, text
    return text


# ----------------------------------------------------------------------------- 1. broken store items

BROKEN = {
    "truncated": '{"item": "x", "value": {"loss": 0.',
    "empty": "",
    "no_value": '{"item": "x"}\n',
    "not_object": "[1, 2, 3]\n",
    "binary": b"\xff\xfe\x00garbage",
}


def _break(path, content):
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_item_raises_corrupt_result_naming_path_and_fix(tmp_path, kind):
    store = ResultStore("exp", {"k": 1}, root=tmp_path)
    store.put("good", 1)
    store.put("bad", 2)
    path = store._path("bad")
    _break(path, BROKEN[kind])
    calls = [lambda: store.get("bad"), lambda: store.compute("bad", lambda: 3),
             store.items, store.records]
    for call in calls:
        with pytest.raises(CorruptResult) as err:
            call()
        text = _one_line(err)
        assert isinstance(err.value, ValueError)
        assert str(path) in text
        assert "delete it to recompute it" in text and "nasbook store check --repair" in text
    assert store.get("good") == 1  # only the broken item is refused
    assert path.read_bytes() == (BROKEN[kind].encode() if isinstance(BROKEN[kind], str) else BROKEN[kind])


def test_leftover_temp_file_of_a_killed_write_is_not_an_item(tmp_path):
    store = ResultStore("exp", {"k": 1}, root=tmp_path)
    store.put("good", 1)
    # what SIGKILL during atomic_write leaves: the (empty) temp file beside the item
    (store.dir / "items" / f".{store._path('next').name}.k3j_x9a2.json").write_text("")
    assert store.items() == {"good": 1}
    assert [r["item"] for r in store.records()] == ["good"]
    assert check(tmp_path) == []


def test_check_finds_and_repairs_exactly_the_broken_items(tmp_path):
    good = ResultStore("a", {"k": 1}, root=tmp_path)
    other = ResultStore("b", {"k": 2}, root=tmp_path)
    for i in range(3):
        good.put(("arch", i), {"acc": float(i)})
        other.put(("arch", i), [i, i])
    broken = []
    for kind, content in BROKEN.items():
        other.put(kind, 0)
        _break(other._path(kind), content)
        broken.append(other._path(kind))
    other.put("no_item", 0)
    other._path("no_item").write_text('{"value": 0}\n')
    broken.append(other._path("no_item"))
    good_files = {p: p.read_bytes() for p in tmp_path.rglob("*.json") if p not in broken}

    assert check(tmp_path) == sorted(broken)
    assert all(p.exists() for p in broken)  # without repair nothing is deleted
    assert check(tmp_path, repair=True) == sorted(broken)
    assert not any(p.exists() for p in broken)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.json")} == good_files
    assert check(tmp_path) == []
    assert other.items() == {'["arch",0]': [0, 0], '["arch",1]': [1, 1], '["arch",2]': [2, 2]}
    assert other.compute("empty", lambda: 7) == 7  # a repaired item is recomputed


def test_check_of_a_missing_root_says_so(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        check(tmp_path / "nope")
    assert str(tmp_path / "nope") in _one_line(err)


# ----------------------------------------------------------------------------- 2. non-numeric NB201 table

def test_non_numeric_accuracy_column_is_named(shared_data, tmp_path):
    df = pd.read_csv(shared_data / "nb201" / "nb201.csv")
    for col in ("cifar100_valid_12", "imagenet16_test_200"):
        df[col] = df[col].astype(object)
        df.loc[5, col] = "abc"
    path = tmp_path / "nb201.csv"
    df.to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        table.load_table(path)
    text = _one_line(err)
    assert str(path) in text and "not numeric" in text and "'abc'" in text
    assert "cifar100_valid_12" in text.split("Expected")[0] and "imagenet16_test_200" in text.split("Expected")[0]
    assert "cifar10_test_200" not in text.split("Expected")[0]


# ----------------------------------------------------------------------------- 3. NASBOOK_DEVICE

def _no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


@pytest.mark.parametrize("value, asks", [("cuda", "CUDA"), ("cuda:0", "CUDA"), ("mps", "MPS")])
def test_forced_device_that_is_not_there(monkeypatch, value, asks):
    _no_gpu(monkeypatch)
    monkeypatch.setenv("NASBOOK_DEVICE", value)
    with pytest.raises(config.DeviceError) as err:
        config.device()
    text = _one_line(err)
    assert isinstance(err.value, ValueError)
    assert f"NASBOOK_DEVICE={value}" in text and asks in text
    assert "available: cpu" in text and "unset NASBOOK_DEVICE or set it to cpu" in text


@pytest.mark.parametrize("value", ["gpu", "cuda:x", "cuda:-1", "meta"])
def test_forced_device_that_is_not_a_device(monkeypatch, value):
    _no_gpu(monkeypatch)
    monkeypatch.setenv("NASBOOK_DEVICE", value)
    with pytest.raises(config.DeviceError) as err:
        config.device()
    text = _one_line(err)
    assert f"NASBOOK_DEVICE={value}" in text and "cpu, cuda, cuda:N or mps" in text
    assert "available: cpu" in text


def test_forced_cuda_index_beyond_the_devices(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setenv("NASBOOK_DEVICE", "cuda:2")
    with pytest.raises(config.DeviceError) as err:
        config.device()
    assert "NASBOOK_DEVICE=cuda:2" in _one_line(err) and "available: cpu, cuda:0, cuda:1" in str(err.value)
    monkeypatch.setenv("NASBOOK_DEVICE", "cuda:1")
    assert config.device() == torch.device("cuda:1")
    monkeypatch.setenv("NASBOOK_DEVICE", "cpu")
    assert config.device() == torch.device("cpu")


# ----------------------------------------------------------------------------- 4. file modes

def _written_modes(root, umask):
    old = os.umask(umask)
    try:
        store = ResultStore("exp", {"k": 1}, root=root)
        store.put("item", 1)
        atomic_write(root / "plain.txt", "x")
        with atomic_path(root / "arr.npy") as tmp:
            np.save(tmp, np.arange(3))
        with open(root / "reference.txt", "w"):
            pass
        assert os.umask(umask) == umask  # the umask is left as it was
    finally:
        os.umask(old)
    paths = (store._path("item"), store.dir / "config.json", root / "plain.txt", root / "arr.npy",
             root / "reference.txt")
    return {path.name: stat.S_IMODE(path.stat().st_mode) for path in paths}


def test_written_files_get_the_mode_of_a_plain_open(tmp_path):
    """Shared results folders: with umask 022 others can read the files, with 077 nobody can."""
    for umask, mode in [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664), (0o022, 0o644)]:
        root = tmp_path / oct(umask)
        modes = _written_modes(root, umask)
        assert modes == dict.fromkeys(modes, mode), (oct(umask), modes)


# ----------------------------------------------------------------------------- 5. NB201 architectures

@pytest.mark.parametrize("bad", [None, 1.0, True, 5, [0, 1, 2, 3, 4, 1.0], [0, 1, 2, 3, 4, True],
                                 (0, 1, 2, 3, 4), [0, 1, 2, 3, 4, 5], b"\x00\x01\x02\x03\x04\x00",
                                 {0, 1, 2, 3, 4}, np.zeros(6)])
def test_bad_architectures_get_arch_error_with_the_expected_forms(bad):
    for fn in (nb201.ops_of, nb201.to_str, nb201.index_of, nb201.onehot, nb201.build_network):
        with pytest.raises(nb201.ArchError) as err:
            fn(bad)
        text = _one_line(err)
        assert "|nor_conv_3x3~0|+|" in text and "6 op names or op indices 0-4" in text, text
    if isinstance(bad, (int, float)) and not isinstance(bad, bool):  # a number: point to arch_of for official indices
        assert "arch_of" in text and "0..15624" in text


def test_bad_indices_get_arch_error():
    for bad in [None, 1.0, True, "abc", "5", -1, 15625, np.float64(3), np.bool_(True)]:
        with pytest.raises(nb201.ArchError) as err:
            nb201.arch_of(bad)
        assert "0..15624" in _one_line(err), bad
        with pytest.raises(nb201.ArchError):
            table.arch_index(bad)


def test_good_architecture_forms_still_work():
    arch = nb201.arch_of(9930)
    ops = nb201.ops_of(arch)
    assert nb201.arch_of(np.int64(9930)) == arch
    assert nb201.ops_of(list(ops)) == ops == nb201.ops_of(np.array(ops)) == nb201.ops_of(torch.tensor(ops))
    assert nb201.ops_of([nb201.OPS[o] for o in ops]) == ops  # op names
    assert nb201.index_of(ops) == 9930 == table.arch_index(np.int32(9930))
    assert nb201.build_network(ops, C=4, N=1).arch == arch


def test_store_check_command_finds_and_repairs_broken_items(tmp_path):
    """`nasbook store check [--repair]`: lists broken items (exit 1), deletes them with --repair."""
    import subprocess
    import sys
    from nasbook.store import ResultStore
    store = ResultStore("exp", {"a": 1}, root=tmp_path)
    store.put("good", 1)
    store.put("bad", 2)
    bad = store._path("bad")
    bad.write_text('{"item": "bad", "val')
    run = lambda *a: subprocess.run([sys.executable, "-m", "nasbook.cli", "store", "check", "--root", str(tmp_path), *a],
                                    capture_output=True, text=True)
    proc = run()
    assert proc.returncode == 1 and f"broken: {bad}" in proc.stdout and "--repair" in proc.stdout
    proc = run("--repair")
    assert proc.returncode == 0 and f"removed: {bad}" in proc.stdout
    assert not bad.exists() and store.get("good") == 1
    assert run().returncode == 0
