"""Gradient descent drawn: a 1-D curve with numbered iterates and their tangents, a 2-D contour
map with the path and the negative gradient, and a 3-D surface with the path on it.

    >>> import numpy as np, steepest.viz as sv
    >>> path = [5.0]
    >>> for _ in range(10):
    ...     path.append(path[-1] - 0.1 * (2 * path[-1] + 5 * np.cos(path[-1])))  # x <- x - lr f'(x)
    >>> fig = sv.plot_descent_1d(lambda x: x**2 + 5 * np.sin(x), path)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from steepest.viz._mpl import as_path, finish, gradient_of, plt, vectorize

__all__ = ["plot_descent_1d", "plot_contour", "plot_surface", "split_paths"]

_MAX_NUMBERED = 12  # iterates numbered and given a tangent; more would bury the curve


def split_paths(paths: Any, dim: int = 1) -> list[np.ndarray]:
    """One path or several, as a list of (n,) arrays (dim 1) or (n, 2) arrays (dim 2).

    One path is a Result (its .path), an array, or a list of numbers (dim 1) or of (x, y) points (dim 2);
    anything else is a list of paths.
    """
    if paths is None:
        return []
    if hasattr(paths, "path") or isinstance(paths, np.ndarray):
        return [as_path(paths)]
    items = list(paths)
    if any(hasattr(p, "path") for p in items):
        return [as_path(p) for p in items]
    try:
        whole = np.asarray(items, dtype=float)
    except (ValueError, TypeError):
        whole = None  # ragged: paths of different lengths
    if whole is not None and whole.ndim == dim:
        return [whole]
    return [as_path(p) for p in items]


def _span(values: np.ndarray, pad: float = 0.15,
          fallback: tuple[float, float] = (-3.0, 3.0)) -> tuple[float, float]:
    """A range that holds the finite values, padded; the path's first iterates if it diverged."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return fallback
    lo, hi = float(v.min()), float(v.max())
    if hi - lo > 1e4:  # a diverging path: show where it started, not where it went
        v = v[:3]
        lo, hi = float(v.min()), float(v.max())
    width = max(hi - lo, 1.0)
    return lo - pad * width, hi + pad * width


def _labels(labels: Sequence[str] | None, n: int) -> list[str | None]:
    if labels is None:
        return [None] * n
    labels = list(labels)
    if len(labels) != n:
        raise ValueError(f"got {len(labels)} labels for {n} paths")
    return labels


def _numbered(n: int) -> list[int]:
    """Which of n iterates to number: all when few, else the first ones and the last."""
    if n <= _MAX_NUMBERED:
        return list(range(n))
    return list(range(_MAX_NUMBERED - 2)) + [n - 1]


def _one_descent(ax: Any, fv: Callable, f: Callable, path: np.ndarray, xlim: tuple[float, float],
                 tangents: bool, label: str | None) -> None:
    xs = np.linspace(*xlim, 400)
    ys = fv(xs)
    ax.plot(xs, ys, color="#1f4e79", lw=2, zorder=1)
    finite = ys[np.isfinite(ys)]
    ylo, yhi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    ypad = 0.08 * max(yhi - ylo, 1e-9)
    ax.set_xlim(*xlim)
    ax.set_ylim(ylo - ypad, yhi + ypad)
    inside = path[np.isfinite(path) & (path >= xlim[0]) & (path <= xlim[1])]
    fx = fv(inside) if inside.size else np.array([])
    colors = plt().cm.autumn(np.linspace(0, 0.85, max(len(path), 2)))
    ax.plot(inside, fx, color="#d62728", lw=0.8, alpha=0.6, zorder=2)
    ax.scatter(inside, fx, color="#d62728", edgecolor="k", s=14, zorder=4)  # every iterate; a few numbered
    # the tangent's length in screen terms: each segment spans the same visual distance
    aspect = (xlim[1] - xlim[0]) / max(yhi - ylo + 2 * ypad, 1e-12)
    half = 0.11 * (xlim[1] - xlim[0])
    numbered: list[tuple[float, float]] = []  # where numbers are, in axes fractions
    span_y = yhi - ylo + 2 * ypad
    for t in _numbered(len(path)):
        x = path[t]
        if not (np.isfinite(x) and xlim[0] <= x <= xlim[1]):
            continue
        y = float(fv(np.array([x]))[0])
        ax.scatter([x], [y], color=colors[t], edgecolor="k", s=36, zorder=4)
        # numbers of iterates bunched together (near the minimum, or bouncing across it) would overlap
        at = ((x - xlim[0]) / (xlim[1] - xlim[0]), (y - ylo + ypad) / span_y)
        crowded = any(np.hypot(at[0] - u, at[1] - v) < 0.05 for u, v in numbered)
        if not crowded or t == len(path) - 1:  # the last is always numbered, below if crowded
            ax.annotate(str(t), (x, y), textcoords="offset points", xytext=(4, -13 if crowded else 6),
                        fontsize=8, zorder=5)
            numbered.append(at)
        if tangents:
            slope = float(gradient_of(f, np.array(x)))  # the tangent at x_t has slope f'(x_t)
            dx = half / np.sqrt(1 + (slope * aspect) ** 2)
            ax.plot([x - dx, x + dx], [y - slope * dx, y + slope * dx], color="#2ca02c", lw=1.6, ls="--",
                    zorder=3, label="tangent, slope f'(x_t)" if t == 0 else None)
    if tangents:
        ax.legend(loc="upper center", fontsize=8, framealpha=0.8)
    last = path[-1]
    where = f"x_{len(path) - 1} = {last:.4g}" if np.isfinite(last) else "diverged"
    ax.set_title(f"{label + ': ' if label else ''}{len(path) - 1} steps, {where}", fontsize=10)
    ax.set_xlabel("x")
    ax.grid(alpha=0.3)


