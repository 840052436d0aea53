"""The NAS-Bench-201 ground-truth table: one row per architecture, official index order.

``data_dir()/nb201/nb201.csv`` (see ../shared/data/README.md) has columns
index, arch, {cifar10,cifar100,imagenet16}_test_200 (200-epoch test accuracy, mean over
seeds) and the 12-epoch columns {cifar10,cifar100,imagenet16}_{valid,test}_12.
A user with the official NATS-Bench files builds the same table with
``nasbook data import-nb201 --nats PATH`` (`import_nats` / `from_nats`).

This module is the one access point for the table and its column names: `load_table()`,
`column(name)`, `valid_col(dataset)`, `test_col(dataset)`, `DATASETS`, `TEST`, `VALID`.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import data_dir
from ..files import atomic_path, record_data_file
from ..spaces import nb201 as space
from .errors import DataError

DATASETS = ("cifar10", "cifar100", "imagenet16")
TEST = {"cifar10": "cifar10_test_200", "cifar100": "cifar100_test_200", "imagenet16": "imagenet16_test_200"}
VALID = {"cifar10": "cifar10_valid_12", "cifar100": "cifar100_valid_12", "imagenet16": "imagenet16_valid_12"}
VALID_TEST12 = {"cifar10": "cifar10_test_12", "cifar100": "cifar100_test_12", "imagenet16": "imagenet16_test_12"}
ACCURACY_COLUMNS = (*TEST.values(), "cifar10_valid_12", "cifar10_test_12", "cifar100_valid_12",
                    "cifar100_test_12", "imagenet16_valid_12", "imagenet16_test_12")
COLUMNS = ("index", "arch", *ACCURACY_COLUMNS)

# How each column comes out of the official API: column -> (NATS dataset, get_more_info key, epochs).
# get_more_info: 'cifar10-valid' -> 'valid-accuracy' is x-valid; 'cifar10' -> 'test-accuracy' is
# ori-test; 'cifar100' / 'ImageNet16-120' -> 'valid-accuracy' is x-valid, 'test-accuracy' x-test.
NATS_COLUMNS = {
    "cifar10_test_200": ("cifar10", "test-accuracy", "long"),
    "cifar100_test_200": ("cifar100", "test-accuracy", "long"),
    "imagenet16_test_200": ("ImageNet16-120", "test-accuracy", "long"),
    "cifar10_valid_12": ("cifar10-valid", "valid-accuracy", "12"),
    "cifar10_test_12": ("cifar10", "test-accuracy", "12"),
    "cifar100_valid_12": ("cifar100", "valid-accuracy", "12"),
    "cifar100_test_12": ("cifar100", "test-accuracy", "12"),
    "imagenet16_valid_12": ("ImageNet16-120", "valid-accuracy", "12"),
    "imagenet16_test_12": ("ImageNet16-120", "test-accuracy", "12"),
}

FIX = ("Fix: use the shared data (`nasbook data use ../shared/data`, or copy "
       "../shared/data/nb201/nb201.csv there), or build it from the official NATS-Bench files with "
       "`nasbook data import-nb201 --nats PATH`.")


def table_path() -> Path:
    return data_dir() / "nb201" / "nb201.csv"


_CACHE: dict[tuple, pd.DataFrame] = {}


def _invalid(path: Path, what: str) -> DataError:
    return DataError(f"invalid NAS-Bench-201 table {path}: {what}. Expected a CSV with {space.NUM_ARCHS:,} "
                     f"rows, columns {', '.join(COLUMNS)}, and index 0..{space.NUM_ARCHS - 1} in official "
                     f"order. {FIX}")


def validate(df: pd.DataFrame, path: Path | str = "<table>") -> pd.DataFrame:
    """Check a table read from CSV (column 'index' or the DataFrame index); return it indexed by index."""
    path = Path(path)
    if "index" in df.columns:
        df = df.set_index("index")
    missing = [c for c in COLUMNS[1:] if c not in df.columns]
    if missing:
        raise _invalid(path, f"missing column(s) {', '.join(missing)}")
    if len(df) != space.NUM_ARCHS:
        raise _invalid(path, f"{len(df):,} rows")
    if not np.array_equal(df.index.to_numpy(), np.arange(space.NUM_ARCHS)):
        raise _invalid(path, "the index column is not 0..15624 in order")
    if list(df["arch"]) != space.all_archs():
        bad = next(i for i, (a, b) in enumerate(zip(df["arch"], space.all_archs())) if a != b)
        raise _invalid(path, f"row {bad} has arch {df['arch'].iloc[bad]!r}, but official index {bad} is "
                             f"{space.arch_of(bad)!r}")
    values = df[list(ACCURACY_COLUMNS)]
    not_numeric = [c for c in ACCURACY_COLUMNS
                   if not pd.api.types.is_numeric_dtype(values[c]) or pd.api.types.is_bool_dtype(values[c])]
    if not_numeric:
        col = values[not_numeric[0]]
        bad = col[pd.to_numeric(col, errors="coerce").isna() & col.notna()]
        example = f", e.g. index {bad.index[0]} has {bad.iloc[0]!r}" if len(bad) else ""
        raise _invalid(path, f"accuracy column(s) {', '.join(not_numeric)} are not numeric{example}")
    if values.isna().any().any() or not ((values >= 0) & (values <= 100)).all().all():
        raise _invalid(path, "accuracy columns have missing values or values outside 0..100 (percent)")
    df.index.name = "index"
    return df


def load_table(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The NB201 table indexed by official architecture index (a copy; cached per process)."""
    path = Path(path) if path is not None else table_path()
    if not path.is_file():
        raise DataError(f"NAS-Bench-201 table not found: looked for {path} (expected a CSV with "
                        f"{space.NUM_ARCHS:,} rows and columns {', '.join(COLUMNS)}). {FIX}")
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _CACHE:
        try:
            df = pd.read_csv(path)
        except Exception as err:  # noqa: BLE001 - unreadable CSV
            raise _invalid(path, f"could not parse it ({type(err).__name__}: {err})") from err
        _CACHE.clear()
        _CACHE[key] = validate(df, path)
    record_data_file(path)
    return _CACHE[key].copy()


