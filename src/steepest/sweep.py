"""st.sweep: grid and random search over training settings, on one core, several, or a Dask cluster.

    >>> import steepest as st
    >>> def train(lr, momentum):                       # any function of the settings
    ...     res = st.minimize(lambda x: x**2 + 5 * st.sin(x), -5.0, method="momentum", lr=lr,
    ...                       momentum=momentum, tol=1e-3, max_iter=200)
    ...     return res                                 # a Result, a History, a dict or a number
    >>> result = st.sweep(train, {"lr": [0.01, 0.1], "momentum": [0.0, 0.5]}, journal=None)
    >>> result.best["config"]["lr"], len(result.trials)
    (0.1, 4)

Trials run in batches, each batch one task of the executor, sized so that a task takes at least
`min_task_seconds` (0.1 s: trials of small nets take milliseconds, and a task costs about a
millisecond to send): the first trials run here to time them. Executors:
- None or "serial": in this process (no dependency);
- "processes": a local pool of processes (spawned: train_fn must be importable, a module-level
  function; a script that calls sweep needs `if __name__ == "__main__":`);
- a dask.distributed Client, passed as it is (pip install 'steepest[dask]'): Client() starts a
  LocalCluster; Client("tcp://scheduler:8786") uses a real cluster whose workers have steepest;
- or any concurrent.futures Executor.
Each finished batch is appended to the journal (steepest.sweep_journal) before the next is
waited for, so a sweep stopped in any way and run again with the same journal runs only the
trials it does not hold. Results are the same whatever the executor: each trial is a function of
its settings alone (seed it, with a "seed" setting, if it draws random numbers).
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from steepest.sweep_journal import Journal
from steepest.sweep_result import SweepResult
from steepest.sweep_space import trial_ids, trials

__all__ = ["sweep", "SweepResult", "run_batch", "outcome"]

METRICS = ("loss", "accuracy", "iterations", "reason")


def outcome(value: Any) -> dict[str, Any]:
    """A trial's return value as {"loss", "accuracy", "iterations", "reason"} (+ a dict's other keys):
    from a dict, a History (the last epoch), a Result (fun, n_iter, reason) or a number (the loss)."""
    if isinstance(value, dict):
        out = {k: value.get(k) for k in METRICS} | {k: v for k, v in value.items() if k not in METRICS}
    elif hasattr(value, "stopped_reason") and hasattr(value, "loss"):  # a History
        acc = value.val_accuracy or value.accuracy
        loss = value.val_loss or value.loss
        out = {
            "loss": loss[-1] if loss else None,
            "accuracy": acc[-1] if acc else None,
            "iterations": value.epochs,
            "reason": value.stopped_reason,
        }
    elif hasattr(value, "n_iter") and hasattr(value, "fun"):  # a Result
        out = {"loss": value.fun, "accuracy": None, "iterations": value.n_iter, "reason": value.reason}
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out = {"loss": value, "accuracy": None, "iterations": None, "reason": None}
    else:
        raise TypeError(
            f"sweep: train_fn returned a {type(value).__name__}; return a dict (loss, accuracy, "
            "iterations, reason), a History, a Result or a number"
        )
    return _plain(out)


def _plain(v: Any) -> Any:
    """JSON's values: numpy scalars as Python ones, inf and nan as None."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if hasattr(v, "item") and getattr(v, "ndim", 1) == 0:
        v = v.item()
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    return v if v is None or isinstance(v, (bool, int, str)) else str(v)


