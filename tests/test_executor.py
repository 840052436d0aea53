"""The Ray executor (nasbook.executor) in local mode (ray.init(num_cpus=2)): a smoke notebook run
with --executor ray stores exactly the values of a local run, a task that raises is retried and
then reported in one line, and a killed driver's rerun computes only what is missing."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from nasbook import executor
from nasbook.store import ResultStore

REPO = Path(__file__).resolve().parent.parent
ray = pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[ray]' (the dev extra has it)")


@pytest.fixture(scope="module")
def local_ray():
    """A Ray instance of this process with 2 CPUs, for the tests that run jobs in-process."""
    executor.start_ray(num_cpus=2)
    yield ray
    ray.shutdown()


@pytest.fixture
def on_ray(local_ray, monkeypatch):
    monkeypatch.setenv("NASBOOK_EXECUTOR", "ray")
    return executor.current()


def _values(root: Path) -> dict:
    """{item file: value} under a results folder, wall times ("seconds") left out."""
    out = {}
    for path in sorted(root.rglob("items/*.json")):
        value = json.loads(path.read_text())["value"]
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if k != "seconds"}
        out[str(path.relative_to(root))] = value
    return out


def test_executor_setting_errors_take_one_line(monkeypatch):
    monkeypatch.setenv("NASBOOK_EXECUTOR", "dask")
    with pytest.raises(executor.ExecutorError, match=r"expected one of local, ray"):
        executor.current()
    monkeypatch.setenv("NASBOOK_EXECUTOR", "ray")
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    from nasbook.cli import check_executor
    with pytest.raises(SystemExit, match=r"pip install -e '\.\[ray\]'"):
        check_executor()
    monkeypatch.delenv("NASBOOK_EXECUTOR")
    assert executor.current() is executor.LOCAL  # the default: nothing changes for a laptop user


@pytest.mark.slow
def test_smoke_notebook_on_ray_stores_the_values_of_a_local_run(tmp_path, shared_data):
    """`nasbook run 01 --profile smoke --executor ray` (a Ray instance of its own, 1 CPU = 1 torch
    thread per task) stores exactly what the same computations store locally with one torch thread
    (scores are reproducible bit for bit only at one thread count, nasbook.rmi)."""
    env = dict(os.environ, NASBOOK_RESULTS=str(tmp_path / "ray"), NASBOOK_FIGURES=str(tmp_path / "figures"),
               OMP_NUM_THREADS="1", NASBOOK_QUIET="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))  # this checkout
    env.pop("NASBOOK_EXECUTOR", None)
    proc = subprocess.run([sys.executable, "-m", "nasbook.cli", "run", "01", "--profile", "smoke", "--executor", "ray",
                           "--no-html", "--build", str(tmp_path / "build")], cwd=REPO, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    assert "SIGTERM" not in proc.stderr, "the kernel kept Ray to the end (nb.finish() calls executor.close())"
    manifest = json.loads((tmp_path / "figures" / "smoke" / "01_rmi_kendall_tau_vs_beta" / "manifest.json").read_text())
    assert manifest["computed"]["executor"].startswith("ray:"), manifest["computed"]  # the kernel computed on Ray
    local = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        from nasbook.experiments import rmi_kendall_tau_vs_beta as ex
        p = ex.resolve("smoke", root={str(tmp_path / "local")!r})
        ex.teacher_accuracy(p, progress=False)
        ex.sweeps(p, seed=0, progress=False)
    """)], cwd=REPO, env={**env, "NASBOOK_EXECUTOR": "local"}, capture_output=True, text=True)
    assert local.returncode == 0, local.stderr[-6000:]
    on_ray, here = _values(tmp_path / "ray" / "smoke"), _values(tmp_path / "local")
    assert len(here) == 6 * 2 * 3 + 5 * 3 + 1  # 01 smoke: (archs x seeds x betas) + paper-size + teacher accuracy
    assert on_ray == here


def test_search_seeds_on_ray_equal_local_ones(on_ray, tmp_path, shared_data, monkeypatch):
    """Notebook 04's stored searches: every seed a Ray task, the same results as the local loop."""
    from nasbook.experiments import nb201_searches as ex
    p = ex.resolve("smoke").replace()
    runs = {}
    for name in ("ray", "local"):
        monkeypatch.setenv("NASBOOK_EXECUTOR", name)
        q = type(p)(p.name, p.settings, tmp_path / name)
        runs[name] = [r.to_dict() for r in ex.searches(q, "rea", "benchmark", "cifar10", 50, range(3), progress=False)]
        for r in runs[name]:  # wall times
            r.pop("seconds"), r.pop("cost")
    assert runs["ray"] == runs["local"] and len(runs["ray"]) == 3


def test_proxy_scores_on_ray_equal_local_ones(on_ray, tmp_path, shared_data, monkeypatch):
    """Notebook 08's proxies: missing scores go to Ray tasks (5 architectures each) and equal the
    local loop's at the same thread count; nothing is computed in the driver."""
    from nasbook import proxies
    archs = [3, 77, 1024, 5000, 9999, 12000, 15624]
    scores = {}
    for name in ("ray", "local"):
        monkeypatch.setenv("NASBOOK_EXECUTOR", name)
        for proxy in ("synflow", "grasp", "jacob_cov"):
            s = proxies.ProxyScorer(proxy, C=4, N=1, batch_size=16, threads=1, root=tmp_path / name)
            scores[name, proxy] = s.many(archs)
            assert s.computed == (0 if name == "ray" else len(archs))
            assert len(list((tmp_path / name).rglob(f"proxy_{proxy}/*/items/*.json"))) == len(archs)
    for proxy in ("synflow", "grasp", "jacob_cov"):
        assert scores["ray", proxy] == scores["local", proxy]
        assert len(set(scores["ray", proxy])) > 1


