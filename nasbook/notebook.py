"""One notebook execution, started by one call after the tagged parameters cell:

    from nasbook.experiments import rmi_kendall_tau_vs_beta as ex
    nb = ex.start(globals())          # every parameter of the parameters cell is recorded
    nb.p                              # the resolved Profile: settings + result-store root
    nb.table(df, "name"); nb.figure(fig, "name")
    nb.claim(...)                     # register a computed claim (nasbook.claims.Claim)
    nb.verdicts()                     # the claims as Markdown: the notebook's "what was measured"
    nb.finish()                       # claims.csv + manifest.json

The parameter names are read from the notebook's own tagged parameters cell, so a parameter
added there reaches the manifest without anyone listing it again.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

from . import claims as registry
from . import config, executor, profiles
from .outputs import Outputs

NOTEBOOKS = config.ROOT / "notebooks"


class ParameterError(ValueError):
    pass


class Saved(type(Path())):
    """The path of a file a notebook wrote. It displays nothing as a cell's last value, so
    `nb.figure(...)` or `nb.finish()` ending a cell leaves no `PosixPath('...')` in the
    executed notebook and its report (the report's header says where the outputs are)."""

    def _ipython_display_(self):
        pass


def skip_iri_grammar() -> None:
    """Make nbformat (under jupytext, papermill and nbconvert) import about 2 s faster.

    nbformat imports jsonschema, and jsonschema imports the optional `rfc3987_syntax` when it
    is installed (jupyter-events installs it). That package builds a Lark grammar at import.
    The cost is paid in the CLI and again in every kernel that reads its parameters cell.
    nasbook validates no IRI formats, so a process that has not imported jsonschema yet does
    without it. jsonschema then accepts any "iri" string, as it does when the package is
    missing. `parameter_cell` calls this, and `nasbook run` does first."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # None in sys.modules: its import raises ImportError


def parameter_cell(stem: str) -> dict:
    """{name: default} of the tagged parameters cell of notebooks/<stem>.py."""
    skip_iri_grammar()
    import jupytext
    path = NOTEBOOKS / f"{stem}.py"
    nb = jupytext.read(path)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ParameterError(f"{path}: expected one cell tagged 'parameters', found {len(cells)}")
    out = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


class Session:
    def __init__(self, notebook: str, table: dict, params: dict):
        self.notebook = notebook
        self.params = dict(params)
        self.seed = int(self.params.get("seed", 0))
        self.p = profiles.resolve(table, self.params["profile"])
        self.out = Outputs(notebook, self.p.name, params=self.params, seed=self.seed)
        self.claims: list[registry.Claim] = []

    @property
    def profile(self) -> str:
        return self.p.name

    def table(self, df, name: str, **kw):
        self.out.table(df, name, **kw)
        return df

    def figure(self, fig, name: str, **kw) -> Saved:
        return Saved(self.out.figure(fig, name, **kw))

    def claim(self, *claims: registry.Claim) -> None:
        from dataclasses import replace
        self.claims += [replace(c, notebook=self.notebook) for c in claims]

    def claims_frame(self):
        return registry.frame(self.claims)

    def verdicts(self):
        """The registered claims as Markdown (the notebook's generated 'what was measured')."""
        from IPython.display import Markdown
        lines = [f"**What the {self.p.name} profile measured** (generated from the stored numbers):", ""]
        for c in self.claims:
            lines.append(f"- **{c.verdict}**: {c.claim} ({c.source}). Paper: {c.paper or 'no number'}; "
                         f"measured: {c.measured}. {c.reason}. Scale: {c.scale}.")
        return Markdown("\n".join(lines))

    def finish(self) -> Saved:
        if self.claims:
            self.out.table(self.claims_frame(), "claims", floatfmt=".4g")
        saved = Saved(self.out.finish())
        executor.close()  # the run's Ray tasks are over (nasbook run --executor ray)
        return saved


def start(notebook: str, table: dict, namespace: dict) -> Session:
    """A Session for `notebook` with every parameter of its parameters cell taken from
    `namespace` (the notebook's globals(), after papermill injected its values)."""
    import pandas as pd
    pd.set_option("display.precision", 3)  # tables in the notebook and its report; the CSVs keep every digit
    names = parameter_cell(notebook)
    missing = [n for n in names if n not in namespace]
    if missing:
        raise ParameterError(f"{notebook}: parameters {missing} are not defined; run the parameters cell first")
    return Session(notebook, table, {n: namespace[n] for n in names})
