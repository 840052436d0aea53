"""Where the independent items of a result store are computed: here, one after the other (the
default, `local`), or as Ray tasks spread over the GPUs and CPUs of a Ray cluster (`ray`).

    NASBOOK_EXECUTOR     local | ray (`nasbook run ... --executor ray` sets it for the notebook's kernel)
    NASBOOK_RAY_ADDRESS  the cluster to join: "auto" (the one `ray start` runs on this node) or the
                         head's host:port; unset: join the one on this node, else start one here
    NASBOOK_RAY_CPUS     CPUs per task, also its torch threads (default 1)
    NASBOOK_RAY_GPUS     GPUs per task that wants one (default 1 when the cluster has GPUs, else 0;
                         0.5 puts two tasks on one GPU)
    NASBOOK_RAY_RETRIES  how often a failed task is run again (default 2)

The unit of work is a `Job`: a ResultStore, the items wanted from it, and `fn(chunk) -> values`
that computes a chunk of items (one RMI group of architectures, one search seed, one supernet
search). `current().run(jobs)` stores every missing item and returns; the caller then reads the
store as it always does, so a notebook is the same whichever executor ran it.

`ray`: the driver (the notebook's process) claims each chunk's items in the store, the per-item
locks of a local run (`ResultStore.claim`), and submits the chunk as a Ray task with its resource
needs. The task computes and returns the values; the driver writes them with `store.put` (the
atomic write of a local run) and releases the locks. So two drivers never compute the same item,
and a killed driver leaves whole items only: its tasks end with it, and a rerun computes what is
missing. A task that raises is run again up to NASBOOK_RAY_RETRIES times; a chunk that still
fails is reported in one line (`TaskFailed`) after every other chunk is stored. Workers read the
data, the checkout and anything a task reads from the store (teacher checkpoints, supernet
checkpoints) at the driver's paths, and write checkpoints there: every node must see them, at
the same paths (a shared filesystem; results themselves come back to the driver through Ray).

A task runs torch with NASBOOK_RAY_CPUS threads. Scores are reproducible bit for bit only at the
same thread count (`nasbook.rmi`), so a Ray run stores exactly what a local run with
OMP_NUM_THREADS=NASBOOK_RAY_CPUS stores (tests/test_executor.py).

Inside a `store.deadline` block (the GPU burst) work always runs locally, item by item, so that
it stops at an item boundary before the deadline.
"""
from __future__ import annotations

import contextlib
import math
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from tqdm.auto import tqdm

from . import config
from .store import MissingResult, ResultStore, item_clock, remaining, results_only

NAMES = ("local", "ray")
HINT = "pip install -e '.[ray]'"


class ExecutorError(RuntimeError):
    """A bad executor setting, or Ray missing."""


class TaskFailed(RuntimeError):
    """Chunks whose task still failed after its retries (everything else was stored)."""


@dataclass
class Job:
    """Items of one store and how to compute them: fn(chunk of items) -> their values, in order.

    fn runs where the executor puts it (here, or pickled into a Ray worker: then it must be a
    top-level function, a functools.partial of one or a small picklable object). `chunk` items
    go to one call; `gpu`: a task wants a GPU when the cluster has them; `final`: exceptions that
    are reported at once, never retried (e.g. a search that stopped at its time budget)."""
    store: ResultStore
    items: Sequence[Any]
    fn: Callable[[list], list]
    chunk: int = 1
    what: str = "items"
    gpu: bool = True
    final: tuple = ()
    label: str = "a chunk of {n} of {what}"  # one chunk, in a DeadlineReached message

    def chunk_text(self, chunk: list) -> str:
        return self.label.format(n=len(chunk), what=self.what)


class Each:
    """fn(item) -> value as a chunk function (chunk -> [fn(item) for item in chunk])."""

    def __init__(self, fn: Callable[[Any], Any]):
        self.fn = fn

    def __call__(self, chunk: list) -> list:
        return [self.fn(item) for item in chunk]


def name() -> str:
    """The configured executor: NASBOOK_EXECUTOR, default local (ExecutorError if unknown)."""
    value = (os.environ.get("NASBOOK_EXECUTOR") or "local").strip().lower()
    if value not in NAMES:
        raise ExecutorError(f"NASBOOK_EXECUTOR={value!r} is not an executor: expected one of {', '.join(NAMES)} "
                            f"(for example: nasbook run 01 --profile smoke --executor ray)")
    return value


def current() -> "Local | Ray":
    """The executor work runs on now: always local inside a deadline (see the module docstring)
    and in a read-only run (--from-results computes nothing)."""
    if name() == "local" or math.isfinite(remaining()) or results_only():
        return LOCAL
    return RAY


def distributed() -> bool:
    """Whether items go elsewhere than this process: callers whose local loop computes item by
    item (`ResultStore.compute`) hand their items to `current().run` only then."""
    return current() is not LOCAL


