"""Several optimizers raced on one contour map, with f(x_t) per iteration beside it.

    >>> import numpy as np, steepest.viz as sv
    >>> f = lambda x, y: x**2 + 10 * y**2
    >>> def gd(lr, x=np.array([-2.0, 1.0]), n=20):  # x <- x - lr grad f(x)
    ...     path = [x]
    ...     for _ in range(n):
    ...         path.append(path[-1] - lr * np.array([2 * path[-1][0], 20 * path[-1][1]]))
    ...     return np.array(path)
    >>> fig = sv.plot_race(f, {"gd lr 0.02": gd(0.02), "gd lr 0.09": gd(0.09)})
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from steepest.viz._mpl import as_path, finish, plt, readable, vectorize
from steepest.viz.descent import _limits2d, draw_contour

__all__ = ["plot_race"]


def _values(f: Callable, result: Any, path: np.ndarray) -> np.ndarray:
    values = getattr(result, "values", None)
    if values is not None and not callable(values) and len(values) == len(path):
        return np.asarray(values, dtype=float)
    ok = np.all(np.isfinite(path), axis=1)
    out = np.full(len(path), np.nan)
    out[ok] = vectorize(f)(path[ok, 0], path[ok, 1])
    return out


def _iterations(result: Any, n: int) -> np.ndarray:
    """The iteration number of each row of a path: a Result's `iters` (a long run keeps a thinned
    path), else 0, 1, ..., n - 1."""
    iters = getattr(result, "iters", None)
    if iters is not None and len(iters) == n:
        return np.asarray(iters)
    return np.arange(n)


def plot_race(f: Callable, results: Mapping[str, Any], *, xlim: tuple[float, float] | None = None,
              ylim: tuple[float, float] | None = None, gradient_arrows: bool = False, levels: int = 30,
              grid: int = 200, title: str | None = None, save: str | os.PathLike | None = None) -> Any:
    """Optimizers raced: every path on one contour map (with a legend) and f(x_t) against t.

    Args:
        f: f(x, y) or f(v).
        results: label -> Result (or (n, 2) path), e.g. {"gd": res_gd, "momentum": res_m, "adam": res_a}.
    Returns:
        The matplotlib Figure.
    """
    if not results:
        raise ValueError("plot_race: no results given")
    labels = list(results)
    paths = [as_path(results[k]).reshape(-1, 2) for k in labels]
    xlim, ylim = _limits2d(paths, xlim, ylim)
    pyplot = plt()
    fig, (ax, ax2) = pyplot.subplots(1, 2, figsize=(12, 5), gridspec_kw={"width_ratios": [1.25, 1]})
    draw_contour(ax, f, paths, labels, xlim, ylim, gradient_arrows, levels, grid)
    ax.set_title("paths on the level sets of f", fontsize=10)
    colors = pyplot.cm.tab10(np.arange(10))
    colors[2] = (1.0, 0.4, 0.3, 1.0)
    vals = [_values(f, results[k], p) for k, p in zip(labels, paths, strict=True)]
    shift = min(float(np.nanmin(v)) for v in vals)
    log = shift > 0 or all(np.nanmax(v) - shift > 0 for v in vals)
    for i, (lab, v) in enumerate(zip(labels, vals, strict=True)):
        c = colors[(i + 3) % 10] if len(paths) > 1 else (1.0, 0.25, 0.2, 1.0)
        y = v if shift > 0 else v - shift + 1e-12  # on a log scale: f - min f seen, so it stays positive
        t = _iterations(results[lab], len(v))
        ax2.plot(t, y, "-", color=c, lw=1.8, label=f"{lab} ({int(t[-1])} steps)")
    if log:
        ax2.set_yscale("log")
    lengths = [len(v) for v in vals]
    if max(lengths) > 50 * min(lengths):  # 40 steps next to 17,000 would be a vertical line at t = 0
        ax2.set_xscale("symlog", linthresh=10)
        ax2.set_xlim(left=0)
    ax2.set_xlabel("iteration t" + (" (log scale past 10)" if ax2.get_xscale() == "symlog" else ""))
    ax2.set_ylabel("f(x_t)" if shift > 0 else "f(x_t) - min f seen")
    ax2.grid(alpha=0.3, which="both")
    ax2.legend(fontsize=8)
    ax2.set_title("how fast each one goes down", fontsize=10)
    if title:
        fig.suptitle(title)
    readable(fig)  # wider than a page: no text under 8 pt once shrunk to fit
    fig.tight_layout()
    return finish(fig, save)
