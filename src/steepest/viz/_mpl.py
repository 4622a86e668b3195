"""matplotlib, imported only when a figure is asked for; headless when there is no display.

Also the small things every figure shares: turning a function into something that takes
arrays, its derivative from steepest's engine, paths from Result objects, and saving.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["plt", "inline", "readable", "save", "finish", "as_path", "vectorize", "gradient_of", "call",
           "takes_vector"]


def plt():
    """matplotlib.pyplot; Agg only when nothing chose a backend and there is no display.

    A backend already chosen is kept: MPLBACKEND (ipykernel sets the inline one), a matplotlibrc,
    matplotlib.use, or pyplot imported before us; so is whatever IPython picks.
    """
    if "matplotlib.pyplot" not in sys.modules:
        try:
            import matplotlib
        except ImportError as e:
            raise ImportError("steepest.viz needs matplotlib, a dependency of steepest: "
                              "pip install matplotlib (or reinstall steepest)") from e
        if _headless_and_unchosen(matplotlib):
            matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    return pyplot


def _in_ipython() -> bool:
    ipython = sys.modules.get("IPython")
    return ipython is not None and getattr(ipython, "get_ipython", lambda: None)() is not None


def _headless_and_unchosen(matplotlib: Any) -> bool:
    """Linux without a display, outside IPython, and no backend named anywhere."""
    if os.environ.get("MPLBACKEND") or _in_ipython() or not sys.platform.startswith("linux"):
        return False
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return False
    rc = matplotlib.rcParams
    chosen = getattr(rc, "_get_backend_or_none", None)  # None while matplotlib would still pick one
    return chosen is None or chosen() is None


def inline() -> bool:
    """Whether figures are shown by IPython's inline backend (a notebook, Jupyter's default)."""
    if "matplotlib.pyplot" not in sys.modules:
        return False
    import matplotlib

    return "inline" in str(matplotlib.get_backend()).lower()


PAGE_WIDTH = 10.0  # inches: a figure wider than this is shown shrunk to it (a page, a notebook cell)
MIN_TEXT = 8.0  # points: the smallest text should be at least this big once shrunk


def readable(fig: Any, *, page: float = PAGE_WIDTH, smallest: float = MIN_TEXT) -> Any:
    """Enlarge any text that would be smaller than `smallest` points once the figure is shrunk to `page`
    inches wide: titles, labels, tick labels, legends and annotations. Call it before the layout."""
    need = smallest * max(1.0, fig.get_figwidth() / page)
    from matplotlib.text import Text

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis, getattr(ax, "zaxis", None)):
            labels = axis.get_ticklabels(which="both") if axis is not None else []
            if labels and min(t.get_fontsize() for t in labels) < need:
                axis.set_tick_params(which="both", labelsize=need)  # also the ticks made at draw time
    for text in fig.findobj(Text):
        if text.get_text() and text.get_fontsize() < need:
            text.set_fontsize(need)
    return fig


def save(fig: Any, path: str | os.PathLike, *, dpi: int = 120) -> str:
    """Save a figure as PNG, SVG or PDF, chosen by the file's extension.

    Example:
        >>> import steepest.viz as sv
        >>> fig = sv.plot_lr([0.1, 0.05, 0.025])
        >>> sv.save(fig, "/tmp/steepest_lr.png")
        '/tmp/steepest_lr.png'
    """
    ext = os.path.splitext(str(path))[1].lower().lstrip(".")
    if ext not in ("png", "svg", "pdf"):
        raise ValueError(f"save: unknown image format {ext!r} in {str(path)!r}; use .png, .svg or .pdf")
    fig.savefig(str(path), format=ext, dpi=dpi, bbox_inches="tight")
    return str(path)


def finish(fig: Any, save_to: str | os.PathLike | None, *, own: bool = True) -> Any:
    """Save if asked, and return the figure.

    In a notebook (inline backend) a figure we made (`own`) is taken off pyplot's list of open
    figures: the returned Figure is then shown once, as the cell's result, and not a second
    time by the backend at the end of the cell. A figure of the caller's (`ax=`) is left alone.
    """
    if save_to is not None:
        save(fig, save_to)
    if own and inline():
        plt().close(fig)
    return fig


def as_path(obj: Any) -> np.ndarray:
    """An (n, ...) array of iterates from a Result (its .path), a list of points, or an array."""
    path = getattr(obj, "path", obj)
    return np.asarray(path, dtype=float)


def takes_vector(f: Callable, dims: int) -> bool:
    """Whether a function of `dims` > 1 variables takes them as one vector f(v) rather than f(x, y)."""
    if dims == 1:
        return False
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    star = any(p.kind == p.VAR_POSITIONAL for p in params)
    return len(positional) == 1 and not star


def call(f: Callable, *coords: Any) -> Any:
    """f at the point whose coordinates are `coords`, whichever way f takes them."""
    if takes_vector(f, len(coords)):
        import steepest as st

        if any(isinstance(c, st.Tensor) for c in coords):
            return f(st.stack(list(coords)))
        return f(np.stack([np.asarray(c, dtype=float) for c in coords]))
    return f(*coords)


def vectorize(f: Callable) -> Callable[..., np.ndarray]:
    """f evaluated on arrays of plain floats: tries f on the whole array first, then point by point.

    f may be a NumPy-style function, a steepest function (tensors in and out) or a scalar-only
    callable, of the coordinates f(x, y) or of one vector f(v).
    """
    def values(*arrays: np.ndarray) -> np.ndarray:
        arrays = [np.asarray(a, dtype=float) for a in arrays]
        try:
            out = _data(call(f, *arrays))
            if np.shape(out) == np.shape(arrays[0]):
                return np.asarray(out, dtype=float)
        except Exception:  # noqa: BLE001 - a scalar-only callable; evaluate point by point below
            pass
        flat = [a.ravel() for a in arrays]
        out = [float(_data(call(f, *point))) for point in zip(*flat, strict=True)]
        return np.asarray(out, dtype=float).reshape(arrays[0].shape)

    return values


def _data(v: Any) -> Any:
    return getattr(v, "data", v)


def gradient_of(f: Callable, x: np.ndarray) -> np.ndarray:
    """grad f at x (f of one array argument, or of the coordinates), from steepest's engine.

    Falls back to central differences when f cannot take a steepest tensor (a NumPy-only function).
    """
    import steepest as st
    from steepest.autodiff import gradients

    x = np.asarray(x, dtype=float)
    try:
        t = st.tensor(x, requires_grad=True)
        out = f(t) if x.ndim == 0 or takes_vector(f, x.shape[0]) else f(*[t[i] for i in range(x.shape[0])])
        if isinstance(out, st.Tensor) and out.requires_grad:
            return np.asarray(gradients(out, [t])[0], dtype=float)
    except Exception:  # noqa: BLE001 - not differentiable by the engine: fall back to differences
        pass
    fv = vectorize(f)
    h = 1e-6 * max(1.0, float(np.max(np.abs(x))))
    if x.ndim == 0:
        return np.asarray((fv(x + h) - fv(x - h)) / (2 * h))
    g = np.zeros_like(x)
    for i in range(x.shape[0]):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (fv(*(x + e)) - fv(*(x - e))) / (2 * h)
    return g
