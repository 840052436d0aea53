"""Everything a notebook computes, one module per notebook, named after it:

  nb201_overview             notebooks/00_nb201_overview.py
  rmi_kendall_tau_vs_beta    notebooks/01_rmi_kendall_tau_vs_beta.py
  rmi_teacher_accuracy       notebooks/02_rmi_teacher_accuracy.py
  rmi_iterations             notebooks/03_rmi_iterations.py
  nb201_searches             notebooks/04_nb201_searches.py
  alpha_vs_discretization    notebooks/05_alpha_vs_discretization.py
  edge_shuffling             notebooks/06_edge_shuffling.py
  nb201_weight_sharing       notebooks/07_nb201_weight_sharing.py
  rmi_full_space             notebooks/08_rmi_full_space.py

Each module holds its notebook's profile table (`PROFILES`), `start(globals())` for the
notebook, the experiment functions (taking a resolved `nasbook.profiles.Profile`), and
`claims(...)`, which computes the notebook's verdicts from the stored numbers. Methods live
below (`nasbook.rmi`, `nasbook.search`, `nasbook.supernet`), search spaces in
`nasbook.spaces`; nothing there imports from here. Modules starting with "_" hold pieces
shared by several notebooks.

`python -m nasbook.experiments` lists the modules with their notebooks.
"""
from __future__ import annotations

import importlib

NOTEBOOKS = {
    "00_nb201_overview": "nb201_overview",
    "01_rmi_kendall_tau_vs_beta": "rmi_kendall_tau_vs_beta",
    "02_rmi_teacher_accuracy": "rmi_teacher_accuracy",
    "03_rmi_iterations": "rmi_iterations",
    "04_nb201_searches": "nb201_searches",
    "05_alpha_vs_discretization": "alpha_vs_discretization",
    "06_edge_shuffling": "edge_shuffling",
    "07_nb201_weight_sharing": "nb201_weight_sharing",
    "08_rmi_full_space": "rmi_full_space",
}
__all__ = list(NOTEBOOKS.values())


def module(notebook: str):
    """The experiment module of a notebook stem ("01_rmi_kendall_tau_vs_beta")."""
    if notebook not in NOTEBOOKS:
        raise KeyError(f"no experiment module for notebook {notebook!r}; expected one of {', '.join(NOTEBOOKS)}")
    return importlib.import_module(f"{__name__}.{NOTEBOOKS[notebook]}")
