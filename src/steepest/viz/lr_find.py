"""The learning-rate range test as a figure: the loss against lr on a log axis, every seed's run, the
interval shaded and the suggestion marked.

    >>> import steepest as st, steepest.viz as sv
    >>> found = st.lr_find(lambda x: x**2 + 5 * st.sin(x), -5.0)
    >>> fig = sv.plot_lr_find(found)
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from steepest.viz._mpl import finish, plt

__all__ = ["plot_lr_find"]


def _limits(found: Any) -> tuple[float, float]:
    """y limits that show the descent and the start of the climb, not the explosion after it."""
    lows, highs = [], []
    for m in found.smoothed:
        m = np.asarray(m, float)
        m = m[np.isfinite(m)]
        if m.size:
            bottom = int(np.argmin(m))
            lows.append(m[bottom])
            highs.append(m[: bottom + 1].max())
    if not lows:
        return 0.0, 1.0
    lo, hi = min(lows), max(highs)
    pad = 0.08 * (hi - lo or 1.0)
    return lo - pad, hi + 3 * pad


def plot_lr_find(
    found: Any, *, title: str | None = None, ax: Any = None, save: str | os.PathLike | None = None
) -> Any:
    """The range test of `st.lr_find`: raw losses per seed (faint), smoothed (solid), the interval
    (shaded) and the suggestion (dashed line).

    Args:
        found: the LRFind that st.lr_find (or st.optim.lr_find) returned.
    Returns:
        The matplotlib Figure.
    """
    pyplot = plt()
    own = ax is None  # a caller's Axes: the figure is theirs
    fig, ax = (ax.figure, ax) if ax is not None else pyplot.subplots(figsize=(7.2, 4.4))
    colors = pyplot.cm.tab10(np.arange(10))
    for k, (lrs, raw, smooth) in enumerate(zip(found.lrs, found.losses, found.smoothed, strict=True)):
        c = colors[k % 10]
        ax.plot(lrs, raw, color=c, lw=0.8, alpha=0.35)
        ax.plot(lrs, smooth, color=c, lw=1.8, label=f"seed {k} (smoothed)")
    lo, hi = found.interval
    ax.axvspan(lo, hi, color="#2ca02c", alpha=0.15, label=f"interval [{lo:.3g}, {hi:.3g}]")
    ax.axvline(
        found.suggestion, color="#d62728", ls="--", lw=1.5, label=f"suggested lr {found.suggestion:.3g}"
    )
    ax.set_xscale("log")
    ax.set_ylim(*_limits(found))
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("loss after the step")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    spread = "agree" if found.agree else "disagree"
    ax.set_title(
        title
        or f"learning-rate range test: {len(found.lrs)} seeds {spread} within {found.spread:.2f} decades",
        fontsize=10,
    )
    return finish(fig, save, own=own)
