"""The command line: run notebooks, manage data.

    nasbook run [NOTEBOOK ...] --profile smoke|cpu|paper [--from-results] [--executor local|ray] [-p name=value ...]
    nasbook list
    nasbook claims [--profile cpu] [--readme]
    nasbook store check [--repair]
    nasbook data status | use PATH | fetch cifar10|teachers | cache | import-nb201 --nats PATH | pack DIR
    nasbook burst --profile paper --deadline SECONDS --out DIR [--plan PATH] | --import ARCHIVE | --timings [--readme]
    nasbook lab [jupyter lab arguments ...]

`run` converts each jupytext notebook (notebooks/NN_name.py) to .ipynb, executes it
with papermill (parameters: profile, seed, and any -p), keeps the executed copy in
build/<profile>/, renders an HTML report there, and leaves figures, tables and the run
manifest under figures/<profile>/<NN_name>/, and collects every notebook's computed claims
into figures/<profile>/claims.csv (+ .md). --from-results forbids computing: every
number must come from the committed result store (this is how CI checks that the
committed figures still come out of the code). --executor ray computes the independent items
of the result store as Ray tasks on several GPUs or machines (nasbook.executor); the notebooks
and what they store stay the same.

`burst` (nasbook.burst) runs a profile's pending work on a lent GPU until a deadline and
leaves it as one archive; `burst --import` merges such an archive into results/. It imports
no Jupyter package (nor does this module at import time): `python -m nasbook burst` runs on a
machine with torch and the scientific stack only, plus the data pack (`data pack DIR`).
"""
from __future__ import annotations

import argparse
import ast
import os
import sys
import time
from pathlib import Path

from . import config, profiles

NOTEBOOKS = config.ROOT / "notebooks"


def notebook_paths(names: list[str]) -> list[Path]:
    available = sorted(p for p in NOTEBOOKS.glob("[0-9]*.py"))
    if not names:
        return available
    chosen = []
    for name in names:
        stem = Path(name).stem
        matches = [p for p in available if p.stem == stem or p.stem.startswith(stem + "_") or p.stem.split("_")[0] == stem]
        if not matches:
            raise SystemExit(f"nasbook: no notebook {name!r}; expected one of: "
                             + ", ".join(p.stem for p in available))
        chosen += matches
    return chosen


def _value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def execute(path: Path, profile: str, params: dict, build: Path) -> Path:
    """Execute one jupytext notebook with papermill; return the executed .ipynb.

    The input and the executed notebook are private to this process until the run ends (then
    renamed into build/), so two runs of the same notebook never share or delete each other's
    files; the executed copy is kept even when a cell fails (it shows where)."""
    import tempfile

    import jupytext
    import nbformat
    import papermill

    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    build.mkdir(parents=True, exist_ok=True)
    executed = build / f"{path.stem}.ipynb"
    with tempfile.TemporaryDirectory(prefix=f".{path.stem}.", dir=build) as tmp:
        source, out = Path(tmp) / "input.ipynb", Path(tmp) / "executed.ipynb"
        nbformat.write(nb, source)
        try:
            papermill.execute_notebook(str(source), str(out), parameters=dict(profile=profile, **params),
                                       kernel_name="python3", cwd=str(path.parent),
                                       progress_bar=not os.environ.get("NASBOOK_QUIET"),
                                       log_output=os.environ.get("NASBOOK_LOG_OUTPUT", "") not in ("", "0"))
        finally:
            if out.exists():
                os.replace(out, executed)
    return executed


def render_html(executed: list[Path], build: Path, profile: str) -> Path:
    """The HTML report (nasbook.report): a page per executed notebook and build/report.html."""
    from . import report
    return report.render(executed, build, profile)


def check_params(path: Path, params: dict) -> None:
    """Every -p name must be a parameter of the notebook's parameters cell (profile and seed
    have their own options)."""
    from .notebook import parameter_cell
    known = parameter_cell(path.stem)
    for name in params:
        if name in ("profile",):
            raise SystemExit(f"nasbook: set the profile with --profile, not -p {name}=...")
        if name not in known:
            raise SystemExit(f"nasbook: {path.stem} has no parameter {name!r}; its parameters are "
                             f"{', '.join(known)} (see its cell tagged 'parameters')")