def _column(name: str) -> str:
    """A column name, or a dataset name meaning its 200-epoch test column."""
    if name in ACCURACY_COLUMNS:
        return name
    if name in TEST:
        return TEST[name]
    raise KeyError(f"unknown NB201 column {name!r}; expected one of {', '.join(ACCURACY_COLUMNS)} "
                   f"or a dataset {', '.join(DATASETS)}")


def check_dataset(name: str) -> str:
    if name not in DATASETS:
        raise ValueError(f"unknown NB201 dataset {name!r}: expected one of {', '.join(DATASETS)}")
    return name



def valid_col(dataset: str) -> str:
    """The 12-epoch validation column of `dataset` (the signal a search may see)."""
    return VALID[check_dataset(dataset)]


def test_col(dataset: str) -> str:
    """The 200-epoch test column of `dataset` (the ground truth a search is judged by)."""
    return TEST[check_dataset(dataset)]


def column(name: str) -> np.ndarray:
    """One accuracy column (a column name, or a dataset for its 200-epoch test column) as a
    float array indexed by official architecture index."""
    return load_table()[_column(name)].to_numpy(dtype=np.float64)


def arch_index(arch_or_index) -> int:
    """Official index of an architecture string, op tuple or index (validated; ArchError if bad)."""
    if isinstance(arch_or_index, (int, np.integer)) and not isinstance(arch_or_index, bool):
        index = int(arch_or_index)
        if not 0 <= index < space.NUM_ARCHS:
            raise space.ArchError(f"architecture index {index} out of range 0..{space.NUM_ARCHS - 1}")
        return index
    return space.index_of(arch_or_index)


