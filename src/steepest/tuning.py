"""The work behind `steepest lr-find` and `steepest sweep` (cli.py only reads their options), and
`train_trial`, the training run a sweep of the command line makes: a function of its settings alone,
importable by any worker (a process of this machine or of a Dask cluster).

    >>> from steepest.tuning import train_trial
    >>> out = train_trial(dataset="xor", hidden="4", lr=0.5, optimizer="momentum", momentum=0.9, epochs=300)
    >>> out["accuracy"], out["iterations"]
    (1.0, 300)
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

__all__ = ["train_trial", "find_lr", "run_sweep", "sweep_space", "numbers", "start_client"]


@functools.lru_cache(maxsize=8)
def _data(dataset: str, target: str | None, data_seed: int) -> tuple[np.ndarray, np.ndarray]:
    from steepest.cli import load_dataset

    return load_dataset(dataset, target, data_seed)


def _sizes(hidden: Any) -> list[int]:
    if isinstance(hidden, int):
        return [hidden] if hidden > 0 else []
    text = str(hidden).replace(" ", "")
    return [int(h) for h in text.split(",") if h and int(h) > 0]


def train_trial(
    dataset: str = "xor",
    hidden: Any = "8",
    lr: float = 0.1,
    optimizer: str = "gd",
    momentum: float | None = None,
    epochs: int = 200,
    seed: int = 0,
    activation: str = "tanh",
    batch_size: int | None = None,
    target: str | None = None,
    data_seed: int = 0,
) -> dict[str, Any]:
    """Train an MLP on a dataset (a built-in name or a CSV path) with these settings, as `steepest train`
    does; return the last epoch's loss and accuracy, the epochs run and why training stopped.

    The data are drawn with data_seed (the same for every trial); `seed` starts the weights and the
    minibatches. momentum is used by "momentum" and "nesterov" (and ignored, being meaningless, by
    the others, so that a grid over momentum and optimizers stays simple).
    """
    from steepest.cli import build_model
    from steepest.train import fit

    X, y = _data(dataset, target, int(data_seed))
    model, loss = build_model(X, y, _sizes(hidden), activation, int(seed))
    options = (
        {"momentum": float(momentum)}
        if momentum is not None and optimizer in ("momentum", "nesterov")
        else {}
    )
    hist = fit(
        model,
        X,
        y,
        loss=loss,
        optimizer=optimizer,
        lr=float(lr),
        epochs=int(epochs),
        batch_size=batch_size,
        seed=int(seed),
        progress=False,
        **options,
    )
    return {
        "loss": hist.loss[-1] if hist.loss else None,
        "accuracy": hist.accuracy[-1] if hist.accuracy else None,
        "iterations": hist.epochs,
        "reason": hist.stopped_reason,
    }


def numbers(text: str | None, option: str, kind: type = float) -> list[Any]:
    """ "0.01,0.1,1" -> [0.01, 0.1, 1.0] (a clear error naming the option otherwise)."""
    if text is None:
        return []
    try:
        return [kind(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{option}: expected numbers separated by commas, got {text!r}") from None


def sweep_space(
    lrs: list[float],
    momenta: list[float],
    hidden: list[str],
    optimizers: list[str],
    seeds: list[int],
    fixed: dict[str, Any],
    random: int | None,
) -> dict[str, Any]:
    """The grid (or, with `random`, the space: lr log-uniform and momentum uniform between the
    smallest and largest given, the rest chosen among the values given)."""
    from steepest.sweep_space import LogUniform, Uniform

    space: dict[str, Any] = dict(fixed)
    space.update(lr=lrs, hidden=hidden, optimizer=optimizers, seed=seeds)
    if momenta:
        space["momentum"] = momenta
    if random:
        if len(set(lrs)) > 1:
            space["lr"] = LogUniform(min(lrs), max(lrs))
        if len(set(momenta)) > 1:
            space["momentum"] = Uniform(min(momenta), max(momenta))
    return space


def start_client(scheduler: str | None, workers: int | None) -> Any:
    """A dask.distributed Client: of the cluster at `scheduler` ("tcp://host:8786"), or of a new
    LocalCluster with `workers` processes."""
    try:
        from distributed import Client
    except ImportError:
        raise ImportError("--executor dask needs Dask: pip install 'steepest[dask]'") from None
    if scheduler:
        return Client(scheduler)
    return Client(n_workers=workers or 2, threads_per_worker=1, dashboard_address=":0")


def run_sweep(
    space: dict[str, Any],
    executor: str,
    scheduler: str | None,
    workers: int | None,
    journal: str | None,
    random: int | None,
    seed: int,
) -> Any:
    """st.sweep of train_trial over the space, on the executor named."""
    from steepest.sweep import sweep

    _data(space["dataset"], None, 0)  # a dataset that cannot be loaded fails here, not in every trial
    client = start_client(scheduler, workers) if executor == "dask" or scheduler else None
    try:
        return sweep(
            train_trial,
            space,
            executor=client or executor,
            journal=journal,
            n_trials=random,
            seed=seed,
            metric="loss",
            max_workers=workers,
        )
    finally:
        if client is not None:
            client.close()


def find_lr(
    target: str,
    *,
    x0: str | None,
    variables: str | None,
    method: str,
    optimizer: str,
    hidden: str,
    activation: str,
    momentum: float | None,
    batch_size: int | None,
    seed: int,
    **settings: Any,
) -> tuple[Any, str]:
    """lr_find on a dataset (an MLP built as `steepest train` builds it) or on a formula; the LRFind
    and a one-line description of what was tested."""
    from steepest import cli
    from steepest.optim.lr_find import lr_find

    options = {"momentum": momentum} if momentum is not None else {}
    is_data = target.lower().rstrip("_") in cli.DATASETS or target.lower().endswith(".csv")
    if is_data:
        X, y = cli.load_dataset(target, None, seed)
        sizes = _sizes(hidden)
        model, loss = cli.build_model(X, y, sizes, activation, seed)
        found = lr_find(
            model,
            X,
            y,
            loss=loss,
            optimizer=optimizer,
            batch_size=batch_size,
            seed=seed,
            **options,
            **settings,
        )
        return (
            found,
            f"MLP {[X.shape[1], *sizes, cli.model_outputs(y)]} on {target}, {optimizer}, loss {loss}",
        )
    f = cli.expression(target, variables)
    start = cli.as_start(cli.point(x0, f.variables, "--x0", default=1.0))
    found = lr_find(f, start, method=method, seed=seed, **options, **settings)
    return found, f"{method} on f({', '.join(f.variables)}) = {f.text} from {cli.num(start, brackets='()')}"