def test_supernet_searches_on_ray_equal_local_ones(on_ray, tmp_path, shared_data, monkeypatch):
    """Notebook 07's searches (tiny supernets): every (method, seed) a Ray task, the results of the
    local loop. DARTS and DARTS-PT share one supernet here: one task trains it while the other waits
    for its lock, then continues from its last checkpoint."""
    import torch

    from nasbook.experiments import nb201_weight_sharing as ws
    p = ws.resolve("smoke").replace(C=4, N=1, limit_train=128, limit_valid=128, batch_size=32, epochs=2,
                                    log_every=1, methods=["darts", "darts_pt"])
    threads = torch.get_num_threads()
    runs = {}
    for name in ("ray", "local"):
        monkeypatch.setenv("NASBOOK_EXECUTOR", name)
        torch.set_num_threads(1)  # as in a task (NASBOOK_RAY_CPUS=1)
        try:
            runs[name] = [r.to_dict() for r in ws.run_all(type(p)(p.name, p.settings, tmp_path / name))]
        finally:
            torch.set_num_threads(threads)
        for r in runs[name]:  # wall times
            r.pop("seconds"), r.pop("cost")
            for h in r["trace"][0]["history"]:
                h.pop("seconds")
    assert [r["method"] for r in runs["ray"]] == ["darts", "darts_pt"]
    assert runs["ray"] == runs["local"]


def test_a_failing_task_is_retried_and_reported(on_ray, tmp_path, monkeypatch):
    """Item 1 fails once and is stored by its retry; item 3 fails every time: after its 3 attempts
    (NASBOOK_RAY_RETRIES=2) the run stores everything else and raises TaskFailed in one line."""
    monkeypatch.setenv("NASBOOK_RAY_RETRIES", "2")
    attempts = tmp_path / "attempts"
    attempts.mkdir()

    def square(item):  # pickled by value into the worker
        log = attempts / str(item)
        log.write_text(log.read_text() + "x" if log.exists() else "x")
        if item == 3 or (item == 1 and len(log.read_text()) == 1):
            raise ValueError(f"item {item} failed")
        return item * item

    store = ResultStore("toy", {"a": 1}, root=tmp_path / "r")
    job = executor.Job(store, list(range(6)), executor.Each(square), what="toy items", gpu=False)
    with pytest.raises(executor.TaskFailed) as err:
        on_ray.run([job], progress=False)
    message = str(err.value)
    assert "\n" not in message and "1 of 6 Ray tasks failed after 3 attempts" in message, message
    assert "toy items 3" in message and "ValueError: item 3 failed" in message, message
    assert {i: len((attempts / str(i)).read_text()) for i in range(6)} == {0: 1, 1: 2, 2: 1, 3: 3, 4: 1, 5: 1}
    assert {i: store.get(i) for i in range(6)} == {0: 0, 1: 1, 2: 4, 3: None, 4: 16, 5: 25}


KILLED_RUN = """
    import os, time
    from pathlib import Path
    from nasbook import executor
    from nasbook.store import ResultStore
    calls = Path(os.environ["CALLS"])
    def slow_square(item):  # items 0-3 at once, the others hang until the driver is killed
        with open(calls, "a") as f:
            f.write(f"{item}\\n")
        time.sleep(0.1 if item < 4 else 600)
        return item * item
    store = ResultStore("toy", {"a": 1}, root=os.environ["ROOT"])
    executor.current().run([executor.Job(store, list(range(12)), executor.Each(slow_square), gpu=False)])
"""


def test_a_killed_driver_is_resumed_computing_only_what_is_missing(on_ray, tmp_path, monkeypatch):
    """A driver on this test's Ray cluster (NASBOOK_RAY_ADDRESS) killed with SIGKILL after 4 of 12
    items, 2 tasks still running: Ray ends its tasks, and the rerun computes exactly the 8 missing
    items; no item is ever stored twice (NASBOOK_STORE_LOG)."""
    root, puts = tmp_path / "r", tmp_path / "puts"
    env = {**os.environ, "NASBOOK_EXECUTOR": "ray", "ROOT": str(root), "CALLS": str(tmp_path / "calls1"),
           "NASBOOK_STORE_LOG": str(puts), "NASBOOK_RAY_ADDRESS": on_ray.ray().get_runtime_context().gcs_address}
    driver = subprocess.Popen([sys.executable, "-c", textwrap.dedent(KILLED_RUN)], cwd=REPO, env=env,
                              start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    store = ResultStore("toy", {"a": 1}, root=root)
    deadline = time.time() + 240
    while sum(i in store for i in range(12)) < 4 and driver.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)  # the hanging tasks are running
    os.killpg(driver.pid, signal.SIGKILL)
    _, err = driver.communicate(timeout=60)
    assert driver.returncode == -signal.SIGKILL, err[-3000:]
    done = {i for i in range(12) if i in store}
    assert done == {0, 1, 2, 3}, (done, err[-3000:])

    calls2 = tmp_path / "calls2"
    monkeypatch.setenv("NASBOOK_STORE_LOG", str(puts))

    def square(item):
        with open(calls2, "a") as f:
            f.write(f"{item}\n")
        return item * item

    on_ray.run([executor.Job(store, list(range(12)), executor.Each(square), gpu=False)], progress=False)
    assert sorted(map(int, calls2.read_text().split())) == list(range(4, 12))
    assert [store.get(i) for i in range(12)] == [i * i for i in range(12)]
    stored = Counter(line.split()[1] for line in puts.read_text().splitlines())
    assert len(stored) == 12 and set(stored.values()) == {1}
