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

from steepest.viz._mpl import as_path, finish, gradient_of, plt, readable, vectorize

__all__ = ["plot_descent_1d", "plot_contour", "plot_surface", "split_paths", "draw_contour", "colorbar_ticks"]

_MAX_NUMBERED = 12  # iterates numbered; more would bury the curve
_MAX_TANGENTS = 4  # tangents at the first iterates, each far enough from the others to be seen
_APART = 0.06  # how far apart (in axes fractions) two numbers, or two tangents, must be


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


def _apart(at: tuple[float, float], taken: list[tuple[float, float]], gap: float = _APART) -> bool:
    """Whether a point (in axes fractions) is at least `gap` from every point already taken."""
    return all(np.hypot(at[0] - u, at[1] - v) >= gap for u, v in taken)


class _Frame:
    """The panel's data limits, to place numbers and tangents by how far apart they look."""

    def __init__(self, xlim: tuple[float, float], ylim: tuple[float, float]):
        self.xlim, self.ylim = xlim, ylim
        self.width, self.height = xlim[1] - xlim[0], max(ylim[1] - ylim[0], 1e-12)

    def at(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.xlim[0]) / self.width, (y - self.ylim[0]) / self.height


def _number_iterates(ax: Any, xs: np.ndarray, ys: np.ndarray, slopes: np.ndarray, frame: _Frame,
                     colors: np.ndarray) -> None:
    """Number the first iterates x_0, x_1, ... that have room for it (bunched ones stay plain dots), and
    the last, below its point when other iterates crowd it."""
    seen = [t for t in range(len(xs)) if np.isfinite(ys[t]) and frame.xlim[0] <= xs[t] <= frame.xlim[1]]
    where = {t: frame.at(xs[t], ys[t]) for t in seen}
    taken: list[tuple[float, float]] = []
    marks: list[tuple[int, bool]] = []
    for t in seen:
        if t >= _MAX_NUMBERED - 1:
            break
        if _apart(where[t], taken):
            marks.append((t, True))
            taken.append(where[t])
    last = seen[-1] if seen else None
    if last is not None and all(t != last for t, _ in marks):
        marks.append((last, _apart(where[last], [where[t] for t in seen if t != last])))
    for t, room in marks:
        ax.scatter([xs[t]], [ys[t]], color=colors[t], edgecolor="k", s=40, zorder=4)
        left = (slopes[t] > 0) == room  # away from the curve: up-left where it rises, or down-right
        offset = (-5 if left else 5, 6 if room else -14)
        ax.annotate(str(t), (xs[t], ys[t]), textcoords="offset points", xytext=offset,
                    ha="right" if left else "left", fontsize=9, zorder=5)


def _tangents(ax: Any, f: Callable, xs: np.ndarray, ys: np.ndarray, frame: _Frame) -> None:
    """Dashed tangents (slope f'(x_t)) at the first iterates, skipping those bunched near the minimum."""
    aspect = frame.width / frame.height
    half = 0.11 * frame.width  # each segment spans the same visual length
    drawn: list[tuple[float, float]] = []
    for t in range(len(xs)):
        if len(drawn) == _MAX_TANGENTS:
            break
        if not np.isfinite(ys[t]) or not frame.xlim[0] <= xs[t] <= frame.xlim[1]:
            continue
        at = frame.at(xs[t], ys[t])
        if not _apart(at, drawn, 2 * _APART):
            continue
        slope = float(gradient_of(f, np.array(xs[t])))  # the tangent at x_t has slope f'(x_t)
        dx = half / np.sqrt(1 + (slope * aspect) ** 2)
        ax.plot([xs[t] - dx, xs[t] + dx], [ys[t] - slope * dx, ys[t] + slope * dx], color="#2ca02c", lw=1.6,
                ls="--", zorder=3, label="tangent, slope f'(x_t)" if not drawn else None)
        drawn.append(at)
    if drawn:
        ax.legend(loc="upper center", fontsize=9, framealpha=0.8)


