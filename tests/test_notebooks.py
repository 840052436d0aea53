"""Every notebook executes end to end in the smoke profile, and every committed cpu/paper
figure set is regenerated from the committed results alone (--from-results)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9]*.py"))
COMMITTED = sorted((p.parent.parent.name, p.parent.name) for p in (REPO / "figures").glob("*/*/manifest.json")
                   if p.parent.parent.name in ("cpu", "paper"))


def nasbook_run(args, tmp_path, **env):
    full_env = dict(os.environ, NASBOOK_FIGURES=str(tmp_path / "figures"), **env)
    return subprocess.run([sys.executable, "-m", "nasbook.cli", "run", *args, "--build", str(tmp_path / "build")],
                          cwd=REPO, env=full_env, capture_output=True, text=True)


def test_every_notebook_is_thin_and_parametrised():
    assert "00_nb201_overview" in NOTEBOOKS
    for stem in NOTEBOOKS:
        text = (REPO / "notebooks" / f"{stem}.py").read_text()
        assert '# %% tags=["parameters"]' in text, f"{stem}: no tagged parameters cell"
        assert 'profile = "smoke"' in text, f"{stem}: the parameters cell must default to profile = \"smoke\""
        assert "out.finish()" in text, f"{stem}: must write its manifest with out.finish()"


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_notebook_smoke(stem, tmp_path):
    proc = nasbook_run([stem, "--profile", "smoke"], tmp_path, NASBOOK_RESULTS=str(tmp_path / "results"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    out = tmp_path / "figures" / "smoke" / stem
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["profile"] == "smoke" and manifest["outputs"], manifest
    assert any(name.endswith(".png") for name in manifest["outputs"]), f"{stem} made no figure"
    for name in manifest["outputs"]:
        assert (out / name).stat().st_size > 0
    assert (tmp_path / "build" / f"{stem}.html").exists()


@pytest.fixture(scope="module")
def committed_results(tmp_path_factory):
    """The committed result store only, as in a fresh clone (model checkpoints, the store's
    artifacts, are not committed); copied once, read-only for the tests below."""
    root = tmp_path_factory.mktemp("committed")
    tracked = subprocess.run(["git", "ls-files", "-z", "results"], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout.split("\0")
    for rel in filter(None, tracked):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / rel, root / rel)
    return root / "results"


@pytest.mark.parametrize("profile, stem", COMMITTED)
def test_committed_figures_regenerate_from_committed_results(profile, stem, tmp_path, committed_results):
    committed = REPO / "figures" / profile / stem
    proc = nasbook_run([stem, "--profile", profile, "--from-results"], tmp_path,
                       NASBOOK_RESULTS=str(committed_results))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    fresh = tmp_path / "figures" / profile / stem
    expected = json.loads((committed / "manifest.json").read_text())["outputs"]
    assert json.loads((fresh / "manifest.json").read_text())["outputs"] == expected
    for name in expected:
        assert (fresh / name).exists(), f"{name} was not regenerated"
        if name.endswith(".csv"):
            a, b = pd.read_csv(committed / name), pd.read_csv(fresh / name)
            pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-4)
