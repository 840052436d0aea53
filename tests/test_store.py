import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from nasbook.files import atomic_path, atomic_write
from nasbook.store import MissingResult, ResultStore, config_key


def test_put_get_and_config_key(tmp_path):
    store = ResultStore("exp", {"b": 1, "a": [1, 2]}, root=tmp_path)
    assert config_key({"a": [1, 2], "b": 1}) == store.key  # key order does not matter
    assert ResultStore("exp", {"a": [1, 2], "b": 2}, root=tmp_path).key != store.key
    store.put(("arch", 3, "seed", 0), {"loss": np.float32(0.5), "v": np.arange(3)})
    assert store.get(("arch", 3, "seed", 0)) == {"loss": 0.5, "v": [0, 1, 2]}
    assert ("arch", 3, "seed", 0) in store and ("arch", 4, "seed", 0) not in store
    assert json.loads((store.dir / "config.json").read_text()) == {"a": [1, 2], "b": 1}


def test_compute_never_recomputes(tmp_path):
    store = ResultStore("exp", {}, root=tmp_path)
    calls = []
    for _ in range(3):
        assert store.compute("x", lambda: calls.append(1) or 42) == 42
    assert calls == [1]
    assert store.compute("nan", lambda: float("nan")) != store.compute("nan", lambda: 0.0)  # NaN round-trips


def test_readonly_store_refuses_to_compute(tmp_path):
    ResultStore("exp", {"k": 1}, root=tmp_path).put("done", 1)
    ro = ResultStore("exp", {"k": 1}, root=tmp_path, readonly=True)
    assert ro.compute("done", lambda: 2) == 1
    with pytest.raises(MissingResult, match="--from-results"):
        ro.compute("missing", lambda: 2)


def test_atomic_write_leaves_nothing_half_written(tmp_path):
    target = tmp_path / "out.json"
    atomic_write(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("partial")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.json"]


WORKER = textwrap.dedent("""
    import sys, time
    from nasbook.store import ResultStore
    store = ResultStore("crash", {"n": 20}, root=sys.argv[1])
    for i in range(20):
        def work(i=i):
            with open(sys.argv[2], "a") as log:
                log.write(f"{i}\\n")
            time.sleep(0.05)
            return i * i
        store.compute(("item", i), work)
""")


def test_resume_after_kill(tmp_path):
    """A process killed mid-run leaves only whole items; the rerun computes the rest, once each."""
    log = tmp_path / "log.txt"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path / "store"), str(log)])
    deadline = time.time() + 60
    while time.time() < deadline and (not log.exists() or len(log.read_text().split()) < 5):
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = [int(x) for x in log.read_text().split()]
    assert 5 <= len(first) < 20, "the worker must be killed part-way"
    subprocess.run([sys.executable, str(script), str(tmp_path / "store"), str(log)], check=True)
    started = [int(x) for x in log.read_text().split()]
    store = ResultStore("crash", {"n": 20}, root=tmp_path / "store")
    assert {store.get(("item", i)) for i in range(20)} == {i * i for i in range(20)}
    # every item finished before the kill was not computed again; at most the one in flight repeats
    assert len(started) - 20 <= 1
    assert sorted(set(started)) == list(range(20))
    leftovers = [p for p in (store.dir / "items").iterdir() if not p.name.endswith(".json")]
    assert leftovers == []
