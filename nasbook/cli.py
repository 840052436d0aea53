"""The command line: run notebooks, manage data.

    nasbook run [NOTEBOOK ...] --profile smoke|cpu|paper [--from-results] [-p name=value ...]
    nasbook list
    nasbook data status | fetch cifar10|teachers | cache | import-nb201 --nats PATH

`run` converts each jupytext notebook (notebooks/NN_name.py) to .ipynb, executes it
with papermill (parameters: profile, seed, and any -p), keeps the executed copy in
build/<profile>/, renders an HTML report there, and leaves figures, tables and the run
manifest under figures/<profile>/<NN_name>/. --from-results forbids computing: every
number must come from the committed result store (this is how CI checks that the
committed figures still come out of the code).
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
    """Execute one jupytext notebook with papermill; return the executed .ipynb."""
    import jupytext
    import nbformat
    import papermill

    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    build.mkdir(parents=True, exist_ok=True)
    source = build / f"{path.stem}.input.ipynb"
    nbformat.write(nb, source)
    executed = build / f"{path.stem}.ipynb"
    papermill.execute_notebook(str(source), str(executed), parameters=dict(profile=profile, **params),
                               kernel_name="python3", cwd=str(path.parent), progress_bar=False,
                               log_output=os.environ.get("NASBOOK_LOG_OUTPUT", "") not in ("", "0"))
    source.unlink()
    return executed


def render_html(executed: list[Path], build: Path, profile: str) -> Path:
    import nbformat
    from nbconvert import HTMLExporter

    from .files import atomic_write

    exporter = HTMLExporter()
    links = []
    for nb_path in executed:
        body, _ = exporter.from_notebook_node(nbformat.read(nb_path, as_version=4))
        atomic_write(nb_path.with_suffix(".html"), body)
        links.append(f'<li><a href="{nb_path.stem}.html">{nb_path.stem}</a></li>')
    index = build / "report.html"
    atomic_write(index, f"<html><body><h1>nasbook report: profile {profile}</h1><ul>{''.join(links)}</ul></body></html>\n")
    return index


def cmd_run(args) -> int:
    profiles.check(args.profile)
    params = {"seed": args.seed}
    for item in args.param or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"nasbook: -p expects name=value, got {item!r}")
        params[name] = _value(value)
    if args.from_results:
        os.environ["NASBOOK_RESULTS_ONLY"] = "1"
    for env in ("NASBOOK_DATA", "NASBOOK_CACHE", "NASBOOK_RESULTS", "NASBOOK_FIGURES"):
        if os.environ.get(env):  # the kernel runs in notebooks/: pass absolute paths
            os.environ[env] = str(Path(os.environ[env]).expanduser().resolve())
    build = Path(args.build).resolve() if args.build else config.ROOT / "build" / args.profile
    executed, failed = [], []
    for path in notebook_paths(args.notebooks):
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
    if executed and not args.no_html:
        print(f"[nasbook] report: {render_html(executed, build, args.profile)}")
    if failed:
        print(f"[nasbook] failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def cmd_list(args) -> int:
    for path in notebook_paths([]):
        print(path.stem)
    return 0


def cmd_data(args) -> int:
    from . import data

    if args.action == "status":
        for line in data.status():
            print(line)
    elif args.action == "fetch":
        for what in args.what or ["cifar10", "teachers"]:
            data.fetch(what)
    elif args.action == "cache":
        for split in ("train", "test"):
            x, y = data.cifar10(split)
            print(f"cifar10 {split}: {tuple(x.shape)} cached under {config.cache_dir()}")
    elif args.action == "import-nb201":
        if not args.nats:
            raise SystemExit("nasbook: import-nb201 needs --nats PATH (the official NATS-Bench tss benchmark file/dir)")
        from .data import nb201
        print(f"wrote {nb201.import_nats(args.nats)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nasbook", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute notebooks with papermill")
    run.add_argument("notebooks", nargs="*", help="notebook stems or numbers (default: all)")
    run.add_argument("--profile", default="smoke", help="smoke | cpu | paper (default smoke)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("-p", "--param", action="append", help="extra notebook parameter name=value")
    run.add_argument("--from-results", action="store_true", help="never compute; read every number from the result store")
    run.add_argument("--build", help="where executed notebooks and the HTML report go (default build/<profile>)")
    run.add_argument("--no-html", action="store_true")
    run.set_defaults(fn=cmd_run)
    sub.add_parser("list", help="list notebooks").set_defaults(fn=cmd_list)
    d = sub.add_parser("data", help="data status, download, cache, NB201 import")
    d.add_argument("action", choices=["status", "fetch", "cache", "import-nb201"])
    d.add_argument("what", nargs="*", help="for fetch: cifar10, teachers")
    d.add_argument("--nats", help="for import-nb201: path to the official NATS-Bench tss files")
    d.set_defaults(fn=cmd_data)
    args = parser.parse_args(argv)
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
