"""Interactive use: where the data is found (`config.data_dir`, `nasbook data use`), and the
notebooks served by Jupyter through jupytext (`nasbook lab`)."""
import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from nasbook import cli, config
from nasbook.data import DataError

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = "notebooks/01_rmi_kendall_tau_vs_beta.py"


# ----------------------------------------------------------------------------- data_dir resolution

@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A fake checkout tmp/work/main (with data/README.md only) beside tmp/work/shared; no NASBOOK_*."""
    root = tmp_path / "work" / "main"
    (root / "data").mkdir(parents=True)
    (root / "data" / "README.md").write_text("# data/\n")
    monkeypatch.setattr(config, "ROOT", root)
    for env in ("NASBOOK_DATA", "NASBOOK_CACHE", "NASBOOK_RESULTS", "NASBOOK_FIGURES"):
        monkeypatch.delenv(env, raising=False)
    return root


def test_fallbacks_data_then_shared_then_default(checkout):
    assert config.data_source() == (checkout / "data", "the default (nothing found elsewhere)")
    shared = checkout.parent / "shared" / "data"
    shared.mkdir(parents=True)
    assert config.data_dir() == shared  # data/ holds only its README
    (checkout / "data" / ".DS_Store").write_text("")
    assert config.data_dir() == shared  # hidden files don't count
    (checkout / "data" / "cifar10").mkdir()
    assert config.data_source() == (checkout / "data", "data/ in the checkout")


def test_relative_paths_are_taken_from_the_project_root(checkout, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # like a kernel in notebooks/: the current folder must not matter
    monkeypatch.setenv("NASBOOK_DATA", "../shared/data")
    monkeypatch.setenv("NASBOOK_RESULTS", "elsewhere/results")
    assert config.data_source() == (checkout.parent / "shared" / "data", "NASBOOK_DATA")
    assert config.results_dir() == checkout / "elsewhere" / "results"
    monkeypatch.setenv("NASBOOK_CACHE", str(tmp_path / "abs"))
    assert config.cache_dir() == tmp_path / "abs"
    assert config.figures_dir() == checkout / "figures"
    # `nasbook run` hands the kernel the same absolute paths
    monkeypatch.setattr(cli, "check_params", lambda path, params: None)
    monkeypatch.setattr(cli, "execute", lambda path, profile, params, build: build / f"{path.stem}.ipynb")
    monkeypatch.setattr("nasbook.claims.write_summary", lambda profile: None)
    assert cli.main(["run", "00", "--no-html", "--build", str(tmp_path / "build")]) == 0
    assert os.environ["NASBOOK_DATA"] == str(checkout.parent / "shared" / "data")
    assert os.environ["NASBOOK_RESULTS"] == str(checkout / "elsewhere" / "results")


def test_data_use_saves_the_folder_and_reports_it(checkout, tmp_path, monkeypatch, capsys):
    mine = tmp_path / "mine"
    (mine / "teachers").mkdir(parents=True)
    (mine / "teachers" / "resnet20-12fca82f.th").write_bytes(b"")
    monkeypatch.chdir(tmp_path)  # a relative PATH is from the project root, not from here
    with pytest.raises(SystemExit) as err:
        cli.main(["data", "use", "mine"])
    assert str(err.value) == (f"nasbook: data use: {checkout / 'mine'} is not a folder (a relative PATH is taken "
                              f"from the project root {checkout}); expected the folder that holds cifar10/, "
                              f"nb201/, teachers/")
    assert not (checkout / ".nasbook.json").exists()

    assert cli.main(["data", "use", "../../mine"]) == 0
    assert json.loads((checkout / ".nasbook.json").read_text()) == {"data": "../../mine"}  # stored as given
    out = capsys.readouterr().out.splitlines()
    assert out[1] == f"data dir: {mine} (saved by `nasbook data use` in {checkout / '.nasbook.json'})"
    assert out[2].startswith("cifar10: MISSING")
    assert out[-1] == (f"teachers: {mine / 'teachers'}: found resnet20; missing resnet32, resnet44, resnet56 "
                       f"(`nasbook data fetch teachers`)")
    # the saved folder beats data/ and ../shared/data; NASBOOK_DATA beats the saved folder
    (checkout / "data" / "cifar10").mkdir()
    (checkout.parent / "shared" / "data").mkdir(parents=True)
    assert config.data_dir() == mine
    monkeypatch.setenv("NASBOOK_DATA", str(tmp_path))
    assert config.data_dir() == tmp_path
    monkeypatch.delenv("NASBOOK_DATA")
    (checkout / ".nasbook.json").write_text('{"datadir": "x"}')
    with pytest.raises(DataError, match=r"not valid: expected \{\"data\": \"PATH\"\}; fix it with `nasbook data use"):
        config.data_dir()


def test_data_error_hints_work_from_any_folder(checkout, monkeypatch):
    """The hints say `nasbook data use ../shared/data`: relative to the project root, wherever it is typed."""
    shared = checkout.parent / "shared" / "data"
    shared.mkdir(parents=True)
    (checkout / "data" / "cifar10").mkdir()  # data/ wins, and holds no teachers
    from nasbook.data import teacher_checkpoint
    with pytest.raises(DataError, match=r"`nasbook data use \.\./shared/data`"):
        teacher_checkpoint(20)
    monkeypatch.chdir(checkout / "data")  # from here, ../shared/data would be main/shared/data
    assert cli.main(["data", "use", "../shared/data"]) == 0
    assert config.data_dir() == shared


# ----------------------------------------------------------------------------- nasbook lab

def test_lab_without_jupyterlab_says_how_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jupyterlab" else real(name, *a))
    monkeypatch.chdir(REPO)
    with pytest.raises(SystemExit) as err:
        cli.main(["lab", "--no-browser"])
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("nasbook: JupyterLab is not installed: ")
    assert msg.endswith(" install -e '.[lab]'")
    if Path(sys.prefix).resolve() == (REPO / ".venv").resolve():
        assert msg == "nasbook: JupyterLab is not installed: .venv/bin/pip install -e '.[lab]'"


def test_lab_arguments_and_environment(monkeypatch, tmp_path, capsys):
    with pytest.raises(SystemExit) as err:
        cli.main(["lab", "--help"])
    assert err.value.code == 0 and capsys.readouterr().out.startswith("usage: nasbook lab")
    with pytest.raises(SystemExit) as err:  # extra arguments are for `lab` only
        cli.main(["list", "--no-browser"])
    assert err.value.code == 2
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NASBOOK_DATA", "data")
    monkeypatch.setenv("NASBOOK_FIGURES", "../figs")
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(tmp_path))
    env = cli.lab_environment()
    assert env["NASBOOK_DATA"] == str(REPO / "data") and env["NASBOOK_FIGURES"] == str(REPO.parent / "figs")
    assert env["JUPYTER_CONFIG_PATH"] == os.pathsep.join([str(tmp_path), str(REPO / ".jupyter")])
    overrides = json.loads((REPO / ".jupyter" / "labconfig" / "default_setting_overrides.json").read_text())
    assert overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]["python"] == "Jupytext Notebook"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _jupyter(command: list[str], tmp_path: Path, timeout: float = 30):
    """A Jupyter server started by `command` in the repository root on a free local port with a
    token and a private config/runtime folder; yields request(method, path, body) -> JSON. Always
    terminated."""
    port, token = _free_port(), secrets.token_hex(16)
    env = cli.lab_environment()
    env.update(JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               OMP_NUM_THREADS="1")
    log = open(tmp_path / "server.log", "w+")
    proc = subprocess.Popen(command + ["--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                                       "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
                                       "--ServerApp.allow_root=True"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def request(path, method="GET", body=None):
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=10) as response:
            return json.loads(response.read() or b"null")

    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"the Jupyter server exited with {proc.returncode}:\n{log.read()[-3000:]}")
            try:
                request("/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the Jupyter server did not answer within {timeout} s")
                time.sleep(0.2)
        yield request
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def test_jupyter_serves_the_py_notebooks_as_notebooks(tmp_path):
    """What JupyterLab gets on a double-click: jupytext's contents manager (a server extension that
    comes with jupytext) turns notebooks/*.py into notebooks; saving one back changes nothing."""
    with _jupyter([sys.executable, "-m", "jupyter_server"], tmp_path) as request:
        model = request(f"/api/contents/{NOTEBOOK}?content=1")
        assert model["type"] == "notebook" and model["format"] == "json"
        code = [c for c in model["content"]["cells"] if c["cell_type"] == "code"]
        assert code[0]["metadata"]["tags"] == ["parameters"] and 'profile = "' in code[0]["source"]
        assert model["content"]["metadata"]["kernelspec"]["name"] == "python3"
        assert request("/api/contents/README.md?content=0")["type"] == "file"  # jupytext.toml: .md are documents
        # save it as JupyterLab does, after running it (outputs, execution metadata): inputs only, same bytes
        for cell in code:
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ran\n"}]
            cell["execution_count"] = 1
            cell["metadata"]["execution"] = {"iopub.status.busy": "2024-01-01T00:00:00Z"}
        model["content"]["metadata"]["language_info"] = {"name": "python"}
        scratch = REPO / "build" / f"test_lab_{secrets.token_hex(4)}"  # build/ is the untracked scratch area
        scratch.mkdir(parents=True)
        try:
            copy = f"{scratch.relative_to(REPO)}/{Path(NOTEBOOK).name}"
            request(f"/api/contents/{copy}", "PUT", {"type": "notebook", "format": "json", "content": model["content"]})
            assert (REPO / copy).read_text() == (REPO / NOTEBOOK).read_text()
        finally:
            shutil.rmtree(scratch)


def test_nasbook_lab_opens_py_notebooks_with_jupytext(tmp_path):
    """`nasbook lab` (needs the lab extra): JupyterLab's default viewer for Python files is the
    Jupytext Notebook, from the repository's .jupyter/labconfig."""
    pytest.importorskip("jupyterlab", reason="the lab extra is not installed (.venv/bin/pip install -e '.[lab]')")
    with _jupyter([sys.executable, "-m", "nasbook.cli", "lab"], tmp_path) as request:
        plugin = request("/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
        assert plugin["schema"]["properties"]["defaultViewers"]["default"]["python"] == "Jupytext Notebook"
        assert request(f"/api/contents/{NOTEBOOK}?content=0")["type"] == "notebook"


def test_tqdm_shows_a_widget_in_a_kernel():
    """With the lab extra (ipywidgets), tqdm.auto draws a widget in a notebook, without the
    'IProgress not found' warning."""
    pytest.importorskip("ipywidgets", reason="the lab extra is not installed (.venv/bin/pip install -e '.[lab]')")
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from tqdm.auto import tqdm\nfor _ in tqdm(range(3)):\n    pass")])
    NotebookClient(nb, kernel_name="python3", timeout=60).execute()
    outputs = nb.cells[0].outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    assert not any("IProgress" in o.get("text", "") for o in outputs)
