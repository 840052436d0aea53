"""The GPU burst runner (nasbook.burst), the store's deadline and the data pack.

Bursts here run plans of a fake experiment module (items that sleep), so that the deadline,
the resume, the archive and its import are checked in seconds on a CPU; the import check runs
`python -m nasbook burst` on the real paper plan in a subprocess that cannot import Jupyter
packages, nor filelock other than from the data pack."""
import json
import os
import signal
import subprocess
import sys
import tarfile
import textwrap
import time
from importlib import metadata
from pathlib import Path

import pytest

from nasbook import burst, cli, config, rmi, store
from nasbook.data import DataError, cifar
from nasbook.data import pack as data_pack
from nasbook.spaces import nb201

REPO = Path(__file__).resolve().parent.parent

FAKE = '''
"""A fake experiment module: items that take `sleep` seconds, checkpoints, a long non-item."""
import os
import time

from nasbook.supernet.search import Incomplete

PROFILES = {name: {"items": 12, "sleep": 0.25, "epochs": {"0": 2, "1": 40}} for name in ("smoke", "cpu", "paper")}


def _log(what):
    with open(os.environ["CALLS"], "a") as f:
        f.write(what + "\\n")


def work(p):
    store = p.store("fake_items", {"items": p["items"]})
    for i in range(p["items"]):
        def compute(i=i):
            _log(f"item {i}")
            time.sleep(p["sleep"])
            return i * i
        store.compute(("item", i), compute)


def teacher(p):
    """A teacher-like run: two epoch checkpoints and an item (rmi_teachers is a shared artifact)."""
    store = p.store("rmi_teachers", {"model": "fake"})
    for epoch in (1, 2):
        store.artifact(f"epoch{epoch:03d}.pt").write_bytes(b"w" * 1000 * epoch)
    store.compute(("test_acc", 2), lambda: 50.0)


def search(p, seed=0, max_seconds=None):
    """A supernet-search-like item: a checkpoint per epoch, Incomplete when its budget is spent."""
    store = p.store("fake_search", {"seed": seed})
    epochs, start = p["epochs"][str(seed)], time.perf_counter()

    def compute():
        for epoch in range(1, epochs + 1):
            if max_seconds is not None and time.perf_counter() - start > max_seconds:
                raise Incomplete(f"stopped after epoch {epoch - 1}")
            time.sleep(0.05)
            store.artifact(f"supernet_e{epoch:03d}.pt").write_bytes(b"c" * 500)
        return {"epochs": epochs}
    store.compute(("search", seed), compute)


def hang(p):
    """Work that is not an item (like training a teacher): only the alarm stops it."""
    while True:
        time.sleep(0.05)
'''


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """The fake module importable as `burstfake`, results under tmp_path/results, a call log."""
    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / "burstfake.py").write_text(FAKE)
    monkeypatch.syspath_prepend(str(tmp_path / "mods"))
    monkeypatch.setenv("NASBOOK_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("CALLS", str(tmp_path / "calls"))
    (tmp_path / "calls").write_text("")
    yield tmp_path
    sys.modules.pop("burstfake", None)


def _plan(path: Path, *steps) -> Path:
    path.write_text(json.dumps([{"call": f"burstfake:{name}", **extra} for name, extra in steps]))
    return path


def _names(archive: Path) -> list[str]:
    with tarfile.open(archive) as tar:
        return sorted(m.name for m in tar.getmembers())


def _items(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("items/*.json"))


# ---------------------------------------------------------------- the store's deadline
def test_compute_refuses_to_start_an_item_within_the_margin(tmp_path):
    s = store.ResultStore("exp", {"a": 1}, root=tmp_path)
    with store.deadline(10, margin=60):
        with pytest.raises(store.DeadlineReached, match="not starting item"):
            s.compute("x", lambda: pytest.fail("started an item within the margin"))
    # the margin grows to the longest item seen: at most 0.5 s left after a 0.6 s item, so no second one
    with store.deadline(1.1, margin=0.0):
        s.compute("a", lambda: time.sleep(0.6) or 1)
        with pytest.raises(store.DeadlineReached):
            s.compute("b", lambda: 2)
        assert s.compute("a", lambda: None) == 1  # a stored item is still read
    assert store.remaining() == float("inf") and "b" not in s


def test_rmi_evaluate_refuses_to_start_a_chunk_at_the_deadline(tmp_path):
    settings = {"C": 4, "N": 1, "steps": 8, "batch_size": 16, "gamma": 4, "record_every": 2}
    with store.deadline(5, margin=60), pytest.raises(store.DeadlineReached, match="RMI chunk"):
        rmi.evaluate([nb201.arch_of(0), nb201.arch_of(1)], settings, root=tmp_path, device="cpu", progress=False)
    assert not list(tmp_path.rglob("items/*.json"))


# ---------------------------------------------------------------- bursts
def test_burst_stops_before_the_deadline_and_a_rerun_resumes(fake):
    plan = _plan(fake / "plan.json", ("work", {}))
    t = time.monotonic()
    m1 = burst.run("smoke", 1.5, fake / "out1", plan, margin=0.1, reserve=0.2)
    wall = time.monotonic() - t
    assert wall < 1.5 + 0.5, wall
    assert m1["stopped"] == "deadline" and m1["steps"][0]["status"] == "stopped" and m1["finished_steps"] == []
    first = m1["items"]["new"]
    assert 1 <= first < 12
    assert m1["steps"][0]["new_items"] == first                  # per step, for the README's GPU table
    archive1 = fake / "out1" / m1["archive"]
    assert sum("/items/" in n for n in _names(archive1)) == first
    assert json.loads((fake / "out1" / (archive1.name[:-7] + ".json")).read_text())["items"]["new"] == first

    m2 = burst.run("smoke", 30, fake / "out2", plan, margin=0.1, reserve=0.2)
    assert m2["stopped"] == "plan complete" and m2["finished_steps"] == [0]
    assert m2["items"]["new"] == 12 - first                      # only what was missing
    assert m2["steps"][0]["new_items"] == 12 - first
    calls = (fake / "calls").read_text().split("\n")[:-1]
    assert sorted(calls) == sorted(f"item {i}" for i in range(12))  # nothing computed twice

    fresh = fake / "fresh"
    for archive in (archive1, fake / "out2" / m2["archive"]):
        burst.import_archive(archive, fresh)
    assert _items(fresh) == _items(fake / "results")
    added, skipped = burst.import_archive(archive1, fresh)     # again: everything identical
    assert added == [] and skipped == len(_names(archive1))


def test_burst_archives_only_checkpoints_needed_to_resume(fake):
    plan = _plan(fake / "plan.json", ("teacher", {}), ("search", {"kwargs": {"seed": 0}}),
                 ("search", {"kwargs": {"seed": 1}}), ("work", {}))
    m = burst.run("smoke", 1.0, fake / "out", plan, margin=0.2, reserve=0.1)
    assert [r["status"] for r in m["steps"]] == ["done", "done", "stopped", "not started"]
    assert "stopped after epoch" in m["steps"][2]["why"]
    names = _names(fake / "out" / m["archive"])
    checkpoints = [n for n in names if "/artifacts/" in n]
    newest = sorted((fake / "results/smoke/fake_search").glob("*/artifacts/supernet_e*.pt"))[-1]
    assert len(checkpoints) == 2, checkpoints
    assert any(n.startswith("smoke/rmi_teachers/") and n.endswith("epoch002.pt") for n in checkpoints)
    assert any(n.endswith(newest.name) and "fake_search" in n for n in checkpoints)  # seed 1, unfinished
    why = {x["file"]: x["why"] for x in m["left_out"]}
    assert any(f.endswith("supernet_e002.pt") and w == "its step finished" for f, w in why.items())  # seed 0
    assert any(f.endswith("epoch001.pt") and "older" in w for f, w in why.items())


def test_burst_refuses_to_retrain_a_teacher_whose_results_are_stored(fake):
    """A teacher's stored results without its checkpoint (a GPU machine that was not sent the
    ignored artifacts folder) would be retrained into another network: the burst refuses to start."""
    plan = _plan(fake / "plan.json", ("teacher", {}), ("work", {}))
    burst.run("smoke", 30.0, fake / "out", plan, margin=0.1, reserve=0.1)
    run_dir = next((fake / "results/smoke/rmi_teachers").glob("*/"))
    for ckpt in (run_dir / "artifacts").glob("*.pt"):
        ckpt.unlink()
    with pytest.raises(burst.BurstError, match="stored results but no checkpoint.*carry results/smoke/rmi_teachers"):
        burst.run("smoke", 30.0, fake / "again", plan, margin=0.1, reserve=0.1)
    assert not (fake / "again").exists() or not list((fake / "again").iterdir())
    (run_dir / "artifacts" / "epoch002.pt").write_bytes(b"w")  # the checkpoint is back: the burst runs
    assert burst.run("smoke", 30.0, fake / "again", plan, margin=0.1, reserve=0.1)["stopped"] == "plan complete"


def test_burst_alarm_stops_work_that_is_not_an_item(fake):
    plan = _plan(fake / "plan.json", ("hang", {}), ("work", {}))
    t = time.monotonic()
    m = burst.run("smoke", 1.0, fake / "out", plan, margin=0.1, reserve=0.2)
    assert time.monotonic() - t < 1.0 + 0.5
    assert m["stopped"] == "deadline" and m["steps"][0]["status"] == "stopped"
    assert m["steps"][1]["status"] == "not started" and (fake / "out" / m["archive"]).exists()


def test_burst_killed_with_sigterm_still_writes_its_archive(fake):
    """`timeout` (or the GPU machine's time limit) sends SIGTERM: the burst stops and archives."""
    plan = _plan(fake / "plan.json", ("work", {}), ("hang", {}))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake / "mods"), str(REPO)])}
    proc = subprocess.Popen([sys.executable, "-m", "nasbook", "burst", "--profile", "smoke", "--deadline", "120",
                             "--margin", "0.1", "--plan", str(plan), "--out", str(fake / "out")], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if "step 2/2" in line:
            break
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
    m = json.loads(next((fake / "out").glob("burst-smoke-*.json")).read_text())
    assert [r["status"] for r in m["steps"]] == ["done", "stopped"] and "SIGTERM" in m["steps"][1]["why"]
    assert sum("/items/" in n for n in _names(fake / "out" / m["archive"])) == 12


def test_import_with_a_conflicting_file_is_refused_and_writes_nothing(tmp_path):
    src = tmp_path / "src"
    for rel, text in {"paper/exp/k/items/a.json": "new", "paper/exp/k/items/b.json": "theirs",
                      "paper/exp/k/config.json": "same"}.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(text)
    archive = tmp_path / "burst.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src / "paper", arcname="paper")
    results = tmp_path / "results"
    (results / "paper/exp/k/items").mkdir(parents=True)
    (results / "paper/exp/k/items/b.json").write_text("ours")
    (results / "paper/exp/k/config.json").write_text("same")
    before = sorted((p.relative_to(results), p.read_bytes()) for p in results.rglob("*") if p.is_file())
    with pytest.raises(burst.BurstError, match=r"b\.json exists with other content"):
        burst.import_archive(archive, results)
    after = sorted((p.relative_to(results), p.read_bytes()) for p in results.rglob("*") if p.is_file())
    assert after == before and sorted(p.name for p in results.iterdir()) == ["paper"]  # no temp folder left

    (results / "paper/exp/k/items/b.json").write_text("theirs")  # the same content: a.json is added
    assert burst.import_archive(archive, results) == (["paper/exp/k/items/a.json"], 2)

    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(src / "paper/exp/k/items/a.json", arcname="../a.json")
    with pytest.raises(burst.BurstError, match="expected plain files under relative paths"):
        burst.import_archive(evil, results)


def test_import_keeps_the_burst_manifest_and_notebook_manifests_list_it(fake, monkeypatch):
    """Where stored numbers were computed travels with them: the manifest beside the archive is
    kept under results/<profile>/bursts/ and every notebook manifest of that profile lists it."""
    from nasbook.outputs import Outputs, burst_records

    plan = _plan(fake / "plan.json", ("work", {}))
    m = burst.run("smoke", 30.0, fake / "out", plan, margin=0.1, reserve=0.1)
    here = fake / "here"
    added, _ = burst.import_archive(fake / "out" / m["archive"], here)
    record = f"smoke/bursts/{m['archive'][:-7]}.json"
    assert record in added and json.loads((here / record).read_text())["device"] == m["device"]
    assert burst.import_archive(fake / "out" / m["archive"], here) == ([], len(added) - 1)  # again: nothing new
    monkeypatch.setenv("NASBOOK_RESULTS", str(here))
    monkeypatch.setenv("NASBOOK_FIGURES", str(fake / "figs"))
    [rec] = burst_records("smoke")
    assert rec["device"] == m["device"] and rec["new_items"] == {"fake_items": 12}
    out = Outputs("00_fake", "smoke", {}, 0)
    manifest = json.loads(out.finish().read_text())
    assert manifest["bursts"][0]["burst"] == m["archive"][:-7]


def test_timings_table_from_imported_manifests(fake, tmp_path):
    """`nasbook burst --timings`: one row per step that ran, from the manifests --import kept;
    --readme rewrites only the table between its markers."""
    plan = _plan(fake / "plan.json", ("work", {}), ("teacher", {}))
    here = fake / "here"
    assert "No burst of the smoke profile imported yet" in burst.timings_markdown("smoke", here)
    m = burst.run("smoke", 30.0, fake / "out", plan, margin=0.1, reserve=0.1)
    burst.import_archive(fake / "out" / m["archive"], here)
    rows = burst.timings("smoke", here)
    assert [(r["status"], r["new_items"]) for r in rows] == [(s["status"], s["new_items"]) for s in m["steps"]]
    assert rows[0]["status"] == "done" and rows[0]["new_items"] == 12 and rows[0]["device"] == m["device"]
    table = burst.timings_markdown("smoke", here)
    assert f"| finished | {m['steps'][0]['seconds']} | 12 |" in table
    assert "13 new items (fake_items 12, rmi_teachers 1)" in table and rows[1]["new_items"] == 1
    readme = tmp_path / "README.md"
    readme.write_text(f"top\n{burst.timings_begin('smoke')}\nold\n{burst.TIMINGS_END}\nbottom\n")
    assert burst.update_readme("smoke", readme, here)
    assert readme.read_text() == f"top\n{burst.timings_begin('smoke')}\n{table}\n{burst.TIMINGS_END}\nbottom\n"
    assert not burst.update_readme("smoke", readme, here)
    with pytest.raises(burst.BurstError, match="no burst timing markers for paper"):
        burst.update_readme("paper", readme, here)


def test_timings_command_prints_the_table(fake, monkeypatch, capsys):
    plan = _plan(fake / "plan.json", ("work", {}))
    m = burst.run("smoke", 30.0, fake / "out", plan, margin=0.1, reserve=0.1)
    burst.import_archive(fake / "out" / m["archive"], fake / "here")
    monkeypatch.setenv("NASBOOK_RESULTS", str(fake / "here"))
    capsys.readouterr()
    assert cli.main(["burst", "--timings", "--profile", "smoke"]) == 0
    assert capsys.readouterr().out.strip() == burst.timings_markdown("smoke", fake / "here")


def test_readme_gpu_timings_are_current():
    """Fails when a burst was imported and `nasbook burst --timings --readme` was not run."""
    section = (f"{burst.timings_begin('paper')}\n{burst.timings_markdown('paper', config.ROOT / 'results')}\n"
               f"{burst.TIMINGS_END}")
    assert section in (config.ROOT / "README.md").read_text()


def test_plan_files_name_functions_of_the_profile(tmp_path):
    for profile in ("smoke", "paper"):
        steps = burst.load_plan(REPO / "plans" / f"{profile}.json")
        bound = [burst.bind(step, profile, tmp_path) for step in steps]
        assert all(p.name == profile for _, p, _, _ in bound)
        # the supernet searches take the time left and stop at an epoch; the RMI steps stop at items
        assert [boxed for *_, boxed in bound] == ["nb201_weight_sharing:run" in s.call for s in steps]
    (tmp_path / "bad.json").write_text('[{"call": "nasbook.experiments.rmi_iterations"}]')
    with pytest.raises(burst.BurstError, match="step 0: expected"):
        burst.load_plan(tmp_path / "bad.json")


# ---------------------------------------------------------------- the data pack
@pytest.fixture(scope="module")
def packed(tmp_path_factory, shared_data):
    folder = tmp_path_factory.mktemp("pack") / ".gpu-data"
    assert cli.main(["data", "pack", str(folder)]) == 0
    return folder


def test_data_pack_holds_the_data_and_filelock(packed, monkeypatch, tmp_path):
    size = sum(p.stat().st_size for p in packed.rglob("*") if p.is_file())
    assert size < 40_000_000
    assert (packed / "cifar10" / "cifar10-jpeg.tar.gz").is_file() and (packed / "nb201" / "nb201.csv").is_file()
    assert len(list((packed / "teachers").glob("resnet*.th"))) == 4
    assert (packed / "python" / "filelock" / "__init__.py").is_file()
    assert not list(packed.rglob("__pycache__")) and not list(packed.parent.glob(".*.old"))
    monkeypatch.setenv("NASBOOK_DATA", str(packed))
    assert cifar.find_source().path == packed / "cifar10" / "cifar10-jpeg.tar.gz"
    monkeypatch.setattr(data_pack, "LIMIT", 1000)
    with pytest.raises(DataError, match="over the 0 MB limit"):
        data_pack.pack(tmp_path / "small")
    assert not (tmp_path / "small").exists()


def _allowed_distributions() -> set[str]:
    """The GPU machine's packages and what they require (filelock excepted: it comes from the pack)."""
    norm = lambda name: name.lower().replace("_", "-").replace(".", "-")  # noqa: E731
    todo, seen = ["torch", "numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "seaborn", "tqdm"], set()
    while todo:
        name = norm(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [r.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].split("!")[0].split("~")[0]
                 .strip() for r in requires if "extra ==" not in r]
    return seen - {"filelock"}


def test_burst_imports_nothing_beyond_the_gpu_machine_and_the_pack(packed, tmp_path):
    code = """
        import importlib.machinery, json, os, runpy, sys
        startup = set(sys.modules)
        for name in ("papermill", "jupytext", "nbformat", "nbconvert", "IPython", "ipykernel", "jupyter_client"):
            sys.modules[name] = None
        PACK = os.environ["PACK_PYTHON"]

        class FilelockOnlyFromThePack:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] != "filelock":
                    return None
                spec = importlib.machinery.PathFinder.find_spec(name, path or [PACK]) if PACK in sys.path else None
                if spec is None:
                    raise ModuleNotFoundError(f"no {name} outside the data pack", name=name)
                return spec

        sys.meta_path.insert(0, FilelockOnlyFromThePack())
        sys.argv = ["nasbook", "burst", "--profile", "paper", "--deadline", "1", "--out", os.environ["OUT"]]
        try:
            runpy.run_module("nasbook", run_name="__main__", alter_sys=True)
        except SystemExit as exc:
            code = exc.code
        top = {m.split(".")[0] for m in set(sys.modules) - startup}
        files = {m: getattr(sys.modules.get(m), "__file__", None) for m in top}
        json.dump({"code": code, "files": files}, open(os.environ["REPORT"], "w"))
    """
    env = {**os.environ, "NASBOOK_DATA": str(packed), "PACK_PYTHON": str(packed / "python"),
           "NASBOOK_RESULTS": str(tmp_path / "results"), "OUT": str(tmp_path / "out"),
           "REPORT": str(tmp_path / "report.json"), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["code"] == 0, proc.stderr[-3000:]
    assert report["files"]["filelock"].startswith(str(packed / "python"))
    owners, allowed = metadata.packages_distributions(), _allowed_distributions()
    outside = set()
    for file in filter(None, report["files"].values()):
        for site in (Path(p).resolve() for p in sys.path if p.endswith("site-packages")):
            if Path(file).resolve().is_relative_to(site):  # the installed package the module is part of
                top = Path(file).resolve().relative_to(site).parts[0].split(".")[0]
                if not {d.lower().replace("_", "-") for d in owners.get(top, [])} & allowed and top not in OPTIONAL:
                    outside.add(top)
    assert not outside, f"python -m nasbook burst imported packages a GPU machine lacks: {sorted(outside)}"
    assert list((tmp_path / "out").glob("burst-paper-*.tar.gz"))


# imported inside try/except by an allowed package, so harmless where missing:
# numpy.f2py tries charset_normalizer
OPTIONAL = {"charset_normalizer"}
