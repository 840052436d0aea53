"""Every notebook executes end to end in the smoke profile, and every committed cpu/paper
figure set is regenerated from the committed results alone (--from-results)."""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
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
    """A tagged parameters cell, one start call into its experiment module, no definitions, no
    private calls, computed verdicts, under ~100 lines, and the project's kernelspec header."""
    import re

    from nasbook.experiments import NOTEBOOKS as MODULES
    assert "00_nb201_overview" in NOTEBOOKS
    header = (REPO / "notebooks" / "00_nb201_overview.py").read_text().split("# ---\n\n", 1)[0]
    assert "kernelspec:" in header and "format_name: percent" in header
    for stem in NOTEBOOKS:
        text = (REPO / "notebooks" / f"{stem}.py").read_text()
        code = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        assert text.startswith(header), f"{stem}: jupytext/kernelspec header differs from notebook 00's"
        assert '# %% tags=["parameters"]' in text, f"{stem}: no tagged parameters cell"
        assert 'profile = "smoke"' in text, f"{stem}: the parameters cell must default to profile = \"smoke\""
        assert f"from nasbook.experiments import {MODULES[stem]} as ex" in text, stem
        assert "nb = ex.start(globals())" in text and "nb.finish()" in text and "nb.verdicts()" in text, stem
        assert not re.search(r"^\s*(def|class) ", code, re.M), f"{stem}: defines a function or class"
        assert not re.search(r"\._[a-z]", code), f"{stem}: calls a private function"
        assert len(text.splitlines()) <= 110, f"{stem}: {len(text.splitlines())} lines (thin notebooks stay ~100)"


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


def _tree(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("profile, stem", COMMITTED)
def test_committed_figures_regenerate_from_committed_results(profile, stem, tmp_path, committed_results):
    """Re-rendering over a copy of the committed figure set (as `--from-results` in a checkout
    does) reproduces every table, writes nothing into the result store and leaves the committed
    manifest byte-for-byte unchanged (it keeps the provenance of the run that computed the numbers)."""
    committed = REPO / "figures" / profile / stem
    fresh = tmp_path / "figures" / profile / stem
    shutil.copytree(committed, fresh)
    store_before = _tree(committed_results)
    proc = nasbook_run([stem, "--profile", profile, "--from-results"], tmp_path,
                       NASBOOK_RESULTS=str(committed_results))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    assert _tree(committed_results) == store_before, "a --from-results run wrote into the result store"
    assert (fresh / "manifest.json").read_bytes() == (committed / "manifest.json").read_bytes(), \
        "the re-render changed the committed manifest: re-render and commit it"
    expected = json.loads((committed / "manifest.json").read_text())["outputs"]
    for name in expected:
        assert (fresh / name).exists(), f"{name} was not regenerated"
        if name.endswith(".csv"):
            a, b = pd.read_csv(committed / name), pd.read_csv(fresh / name)
            pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-4)


@pytest.mark.skipif(importlib.util.find_spec("rfc3987_syntax") is None, reason="rfc3987_syntax is not installed")
def test_reading_a_parameters_cell_skips_the_iri_grammar_and_nbformat_still_validates():
    """parameter_cell (the CLI and every kernel call it) keeps jsonschema from importing the
    optional rfc3987_syntax (about 2 s to build its grammar), and nbformat still validates a
    notebook; a process that imported jsonschema before keeps the package as it is."""
    fresh = textwrap.dedent("""
        import sys
        from nasbook.notebook import parameter_cell
        assert parameter_cell("00_nb201_overview") == {"profile": "smoke", "seed": 0}
        assert "jsonschema" in sys.modules and sys.modules["rfc3987_syntax"] is None
        import jupytext, nbformat
        nbformat.validate(jupytext.read("notebooks/00_nb201_overview.py"))
        bad = nbformat.v4.new_notebook(); bad.cells.append({"cell_type": "code"})
        try:
            nbformat.validate(bad)
        except nbformat.ValidationError:
            print("invalid notebook refused")
    """)
    before = textwrap.dedent("""
        import sys, jsonschema
        from nasbook.notebook import parameter_cell
        parameter_cell("00_nb201_overview")
        assert sys.modules["rfc3987_syntax"] is not None
        print("kept")
    """)
    for code, expected in ((fresh, "invalid notebook refused"), (before, "kept")):
        proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
        assert proc.returncode == 0 and expected in proc.stdout, proc.stderr[-3000:]
