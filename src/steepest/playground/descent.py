"""The descent lab: a formula's landscape (curve or level sets, surface, -grad arrows) and the
runs of the chosen methods from a start, every number from steepest (st.parse, st.minimize).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import steepest as st
from steepest.expr import Expression
from steepest.playground import methods as known
from steepest.playground.fields import BadRequest, choice, integer, number, numbers, text

__all__ = ["formula", "landscape", "run", "evaluate", "PRESETS", "MAX_RUNNERS", "MAX_ITER"]

MAX_RUNNERS = 8
MAX_ITER = 20_000
TIME_LIMIT = 10.0  # seconds per run: a bounded request even for a slow formula
GRID_1D, GRID_2D, ARROWS = 401, 81, 15


def _gd(lr: float) -> dict[str, Any]:
    return {"method": "gd", "lr": lr}


PRESETS: list[dict[str, Any]] = [  # the seeds' examples, and the classic pictures of momentum
    {"name": "x² + 5 sin x from -5: lr 0.01, 0.1, 0.5", "formula": "x**2 + 5*sin(x)", "start": [-5],
     "view": [-6, 6], "runners": [_gd(0.01), _gd(0.1), _gd(0.5)]},
    {"name": "x² + 5 sin x from 5: lr 0.01, 0.1, 0.5", "formula": "x**2 + 5*sin(x)", "start": [5],
     "view": [-6, 6], "runners": [_gd(0.01), _gd(0.1), _gd(0.5)]},
    {"name": "9 x1² + x2²: level sets, -grad at right angles", "formula": "9*x1**2 + x2**2", "start": [1, 2],
     "view": [-2.5, 2.5, -2.5, 2.5], "runners": [_gd(0.1), {"method": "momentum", "lr": 0.02,
                                                             "hyper": {"momentum": 0.8}}]},
    {"name": "x y: a saddle, no minimum", "formula": "x*y", "start": [4, -3], "view": [-6, 6, -6, 6],
     "max_iter": 30, "runners": [_gd(0.2)]},
    {"name": "a ravine: gd zigzags, momentum runs", "formula": "0.05*x**2 + 5*y**2", "start": [-5, 1],
     "view": [-6, 6, -3, 3],
     "runners": [_gd(0.19), {"method": "momentum", "lr": 0.04, "hyper": {"momentum": 0.9}},
                 {"method": "nesterov", "lr": 0.04, "hyper": {"momentum": 0.9}}]},
    {"name": "Rosenbrock's banana", "formula": "(1 - x)**2 + 100*(y - x**2)**2", "start": [-1.5, 2],
     "view": [-2, 2, -1, 3], "max_iter": 5000,
     "runners": [{"method": "adam", "lr": 0.05},
                 {"method": "momentum", "lr": 0.0005, "hyper": {"momentum": 0.9}}, _gd(0.001)]},
]


def formula(body: dict, dims: tuple[int, ...] = (1, 2)) -> Expression:
    """The parsed formula of body["formula"] (BadRequest with the caret's column when it does not parse)."""
    source = text(body, "formula")
    names = body.get("variables")
    if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
        raise BadRequest(f"variables must be a list of names, got {names!r}")
    try:
        f = st.parse(source, variables=names or None)
    except st.ExprError as err:
        raise BadRequest(f"bad formula, {err}", kind="parse", col=err.col, text=err.text,
                         pointer=err.pointer("")) from None
    except ValueError as err:
        raise BadRequest(str(err)) from None
    if len(f.variables) not in dims:
        have = ", ".join(f.variables) or "none"
        want = " or ".join(str(d) for d in dims)
        raise BadRequest(f"the descent lab draws functions of {want} variables; {f.text!r} has "
                         f"{len(f.variables)} ({have})", kind="parse", col=0, text=f.text,
                         pointer=f.text + "\n^")
    return f


def evaluate(f: Any, *arrays: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """f and its partial derivatives at every point of the arrays, by one backward pass of f's sum
    (the formula is elementwise, so d sum / d x_i is the derivative at point i)."""
    leaves = [st.tensor(np.asarray(a, dtype=float), requires_grad=True) for a in arrays]
    shape = np.broadcast_shapes(*(a.shape for a in leaves))
    with np.errstate(all="ignore"):
        out = f(*leaves)
        value = np.broadcast_to(out.data, shape).astype(float)
        if out.requires_grad:
            grads = st.gradients(st.sum(out), leaves)
            grads = [np.broadcast_to(np.asarray(g, dtype=float), shape) for g in grads]
        else:
            grads = [np.zeros(shape) for _ in leaves]
    return value, grads


def _view(body: dict, dims: int) -> list[float]:
    view = numbers(body, "view", 2 * dims, default=[-6.0, 6.0] * dims)
    for i in range(dims):
        lo, hi = view[2 * i], view[2 * i + 1]
        if not lo < hi or hi - lo > 1e6:
            raise BadRequest(f"view: each axis needs low < high and a span of at most 1e6, "
                             f"got {lo:g}..{hi:g}")
    return view


def landscape(body: dict) -> dict:
    """The curve f, f' (one variable) or the grid of f with -grad arrows (two) over the view."""
    f = formula(body)
    dims = len(f.variables)
    view = _view(body, dims)
    if dims == 1:
        x = np.linspace(view[0], view[1], GRID_1D)
        fx, (dfx,) = evaluate(f, x)
        return {"dims": 1, "variables": f.variables, "text": f.text, "view": view, "x": x, "f": fx, "df": dfx}
    x = np.linspace(view[0], view[1], GRID_2D)
    y = np.linspace(view[2], view[3], GRID_2D)
    z, _ = evaluate(f, *np.meshgrid(x, y))  # z[i, j] = f(x[j], y[i]), as plotly reads a grid
    ax = np.linspace(view[0], view[1], ARROWS + 2)[1:-1]
    ay = np.linspace(view[2], view[3], ARROWS + 2)[1:-1]
    gx, gy = np.meshgrid(ax, ay)
    _, (dx, dy) = evaluate(f, gx, gy)
    # -grad f: the direction of steepest descent at each point
    arrows = {"x": gx.ravel(), "y": gy.ravel(), "u": -dx.ravel(), "v": -dy.ravel()}
    return {"dims": 2, "variables": f.variables, "text": f.text, "view": view, "x": x, "y": y, "z": z,
            "arrows": arrows}


def _settings(runner: Any, index: int) -> dict[str, Any]:
    """minimize's keyword arguments for one runner of the race."""
    if not isinstance(runner, dict):
        raise BadRequest(f"runners[{index}] must be an object like {{\"method\": \"gd\", \"lr\": 0.1}}")
    catalogue = {m["name"]: m for m in known.methods()}
    method = choice(runner, "method", list(catalogue), "gd")
    steps = known.adaptive_steps()
    lr = runner.get("lr", 0.1)
    if not (isinstance(lr, str) and lr in steps):
        lr = number(runner, "lr", 0.1, 0.0, 100.0, open_lo=True)
    kwargs: dict[str, Any] = {"method": method, "lr": lr}
    search = runner.get("line_search")
    if search not in (None, "", "none"):
        kwargs["line_search"] = choice(runner, "line_search", known.line_searches())
    hyper = runner.get("hyper", {})
    if not isinstance(hyper, dict):
        raise BadRequest(f"runners[{index}].hyper must be an object, got {hyper!r}")
    for key in hyper:
        if key not in catalogue[method]["hyperparameters"]:
            takes = ", ".join(catalogue[method]["hyperparameters"]) or "no hyperparameters"
            raise BadRequest(f"runners[{index}]: {method} takes {takes}; got {key!r}")
        lo, hi, _ = known.SLIDERS[key]
        kwargs[key] = number(hyper, key, None, lo, hi)
    return kwargs


def _label(kwargs: dict[str, Any]) -> str:
    lr = kwargs["lr"]
    parts = [kwargs["method"], f"lr {lr:g}" if isinstance(lr, float) else f"lr {lr}"]
    parts += [f"{k} {v:g}" for k, v in kwargs.items() if k in known.SLIDERS]
    if "line_search" in kwargs:
        parts.append(kwargs["line_search"])
    return ", ".join(parts)


def run(body: dict) -> dict:
    """Each runner's st.minimize from the start: path, values, gradient norms, slopes and reason."""
    f = formula(body)
    dims = len(f.variables)
    start = numbers(body, "start", dims, default=[1.0] * dims)
    runners = body.get("runners", [{"method": "gd"}])
    if not isinstance(runners, list) or not 1 <= len(runners) <= MAX_RUNNERS:
        raise BadRequest(f"runners must be a list of 1 to {MAX_RUNNERS} methods")
    tol = number(body, "tol", 1e-3, 0.0, 1e6)
    max_iter = integer(body, "max_iter", 1000, 0, MAX_ITER)
    x0: Any = start[0] if dims == 1 else np.array(start)
    out = []
    for i, runner in enumerate(runners):
        kwargs = _settings(runner, i)
        try:
            with np.errstate(all="ignore"):
                res = st.minimize(f, x0, tol=tol, max_iter=max_iter, time_limit=TIME_LIMIT, **kwargs)
        except ValueError as err:
            raise BadRequest(f"runners[{i}] ({kwargs['method']}): {err}") from None
        out.append(_result(f, res, kwargs, runner.get("label") or _label(kwargs)))
    return {"dims": dims, "variables": f.variables, "text": f.text, "start": start, "tol": tol,
            "max_iter": max_iter, "runs": out}


def _result(f: Any, res: Any, kwargs: dict[str, Any], label: str) -> dict[str, Any]:
    path = np.asarray(res.path, dtype=float)
    row = {"label": str(label)[:80], "settings": kwargs, "method": kwargs["method"],
           "converged": res.converged, "reason": res.reason, "n_iter": res.n_iter, "n_fev": res.n_fev,
           "iterations_to_tol": res.n_iter if res.converged else None, "x": res.x, "fun": res.fun,
           "iters": res.iters, "path": path, "values": res.values, "grad_norms": res.grad_norms}
    if path.ndim == 1:  # one variable: f'(x_t) for the tangents, signed (grad_norms drops the sign)
        _, (slopes,) = evaluate(f, path)
        row["slopes"] = slopes
    return row
