"""Training seen as curves: train and validation loss, the learning rate, a classifier's decision boundary.

    >>> import steepest.viz as sv
    >>> fig = sv.plot_loss({"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6]})
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from steepest.viz._mpl import finish, plt

__all__ = ["plot_loss", "plot_lr", "plot_decision_boundary", "class_colors"]


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


def _series(history: Any) -> dict[str, np.ndarray]:
    """label -> values, from a History (.loss, .val_loss), a dict of lists, or one list of losses."""
    if isinstance(history, (list, tuple, np.ndarray)):
        return {"train": np.asarray(history, dtype=float)}
    out = {}
    for key, label in (("loss", "train"), ("train_loss", "train"), ("val_loss", "validation")):
        v = _get(history, key)
        if v is not None and len(v) and label not in out:
            out[label] = np.asarray(v, dtype=float)
    if isinstance(history, dict):  # any other series the caller named
        for k, v in history.items():
            if k not in ("loss", "train_loss", "val_loss", "lr", "lrs") and v is not None and np.ndim(v) == 1:
                out[k] = np.asarray(v, dtype=float)
    if not out:
        raise ValueError("plot_loss: expected a History (with .loss), a dict with 'loss' / 'val_loss', "
                         "or a list of losses")
    return out


def plot_loss(history: Any, *, log: bool | None = None, title: str | None = None, ax: Any = None,
              save: str | os.PathLike | None = None) -> Any:
    """Train and validation loss per epoch (log scale when the loss spans more than two decades).

    Args:
        history: a History from st.fit, a dict {"loss": [...], "val_loss": [...]}, or a list of losses.
        log: force (True) or forbid (False) the log scale.
    Returns:
        The matplotlib Figure.
    """
    series = _series(history)
    pyplot = plt()
    own = ax is None  # a caller's Axes: the figure is theirs
    fig, ax = (ax.figure, ax) if ax is not None else pyplot.subplots(figsize=(6.4, 4))
    for label, v in series.items():
        ax.plot(np.arange(1, len(v) + 1), v, lw=1.8, label=label)
        best = int(np.nanargmin(v)) if np.any(np.isfinite(v)) else None
        if label == "validation" and best is not None:
            ax.plot(best + 1, v[best], "o", color="k", ms=5, label=f"best validation (epoch {best + 1})")
    allv = np.concatenate(list(series.values()))
    allv = allv[np.isfinite(allv)]
    if log is None:
        log = allv.size > 0 and allv.min() > 0 and allv.max() / allv.min() > 100
    if log:
        ax.set_yscale("log")
        if allv.size and allv.max() < 10 * allv.min():  # within a decade: 0.7, 0.8 rather than 7 x 10^-1
            from matplotlib.ticker import FuncFormatter

            plain = FuncFormatter(lambda v, _: f"{v:.2g}")
            ax.yaxis.set_major_formatter(plain)
            ax.yaxis.set_minor_formatter(plain)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    ax.set_title(title or "loss", fontsize=10)
    return finish(fig, save, own=own)


def plot_lr(lrs: Any, *, log: bool | None = None, title: str | None = None, ax: Any = None,
            save: str | os.PathLike | None = None) -> Any:
    """The learning rate per step (a list, or anything with .lrs or .lr: a Result, or a History,
    whose rates are per epoch). `log=None` picks a log scale for rates that spend most of the run
    far below their peak (exponential, inverse time), a linear one otherwise (cosine, steps)."""
    unit = "epoch" if _get(lrs, "loss") is not None else "step"  # a History records per epoch
    for key in ("lrs", "lr"):
        v = _get(lrs, key)
        if v is not None and np.ndim(v) == 1:
            lrs = v
            break
    v = np.asarray(lrs, dtype=float).reshape(-1)
    pyplot = plt()
    own = ax is None  # a caller's Axes: the figure is theirs
    fig, ax = (ax.figure, ax) if ax is not None else pyplot.subplots(figsize=(6.4, 3.2))
    ax.plot(np.arange(len(v)), v, lw=1.8, color="#9467bd")
    if log is None:
        log = bool(v.size) and v.min() > 0 and np.median(v) < 0.1 * v.max()
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(unit)
    ax.set_ylabel("learning rate")
    ax.grid(alpha=0.3, which="both")
    ax.set_title(title or "learning-rate schedule", fontsize=10)
    return finish(fig, save, own=own)


def class_colors(k: int) -> list[str]:
    """One colour per class, the same for its points and its region: blue and red for two, tab10 beyond."""
    if k <= 2:
        return ["#2166ac", "#b2182b"][:max(k, 1)]
    from matplotlib.colors import to_hex

    return [to_hex(plt().cm.tab10(i % 10)) for i in range(k)]


def _predictor(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """An (n, 2) -> (n,) score function from a model, a `predict` method or a plain function."""
    fn = getattr(model, "predict", None) or model

    def predict(points: np.ndarray) -> np.ndarray:
        from steepest.autodiff import no_grad

        with no_grad():
            out = fn(points)
            if not isinstance(out, np.ndarray) and hasattr(out, "data"):
                out = out.data
        out = np.asarray(out, dtype=float)
        if out.ndim == 2 and out.shape[1] > 1:
            return out.argmax(axis=1).astype(float)  # several classes: the winning one
        return out.reshape(len(points))

    return predict


def plot_decision_boundary(model: Any, X: Any, y: Any, *, threshold: float | None = None, grid: int = 200,
                           title: str | None = None, ax: Any = None,
                           save: str | os.PathLike | None = None) -> Any:
    """The regions a 2-D classifier assigns to each class, the boundary between them, and the data.

    Args:
        model: a steepest model (called on an (n, 2) tensor-like), or anything with .predict, or a function
            of an (n, 2) array returning scores (n,) / (n, 1) or class scores (n, k).
        X: (n, 2) inputs; y: (n,) labels (or (n, 1), or one-hot).
        threshold: the score that separates two classes; 0.5 when scores lie in [0, 1], else 0.
    Returns:
        The matplotlib Figure.

    Example:
        >>> import numpy as np
        >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float); y = np.array([0, 1, 1, 1])
        >>> fig = plot_decision_boundary(lambda P: P.sum(axis=1) - 0.5, X, y)
    """
    X = np.asarray(getattr(X, "data", X), dtype=float)
    y = np.asarray(getattr(y, "data", y))
    y = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: X must have shape (n, 2), got {X.shape}")
    pad = 0.15 * (X.max(axis=0) - X.min(axis=0) + 1e-9)
    xs = np.linspace(X[:, 0].min() - pad[0], X[:, 0].max() + pad[0], grid)
    ys = np.linspace(X[:, 1].min() - pad[1], X[:, 1].max() + pad[1], grid)
    G1, G2 = np.meshgrid(xs, ys)
    S = _predictor(model)(np.column_stack([G1.ravel(), G2.ravel()])).reshape(G1.shape)
    pyplot = plt()
    own = ax is None  # a caller's Axes: the figure is theirs
    fig, ax = (ax.figure, ax) if ax is not None else pyplot.subplots(figsize=(6.4, 5))
    classes = np.unique(y)
    palette = class_colors(len(classes))
    if len(classes) <= 2:
        if threshold is None:
            threshold = 0.5 if S.min() >= 0 and S.max() <= 1 else 0.0
        ax.contourf(G1, G2, S, levels=30, cmap="RdBu_r", alpha=0.3)
        ax.contour(G1, G2, S, levels=[threshold], colors="k", linewidths=2)
    else:  # S is the winning column j, the j-th class in sorted order: its region gets that class's colour
        bounds = np.arange(len(classes) + 1) - 0.5  # band j holds the value j
        ax.contourf(G1, G2, S, levels=bounds, colors=palette, alpha=0.3)
        ax.contour(G1, G2, S, levels=bounds[1:-1], colors="k", linewidths=1.5)
    for i, c in enumerate(classes):
        mine = y == c
        ax.scatter(X[mine, 0], X[mine, 1], color=palette[i], edgecolor="white", linewidth=0.8, s=34,
                   label=f"class {c:g}" if np.issubdtype(type(c), np.number) else f"class {c}", zorder=3)
    # beside the map, not on it: a legend inside would hide data (the point (1, 1) of OR and XOR)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=9, frameon=False,
              handletextpad=0.1, borderpad=0.2)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title or f"decision boundar{'y' if len(classes) <= 2 else 'ies'} (black) and the data",
                 fontsize=10)
    if own:
        fig.tight_layout()
    return finish(fig, save, own=own)