class Benchmark:
    """Look-ups in the NB201 table by architecture (string, op tuple or official index)."""

    def __init__(self, table: pd.DataFrame | None = None):
        self.table = load_table() if table is None else table

    def query(self, arch_or_index, column: str) -> float:
        return float(self.table[_column(column)].iat[arch_index(arch_or_index)])

    def valid(self, arch_or_index, dataset: str = "cifar10") -> float:
        """12-epoch validation accuracy (the search signal, NATS-Bench protocol)."""
        return self.query(arch_or_index, VALID[check_dataset(dataset)])

    def test(self, arch_or_index, dataset: str = "cifar10") -> float:
        """200-epoch test accuracy (what a search reports)."""
        return self.query(arch_or_index, TEST[check_dataset(dataset)])

    def values(self, column: str) -> np.ndarray:
        """The whole column as an array indexed by official architecture index."""
        return self.table[_column(column)].to_numpy()

    def best(self, column: str) -> float:
        """Highest value in a column (a dataset name means its 200-epoch test column)."""
        return float(self.table[_column(column)].max())

    def best_index(self, column: str) -> int:
        """Official index of the (first) architecture with the highest value in a column."""
        return int(self.table[_column(column)].to_numpy().argmax())


# ----------------------------------------------------------------------------- building from official files

def from_nats(api, hp: str = "200", indices=None, progress: bool = True) -> pd.DataFrame:
    """Build the table from an official NATS-Bench topology (or NAS-Bench-201) API object.

    The *_200 columns come from `hp` (the 200-epoch schedule), the *_12 columns from hp="12".
    Accuracies are `api.get_more_info(index, dataset, hp=..., is_random=False)` (mean over seeds).
    indices: which architectures (default: all of the API's, normally 0..15624).
    """
    from tqdm.auto import tqdm

    if indices is None:
        indices = range(len(api.meta_archs) if hasattr(api, "meta_archs") else len(api))
    rows = []
    for index in tqdm(list(indices), desc="reading NATS-Bench", disable=not progress):
        arch = api.arch(index) if hasattr(api, "arch") else api.meta_archs[index]
        arch = str(arch)
        if space.index_of(arch) != index:
            raise DataError(f"NATS-Bench API gives arch {arch!r} for index {index}, but nasbook's official "
                            f"index of that arch is {space.index_of(arch)}: not the NB201 topology space "
                            f"in official order (use the 'tss' benchmark, NATS-tss-v1_0-3ffb9).")
        infos, row = {}, {"index": index, "arch": arch}
        for column, (dataset, key, epochs) in NATS_COLUMNS.items():
            which = (dataset, str(hp) if epochs == "long" else "12")
            if which not in infos:
                infos[which] = api.get_more_info(index, dataset, hp=which[1], is_random=False)
            if key not in infos[which]:
                raise DataError(f"NATS-Bench get_more_info({index}, {dataset!r}, hp={which[1]!r}) has no "
                                f"{key!r} (keys: {sorted(infos[which])})")
            row[column] = float(infos[which][key])
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS)).set_index("index")


def save_table(df: pd.DataFrame, path: str | os.PathLike | None = None) -> Path:
    """Write the table as CSV (atomically) in the column order of COLUMNS."""
    path = Path(path) if path is not None else table_path()
    out = df.reset_index() if "index" not in df.columns else df
    with atomic_path(path) as tmp:
        out[list(COLUMNS)].to_csv(tmp, index=False)
    return path


def import_nats(nats_path: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """`nasbook data import-nb201 --nats PATH`: official NATS-tss files -> data_dir()/nb201/nb201.csv.

    PATH is the NATS-tss-v1_0-3ffb9 benchmark file or its '-simple' directory. Needs the
    official `nats_bench` package (pip install nats_bench).
    """
    try:
        import nats_bench
    except ImportError as err:
        raise DataError("importing NAS-Bench-201 needs the official `nats_bench` package: "
                        "`pip install nats_bench`, then run `nasbook data import-nb201 --nats PATH` again.") from err
    nats_path = Path(nats_path)
    if not nats_path.exists():
        raise DataError(f"NATS-Bench files not found at {nats_path} (expected NATS-tss-v1_0-3ffb9.pickle.pbz2 "
                        f"or the NATS-tss-v1_0-3ffb9-simple directory from the NATS-Bench README).")
    api = nats_bench.create(str(nats_path), "tss", fast_mode=nats_path.is_dir(), verbose=False)
    df = validate(from_nats(api), nats_path)
    return save_table(df, out)