def check_executor() -> None:
    """A bad NASBOOK_EXECUTOR, or Ray asked for but not installed: one line here, before any
    notebook starts (the kernel would fail the same way in its first computing cell)."""
    import importlib.util

    from . import executor
    try:
        if executor.name() == "ray" and importlib.util.find_spec("ray") is None:
            raise executor.ExecutorError(f"--executor ray needs Ray, which is not installed: {executor.HINT}")
    except executor.ExecutorError as exc:
        raise SystemExit(f"nasbook: {exc}") from None


def cmd_run(args) -> int:
    from .notebook import skip_iri_grammar
    skip_iri_grammar()  # before jupytext, papermill and nbconvert import nbformat
    profiles.check(args.profile)
    params = {"seed": args.seed}
    for item in args.param or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"nasbook: -p expects name=value, got {item!r}")
        params[name] = _value(value)
    paths = notebook_paths(args.notebooks)
    for path in paths:
        check_params(path, params)
    if args.from_results:
        os.environ["NASBOOK_RESULTS_ONLY"] = "1"
    if args.executor:
        os.environ["NASBOOK_EXECUTOR"] = args.executor  # reaches the kernel, as every NASBOOK_* setting does
    check_executor()
    config.absolute_dirs(os.environ)  # the kernel runs in notebooks/: pass absolute paths (relative = from ROOT)
    build = Path(args.build).resolve() if args.build else config.ROOT / "build" / args.profile
    executed, failed = [], []
    for path in paths:
        start = time.time()
        print(f"[nasbook] {path.stem} --profile {args.profile} ...", flush=True)
        try:
            executed.append(execute(path, args.profile, params, build))
            print(f"[nasbook] {path.stem}: done in {time.time() - start:.0f} s -> "
                  f"{config.figures_dir() / args.profile / path.stem}", flush=True)
        except Exception as exc:  # papermill raises PapermillExecutionError with the cell's traceback
            failed.append(path.stem)
            print(f"[nasbook] {path.stem}: FAILED after {time.time() - start:.0f} s\n{exc}", file=sys.stderr, flush=True)
            partial = build / f"{path.stem}.ipynb"
            if partial.exists():
                executed.append(partial)
    from . import claims
    summary = claims.write_summary(args.profile)
    if summary:
        print(f"[nasbook] claims: {summary}")
    if executed and not args.no_html:
        print(f"[nasbook] report: {render_html(executed, build, args.profile)}")
    if failed:
        print(f"[nasbook] failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def cmd_list(args) -> int:
    """Each notebook with its first claim line and, per profile, how many of its claims are
    registered in figures/<profile>/ (i.e. whether a run has rendered it)."""
    import pandas as pd
    for path in notebook_paths([]):
        title = next((line[4:].strip() for line in path.read_text().splitlines() if line.startswith("# # ")), "")
        state = []
        for profile in profiles.NAMES:
            claims = config.figures_dir() / profile / path.stem / "claims.csv"
            if claims.exists():
                verdicts = pd.read_csv(claims)["verdict"].value_counts()
                state.append(f"{profile}: " + ", ".join(f"{n} {v}" for v, n in verdicts.items()))
        print(f"{path.stem}\n    {title}\n    " + ("; ".join(state) if state else "not rendered yet"))
    return 0


def cmd_claims(args) -> int:
    from . import claims
    path = claims.write_summary(args.profile)
    if path is None:
        print(f"nasbook: no claims under {config.figures_dir() / args.profile}: run the notebooks first",
              file=sys.stderr)
        return 1
    print(f"wrote {path} ({len(claims.collect(args.profile))} claims)")
    if args.readme:
        changed = claims.update_readme(profile=args.profile)
        print(f"README.md claims table {'updated' if changed else 'already current'}")
    return 0


def cmd_store(args) -> int:
    from . import store
    broken = store.check(args.root, repair=args.repair)
    root = args.root or config.results_dir()
    for path in broken:
        print(f"{'removed' if args.repair else 'broken'}: {path}")
    print(f"{len(broken)} broken item(s) under {root}" + ("" if args.repair or not broken else
                                                          "; `nasbook store check --repair` deletes them"))
    return 1 if broken and not args.repair else 0


def cmd_data(args) -> int:
    from . import data

    if args.action == "status":
        for line in data.status():
            print(line)
    elif args.action == "use":
        if len(args.what) != 1:
            raise SystemExit("nasbook: data use expects one folder, e.g. `nasbook data use ../shared/data` "
                             "(a relative PATH is taken from the project root)")
        folder = config.resolve(args.what[0])
        if not folder.is_dir():
            raise SystemExit(f"nasbook: data use: {folder} is not a folder (a relative PATH is taken from the "
                             f"project root {config.ROOT}); expected the folder that holds cifar10/, nb201/, teachers/")
        print(f"saved {args.what[0]!r} ({folder}) in {config.save_data(args.what[0])}")
        if os.environ.get("NASBOOK_DATA"):
            print(f"note: NASBOOK_DATA={os.environ['NASBOOK_DATA']} is set in this shell and wins over the saved "
                  f"folder; `unset NASBOOK_DATA` to use it")
        for line in data.status():
            print(line)
    elif args.action == "fetch":
        for what in args.what or ["cifar10", "teachers"]:
            data.fetch(what)
    elif args.action == "cache":
        for split in ("train", "test"):
            x, y = data.cifar10(split)
            print(f"cifar10 {split}: {tuple(x.shape)} cached under {config.cache_dir()}")
    elif args.action == "pack":
        if len(args.what) != 1:
            raise SystemExit("nasbook: data pack expects one folder, e.g. `nasbook data pack .gpu-data`")
        from .data import pack
        folder, size = pack.pack(config.resolve(args.what[0]))
        print(f"wrote {folder}: {size / 1e6:.1f} MB (limit {pack.LIMIT / 1e6:.0f} MB); on the GPU machine: "
              f"NASBOOK_DATA={args.what[0]} PYTHONPATH=. python3 -m nasbook burst --profile paper ...")
    elif args.action == "import-nb201":
        if not args.nats:
            raise SystemExit("nasbook: import-nb201 needs --nats PATH (the official NATS-Bench tss benchmark file/dir)")
        from .data import nb201
        print(f"wrote {nb201.import_nats(args.nats)}")
    return 0


def cmd_burst(args) -> int:
    from . import burst  # adds the data pack's python/ to sys.path before it imports the store
    try:
        return burst.main(args)
    except burst.BurstError as exc:
        print(f"nasbook: {exc}", file=sys.stderr)
        return 2


def lab_environment() -> dict[str, str]:
    """The environment `nasbook lab` gives JupyterLab and, through it, every kernel: the data
    folder config.data_dir() finds (and any other NASBOOK_* folder) as absolute paths, since a
    kernel runs in the notebook's folder; and the repository's .jupyter/ on JUPYTER_CONFIG_PATH,
    whose labconfig/default_setting_overrides.json (written by `jupytext-config
    set-default-viewer python`) makes a double-click open a .py notebook as a notebook."""
    env = dict(os.environ, NASBOOK_DATA=str(config.data_dir()))
    config.absolute_dirs(env)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(filter(None, [env.get("JUPYTER_CONFIG_PATH"),
                                                               str(config.ROOT / ".jupyter")]))
    return env


def lab_install_hint() -> str:
    """The command that installs the `lab` extra into the environment running nasbook."""
    in_venv = Path(sys.prefix).resolve() == (config.ROOT / ".venv").resolve()
    pip = ".venv/bin/pip" if in_venv else f"{sys.executable} -m pip"
    here = Path.cwd().resolve() == config.ROOT.resolve()
    return ("" if here else f"cd {config.ROOT} && ") + f"{pip} install -e '.[lab]'"


def cmd_lab(args) -> int:
    """JupyterLab in the project root (notebooks/ visible), with the data found as everywhere else."""
    import importlib.util
    if importlib.util.find_spec("jupyterlab") is None:
        raise SystemExit(f"nasbook: JupyterLab is not installed: {lab_install_hint()}")
    env = lab_environment()
    where, why = config.data_source()
    print(f"[nasbook] JupyterLab in {config.ROOT}; data: {where} ({why})", flush=True)
    os.chdir(config.ROOT)
    os.execve(sys.executable, [sys.executable, "-m", "jupyterlab", *args.jupyter_args], env)


def main(argv: list[str] | None = None) -> int:
    from . import __version__
    parser = argparse.ArgumentParser(prog="nasbook", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"nasbook {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute notebooks with papermill")
    run.add_argument("notebooks", nargs="*", help="notebook stems or numbers (default: all)")
    run.add_argument("--profile", default="smoke", help="smoke | cpu | paper (default smoke)")
    run.add_argument("--seed", type=int, default=0, help="base seed passed to every notebook (default 0)")
    run.add_argument("-p", "--param", action="append", help="extra notebook parameter name=value")
    run.add_argument("--from-results", action="store_true", help="never compute; read every number from the result store")
    run.add_argument("--build", help="where executed notebooks and the HTML report go (default build/<profile>)")
    run.add_argument("--no-html", action="store_true", help="skip the HTML report")
    run.add_argument("--executor", choices=["local", "ray"],
                     help="where the store's independent items are computed: here (local, the default) or as Ray "
                          "tasks on the cluster NASBOOK_RAY_ADDRESS names (ray; pip install -e '.[ray]'); sets "
                          "NASBOOK_EXECUTOR")
    run.set_defaults(fn=cmd_run)
    sub.add_parser("list", help="list notebooks").set_defaults(fn=cmd_list)
    c = sub.add_parser("claims", help="collect the notebooks' computed claims into figures/<profile>/claims.csv")
    c.add_argument("--profile", default="cpu", help="smoke | cpu | paper (default cpu)")
    c.add_argument("--readme", action="store_true", help="also regenerate the README's claims table of the profile (cpu or paper)")
    c.set_defaults(fn=cmd_claims)
    st = sub.add_parser("store", help="check the result store for broken items (and remove them)")
    st.add_argument("action", choices=["check"], help="check: list broken items (exit 1 if any)")
    st.add_argument("--repair", action="store_true", help="delete broken items (they are recomputed on the next run)")
    st.add_argument("--root", help="result store root (default: NASBOOK_RESULTS or results/)")
    st.set_defaults(fn=cmd_store)
    d = sub.add_parser("data", help="data status, download, cache, NB201 import")
    d.add_argument("action", choices=["status", "use", "fetch", "cache", "import-nb201", "pack"],
                   help="status: what was found where; use PATH: remember the data folder; fetch: download; "
                        "cache: decode CIFAR-10; import-nb201: build the NB201 table from NATS-Bench files; "
                        "pack DIR: copy the data and the packages a bare GPU machine lacks into DIR")
    d.add_argument("what", nargs="*", help="for fetch: cifar10, teachers; for use: the data folder (relative "
                                           "to the project root), saved in .nasbook.json; for pack: the folder")
    d.add_argument("--nats", help="for import-nb201: path to the official NATS-Bench tss files")
    d.set_defaults(fn=cmd_data)
    b = sub.add_parser("burst", help="run a profile's pending work until a deadline (a GPU burst), or import "
                                     "a burst's archive", description="Run the steps of a plan (plans/<profile>.json) "
                       "until the deadline, then write what is new under results/<profile>/ as one archive and a "
                       "manifest in --out; or, with --import, merge such an archive into results/.")
    b.add_argument("--profile", default="paper", help="smoke | cpu | paper (default paper)")
    b.add_argument("--deadline", type=float, help="seconds from the start until the archive must be written")
    b.add_argument("--out", help="folder for the archive and its manifest (the folder the GPU machine returns)")
    b.add_argument("--plan", help="plan file (default plans/<profile>.json)")
    b.add_argument("--margin", type=float, default=None,
                   help="seconds an item is assumed to need at least (default nasbook.burst.MARGIN)")
    b.add_argument("--import", dest="archive", metavar="ARCHIVE", help="merge a burst archive into results/")
    b.add_argument("--timings", action="store_true",
                   help="print what the steps of the imported bursts of --profile took (results/<profile>/bursts/)")
    b.add_argument("--readme", action="store_true", help="with --timings: rewrite that table in README.md")
    b.set_defaults(fn=cmd_burst)
    lab = sub.add_parser("lab", help="start JupyterLab in the project root with the data found (needs the lab "
                                     "extra)", description="Start JupyterLab in the project root with "
                         "NASBOOK_DATA set to the data folder nasbook finds; .py notebooks open as notebooks. "
                         "Every other argument goes to `jupyter lab` (e.g. --no-browser --port=8890).")
    lab.set_defaults(fn=cmd_lab)
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.jupyter_args = extra
    try:
        return args.fn(args)
    except profiles.ProfileError as exc:
        print(f"nasbook: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from .data import DataError
        if isinstance(exc, DataError):
            print(f"nasbook: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
