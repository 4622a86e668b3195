"""Result: what `minimize` found, how it got there, and why it stopped."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Result"]


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    array = np.asarray(value)
    if array.size <= 6:
        return np.array2string(array, precision=6, separator=", ")
    return f"array of shape {array.shape}, norm {np.linalg.norm(array):.4g}"


@dataclass(repr=False, eq=False)
class Result:
    """The outcome of `steepest.minimize`.

    Attributes:
        x: the last point, of x0's kind (float in, float out; list or ndarray in, ndarray out).
        fun: f(x).   grad: the gradient at x (same kind as x).
        n_iter: updates made.   n_fev, n_gev: evaluations of f and of its gradient.
        converged: True when a convergence test (tol, ftol, xtol) stopped the run.
        reason: why it stopped, as a sentence.
        path: x0 and every iterate, shape (n_iter + 1, *x0.shape).
        values: f along the path (n_iter + 1).   grad_norms: gradient norms along the path (n_iter + 1).
        lrs: the step size of every update (n_iter), after any schedule or line search.
        method: the update rule used.
    """

    x: Any
    fun: float
    grad: Any
    n_iter: int
    n_fev: int
    n_gev: int
    converged: bool
    reason: str
    path: np.ndarray
    values: np.ndarray
    grad_norms: np.ndarray
    lrs: np.ndarray
    method: str = ""

    def _rows(self) -> list[tuple[str, str]]:
        return [
            ("converged", str(self.converged)),
            ("reason", self.reason),
            ("method", self.method),
            ("x", _short(self.x)),
            ("fun", f"{self.fun:.6g}"),
            ("grad", _short(self.grad)),
            ("n_iter", str(self.n_iter)),
            ("n_fev, n_gev", f"{self.n_fev}, {self.n_gev}"),
            ("path", f"array of shape {self.path.shape} (also values, grad_norms, lrs)"),
        ]

    def __repr__(self) -> str:
        rows = self._rows()
        width = max(len(k) for k, _ in rows)
        return "Result(\n" + "\n".join(f"  {k.rjust(width)}: {v}" for k, v in rows) + "\n)"

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><th style='text-align:right'>{html.escape(k)}</th>"
            f"<td style='text-align:left'><code>{html.escape(v)}</code></td></tr>"
            for k, v in self._rows()
        )
        return f"<table><caption>steepest.minimize result</caption>{cells}</table>"