def _missing(job: Job) -> list:
    missing = list(dict.fromkeys(i for i in job.items if i not in job.store))
    if missing and job.store.readonly:
        raise MissingResult(job.store._missing(missing[0]))
    return missing


def _chunks(items: list, size: int) -> list[list]:
    size = max(1, int(size))
    return [items[i:i + size] for i in range(0, len(items), size)]


# ---------------------------------------------------------------- local
class Local:
    """Here, one chunk after the other: claim the missing items no other process holds,
    compute and store them, then wait for the rest (what another process holds)."""
    name = "local"

    def device(self, device=None):
        return device or config.device()

    def run(self, jobs: Sequence[Job], progress: bool = True) -> None:
        for job in jobs:
            missing = _missing(job)
            bar = tqdm(total=len(missing), desc=job.what, disable=not progress, leave=False)
            while missing:
                with job.store.claim(missing) as mine:
                    for chunk in _chunks(mine, job.chunk):
                        with item_clock(job.chunk_text(chunk)):  # stops before a deadline
                            for item, value in zip(chunk, job.fn(chunk)):
                                job.store.put(item, value)
                        bar.update(len(chunk))
                missing = [i for i in missing if i not in job.store]
                if missing:
                    job.store.wait_for(missing[0])
            bar.close()


# ---------------------------------------------------------------- ray
def _task(fn, chunk, threads, final):
    """One chunk in a Ray worker, with `threads` torch threads. An exception of `final` comes
    back as a value (Ray retries every other exception)."""
    import torch
    torch.set_num_threads(int(threads))
    try:
        return fn(chunk)
    except final as exc:
        return _Final(exc)


class _Final:
    def __init__(self, exc: BaseException):
        self.exc = exc


def _cause(err: BaseException) -> BaseException:
    """The exception a task raised, out of Ray's wrapper."""
    cause = getattr(err, "cause", None)
    return cause if isinstance(cause, BaseException) else err


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1] if text else ''}"


def _number(variable: str, default: float) -> float:
    value = os.environ.get(variable)
    if value in (None, ""):
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if number < 0:
        raise ExecutorError(f"{variable}={value!r} must be a number >= 0 (unset it for the default {default:g})")
    return number


def worker_env() -> dict[str, str]:
    """What a Ray worker needs to run this checkout as the driver does: the driver's NASBOOK_*
    settings (folders as absolute paths), this checkout first on PYTHONPATH, and the local
    executor (a task never spreads work further)."""
    env = {k: v for k, v in os.environ.items() if k.startswith("NASBOOK_")
           and k not in ("NASBOOK_EXECUTOR", "NASBOOK_RAY_ADDRESS", "NASBOOK_STORE_LOG")}
    env["NASBOOK_DATA"] = str(config.data_dir())
    config.absolute_dirs(env)
    env["NASBOOK_EXECUTOR"] = "local"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(config.ROOT), os.environ.get("PYTHONPATH")]))
    return env


@contextlib.contextmanager
def _cancelling(ray, flight: dict):
    """Cancel the tasks still in flight when the driver leaves early (Ctrl-C, an error)."""
    try:
        yield
    except BaseException:
        for ref in flight:
            ray.cancel(ref, force=True)
        raise


def start_ray(attempts: int = 3, **kwargs):
    """ray.init(**kwargs) (no dashboard, warnings only), tried again when Ray's own startup times
    out: on a loaded machine the raylet gives its dashboard agent a fixed 15 s to start and then
    exits (ray-project/ray#65983), which a second start usually survives."""
    import ray
    kwargs = {"include_dashboard": False, "logging_level": "WARNING", **kwargs}
    for attempt in range(1, attempts + 1):
        try:
            return ray.init(**kwargs)
        except Exception as exc:  # Ray raises a bare Exception here
            if "timed out during startup" not in str(exc) or attempt == attempts:
                raise
            ray.shutdown()


