"""Halting conditions: small objects that look at the progress of a run and say why to stop.

A condition is asked once at the starting point and once after every update; it answers
None (go on) or a sentence a person reads. Conditions combine with `|` (stop when any says
so). `minimize` builds them from its arguments (tol, ftol, xtol, max_iter, time_limit,
callback) and adds the ones passed as `stop=`:

    >>> from steepest.optim.stopping import GradTol, MaxIter
    >>> stop = GradTol(1e-3) | MaxIter(100)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Progress", "Condition", "AnyOf", "GradTol", "FTol", "XTol", "MaxIter", "TimeLimit", "Divergence",
           "Callback"]


def _plural(n: int, word: str = "iteration") -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Progress:
    """Where a run stands; what conditions and callbacks see.

    Attributes:
        n_iter: updates made so far.
        x: the current point (a read-only array; copy it to keep it).
        fun, grad, grad_norm: f, its gradient (read-only) and the gradient's norm at x.
        f0: f at the starting point.  prev_fun, prev_x: the previous point's f and x (None at x0).
        lr: the learning rate of the last update.  start: time.perf_counter() at the start.
    """

    __slots__ = ("n_iter", "x", "fun", "grad", "grad_norm", "f0", "prev_fun", "prev_x", "lr", "start")

    def __init__(self, x: np.ndarray, fun: float, grad: np.ndarray, grad_norm: float):
        self.n_iter = 0
        self.x, self.fun, self.grad, self.grad_norm = x, fun, grad, grad_norm
        self.f0 = fun
        self.prev_fun: float | None = None
        self.prev_x: np.ndarray | None = None
        self.lr = math.nan
        self.start = time.perf_counter()

    @property
    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self.start


class Condition:
    """Base of the halting conditions: `check(progress) -> reason or None`."""

    converged = False  # does stopping here mean a solution was found?
    code = "stop"  # the short name of the reason, Result.status

    def start(self, p: Progress) -> None:
        """Called once, at the starting point, before the first check."""

    def check(self, p: Progress) -> str | None:
        raise NotImplementedError

    def __or__(self, other: Condition) -> AnyOf:
        return AnyOf(self, other)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class AnyOf(Condition):
    """Stop when any of the conditions says so (the first one, in order, gives the reason)."""

    def __init__(self, *conditions: Condition):
        self.conditions: list[Condition] = []
        for c in conditions:
            self.conditions.extend(c.conditions if isinstance(c, AnyOf) else [c])
        self._last: Condition | None = None

    @property
    def converged(self) -> bool:  # type: ignore[override]
        return self._last is not None and self._last.converged

    @property
    def last_code(self) -> str:
        """The code of the condition that stopped the run."""
        return "stop" if self._last is None else getattr(self._last, "last_code", self._last.code)

    def start(self, p):
        for c in self.conditions:
            c.start(p)

    def check(self, p):
        for c in self.conditions:
            reason = c.check(p)
            if reason is not None:
                self._last = c
                return reason
        return None


class GradTol(Condition):
    """||grad f(x)|| < tol: a stationary point, to tolerance (checked at x0 too)."""

    code = "gtol"

    converged = True

    def __init__(self, tol: float):
        self.tol = tol

    def check(self, p):
        if p.grad_norm < self.tol:
            return (f"gradient norm {p.grad_norm:.1e} < tol {self.tol:.1e} "
                    f"after {_plural(p.n_iter)}")
        return None


class FTol(Condition):
    """|f_k - f_{k-1}| <= ftol max(1, |f_k|): f no longer changes (absolute near 0, relative above 1)."""

    code = "ftol"

    converged = True

    def __init__(self, ftol: float):
        self.ftol = ftol

    def check(self, p):
        if p.prev_fun is None:
            return None
        change = abs(p.fun - p.prev_fun)
        if change <= self.ftol * max(1.0, abs(p.fun)):
            return (f"f changed by {change:.1e} <= ftol {self.ftol:.1e} in the last step, "
                    f"after {_plural(p.n_iter)} (gradient norm {p.grad_norm:.1e})")
        return None


class XTol(Condition):
    """||x_k - x_{k-1}|| <= xtol max(1, ||x_k||): the point no longer moves."""

    code = "xtol"

    converged = True

    def __init__(self, xtol: float):
        self.xtol = xtol

    def check(self, p):
        if p.prev_x is None:
            return None
        step = float(np.linalg.norm(np.ravel(p.x - p.prev_x)))
        if step <= self.xtol * max(1.0, float(np.linalg.norm(np.ravel(p.x)))):
            return (f"x moved by {step:.1e} <= xtol {self.xtol:.1e} in the last step, "
                    f"after {_plural(p.n_iter)} (gradient norm {p.grad_norm:.1e})")
        return None


class MaxIter(Condition):
    """n_iter >= max_iter: the budget of updates is spent (not a convergence)."""

    code = "max_iter"

    def __init__(self, max_iter: int):
        self.max_iter = max_iter

    def check(self, p):
        if p.n_iter >= self.max_iter:
            return (f"stopped at max_iter={self.max_iter} without converging: gradient norm is "
                    f"still {p.grad_norm:.1e}, f = {p.fun:.6g}")
        return None


class TimeLimit(Condition):
    """A budget of wall-clock seconds (not a convergence)."""

    code = "time_limit"

    def __init__(self, seconds: float):
        self.seconds = seconds

    def check(self, p):
        elapsed = p.elapsed
        if elapsed >= self.seconds:
            return (f"time limit of {self.seconds:g} s reached after {_plural(p.n_iter)} "
                    f"({elapsed:.3g} s): gradient norm is still {p.grad_norm:.1e}")
        return None


class Divergence(Condition):
    """f or the gradient is not finite, or f grew above f(x0) + factor max(1, |f(x0)|)."""

    code = "diverged"

    def __init__(self, factor: float = 1e6):
        self.factor = factor

    def check(self, p):
        if not (math.isfinite(p.fun) and math.isfinite(p.grad_norm)):
            what = "f" if not math.isfinite(p.fun) else "the gradient"
            value = p.fun if what == "f" else p.grad_norm
            if p.n_iter == 0:
                return f"{what} is not finite at the starting point ({value}); pick another x0"
            return (f"diverged: {what} became {value} after {_plural(p.n_iter)} (f(x0) = {p.f0:.2g}); "
                    f"try a smaller learning rate (lr was {p.lr:.3g})")
        if p.fun - p.f0 > self.factor * max(1.0, abs(p.f0)):
            return (f"diverged: f grew from {p.f0:.2g} to {p.fun:.2g} in {_plural(p.n_iter, 'step')}; "
                    f"try a smaller learning rate (lr was {p.lr:.3g})")
        return None


class Callback(Condition):
    """Calls fn(progress) after every update; fn returning True stops the run."""

    code = "callback"

    def __init__(self, fn: Callable[[Progress], Any]):
        self.fn = fn

    def check(self, p):
        if p.n_iter and self.fn(p):
            return f"the callback asked to stop after {_plural(p.n_iter)} (gradient norm {p.grad_norm:.1e})"
        return None
