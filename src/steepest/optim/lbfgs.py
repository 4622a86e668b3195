"""L-BFGS: a quasi-Newton direction from the last m steps, by the two-loop recursion.

BFGS builds an approximation H of the inverse Hessian from the pairs s_i = x_{i+1} - x_i and
y_i = g_{i+1} - g_i; L-BFGS keeps only the last m pairs and applies H to g without forming it
(Nocedal & Wright, Numerical Optimization, algorithm 7.4):

    q <- g;  for i = newest..oldest:  a_i = rho_i s_i.q,  q <- q - a_i y_i        (rho_i = 1 / y_i.s_i)
    r <- gamma q,  gamma = s.y / y.y of the newest pair                            (H_0 = gamma I)
    for i = oldest..newest:  b = rho_i y_i.r,  r <- r + (a_i - b) s_i
    d = r  (= H g; the step is x <- x - t d, t from a strong Wolfe line search, 1 tried first)

A pair is kept only when s.y > 0, which keeps H positive definite (d is always downhill); the
strong Wolfe conditions guarantee it except at the limits of floating point. Before any pair
exists the direction is g / ||g||, so the first trial step has length 1 (as in L-BFGS-B).

`minimize(f, x0, method="lbfgs", memory=10)` runs it with its own loop's bookkeeping (path,
values, grad_norms, keep_path, reasons); this file holds only the direction.

    >>> import steepest as st
    >>> rosen = lambda v: (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2
    >>> res = st.minimize(rosen, [-1.5, 2.0], method="lbfgs", tol=1e-8)
    >>> res.converged, res.n_iter < 60
    (True, True)

References:
    D. C. Liu, J. Nocedal, On the limited memory BFGS method for large scale optimization,
        Mathematical Programming 45, 1989.
    J. Nocedal, S. J. Wright, Numerical Optimization, 2nd ed., 2006, chapters 3 and 7.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from steepest.optim.rules import Transform

__all__ = ["LBFGS", "two_loop"]

_EPS = float(np.finfo(float).eps)


def two_loop(g: np.ndarray, s: list[np.ndarray], y: list[np.ndarray], rho: list[float]) -> np.ndarray:
    """H g for the L-BFGS inverse-Hessian approximation of the pairs (s_i, y_i), oldest first."""
    q = np.array(g, dtype=float, copy=True)
    alphas = []
    for s_i, y_i, rho_i in zip(reversed(s), reversed(y), reversed(rho), strict=True):
        a = rho_i * float(np.vdot(s_i, q))  # a_i = rho_i s_i.q
        q -= a * y_i
        alphas.append(a)
    q *= float(np.vdot(s[-1], y[-1])) / float(np.vdot(y[-1], y[-1]))  # H_0 = gamma I
    for s_i, y_i, rho_i, a in zip(s, y, rho, reversed(alphas), strict=True):
        b = rho_i * float(np.vdot(y_i, q))  # b = rho_i y_i.r
        q += (a - b) * s_i
    return q


class LBFGS(Transform):
    """The L-BFGS direction d = H g, H built from the last `memory` steps (see the module docstring).

    Args:
        memory: how many (s, y) pairs to keep (m; 10 as in L-BFGS-B, 3-20 is the usual range).
    """

    name = "lbfgs"
    elementwise = False

    def __init__(self, memory: int = 10):
        if isinstance(memory, bool) or not isinstance(memory, (int, np.integer)) or memory < 1:
            raise ValueError(f"lbfgs: memory must be a whole number >= 1, got {memory!r}")
        self.memory = int(memory)
        self.hyperparameters = {"memory": self.memory}

    def init(self, x: np.ndarray) -> dict[str, Any]:
        return {"s": [], "y": [], "rho": [], "_x": None, "_g": None, "skipped": 0}

    def update(self, g: np.ndarray, state: dict[str, Any], x: np.ndarray, t: int) -> np.ndarray:
        if state["_x"] is not None:
            self._remember(state, x - state["_x"], g - state["_g"])
        state["_x"], state["_g"] = np.array(x, copy=True), np.array(g, copy=True)  # x changes in place
        if not state["s"]:
            norm = float(np.sqrt(np.vdot(g, g)))
            return g / norm if norm > 0 else np.array(g, copy=True)
        return two_loop(g, state["s"], state["y"], state["rho"])

    def _remember(self, state: dict[str, Any], s: np.ndarray, y: np.ndarray) -> None:
        sy, yy = float(np.vdot(s, y)), float(np.vdot(y, y))
        if not (sy > _EPS * yy and np.isfinite(sy)):  # no positive curvature: H would lose definiteness
            state["skipped"] += int(bool(np.any(s)))
            return
        state["s"].append(s)
        state["y"].append(y)
        state["rho"].append(1.0 / sy)
        if len(state["s"]) > self.memory:
            for key in ("s", "y", "rho"):
                del state[key][0]

    def has_memory(self, state: dict[str, Any]) -> bool:
        return bool(state["s"])

    def reset(self, state: dict[str, Any]) -> None:
        """Forget the pairs: the next direction is the gradient's (a restart)."""
        for key in ("s", "y", "rho"):
            state[key].clear()

    def step(self, g, state, x, t, lr, scratch=None) -> None:  # noqa: ANN001 - Transform's signature
        raise ValueError(
            "lbfgs needs a line search and runs only in minimize(method='lbfgs'); it is not "
            "an optimizer for st.optim or fit"
        )

    def __repr__(self) -> str:
        return f"LBFGS(memory={self.memory})"
