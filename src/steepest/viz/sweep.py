"""A sweep as a heatmap: the metric over two settings (lr x momentum by default), the best cell marked.

>>> import steepest as st, steepest.viz as sv
>>> train = lambda lr, momentum: (lr - 0.1) ** 2 + momentum       # a stand-in for a training run
>>> result = st.sweep(train, {"lr": [0.01, 0.1, 1.0], "momentum": [0.0, 0.9]}, journal=None)
>>> fig = sv.plot_sweep(result, x="lr", y="momentum")
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from steepest.viz._mpl import finish, plt

__all__ = ["plot_sweep", "sweep_grid"]


def _order(values: list[Any]) -> list[Any]:
    unique = list(dict.fromkeys(values))
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in unique):
        return sorted(unique)
    return unique


def sweep_grid(result: Any, x: str, y: str, metric: str | None = None) -> tuple[list, list, np.ndarray]:
    """(x values, y values, grid[y, x]): in each cell the best metric over the trials with those two
    settings (the others vary within the cell); nan where no trial has a value."""
    names = result.names
    for axis in (x, y):
        if axis not in names:
            raise ValueError(f"plot_sweep: the sweep has no setting {axis!r}; it has {names}")
    metric = metric or result.metric
    xs = _order([t["config"][x] for t in result.trials if x in t["config"]])
    ys = _order([t["config"][y] for t in result.trials if y in t["config"]])
    grid = np.full((len(ys), len(xs)), np.nan)
    pick = np.fmin if metric != "accuracy" else np.fmax
    for t in result.trials:
        value = t["result"].get(metric)
        if x in t["config"] and y in t["config"] and isinstance(value, (int, float)) and math.isfinite(value):
            i, j = ys.index(t["config"][y]), xs.index(t["config"][x])
            grid[i, j] = pick(grid[i, j], value)
    return xs, ys, grid


def plot_sweep(
    result: Any,
    *,
    x: str = "lr",
    y: str = "momentum",
    metric: str | None = None,
    log: bool | None = None,
    title: str | None = None,
    ax: Any = None,
    save: str | os.PathLike | None = None,
) -> Any:
    """The metric of a sweep over two of its settings, one cell per pair of values, the best outlined.

    Args:
        result: a SweepResult from st.sweep.   x, y: the settings on the axes.
        metric: "loss", "accuracy", "iterations" (default: the sweep's metric).
        log: colour the loss on a log scale (default: when it spans more than two decades).
    Returns:
        The matplotlib Figure.
    """
    metric = metric or result.metric
    xs, ys, grid = sweep_grid(result, x, y, metric)
    pyplot = plt()
    size = (1.2 * len(xs) + 3, 0.8 * len(ys) + 2.2)
    own = ax is None  # a caller's Axes: the figure is theirs
    fig, ax = (ax.figure, ax) if ax is not None else pyplot.subplots(figsize=size)
    finite = grid[np.isfinite(grid)]
    if log is None:
        log = metric == "loss" and finite.size > 0 and finite.min() > 0 and finite.max() / finite.min() > 100
    shown = np.log10(grid) if log else grid
    cmap = "viridis_r" if metric != "accuracy" else "viridis"
    image = ax.imshow(shown, cmap=cmap, aspect="auto", origin="lower")
    fig.colorbar(image, ax=ax, label=f"log10 {metric}" if log else metric)
    for i in range(len(ys)):
        for j in range(len(xs)):
            text = "—" if not np.isfinite(grid[i, j]) else f"{grid[i, j]:.4g}"
            rgb = image.cmap(image.norm(shown[i, j]))[:3] if np.isfinite(shown[i, j]) else (0, 0, 0)
            light = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 0.55  # black text on a light cell
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color="black" if light else "white")
    if finite.size:
        i, j = np.unravel_index(
            np.nanargmin(grid) if metric != "accuracy" else np.nanargmax(grid), grid.shape
        )
        ax.add_patch(pyplot.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#d62728", lw=2.5))
    ax.set_xticks(range(len(xs)), [f"{v:g}" if isinstance(v, float) else str(v) for v in xs])
    ax.set_yticks(range(len(ys)), [f"{v:g}" if isinstance(v, float) else str(v) for v in ys])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    best = "lowest" if metric != "accuracy" else "highest"
    ax.set_title(title or f"{metric} of {len(result.trials)} trials, {best} outlined", fontsize=10)
    fig.tight_layout()
    return finish(fig, save, own=own)
