"""Concurrent runs on one result store compute every item exactly once: the per-item lock of
ResultStore.compute, the claim/wait protocol of batch computations (nasbook.rmi.evaluate), and
two whole notebook runs at once."""
import os
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _spawn(code: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(procs):
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-3000:]


def test_two_processes_compute_each_item_once(tmp_path):
    code = """
        import os, time
        from nasbook.store import ResultStore
        store = ResultStore("exp", {"a": 1}, root=os.environ["ROOT"])
        def work(i):
            with open(os.environ["CALLS"], "a") as f:
                f.write(f"{i}\\n")
            time.sleep(0.1)
            return i * i
        print([store.compute(("item", i), lambda i=i: work(i)) for i in range(8)])
    """
    env = {"ROOT": str(tmp_path / "r"), "CALLS": str(tmp_path / "calls")}
    procs = [_spawn(code, env) for _ in range(2)]
    _finish(procs)
    calls = Counter((tmp_path / "calls").read_text().split())
    assert calls == Counter({str(i): 1 for i in range(8)})


def test_rmi_evaluate_splits_missing_items_between_processes(tmp_path):
    """Two processes evaluate the same 12 architectures in groups: each architecture is trained
    by exactly one of them (train_group is replaced by a fake that logs and sleeps) and both
    return the same 12 results."""
    code = """
        import os, time, json
        from nasbook import rmi
        from nasbook.spaces import nb201
        class FakeContext:
            def __init__(self, *a): self.batch = None
        def fake_group(chunk, batch, s, seed, device):
            with open(os.environ["CALLS"], "a") as f:
                f.write("".join(a + "\\n" for a in chunk))
            time.sleep(0.2)
            return [{"score": float(nb201.index_of(a)), "rmi": 0.0, "ce": 0.0, "seconds": 0.0} for a in chunk]
        rmi._Context, rmi.train_group = FakeContext, fake_group
        archs = [nb201.arch_of(i) for i in range(12)]
        res = rmi.evaluate(archs, {"steps": 1}, 0, root=os.environ["ROOT"], device="cpu", group=2, progress=False)
        assert [r["score"] for r in res] == list(range(12)), res
    """
    env = {"ROOT": str(tmp_path / "r"), "CALLS": str(tmp_path / "calls")}
    procs = [_spawn(code, env) for _ in range(2)]
    _finish(procs)
    calls = Counter((tmp_path / "calls").read_text().splitlines())
    assert len(calls) == 12 and set(calls.values()) == {1}


@pytest.mark.slow
def test_two_notebook_runs_at_once_compute_every_item_once(tmp_path, shared_data):
    """`nasbook run 01 --profile smoke` twice at the same time on one store: both exit 0, every
    item is stored exactly once (NASBOOK_STORE_LOG audits every put), build files do not clash."""
    env = {"NASBOOK_RESULTS": str(tmp_path / "results"), "NASBOOK_FIGURES": str(tmp_path / "figures"),
           "NASBOOK_STORE_LOG": str(tmp_path / "puts"), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "nasbook.cli", "run", "01", "--profile", "smoke", "--no-html",
           "--build", str(tmp_path / "build")]
    procs = [subprocess.Popen(cmd, cwd=REPO, env={**os.environ, **env}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    _finish(procs)
    puts = Counter(line.split(" ", 1)[1] for line in (tmp_path / "puts").read_text().splitlines())
    assert puts and max(puts.values()) == 1, [k for k, v in puts.items() if v > 1][:5]
    pids = {line.split(" ", 1)[0] for line in (tmp_path / "puts").read_text().splitlines()}
    assert len(pids) >= 1
