"""Step sizes that choose themselves: Barzilai-Borwein and Polyak, from the run's own history.

A schedule (`steepest.optim.schedules`) knows only the step number; these see where the run is:
`step(k, x, fun, g) -> lr` is called before update k with the current point, f and gradient.
`minimize` takes them as `lr="bb"` (BB2), `lr="bb1"`, `lr="polyak"` or an object, and works on a fresh
copy, so one object can be passed to many runs:

    >>> import steepest as st
    >>> res = st.minimize(lambda v: (v[0] ** 2 + 10 * v[1] ** 2), [3.0, 1.0], lr="bb", tol=1e-8)
    >>> res.converged, res.n_iter < 30
    (True, True)

Both are meant for plain gradient directions (method="gd"), which is what their theory covers.

References:
    J. Barzilai, J. M. Borwein, Two-point step size gradient methods, IMA J. Numer. Anal. 8, 1988.
    B. T. Polyak, Introduction to Optimization, 1987, section 5.3 (the step (f - f*) / ||g||^2).
    A. Nedic, D. Bertsekas, Incremental subgradient methods, SIAM J. Optim. 12, 2001 (a target
        level f_best - delta when f* is unknown); E. Hazan, S. Kakade, Revisiting the Polyak step
        size, arXiv:1905.00313, 2019.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from steepest.optim.rules import _number

__all__ = ["StepSize", "BB", "Polyak", "as_step_size", "STEP_SIZES"]


def _norm2(v: np.ndarray) -> float:
    return float(np.vdot(v, v))


def _first_step(x: np.ndarray, g: np.ndarray) -> float:
    """A cautious first step, before there is any history: x moves by 1e-3 max(1, ||x||)."""
    gn = math.sqrt(_norm2(g))
    return 1e-3 * max(1.0, math.sqrt(_norm2(x))) / gn if gn > 0 else 1e-3


class StepSize:
    """Base of the adaptive step sizes: `start()` forgets the history, `step(k, x, fun, g)` gives lr_k."""

    adaptive = True

    def start(self) -> None:
        """Forget everything seen (minimize calls it on its own copy before the first step)."""

    def step(self, k: int, x: np.ndarray, fun: float, g: np.ndarray) -> float:
        raise NotImplementedError

    def fresh(self) -> StepSize:
        """A copy with the same settings and no history."""
        other = copy.copy(self)
        other.start()
        return other

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class BB(StepSize):
    """Barzilai-Borwein steps: with s = x_k - x_{k-1} and y = g_k - g_{k-1},

        BB1 ("long"):  lr_k = s.s / s.y        BB2 ("short"): lr_k = s.y / y.y

    the step of the secant model whose Hessian is a multiple of I. The iterates are not monotone
    (f may rise for a step or two) but converge fast on smooth convex functions. Where s.y <= 0
    (negative curvature along s) the step is ||s|| / ||y||, the size of the secant; every step is
    clamped to [lr_min, lr_max].

    Args:
        variant: 2 (the default, steadier) or 1.
        lr0: the first step (default: one that moves x by 1e-3 max(1, ||x||)).
        lr_min, lr_max: the clamp.
    """

    def __init__(
        self, variant: int = 2, lr0: float | None = None, lr_min: float = 1e-10, lr_max: float = 1e10
    ):
        if variant not in (1, 2):
            raise ValueError(f"BB: variant must be 1 or 2, got {variant!r}")
        self.variant = variant
        self.lr0 = None if lr0 is None else _positive("BB", "lr0", lr0)
        self.lr_min = _positive("BB", "lr_min", lr_min)
        self.lr_max = _positive("BB", "lr_max", lr_max)
        if self.lr_min > self.lr_max:
            raise ValueError(f"BB: lr_min={lr_min!r} is above lr_max={lr_max!r}")
        self.start()

    def start(self) -> None:
        self._x: np.ndarray | None = None
        self._g: np.ndarray | None = None
        self._lr = math.nan

    def step(self, k: int, x: np.ndarray, fun: float, g: np.ndarray) -> float:
        if self._x is None:
            lr = self.lr0 if self.lr0 is not None else _first_step(x, g)
        else:
            s, y = x - self._x, g - self._g
            sy = float(np.vdot(s, y))
            if sy > 0 and math.isfinite(sy):
                lr = _norm2(s) / sy if self.variant == 1 else sy / _norm2(y)  # lr = s.s/s.y or s.y/y.y
            elif _norm2(y) > 0:  # negative curvature along s: the size of the secant, ||s|| / ||y||
                lr = math.sqrt(_norm2(s) / _norm2(y))
            else:
                lr = self._lr
        lr = min(self.lr_max, max(self.lr_min, lr))
        self._x, self._g, self._lr = x.copy(), g.copy(), lr
        return lr


class Polyak(StepSize):
    """Polyak's step lr_k = (f(x_k) - f*) / ||g_k||^2: the step at which the linear model of f
    reaches the optimal value f*.

    With f* known (f_star=...), that is the whole rule. With f* unknown, the target is
    f_best - delta (f_best the lowest f seen): delta grows by `grow` after a step that achieved at
    least half the decrease it aimed at and shrinks by `shrink` after one that did not, so it
    settles near the decrease f can give (a level adjustment in the manner of Nedic & Bertsekas;
    on a quadratic the step settles near 1 / L). Steps are clamped to [0, lr_max].

    Args:
        f_star: the optimal value, when it is known (0 for a least-squares fit that can be exact).
        delta: the first target's distance below f (default: the decrease a cautious first step
            promises). grow, shrink: the adjustment factors (> 1 and in (0, 1)).
        lr_max: the largest step allowed.
    """

    def __init__(
        self,
        f_star: float | None = None,
        delta: float | None = None,
        grow: float = 1.5,
        shrink: float = 0.5,
        lr_max: float = 1e10,
    ):
        self.f_star = None if f_star is None else _number("Polyak", "f_star", f_star)
        self.delta = None if delta is None else _positive("Polyak", "delta", delta)
        self.grow = _number("Polyak", "grow", grow)
        self.shrink = _number("Polyak", "shrink", shrink)
        if self.grow <= 1 or not 0 < self.shrink < 1:
            raise ValueError(
                f"Polyak: need grow > 1 and 0 < shrink < 1, got grow={grow!r}, shrink={shrink!r}"
            )
        self.lr_max = _positive("Polyak", "lr_max", lr_max)
        self.start()

    def start(self) -> None:
        self._best = math.inf
        self._delta = math.nan
        self._target: float | None = None
        self._from = math.nan  # f where the last step started

    def step(self, k: int, x: np.ndarray, fun: float, g: np.ndarray) -> float:
        gg = _norm2(g)
        if gg == 0 or not math.isfinite(gg):
            return 0.0
        if self.f_star is not None:
            return min(self.lr_max, max(0.0, fun - self.f_star) / gg)  # lr = (f - f*) / ||g||^2
        if self._target is None:
            self._delta = self.delta if self.delta is not None else _first_step(x, g) * gg
        else:  # did the last step give half the decrease it aimed at? aim lower next time; else nearer
            reached = fun <= self._from - 0.5 * (self._from - self._target)
            self._delta *= self.grow if reached else self.shrink
            self._delta = max(self._delta, 1e-16 * max(1.0, abs(fun)))
        self._best = min(self._best, fun)
        self._target, self._from = self._best - self._delta, fun
        return min(self.lr_max, max(0.0, fun - self._target) / gg)  # lr = (f - target) / ||g||^2


def _positive(who: str, name: str, value: Any) -> float:
    v = _number(who, name, value)
    if v <= 0:
        raise ValueError(f"{who}: {name} must be > 0, got {value!r}")
    return v


STEP_SIZES = {"bb": lambda: BB(2), "bb1": lambda: BB(1), "bb2": lambda: BB(2), "polyak": Polyak}
"""Names minimize's lr= accepts. "bb" is BB2, the short step: on Rosenbrock from (-1.5, 2) BB1's long
step is thrown out of the valley (diverged after 7 steps) where BB2 converges (62 to ||g|| < 1e-8)."""


def as_step_size(lr: Any) -> StepSize | None:
    """A fresh StepSize for "bb", "bb1", "bb2", "polyak" or a StepSize object; None for anything else
    (a number or a schedule, which `as_schedule` reads)."""
    if isinstance(lr, str):
        maker = STEP_SIZES.get(lr.lower())
        if maker is None:
            raise ValueError(
                f"minimize: unknown lr {lr!r}; a number, a schedule, or one of {', '.join(STEP_SIZES)}"
            )
        return maker()
    if isinstance(lr, StepSize):
        return lr.fresh()
    return None