def _one_descent(ax: Any, fv: Callable, f: Callable, path: np.ndarray, xlim: tuple[float, float],
                 tangents: bool, label: str | None, xlabel: str) -> None:
    xs = np.linspace(*xlim, 400)
    ys = fv(xs)
    ax.plot(xs, ys, color="#1f4e79", lw=2, zorder=1)
    finite = ys[np.isfinite(ys)]
    ylo, yhi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    ypad = 0.08 * max(yhi - ylo, 1e-9)
    ax.set_xlim(*xlim)
    ax.set_ylim(ylo - ypad, yhi + ypad)
    frame = _Frame(xlim, (ylo - ypad, yhi + ypad))
    fx = np.full(len(path), np.nan)
    ok = np.isfinite(path)
    fx[ok] = fv(path[ok])
    inside = ok & (path >= xlim[0]) & (path <= xlim[1])
    head = inside & (np.arange(len(path)) < _MAX_NUMBERED)  # join the first steps; later ones would be a fan
    ax.plot(path[head], fx[head], color="#d62728", lw=0.8, alpha=0.6, zorder=2)
    ax.scatter(path[inside], fx[inside], color="#d62728", edgecolor="k", s=14, zorder=4)  # every iterate
    h = 1e-4 * frame.width
    slopes = np.where(ok, (fv(np.where(ok, path, 0) + h) - fv(np.where(ok, path, 0) - h)) / (2 * h), 0.0)
    _number_iterates(ax, path, fx, slopes, frame, plt().cm.autumn(np.linspace(0, 0.85, max(len(path), 2))))
    if tangents:
        _tangents(ax, f, path, fx, frame)
    last = path[-1]
    where = f"x_{len(path) - 1} = {last:.4g}" if np.isfinite(last) else "diverged"
    ax.set_title(f"{label + ': ' if label else ''}{len(path) - 1} steps, {where}", fontsize=11)
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3)


def plot_descent_1d(f: Callable, paths: Any, *, labels: Sequence[str] | None = None,
                    xlim: tuple[float, float] | None = None, tangents: bool = True, ax: Any = None,
                    title: str | None = None, xlabel: str = "x", ylabel: str = "f(x)",
                    save: str | os.PathLike | None = None) -> Any:
    """The curve of f, the numbered iterates x_0, x_1, ... and the tangent (slope f'(x_t)) at the first few.

    Args:
        f: a function of one float (NumPy or steepest); its derivative comes from steepest's engine.
        paths: one path (a Result, or the iterates) or a list of them, drawn side by side
            (several learning rates or starting points), each titled by its label.
        labels: one per path, e.g. ["lr = 0.01", "lr = 0.1", "lr = 0.5"].
        xlim: the x range; by default it holds every path.
        tangents: draw the tangent line at the first iterates (at most four, none bunched together).
        ax: an Axes to draw a single path into.
        xlabel, ylabel: the axis labels (the variable's and the function's names).
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
        width = 5.2 if len(ps) < 3 else 4.2  # three or more: narrower panels, so the text stays readable
        fig, axes = pyplot.subplots(1, len(ps), figsize=(width * len(ps), 4), squeeze=False)
        axes = list(axes[0])
    for a, p, lab in zip(axes, ps, labs, strict=True):
        # each panel frames its own path: a diverging rate must not shrink a converging one to a dot
        _one_descent(a, fv, f, p, xlim or _span(p), tangents, lab, xlabel)
    axes[0].set_ylabel(ylabel)
    if title:
        fig.suptitle(title)
    if ax is None:
        readable(fig)
        fig.tight_layout()
    return finish(fig, save, own=ax is None)


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


def _round_step(gap: float, value: float) -> float:
    """The largest of 1, 2, 5 times a power of ten that fits in `gap`, but no finer than value's 2nd digit."""
    e = np.floor(np.log10(gap))
    m = gap / 10**e
    step = (5.0 if m >= 5 else 2.0 if m >= 2 else 1.0) * 10**e
    if value != 0:
        step = max(step, 10 ** (np.floor(np.log10(abs(value))) - 1))  # at most two significant digits
    return float(step)