def plot_descent_1d(f: Callable, paths: Any, *, labels: Sequence[str] | None = None,
                    xlim: tuple[float, float] | None = None, tangents: bool = True, ax: Any = None,
                    title: str | None = None, save: str | os.PathLike | None = None) -> Any:
    """The curve of f, the numbered iterates x_0, x_1, ... and the tangent (slope f'(x_t)) at each.

    Args:
        f: a function of one float (NumPy or steepest); its derivative comes from steepest's engine.
        paths: one path (a Result, or the iterates) or a list of them, drawn side by side
            (several learning rates or starting points), each titled by its label.
        labels: one per path, e.g. ["lr = 0.01", "lr = 0.1", "lr = 0.5"].
        xlim: the x range; by default it holds every path.
        tangents: draw the tangent line at each numbered iterate.
        ax: an Axes to draw a single path into.
        save: a .png, .svg or .pdf file to write.
    Returns:
        The matplotlib Figure.

    Example:
        >>> import numpy as np
        >>> fig = plot_descent_1d(lambda x: x**2, [[3.0, 1.8, 1.08], [3.0, -3.0]], labels=["lr 0.2", "lr 1"])
    """
    ps = split_paths(paths, 1)
    if not ps:
        raise ValueError("plot_descent_1d: no path given")
    ps = [p.reshape(-1) for p in ps]
    labs = _labels(labels, len(ps))
    fv = vectorize(f)
    pyplot = plt()
    if ax is not None:
        if len(ps) != 1:
            raise ValueError("plot_descent_1d: ax= takes one path; leave it out to draw several side by side")
        fig, axes = ax.figure, [ax]
    else:
        fig, axes = pyplot.subplots(1, len(ps), figsize=(5.2 * len(ps), 4), squeeze=False)
        axes = list(axes[0])
    for a, p, lab in zip(axes, ps, labs, strict=True):
        # each panel frames its own path: a diverging rate must not shrink a converging one to a dot
        _one_descent(a, fv, f, p, xlim or _span(p), tangents, lab)
    axes[0].set_ylabel("f(x)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return finish(fig, save)


def _grid(f: Callable, xlim: tuple[float, float], ylim: tuple[float, float], n: int):
    X, Y = np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))
    return X, Y, vectorize(f)(X, Y)


def _limits2d(ps: list[np.ndarray], xlim: Any, ylim: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    pts = np.concatenate(ps) if ps else np.zeros((0, 2))
    if xlim is None:
        xlim = _span(pts[:, 0], pad=0.25) if len(pts) else (-3.0, 3.0)
    if ylim is None:
        ylim = _span(pts[:, 1], pad=0.25) if len(pts) else (-3.0, 3.0)
    return tuple(xlim), tuple(ylim)


def _levels(Z: np.ndarray, levels: int) -> np.ndarray:
    """Level values at quantiles of f over the grid, so steep and flat regions both show level sets."""
    z = Z[np.isfinite(Z)]
    lv = np.unique(np.quantile(z, np.linspace(0, 1, levels)))
    return lv if lv.size >= 2 else np.linspace(z.min(), z.min() + 1, levels)


def _arrows(ax: Any, f: Callable, path: np.ndarray, length: float, color: str) -> None:
    """-grad f at a few iterates, all drawn the same length: the direction is what matters."""
    from matplotlib import patheffects

    steps = [t for t in (0, 1, 2, 4, 8, 16) if t < len(path) - 1]  # early iterates: the big steps
    for t in steps:
        p = path[t]
        if not np.all(np.isfinite(p)):
            continue
        g = gradient_of(f, p)
        norm = float(np.linalg.norm(g))
        if norm == 0 or not np.isfinite(norm):
            continue
        d = -g / norm * length  # -grad f is perpendicular to the level set through x_t
        arrow = ax.annotate("", xy=(p[0] + d[0], p[1] + d[1]), xytext=(p[0], p[1]), zorder=6,
                            arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.8, "mutation_scale": 14})
        arrow.arrow_patch.set_path_effects([patheffects.withStroke(linewidth=3.2, foreground="black")])


