"""Step-size strategies compared on one function: the gradient norm per iteration, and the iterations
each needed to reach the tolerance.

    >>> import steepest as st, steepest.viz as sv
    >>> f = lambda v: 9 * v[0] ** 2 + v[1] ** 2
    >>> settings = {"gd": dict(lr=0.05), "bb": dict(lr="bb"), "lbfgs": dict(method="lbfgs")}
    >>> runs = {m: st.minimize(f, [1.0, 2.0], **kw, tol=1e-6) for m, kw in settings.items()}
    >>> fig = sv.plot_convergence(runs, tol=1e-6)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from steepest.viz._mpl import finish, plt, readable

__all__ = ["plot_convergence", "iterations_to"]


def iterations_to(result: Any, tol: float) -> int | None:
    """The first iteration at which the gradient norm is below tol (None when the run never got there)."""
    norms = np.asarray(result.grad_norms, dtype=float)
    iters = np.asarray(
        getattr(result, "iters", None)
        if getattr(result, "iters", None) is not None
        else np.arange(len(norms))
    )
    below = np.flatnonzero(norms < tol)
    return int(iters[below[0]]) if below.size else None


def plot_convergence(
    results: Mapping[str, Any],
    *,
    tol: float | None = None,
    title: str | None = None,
    save: str | os.PathLike | None = None,
) -> Any:
    """||grad f(x_t)|| against t for several runs (log scale), and a bar per run of the iterations it
    took to reach tol (hatched, with the reason, when it never did).

    Args:
        results: label -> Result of st.minimize (each with grad_norms and iters).
        tol: the tolerance (a dashed line; default: none, and no bars).
    Returns:
        The matplotlib Figure.
    """
    if not results:
        raise ValueError("plot_convergence: no results given")
    pyplot = plt()
    ncols = 2 if tol is not None else 1
    fig, axes = pyplot.subplots(
        1,
        ncols,
        figsize=(12 if ncols == 2 else 7, 5.4),
        squeeze=False,
        layout="constrained",  # makes room for the legend outside
        gridspec_kw={"width_ratios": [1.6, 1][:ncols]},
    )
    ax = axes[0][0]
    colors = pyplot.cm.tab10(np.arange(10))
    for k, (label, res) in enumerate(results.items()):
        iters = res.iters if getattr(res, "iters", None) is not None else np.arange(len(res.grad_norms))
        norms = np.asarray(res.grad_norms, dtype=float)
        ax.semilogy(
            iters,
            np.where(norms > 0, norms, np.nan),
            color=colors[k % 10],
            lw=1.6,
            label=f"{label} ({res.n_iter} iterations, {res.status or 'stopped'})",
        )
    if tol is not None:
        ax.axhline(tol, color="k", ls="--", lw=1, label=f"tol {tol:g}")
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlim(left=0)
    ax.set_xlabel("iteration t (log scale past 10)")
    ax.set_ylabel("gradient norm ||grad f(x_t)||")
    ax.grid(alpha=0.3, which="both")
    # below the panels, not on the curves
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    ax.set_title("how fast the gradient goes to 0", fontsize=10)
    if tol is not None:
        _bars(axes[0][1], results, tol, colors)
    if title:
        fig.suptitle(title)
    readable(fig)  # wider than a page: no text under 8 pt once shrunk to fit
    return finish(fig, save)


def _bars(ax: Any, results: Mapping[str, Any], tol: float, colors: np.ndarray) -> None:
    labels = list(results)
    counts = [iterations_to(results[k], tol) for k in labels]
    top = max([c for c in counts if c is not None] + [r.n_iter for r in results.values()] + [1])
    for k, (label, count) in enumerate(zip(labels, counts, strict=True)):
        reached = count is not None
        height = count if reached else results[label].n_iter
        ax.barh(
            k,
            max(height, 0.8),
            color=colors[k % 10],
            alpha=0.85 if reached else 0.3,
            hatch=None if reached else "//",
            edgecolor="k" if not reached else None,
        )
        text = f"{count}" if reached else f"not reached ({results[label].status or 'stopped'} at {height})"
        ax.text(max(height, 1) * 1.1, k, text, va="center", fontsize=8)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(0.8, top * 8)
    ax.set_xlabel(f"iterations to ||grad|| < {tol:g} (log scale)")
    ax.grid(alpha=0.3, axis="x", which="both")
    ax.set_title("iterations to the tolerance", fontsize=10)
