"""python -m nasbook.experiments: one line per notebook and its experiment module."""
from . import NOTEBOOKS

for stem, name in NOTEBOOKS.items():
    print(f"nasbook.experiments.{name:<26} notebooks/{stem}.py")
