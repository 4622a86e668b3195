"""Line searches: how far to go along a descent direction d, instead of a fixed learning rate.

A line search sees the one-variable function phi(t) = f(x - t d), its value at 0 and the
slope g.d > 0 with which it falls at t = 0 (phi'(0) = -g.d). Every call of phi is one
evaluation of f, and `minimize` counts it in `n_fev`.

    >>> phi = lambda t: (3.0 - 6.0 * t) ** 2          # f(x) = x^2 at x = 3, d = f'(3) = 6
    >>> t, value, trials = backtracking(phi, 9.0, 36.0, t0=1.0)
    >>> t, value, trials
    (0.5, 0.0, 2)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from steepest.optim.rules import _number

__all__ = ["backtracking", "Armijo", "as_line_search"]


def backtracking(phi: Callable[[float], float], f0: float, slope: float, t0: float, c: float = 1e-4,
                 shrink: float = 0.5, max_trials: int = 50) -> tuple[float | None, float, int]:
    """Backtracking with the Armijo (1966) sufficient-decrease test.

    Tries t = t0, shrink t0, shrink^2 t0, ... and accepts the first with
    phi(t) <= f0 - c t slope (f falls by at least a fraction c of what its slope promises).

    Returns:
        (t, phi(t), number of trials); t is None when no trial passed in max_trials.
    """
    t = t0
    value = f0
    for trial in range(1, max_trials + 1):
        value = phi(t)
        if value <= f0 - c * t * slope:  # NaN fails the test, so an overflow shrinks the step too
            return t, value, trial
        t *= shrink
    return None, value, max_trials


class Armijo:
    """Backtracking line search with the Armijo condition, as an object `minimize` accepts.

    Args:
        c: the fraction of the linear decrease that must be achieved (0 < c < 1).
        shrink: the factor t is multiplied by after a failed trial (0 < shrink < 1).
        max_trials: trials before giving up on the direction.
    The first trial of every iteration is the learning rate (or the schedule's value).
    """

    name = "armijo"

    def __init__(self, c: float = 1e-4, shrink: float = 0.5, max_trials: int = 50):
        self.c = _number("Armijo", "c", c)
        self.shrink = _number("Armijo", "shrink", shrink)
        if not 0 < self.c < 1:
            raise ValueError(f"Armijo: c must be in (0, 1), got {c!r}")
        if not 0 < self.shrink < 1:
            raise ValueError(f"Armijo: shrink must be in (0, 1), got {shrink!r}")
        if isinstance(max_trials, bool) or not isinstance(max_trials, int) or max_trials < 1:
            raise ValueError(f"Armijo: max_trials must be a positive integer, got {max_trials!r}")
        self.max_trials = max_trials

    def __call__(self, phi: Callable[[float], float], f0: float, slope: float,
                 t0: float) -> tuple[float | None, float, int]:
        return backtracking(phi, f0, slope, t0, self.c, self.shrink, self.max_trials)

    def __repr__(self) -> str:
        return f"Armijo(c={self.c:g}, shrink={self.shrink:g}, max_trials={self.max_trials})"


_NAMED = {"armijo": Armijo, "backtracking": Armijo}


def as_line_search(spec: Any) -> Callable | None:
    """None -> None; "armijo" (or "backtracking") -> Armijo(); an Armijo or any callable with the
    same signature passes through."""
    if spec is None or spec is False:
        return None
    if isinstance(spec, str):
        if spec.lower() not in _NAMED:
            raise ValueError(f"unknown line_search {spec!r}; known: {', '.join(_NAMED)} (or None)")
        return _NAMED[spec.lower()]()
    if callable(spec):
        return spec
    raise ValueError(f"line_search must be None, a name ({', '.join(_NAMED)}) or a callable, got {spec!r}")
