"""The HTML report of a `nasbook run`: a page per executed notebook and an index of the claims.

    build/<profile>/<NN_name>.html   the executed notebook as a reader sees it
    build/<profile>/report.html      every claim of figures/<profile>/claims.csv, coloured by
                                     verdict, each notebook linked to its page

The pages are rendered by nbconvert with the template `nasbook` (nasbook/templates/nasbook/,
built on JupyterLab's "lab" template), with

- the code left out (`exclude_input`, no In/Out prompts): the reader sees prose, tables and
  figures; the code is in notebooks/<NN_name>.py and in the executed .ipynb beside the page;
- the tagged parameters cell and papermill's injected-parameters cell removed
  (`TagRemovePreprocessor`) and summarised in a header instead, with the manifest's provenance
  (figures/<profile>/<NN_name>/manifest.json, "computed": the commit and device that computed
  the numbers) and the notebook's verdicts;
- progress bars and warnings removed (`ReaderOutputs`: stderr streams and widget outputs), and
  code cells left without output dropped.

The index is rendered from the same template directory (report.html.j2, same stylesheet).
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from nbconvert.preprocessors import Preprocessor

from . import config

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = "nasbook"
PARAMETER_TAGS = ("parameters", "injected-parameters")
WIDGET_MIMETYPES = ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")


class ReaderOutputs(Preprocessor):
    """Keep what a reader should see: drop stderr streams (tqdm progress bars, warnings) and
    widget outputs (tqdm.notebook), then drop code cells left without any output (their code
    is not shown). Errors are kept: a failed notebook's page shows where it stopped."""

    def preprocess(self, nb, resources):
        cells = []
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [o for o in cell.outputs if not self.noise(o)]
                if not cell.outputs:
                    continue
            cells.append(cell)
        nb.cells = cells
        return nb, resources

    @staticmethod
    def noise(output) -> bool:
        if output.output_type == "stream":
            return output.name == "stderr"
        return any(m in output.get("data", {}) for m in WIDGET_MIMETYPES)


def exporter():
    """nbconvert's HTMLExporter with the nasbook template and the report's preprocessors."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    c = Config()
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES)]
    c.HTMLExporter.template_name = TEMPLATE
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(PARAMETER_TAGS)
    out = HTMLExporter(config=c)
    out.register_preprocessor(TagRemovePreprocessor(config=c), enabled=True)
    out.register_preprocessor(ReaderOutputs, enabled=True)
    return out


# ---------------------------------------------------------------- the page header

def _when(iso: str | None) -> str:
    if not iso:
        return "unknown time"
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(config.ROOT)) + "/"
    except ValueError:
        return str(path) + "/"


def summary(nb, stem: str, profile: str, figures: Path) -> dict:
    """What the page header says: profile, parameters (the defaults of the parameters cell with
    papermill's injected values), who computed the numbers (manifest "computed"), the verdicts."""
    import pandas as pd

    from . import claims as registry

    pm = nb.metadata.get("papermill", {})
    out_dir = figures / profile / stem
    manifest_path = out_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    # every parameter of the parameters cell (the manifest records them all), else papermill's
    params = {**pm.get("default_parameters", {}), **pm.get("parameters", {}), **manifest.get("parameters", {})}
    params.pop("profile", None)
    comp = manifest.get("computed", {})
    if comp:
        commit = str(comp.get("git_commit", "unknown"))
        short = commit[:12] + ("-dirty" if commit.endswith("-dirty") else "")
        computed = f"commit {short}, device {comp.get('device', 'unknown')}, finished {_when(comp.get('finished_utc'))}"
        if comp.get("note"):
            computed += f" ({comp['note']})"
    else:
        computed = f"no manifest at {_relative(out_dir)}manifest.json (the run did not finish)"
    verdicts = []
    claims_csv = out_dir / "claims.csv"
    if claims_csv.exists():
        counts = pd.read_csv(claims_csv)["verdict"].value_counts()  # this notebook's claims only
        verdicts = [(v, int(counts[v])) for v in registry.VERDICTS if v in counts]
    duration = pm.get("duration")
    return {"notebook": stem, "profile": profile, "source": f"notebooks/{stem}.py",
            "parameters": [(k, repr(v)) for k, v in params.items()],
            "failed": bool(pm.get("exception")),
            "computed": computed,
            "executed": f"executed {_when(pm.get('end_time'))}"
                        + (f" in {duration:.0f} s" if isinstance(duration, (int, float)) else ""),
            "outputs": _relative(out_dir), "n_outputs": len(manifest.get("outputs", [])),
            "ipynb": f"{stem}.ipynb", "index": "report.html", "verdicts": verdicts}


# ---------------------------------------------------------------- pages and index

def render(executed: list[Path], build: Path, profile: str) -> Path:
    """Write build/<stem>.html for every executed notebook and build/report.html; return the index."""
    import nbformat

    from . import claims as registry
    from .files import atomic_write

    figures = config.figures_dir()
    html = exporter()
    pages = []
    for path in executed:
        nb = nbformat.read(path, as_version=4)
        resources = {"nasbook": summary(nb, path.stem, profile, figures)}
        body, _ = html.from_notebook_node(nb, resources=resources)
        atomic_write(Path(build) / f"{path.stem}.html", body)
        pages.append({"notebook": path.stem, "page": f"{path.stem}.html", "failed": resources["nasbook"]["failed"]})

    failed = {p["notebook"] for p in pages if p["failed"]}
    pages = [{"notebook": p.stem, "page": p.name, "failed": p.stem in failed}  # this run's and earlier runs' pages
             for p in sorted(Path(build).glob("[0-9]*.html"))]
    linked = {p["notebook"] for p in pages}
    df = registry.collect(profile, figures)
    rows = []
    for r in df.to_dict("records"):
        r = {k: ("" if v is None or v != v else v) for k, v in r.items()}
        reason, _, rule = str(r["reason"]).partition(". Rule: ")  # the verdict's reason, then its rule
        first = not rows or rows[-1]["notebook"] != r["notebook"]
        rows.append({**r, "reason": reason, "rule": rule, "first": first,
                     "span": int((df["notebook"] == r["notebook"]).sum()),
                     "page": f"{r['notebook']}.html" if r["notebook"] in linked else None})
    counts = df["verdict"].value_counts()
    index = html.environment.get_template("report.html.j2").render(
        profile=profile, claims=rows, pages=pages, claims_csv=_relative(figures / profile).rstrip("/") + "/claims.csv",
        counts=[(v, int(counts[v])) for v in registry.VERDICTS if v in counts])
    return atomic_write(Path(build) / "report.html", index)
