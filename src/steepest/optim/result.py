"""Result: what `minimize` found, how it got there, and why it stopped."""

from __future__ import annotations

import html
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Result", "KeptPath", "AUTO_ROWS", "AUTO_BYTES"]

AUTO_ROWS = 10_000
"""keep_path="auto" keeps every iterate up to this many, then thins them evenly."""
AUTO_BYTES = 64 << 20
"""... and at most about this many bytes of path (fewer rows when x is large)."""


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
        status: the same as a short code: "gtol", "ftol", "xtol" (converged); "max_iter", "time_limit",
            "callback", "stop" (another condition), "diverged", "line_search", "interrupted".
        path: x0 and the iterates that minimize's keep_path kept (by default every one, for runs of up
            to 10,000 iterations), shape (len(iters), *x0.shape); the last is x.
        values: f along the path.   grad_norms: gradient norms along the path.
        lrs: the step sizes (after any schedule or line search) of the updates that made path[1:].
        method: the update rule used.
        iters: the iteration number of each row of path (0 for x0; 0, 1, ..., n_iter when all are kept).
        interrupted: True when Ctrl-C (KeyboardInterrupt) ended the run; x is then the last iterate
            that was finished.
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
    iters: np.ndarray | None = None
    interrupted: bool = False
    status: str = ""

    def __post_init__(self) -> None:
        if self.iters is None:
            self.iters = np.arange(len(self.path))

    def _rows(self) -> list[tuple[str, str]]:
        return [
            ("converged", str(self.converged)),
            ("reason", self.reason),
            ("status", self.status),
            ("method", self.method),
            ("x", _short(self.x)),
            ("fun", f"{self.fun:.6g}"),
            ("grad", _short(self.grad)),
            ("n_iter", str(self.n_iter)),
            ("n_fev, n_gev", f"{self.n_fev}, {self.n_gev}"),
            ("path", f"array of shape {self.path.shape} (also values, grad_norms, lrs)" + self._kept()),
        ]

    def _kept(self) -> str:
        if len(self.path) == self.n_iter + 1:
            return ""
        return f"; {len(self.path)} of the {self.n_iter + 1} iterates kept (iters)"

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


class KeptPath:
    """The iterates a run keeps, as rows (iteration, x, f, |grad|, lr), chosen by `keep_path`:

    "auto": every one until there are AUTO_ROWS (fewer when x is large: AUTO_BYTES in all); then
        every other one is dropped and only every 2nd (4th, ...) iterate kept from there on, so the
        rows stay evenly spread over the whole run and their number bounded;
    "all" (or True): every one;   ("every", k): every k-th;   ("last", n): x0 and the last n.
    The row of x0 and the row of the last iterate are always kept.
    """

    def __init__(self, keep: Any, x: np.ndarray):
        self.mode, n = _keep_mode(keep)
        self.stride = n if self.mode == "every" else 1
        self.cap = max(2, min(AUTO_ROWS, AUTO_BYTES // (x.nbytes + 200))) // 2 * 2  # ~200 B per row
        self.first: tuple | None = None
        self.rows: Any = deque(maxlen=n) if self.mode == "last" else []

    def add(self, row: tuple) -> None:
        """Offer the row of iteration row[0] (its x a copy the caller does not touch again)."""
        k = row[0]
        if self.mode == "last":
            if k == 0:
                self.first = row
            else:
                self.rows.append(row)
        elif k % self.stride == 0:
            self.rows.append(row)
            if self.mode == "auto" and len(self.rows) > self.cap:  # rows at 0, s, ..., cap*s
                self.rows = self.rows[::2]
                self.stride *= 2

    def arrays(self, last: tuple) -> tuple[np.ndarray, ...]:
        """iters, path, values, grad_norms, lrs, with `last` (the final iterate) as the last row."""
        rows = ([self.first] if self.first is not None else []) + list(self.rows)
        if not rows or rows[-1][0] != last[0]:
            rows.append(last)
        iters = np.array([r[0] for r in rows], dtype=np.int64)
        path = np.stack([r[1] for r in rows])
        values = np.array([r[2] for r in rows], dtype=float)
        norms = np.array([r[3] for r in rows], dtype=float)
        lrs = np.array([r[4] for r in rows[1:]], dtype=float)
        return iters, path, values, norms, lrs


def _keep_mode(keep: Any) -> tuple[str, int]:
    if keep is True or keep == "all":
        return "all", 1
    if keep == "auto" or keep is None:
        return "auto", 1
    if isinstance(keep, tuple) and len(keep) == 2 and keep[0] in ("every", "last"):
        n = keep[1]
        if isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1:
            return keep[0], int(n)
    raise ValueError(f"minimize: keep_path must be 'auto', 'all', ('every', k) or ('last', n) with a "
                     f"whole number >= 1, got {keep!r}")
