"""The claims registry: computed claims per notebook, the aggregate claims.csv, the README
table generated from it, and the notebook Session that records parameters and claims."""
import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nasbook import claims
from nasbook.claims import Claim, ClaimError

REPO = Path(__file__).resolve().parent.parent


def _claim(**kw):
    base = dict(id="c1", claim="tau peaks at 0.8", source="RMI-NAS Fig. 3a", paper="0.8", measured="0.8 [0.6, 1.0]",
                verdict="holds", reason="interval above 0", scale="25 archs x 3 seeds", value=0.8, lo=0.6, hi=1.0)
    return Claim(**{**base, **kw})


def test_claim_checks_verdict_and_required_fields():
    with pytest.raises(ClaimError, match="verdict 'yes' is not one of holds, partly, differs, inconclusive, not run"):
        _claim(verdict="yes")
    with pytest.raises(ClaimError, match="scale is empty"):
        _claim(scale=" ")
    with pytest.raises(ClaimError, match="ids repeat"):
        claims.frame([_claim(), _claim()])


def test_summary_and_readme_are_generated_from_the_notebooks_claims(tmp_path):
    figs = tmp_path / "figures"
    for nb, c in (("00_a", _claim(notebook="00_a")), ("01_b", _claim(notebook="01_b", id="x", verdict="differs",
                                                                          paper="", value=math.nan))):
        (figs / "cpu" / nb).mkdir(parents=True)
        claims.frame([c]).to_csv(figs / "cpu" / nb / "claims.csv", index=False)
    path = claims.write_summary("cpu", figs)
    df = pd.read_csv(path, keep_default_na=False)
    assert list(df["notebook"]) == ["00_a", "01_b"] and list(df["verdict"]) == ["holds", "differs"]
    assert list(df.columns) == list(claims.COLUMNS)
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\n{claims.README_BEGIN}\nold\n{claims.README_END}\n\ntail\n")
    assert claims.update_readme(readme, "cpu", figs) is True
    text = readme.read_text()
    assert "\nold\n" not in text and text.startswith("# title") and text.rstrip().endswith("tail")
    assert "| `01_b` | tau peaks at 0.8 (RMI-NAS Fig. 3a) |  | 0.8 [0.6, 1.0] | **differs**: interval above 0 |" in text
    assert claims.update_readme(readme, "cpu", figs) is False  # idempotent
    readme.write_text("# no markers\n")
    with pytest.raises(ClaimError, match="no generated claims table"):
        claims.update_readme(readme, "cpu", figs)


def test_readme_claims_table_is_current():
    """The README's claims table is exactly what `nasbook claims --readme` generates from the
    committed figures/cpu/claims.csv, which is exactly the notebooks' claims (fails when stale)."""
    committed = REPO / "figures" / "cpu" / "claims.csv"
    assert committed.read_text() == claims.to_csv(claims.collect("cpu", REPO / "figures")), \
        "figures/cpu/claims.csv is stale: run `nasbook claims --profile cpu`"
    committed = pd.read_csv(committed, keep_default_na=False)
    section = claims.readme_section("cpu", REPO / "figures")
    assert section in (REPO / "README.md").read_text(), "README claims table is stale: run `nasbook claims --readme`"
    notebooks = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9]*.py"))
    assert sorted(set(committed["notebook"])) == notebooks, "every notebook registers its claims at cpu"
    assert set(committed["verdict"]) <= set(claims.VERDICTS)
    paper = REPO / "figures" / "paper" / "claims.csv"  # the GPU results, where a burst has run
    if paper.exists():
        assert paper.read_text() == claims.to_csv(claims.collect("paper", REPO / "figures"))
        assert claims.readme_section("paper", REPO / "figures") in (REPO / "README.md").read_text(), \
            "README paper claims table is stale: run `nasbook claims --profile paper --readme`"


def test_session_records_every_parameter_of_the_parameters_cell(tmp_path, monkeypatch, shared_data):
    """`ex.start(globals())` takes the names from the notebook's tagged parameters cell, so a
    parameter such as notebook 07's max_seconds reaches the manifest."""
    from nasbook.experiments import nb201_weight_sharing as ws
    from nasbook.notebook import parameter_cell
    monkeypatch.setenv("NASBOOK_FIGURES", str(tmp_path))
    names = parameter_cell("07_nb201_weight_sharing")
    assert {"profile", "seed", "max_seconds"} <= set(names)
    nb = ws.start({**names, "profile": "smoke", "seed": 3, "max_seconds": 12, "unrelated": 1})
    assert nb.p.name == "smoke" and nb.seed == 3
    nb.claim(_claim())
    manifest = json.loads(nb.finish().read_text())
    assert manifest["parameters"] == {**names, "profile": "smoke", "seed": 3, "max_seconds": 12}
    assert "claims.csv" in manifest["outputs"]
    assert pd.read_csv(tmp_path / "smoke" / "07_nb201_weight_sharing" / "claims.csv")["notebook"].tolist() == \
        ["07_nb201_weight_sharing"]


def test_cli_refuses_unknown_notebook_parameters():
    proc = subprocess.run([sys.executable, "-m", "nasbook.cli", "run", "00", "-p", "stepz=5"], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "00_nb201_overview has no parameter 'stepz'; its parameters are profile, seed" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "nasbook.cli", "run", "00", "-p", "profile=cpu"], cwd=REPO,
                          capture_output=True, text=True)
    assert "set the profile with --profile" in proc.stderr


def test_experiments_package_lists_one_module_per_notebook():
    from nasbook import experiments
    notebooks = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9]*.py"))
    assert sorted(experiments.NOTEBOOKS) == notebooks
    out = subprocess.run([sys.executable, "-m", "nasbook.experiments"], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert len(out) == len(notebooks)
    modules = {p.stem for p in (REPO / "nasbook" / "experiments").glob("[a-z]*.py")}
    assert modules == set(experiments.NOTEBOOKS.values())
    strays = [str(p) for p in (REPO / "nasbook").rglob("*experiments*.py") if "experiments" not in p.parent.name]
    assert not strays