def _levels(Z: np.ndarray, levels: int) -> np.ndarray:
    """Round level values near the quantiles of f over the grid, so steep and flat regions both show
    level sets and the colorbar reads 0, 0.5, 1, 2, 5, 10, ... rather than 0.00127, 2.28, 4.57."""
    z = Z[np.isfinite(Z)]
    q = np.quantile(z, np.linspace(0, 1, levels))
    gaps = np.diff(q)
    out = []
    for v, gap in zip(q, np.r_[gaps, gaps[-1:]], strict=True):
        if gap > 0:  # each level rounded on the scale of the gap to the next one
            step = _round_step(gap, v)
            out.append(float(f"{round(v / step) * step:.12g}"))  # 0.1 * 3 is 0.3, not 0.30000000000000004
    lv = np.unique(out)
    if lv.size >= 2:
        return lv
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(levels).tick_values(float(z.min()), float(z.min()) + 1.0)  # f is flat on the grid


def colorbar_ticks(levels: np.ndarray, most: int = 8) -> np.ndarray:
    """At most `most` of the (round) levels, evenly spread, for the colorbar."""
    k = int(np.ceil(len(levels) / most))
    return np.asarray(levels)[::k]


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
                 gradient_arrows: bool, levels: int, grid: int, *, xlabel: str = "x",
                 ylabel: str = "y") -> Any:
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
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if any(labs):
        ax.legend(loc="upper right", fontsize=8, framealpha=0.85)
    return filled


def plot_contour(f: Callable, paths: Any = None, *, labels: Sequence[str] | None = None,
                 xlim: tuple[float, float] | None = None, ylim: tuple[float, float] | None = None,
                 gradient_arrows: bool = True, levels: int = 30, grid: int = 200, ax: Any = None,
                 title: str | None = None, xlabel: str = "x", ylabel: str = "y", zlabel: str = "f(x, y)",
                 save: str | os.PathLike | None = None) -> Any:
    """Filled level sets of f(x, y) with descent paths and -grad f drawn at a few iterates.

    The axes have equal aspect, so the arrows are seen to cross the level sets at right angles.

    Args:
        f: f(x, y) or f(v) with v = [x, y]; NumPy or steepest.
        paths: a Result, an (n, 2) array of iterates, or a list of them (a legend names each).
        labels: one per path.
        gradient_arrows: draw the negative gradient (white arrows) at a few iterates of each path.
        levels: about how many level sets (round values, denser where f changes slowly).
        xlabel, ylabel, zlabel: the axes' labels and the colorbar's (the function's name).
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
    own = ax is None  # a caller's Axes: the figure is theirs
    fig, ax = (ax.figure, ax) if ax is not None else pyplot.subplots(figsize=size)
    filled = draw_contour(ax, f, ps, labs, xlim, ylim, gradient_arrows, levels, grid, xlabel=xlabel,
                          ylabel=ylabel)
    bar = fig.colorbar(filled, ax=ax, fraction=0.046, pad=0.04, label=zlabel, format="%g")
    bar.set_ticks(colorbar_ticks(filled.levels))
    ax.set_title(title or ("-grad f (white) is perpendicular to the level sets" if gradient_arrows and ps
                           else "level sets of f"), fontsize=10)
    if own:
        fig.tight_layout()  # the colorbar's label inside the figure, also where bbox_inches cannot help (GIF)
    return finish(fig, save, own=own)


def plot_surface(f: Callable, path: Any = None, *, xlim: tuple[float, float] | None = None,
                 ylim: tuple[float, float] | None = None, grid: int = 60, elev: float = 35, azim: float = -60,
                 title: str | None = None, xlabel: str = "x", ylabel: str = "y", zlabel: str = "f(x, y)",
                 save: str | os.PathLike | None = None) -> Any:
    """The surface z = f(x, y) in 3-D, with the descent path (if any) walking down it; xlabel, ylabel
    and zlabel name the axes.

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
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_zlabel(zlabel)
    ax.set_title(title or f"the surface {zlabel} and the descent path", fontsize=10)
    return finish(fig, save)
