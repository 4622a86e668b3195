"""Gradient descent as a GIF: the iterates appear one frame at a time.

    >>> import steepest.viz as sv
    >>> path = [2.0, 1.2, 0.72, 0.43]
    >>> sv.animate_descent(lambda x: x**2, path, "/tmp/steepest_descent.gif", progress=False)
    '/tmp/steepest_descent.gif'
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from steepest.viz._mpl import plt, vectorize
from steepest.viz.descent import plot_contour, plot_descent_1d, split_paths

__all__ = ["animate_descent"]


def _progress(total: int, enabled: bool) -> Any:
    """A tqdm bar when tqdm is installed and wanted; otherwise None."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="frames", unit="frame")


def animate_descent(f: Callable, path: Any, filename: str | os.PathLike, *, fps: int = 5,
                    progress: bool = True, max_frames: int = 120) -> str:
    """Write a GIF of descent on f: a 1-D curve (iterates are numbers) or a contour map (points).

    Args:
        f: f(x), or f(x, y) / f(v) for a 2-D path.
        path: a Result or its iterates.
        filename: the .gif to write (with Pillow).
        fps: frames per second.
        progress: show a progress bar (tqdm, if installed).
        max_frames: long paths are subsampled to at most this many frames (the last iterate always shown).
    Returns:
        filename.
    """
    from matplotlib.animation import FuncAnimation, PillowWriter

    p = split_paths(path, 2 if np.ndim(getattr(path, "path", path)) == 2 else 1)[0]
    frames = np.unique(np.linspace(0, len(p) - 1, min(len(p), max_frames)).astype(int))
    one_d = p.ndim == 1 or p.shape[-1] == 1
    if one_d:
        p = p.reshape(-1)
        fig = plot_descent_1d(f, p, tangents=False)
    else:
        fig = plot_contour(f, p, gradient_arrows=False, grid=120)
    ax = fig.axes[0]
    for line in ax.lines[1 if one_d else 0:]:  # keep the curve, hide the static path: frames redraw it
        line.set_visible(False)
    for coll in list(ax.collections):
        if one_d:
            coll.set_visible(False)
    for text in list(ax.texts):
        text.set_visible(False)
    fv = vectorize(f)
    trail, = ax.plot([], [], "-o", color="#d62728", ms=5, lw=1.5, zorder=6)
    head, = ax.plot([], [], "o", color="yellow", mec="k", ms=10, zorder=7)
    bar = _progress(len(frames), progress)

    def draw(i: int) -> tuple:
        t = frames[i]
        seen = p[: t + 1]
        if one_d:
            ok = seen[np.isfinite(seen)]
            xs, ys = ok, fv(ok)
        else:
            ok = seen[np.all(np.isfinite(seen), axis=1)]
            xs, ys = ok[:, 0], ok[:, 1]
        trail.set_data(xs, ys)
        head.set_data(xs[-1:], ys[-1:])
        ax.set_title(f"iteration {t} of {len(p) - 1}", fontsize=10)
        if bar is not None:
            bar.update(1)
        return trail, head

    anim = FuncAnimation(fig, draw, frames=len(frames), blit=False)
    try:
        anim.save(str(filename), writer=PillowWriter(fps=fps))
    finally:
        if bar is not None:
            bar.close()
        plt().close(fig)
    return str(filename)