def run_batch(
    train_fn: Callable[..., Any], batch: list[tuple[str, int, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Run a batch of trials (id, index, config) where it lands; one record per trial. A trial that
    raises is recorded with its error, not lost (and not run again on resume: it is deterministic)."""
    records = []
    for trial_id, index, config in batch:
        start = time.perf_counter()
        try:
            result = outcome(train_fn(**config))
        except Exception as err:  # noqa: BLE001 - one bad trial must not stop the sweep
            result = {
                "loss": None,
                "accuracy": None,
                "iterations": None,
                "reason": f"error: {type(err).__name__}: {err}",
                "error": True,
            }
        records.append(
            {
                "id": trial_id,
                "index": index,
                "config": config,
                "result": result,
                "seconds": round(time.perf_counter() - start, 6),
            }
        )
    return records


def _name(fn: Callable) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def sweep(
    train_fn: Callable[..., Any],
    grid_or_space: Any,
    executor: Any = None,
    journal: str | os.PathLike | None = "sweep.jsonl",
    *,
    n_trials: int | None = None,
    seed: int = 0,
    metric: str = "loss",
    min_task_seconds: float = 0.1,
    max_workers: int | None = None,
) -> SweepResult:
    """Run train_fn(**config) for every trial of a grid or a random search; a table of the results.

    Args:
        train_fn: a function of the settings (keyword arguments) returning a dict with loss,
            accuracy, iterations, reason (any may be missing; more keys are kept), a History, a
            Result or a number (the loss).
        grid_or_space: {"lr": [0.01, 0.1], "momentum": [0, 0.9]} (a grid: every combination), a space
            with distributions ({"lr": LogUniform(1e-3, 1)}, lists are choices) and n_trials, or a
            list of configs (steepest.sweep_space).
        executor: None / "serial", "processes", a dask.distributed Client, or a concurrent.futures
            Executor (see the module docstring).
        journal: the JSON-lines file that records every finished trial and makes a sweep resumable
            (None: keep nothing).
        n_trials, seed: the draws of a random search.
        metric: "loss" (lowest best) or "accuracy" (highest best), for `best`.
        min_task_seconds: the least time a batch of trials should take.
        max_workers: processes for executor="processes" (default: the cores, at most 8).

    Returns:
        A SweepResult: trials (in the grid's order), best, table(), plot(), n_run, n_resumed.
    """
    if metric not in ("loss", "accuracy"):
        raise ValueError(f"sweep: metric must be 'loss' or 'accuracy', got {metric!r}")
    configs = trials(grid_or_space, n_trials, seed)
    ids = trial_ids(configs)
    book = Journal(journal, _name(train_fn)) if journal is not None else None
    done = book.read() if book is not None else {}
    done = {i: r for i, r in done.items() if i in set(ids)}
    todo = [(i, k, c) for k, (i, c) in enumerate(zip(ids, configs, strict=True)) if i not in done]
    n_resumed = len(configs) - len(todo)
    fresh, size = [], 1
    for records in _batches(train_fn, todo, executor, min_task_seconds, max_workers):
        if book is not None:
            book.append(records)
        fresh.extend(records)
        size = max(size, len(records))
    by_id = done | {r["id"]: r for r in fresh}
    rows = [by_id[i] | {"index": k} for k, i in enumerate(ids)]
    return SweepResult(
        rows,
        metric,
        n_run=len(fresh),
        n_resumed=n_resumed,
        batch_size=size,
        journal=None if book is None else book.path,
    )


def _batches(train_fn, todo, executor, min_seconds, max_workers) -> Iterator[list[dict[str, Any]]]:
    """Time the first trials here, then hand out the rest in batches that take >= min_seconds each."""
    spent, k = 0.0, 0
    while k < len(todo) and (k == 0 or spent < min_seconds) and k < 5:  # a few trials to time them
        start = time.perf_counter()
        yield run_batch(train_fn, [todo[k]])
        spent += time.perf_counter() - start
        k += 1
    rest = todo[k:]
    if not rest:
        return
    size = max(1, math.ceil(min_seconds / max(spent / k, 1e-9)))
    batches = [rest[i : i + size] for i in range(0, len(rest), size)]
    yield from _run(train_fn, batches, executor, max_workers)


def _run(train_fn, batches, executor, max_workers) -> Iterator[list[dict[str, Any]]]:
    if executor is None or executor == "serial":
        for batch in batches:
            yield run_batch(train_fn, batch)
    elif executor == "processes":
        import multiprocessing
        import pickle

        try:
            pickle.dumps(train_fn)
        except (pickle.PicklingError, AttributeError, TypeError) as err:
            raise ValueError(
                f"sweep: executor='processes' needs a train_fn that can be pickled, a function "
                f"defined at the top of an importable module, not {train_fn!r} ({err})"
            ) from None
        workers = max_workers or min(8, os.cpu_count() or 1)
        with cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield from _from_futures(train_fn, batches, pool, cf.as_completed)
    elif type(executor).__module__.split(".")[0] == "distributed":  # a dask.distributed Client
        from distributed import as_completed

        yield from _from_futures(train_fn, batches, executor, as_completed, pure=False)
    elif hasattr(executor, "submit"):
        yield from _from_futures(train_fn, batches, executor, cf.as_completed)
    else:
        raise ValueError(
            f"sweep: executor must be None, 'serial', 'processes', a dask.distributed Client or a "
            f"concurrent.futures Executor, got {executor!r}"
        )


def _from_futures(train_fn, batches, executor, as_completed, **options) -> Iterator[list[dict[str, Any]]]:
    futures = [executor.submit(run_batch, train_fn, batch, **options) for batch in batches]
    try:
        for future in as_completed(futures):
            yield future.result()
    finally:  # stopped early (an error, Ctrl-C): do not leave the rest running
        for future in futures:
            future.cancel()