class Ray:
    """Chunks as Ray tasks (see the module docstring)."""
    name = "ray"

    def __init__(self):
        self._remote = None
        self.connected = False  # whether this process called ray.init (see close)

    def ray(self):
        """The ray module, connected (ray.init) on first use."""
        try:
            import ray
        except ImportError:
            raise ExecutorError(f"NASBOOK_EXECUTOR=ray needs Ray, which is not installed: {HINT}") from None
        if not ray.is_initialized():
            start_ray(address=os.environ.get("NASBOOK_RAY_ADDRESS") or None)
            self.connected, self._remote = True, None
        return ray

    def close(self) -> None:
        """Disconnect from Ray if this process connected (stopping the instance it started)."""
        if self.connected:
            import ray
            ray.shutdown()
            self.connected = False

    def settings(self) -> dict:
        ray = self.ray()
        cluster = ray.cluster_resources()
        has_gpu = cluster.get("GPU", 0) > 0
        return {"cpus": _number("NASBOOK_RAY_CPUS", 1), "gpus": _number("NASBOOK_RAY_GPUS", 1 if has_gpu else 0),
                "retries": int(_number("NASBOOK_RAY_RETRIES", 2)), "cluster": cluster, "env": worker_env()}

    def device(self, device=None):
        """The device a task computes on, for sizing chunks (a task picks its own)."""
        import torch
        return torch.device(device) if device else torch.device("cuda" if self.settings()["gpus"] else "cpu")

    def _submit(self, job: Job, chunk: list, s: dict):
        ray = self.ray()
        if self._remote is None:
            self._remote = ray.remote(_task)
        gpus = s["gpus"] if job.gpu else 0
        return self._remote.options(num_cpus=s["cpus"], num_gpus=gpus, max_retries=s["retries"],
                                    retry_exceptions=True, runtime_env={"env_vars": s["env"]}
                                    ).remote(job.fn, chunk, max(1, int(s["cpus"])), tuple(job.final))

    def run(self, jobs: Sequence[Job], progress: bool = True) -> None:
        """Store every missing item of `jobs`; at most a window of chunks (twice the tasks the
        cluster runs at once) is claimed and in flight at a time."""
        missing = {id(job): _missing(job) for job in jobs}
        if not any(missing.values()):
            return
        ray = self.ray()
        s = self.settings()
        slots = max(s["cluster"].get("CPU", 1) // (s["cpus"] or 1),
                    s["cluster"].get("GPU", 0) // s["gpus"] if s["gpus"] else 0)
        window = max(2, 2 * int(slots))
        bar = tqdm(total=sum(map(len, missing.values())), desc=", ".join(dict.fromkeys(j.what for j in jobs)),
                   disable=not progress, leave=False)
        failed, finals, total = [], [], 0
        while any(missing.values()):
            queue = [(job, chunk) for job in jobs for chunk in _chunks(missing[id(job)], job.chunk)]
            flight = {}  # ref -> (job, items, claim)
            with contextlib.ExitStack() as stack, _cancelling(ray, flight):
                while queue or flight:
                    while queue and len(flight) < window:
                        job, chunk = queue.pop(0)
                        claim = contextlib.ExitStack()
                        stack.callback(claim.close)  # released at the latest when the driver leaves
                        mine = claim.enter_context(job.store.claim(chunk))
                        if not mine:
                            claim.close()
                            continue
                        flight[self._submit(job, mine, s)] = (job, mine, claim)
                        total += 1
                    if not flight:
                        break
                    [ref], _ = ray.wait(list(flight), num_returns=1)
                    job, chunk, claim = flight.pop(ref)
                    try:
                        values = ray.get(ref)
                    except Exception as err:  # the task failed after its retries
                        failed.append((job, chunk, _cause(err)))
                    else:
                        if isinstance(values, _Final):
                            finals.append((job, chunk, values.exc))
                        else:
                            for item, value in zip(chunk, values):
                                job.store.put(item, value)
                            bar.update(len(chunk))
                    claim.close()
            if failed or finals:
                break
            for job in jobs:  # what another process held: wait for it, then take what it left
                missing[id(job)] = [i for i in missing[id(job)] if i not in job.store]
                if missing[id(job)]:
                    job.store.wait_for(missing[id(job)][0])
        bar.close()
        if finals:
            raise finals[0][2]
        if failed:
            job, chunk, exc = failed[0]
            more = f" and {len(chunk) - 1} more" if len(chunk) > 1 else ""
            raise TaskFailed(f"{len(failed)} of {total} Ray tasks failed after {s['retries'] + 1} attempts each "
                             f"(first: {job.what} {chunk[0]!r}{more}: {_one_line(exc)}); every other item is "
                             f"stored, rerun to compute only what is missing")


LOCAL, RAY = Local(), Ray()


def describe() -> str:
    """The executor in words, for a run's manifest: "local", or Ray with the cluster it used."""
    if name() == "local":
        return "local"
    ray = sys.modules.get("ray")
    if ray is None or not ray.is_initialized():
        return "ray (not used: nothing was computed)"
    s = RAY.settings()
    nodes = len([n for n in RAY.ray().nodes() if n.get("Alive")])
    return (f"ray: {nodes} node(s), {s['cluster'].get('CPU', 0):g} CPUs, {s['cluster'].get('GPU', 0):g} GPUs; "
            f"{s['cpus']:g} CPU(s) and {s['gpus']:g} GPU(s) per task")


def close() -> None:
    """Leave the Ray cluster if this process joined or started one (a no-op otherwise). A
    notebook calls it in `nb.finish()`, so that its kernel stops at once when papermill ends it
    (a kernel still holding a Ray instance is killed with SIGTERM, and Ray prints a stack dump)."""
    RAY.close()
