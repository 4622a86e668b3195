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

__all__ = ["plt", "save", "finish", "as_path", "vectorize", "gradient_of", "call", "takes_vector"]


def plt():
    """matplotlib.pyplot, with the Agg backend when no display is available."""
    if "matplotlib.pyplot" not in sys.modules:
        headless = not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
        if headless and sys.platform.startswith("linux") and "MPLBACKEND" not in os.environ:
            os.environ["MPLBACKEND"] = "Agg"
        try:
            import matplotlib
        except ImportError as e:
            raise ImportError("steepest.viz needs matplotlib: pip install 'steepest[viz]' "
                              "(or pip install matplotlib pillow)") from e
        if headless and sys.platform.startswith("linux"):
            matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    return pyplot


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


def finish(fig: Any, save_to: str | os.PathLike | None) -> Any:
    """Tidy the layout, save if asked, and return the figure."""
    if save_to is not None:
        save(fig, save_to)
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