def draw_contour(ax: Any, f: Callable, ps: list[np.ndarray], labs: list[str | None], xlim: Any, ylim: Any,
                 gradient_arrows: bool, levels: int, grid: int) -> Any:
    """Contours, paths and arrows into an existing Axes; returns the filled-contour artist."""
    X, Y, Z = _grid(f, xlim, ylim, grid)
    lv = _levels(Z, levels)
    filled = ax.contourf(X, Y, Z, levels=lv, cmap="viridis", extend="both")
    ax.contour(X, Y, Z, levels=lv, colors="white", linewidths=0.4, alpha=0.5)
    colors = plt().cm.tab10(np.arange(10))
    colors[2] = (1.0, 0.4, 0.3, 1.0)  # green vanishes on viridis; use a warm red instead
    for i, (p, lab) in enumerate(zip(ps, labs, strict=True)):
        c = colors[(i + 3) % 10] if len(ps) > 1 else (1.0, 0.25, 0.2, 1.0)
        ms = 3.5 if len(p) <= 60 else 0  # a long path's markers would merge into a thick smear
        ax.plot(p[:, 0], p[:, 1], "-o", color=c, ms=ms, lw=1.5, label=lab, zorder=4)
        ax.plot(*p[0], "o", color="white", mec="k", ms=8, zorder=5)
        if np.all(np.isfinite(p[-1])):
            ax.plot(*p[-1], "*", color=c, mec="k", ms=14, zorder=5)
        if gradient_arrows:
            _arrows(ax, f, p, 0.14 * min(xlim[1] - xlim[0], ylim[1] - ylim[0]), "white")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    if any(labs):
        ax.legend(loc="upper right", fontsize=8, framealpha=0.85)
    return filled


def plot_contour(f: Callable, paths: Any = None, *, labels: Sequence[str] | None = None,
                 xlim: tuple[float, float] | None = None, ylim: tuple[float, float] | None = None,
                 gradient_arrows: bool = True, levels: int = 30, grid: int = 200, ax: Any = None,
                 title: str | None = None, save: str | os.PathLike | None = None) -> Any:
    """Filled level sets of f(x, y) with descent paths and -grad f drawn at a few iterates.

    The axes have equal aspect, so the arrows are seen to cross the level sets at right angles.

    Args:
        f: f(x, y) or f(v) with v = [x, y]; NumPy or steepest.
        paths: a Result, an (n, 2) array of iterates, or a list of them (a legend names each).
        labels: one per path.
        gradient_arrows: draw the negative gradient (white arrows) at a few iterates of each path.
        levels: how many level sets.
    Returns:
        The matplotlib Figure.

    Example:
        >>> path = [[2.0, 1.0], [1.6, 0.0], [1.28, 0.0]]
        >>> fig = plot_contour(lambda x, y: x**2 + 5 * y**2, path)
    """
    ps = [p.reshape(len(p), -1) for p in split_paths(paths, 2)]
    labs = _labels(labels, len(ps))
    xlim, ylim = _limits2d(ps, xlim, ylim)
    pyplot = plt()
    ratio = (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])  # equal aspect: size the figure to the map
    size = (7.0, float(np.clip(5.4 * ratio + 1.0, 3.0, 8.0)))
    fig, ax = (ax.figure, ax) if ax is not None else pyplot.subplots(figsize=size)
    filled = draw_contour(ax, f, ps, labs, xlim, ylim, gradient_arrows, levels, grid)
    fig.colorbar(filled, ax=ax, fraction=0.046, pad=0.04, label="f(x, y)", format="%.3g")
    ax.set_title(title or ("-grad f (white) is perpendicular to the level sets" if gradient_arrows and ps
                           else "level sets of f"), fontsize=10)
    return finish(fig, save)


def plot_surface(f: Callable, path: Any = None, *, xlim: tuple[float, float] | None = None,
                 ylim: tuple[float, float] | None = None, grid: int = 60, elev: float = 35, azim: float = -60,
                 title: str | None = None, save: str | os.PathLike | None = None) -> Any:
    """The surface z = f(x, y) in 3-D, with the descent path (if any) walking down it.

    Example:
        >>> fig = plot_surface(lambda x, y: x**2 + y**2, [[1.0, 1.0], [0.5, 0.5], [0.25, 0.25]])
    """
    ps = [p.reshape(len(p), -1) for p in split_paths(path, 2)]
    xlim, ylim = _limits2d(ps, xlim, ylim)
    X, Y, Z = _grid(f, xlim, ylim, grid)
    pyplot = plt()
    fig = pyplot.figure(figsize=(7, 5.5))
    ax = fig.add_subplot(projection="3d")
    ax.plot_surface(X, Y, Z, cmap="viridis", alpha=0.75, linewidth=0, antialiased=True, rstride=1, cstride=1)
    fv = vectorize(f)
    for p in ps:
        p = p[np.all(np.isfinite(p), axis=1)]
        z = fv(p[:, 0], p[:, 1])
        ax.plot(p[:, 0], p[:, 1], z, "-o", color="#d62728", ms=4, lw=2, zorder=10)
        ax.scatter(*p[0], z[0], color="white", edgecolor="k", s=50, zorder=11)
    ax.view_init(elev=elev, azim=azim)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel("f(x, y)")
    ax.set_title(title or "the surface f(x, y) and the descent path", fontsize=10)
    return finish(fig, save)
