"""The HTML report (nasbook.report): what a reader sees in build/<profile>/. Notebook 00 is
re-rendered from the committed cpu results (nothing computed) into a scratch build directory;
scripts/report_screenshot.sh shows the same pages in a browser (not run here)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from nasbook import report

REPO = Path(__file__).resolve().parent.parent
STEM = "00_nb201_overview"


@pytest.fixture(scope="module")
def built(tmp_path_factory, nasbook_data):
    """`nasbook run 00 --profile cpu --from-results` over a copy of figures/cpu; returns (build, figures)."""
    root = tmp_path_factory.mktemp("report")
    figures = root / "figures"
    shutil.copytree(REPO / "figures" / "cpu", figures / "cpu")
    env = dict(os.environ, NASBOOK_FIGURES=str(figures), NASBOOK_QUIET="1", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "nasbook.cli", "run", STEM, "--profile", "cpu", "--from-results",
                           "--build", str(root / "build")], cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    return root / "build", figures


def test_index_has_a_row_per_claim_with_its_verdict(built):
    build, figures = built
    claims = pd.read_csv(figures / "cpu" / "claims.csv", keep_default_na=False)
    soup = BeautifulSoup((build / "report.html").read_text(), "html.parser")
    rows = soup.select("table.claims tbody tr")
    assert len(rows) == len(claims)
    for row, claim in zip(rows, claims.itertuples()):
        assert row.select_one(".verdict").get_text(strip=True) == claim.verdict
        assert f"verdict-row-{claim.verdict.replace(' ', '-')}" in row["class"]
        assert claim.claim in row.select_one("td.claim").get_text()
        assert claim.measured in row.select_one("td.measured").get_text()
    links = {a.get_text(): a["href"] for a in soup.select("table.claims td.nb a")}
    assert links == {STEM: f"{STEM}.html"}, "only the notebooks rendered in this build have a page to link to"
    assert soup.select_one(".verdict-holds") is not None


def test_page_shows_outputs_not_code_or_noise(built):
    build, figures = built
    text = (build / f"{STEM}.html").read_text()
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["style", "script"]):
        tag.decompose()
    visible = soup.body.get_text(" ")
    for noise in ("In [", "In\xa0[", "Out[", "Executing", "PosixPath", "it/s]", "TqdmWarning", "tqdm",
                  "building networks", "# Parameters", "profile = "):
        assert noise not in visible, f"{noise!r} is shown on the report page"
    assert "PosixPath" not in text and not soup.select('[data-mime-type="application/vnd.jupyter.stderr"]')
    assert not soup.select(".jp-CodeCell .jp-InputArea, .jp-Editor"), "code is shown"
    assert soup.select("table.dataframe") and soup.select(".jp-RenderedImage img")
    assert soup.h1 and "NAS-Bench-201 overview" in soup.h1.get_text()


def test_page_header_summarises_parameters_and_provenance(built):
    build, figures = built
    manifest = json.loads((figures / "cpu" / STEM / "manifest.json").read_text())
    soup = BeautifulSoup((build / f"{STEM}.html").read_text(), "html.parser")
    header = soup.select_one("#nasbook-summary").get_text(" ", strip=True)
    assert "profile cpu" in header and "seed = 0" in header
    assert manifest["computed"]["git_commit"][:12] in header and f"device {manifest['computed']['device']}" in header
    assert "3 holds" in header
    assert soup.select_one("nav a")["href"] == "report.html"


def test_reader_outputs_drop_progress_bars_and_empty_cells():
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[
        v4.new_markdown_cell("# title"),
        v4.new_code_cell("x", outputs=[v4.new_output("stream", name="stderr", text="\r 50%|##  | 1/2 [00:01<00:01]"),
                                       v4.new_output("stream", name="stdout", text="kept\n")]),
        v4.new_code_cell("bar", outputs=[v4.new_output("display_data", data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "  0%|"})]),
        v4.new_code_cell("1/0", outputs=[v4.new_output("error", ename="ZeroDivisionError", evalue="", traceback=[])]),
    ])
    out, _ = report.ReaderOutputs().preprocess(nb, {})
    assert [c.cell_type for c in out.cells] == ["markdown", "code", "code"]
    assert [o.get("text") for o in out.cells[1].outputs] == ["kept\n"]
    assert out.cells[2].outputs[0].output_type == "error"
