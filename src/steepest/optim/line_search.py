"""Line searches: how far to go along a descent direction d, instead of a fixed learning rate.

A line search sees the one-variable function phi(t) = f(x - t d), its value at 0 and the
slope g.d > 0 with which it falls at t = 0 (phi'(0) = -g.d). Every call of phi is one
evaluation of f, and `minimize` counts it in `n_fev`. A search whose class sets
`uses_gradient = True` (StrongWolfe) is handed a phi that returns (phi(t), phi'(t)) instead,
each call one evaluation of f and of its gradient, and returns a fourth item: None when the
step it accepts meets its conditions, else a sentence saying what it fell back on.

    >>> phi = lambda t: (3.0 - 6.0 * t) ** 2          # f(x) = x^2 at x = 3, d = f'(3) = 6
    >>> t, value, trials = backtracking(phi, 9.0, 36.0, t0=1.0)
    >>> t, value, trials
    (0.5, 0.0, 2)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from steepest.optim.rules import _number

__all__ = ["backtracking", "Armijo", "strong_wolfe", "StrongWolfe", "as_line_search"]


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



# --- strong Wolfe: bracket, then zoom (Nocedal & Wright, Numerical Optimization, algorithms 3.5 and 3.6) ---
Point = tuple[float, float, float]  # (t, phi(t), phi'(t))


def strong_wolfe(phi: Callable[[float], tuple[float, float]], f0: float, slope: float, t0: float,
                 c1: float = 1e-4, c2: float = 0.9,
                 max_trials: int = 25) -> tuple[float | None, float, int, str | None]:
    """A step t that meets the strong Wolfe conditions, found by bracketing and zooming.

    With phi(t) = f(x - t d) and phi'(0) = -slope < 0, t is accepted when
        phi(t) <= f0 - c1 t slope        (sufficient decrease, Armijo's), and
        |phi'(t)| <= c2 slope            (the slope has flattened: t is not too short).
    The first phase tries t0 and then longer steps until it brackets such a t (phi stops falling
    or turns upward); the second shrinks the bracket with the minimiser of the cubic that matches
    phi and phi' at its ends, bisecting when the cubic's choice is too near an end or undefined.
    A non-finite phi(t) counts as a step too long.

    Args:
        phi: t -> (phi(t), phi'(t)).   f0: phi(0).   slope: -phi'(0) > 0.   t0: the first trial.
        c1, c2: 0 < c1 < c2 < 1 (1e-4 and 0.9 suit quasi-Newton directions; c2 = 0.1 for a finer search).
        max_trials: evaluations of phi before giving up.

    Returns:
        (t, phi(t), trials, note): note is None when t meets both conditions; when none was found in
        max_trials, t is the lowest point found that meets sufficient decrease and note says so; t is
        None when no trial decreased f enough.

    Example:
        >>> phi = lambda t: ((3.0 - 6.0 * t) ** 2, -12.0 * (3.0 - 6.0 * t))   # x^2 at x = 3, d = 6
        >>> strong_wolfe(phi, 9.0, 36.0, t0=1.0)[0]
        0.5
    """
    d0 = -slope
    prev: Point = (0.0, f0, d0)
    t, trials = t0, 0
    while trials < max_trials:
        value, deriv = phi(t)
        trials += 1
        here = (t, value, deriv)
        if not _sufficient(here, f0, d0, c1) or (trials > 1 and value >= prev[1]):
            return _zoom(phi, f0, d0, prev, here, c1, c2, trials, max_trials)
        if abs(deriv) <= -c2 * d0:
            return t, value, trials, None
        if deriv >= 0:  # phi turned upward past a minimum: the bracket is [here, prev]
            return _zoom(phi, f0, d0, here, prev, c1, c2, trials, max_trials)
        t = _extrapolate(prev, here)
        prev = here
    return _give_up(prev, f0, trials)


def _sufficient(p: Point, f0: float, d0: float, c1: float) -> bool:
    t, value, deriv = p
    return math.isfinite(value) and math.isfinite(deriv) and value <= f0 + c1 * t * d0  # NaN fails too


def _cubic_min(p: Point, q: Point) -> float:
    """The minimiser of the cubic through p and q with slopes p[2], q[2] (N&W eq. 3.59); NaN if none."""
    (a, fa, da), (b, fb, db) = p, q
    if a == b or not all(math.isfinite(v) for v in (fa, da, fb, db)):
        return math.nan
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    rad = d1 * d1 - da * db
    if rad < 0:
        return math.nan
    d2 = math.copysign(math.sqrt(rad), b - a)
    denominator = db - da + 2.0 * d2
    return b - (b - a) * (db + d2 - d1) / denominator if denominator != 0 else math.nan


def _extrapolate(prev: Point, here: Point) -> float:
    """A longer step: the cubic's minimiser, kept between 1.1 and 4 times the last increase."""
    t, grown = here[0], here[0] - prev[0]
    low, high = t + 1.1 * grown, t + 4.0 * grown
    guess = _cubic_min(prev, here)
    return guess if low <= guess <= high else high


def _zoom(phi, f0, d0, lo: Point, hi: Point, c1, c2, trials, max_trials):
    """Shrink [lo, hi] (lo: the lowest point meeting sufficient decrease so far, phi'(lo)(hi - lo) < 0)."""
    while trials < max_trials:
        a, b = lo[0], hi[0]
        width = abs(b - a)
        if width <= 1e-14 * max(abs(a), abs(b)):  # the bracket is as small as floats allow
            break
        t = _cubic_min(lo, hi)
        if not min(a, b) + 0.1 * width <= t <= max(a, b) - 0.1 * width:
            t = 0.5 * (a + b)
        value, deriv = phi(t)
        trials += 1
        here = (t, value, deriv)
        if not _sufficient(here, f0, d0, c1) or value >= lo[1]:
            hi = here
            continue
        if abs(deriv) <= -c2 * d0:
            return t, value, trials, None
        if deriv * (b - a) >= 0:
            hi = lo
        lo = here
    return _give_up(lo, f0, trials)


def _give_up(lo: Point, f0: float, trials: int) -> tuple[float | None, float, int, str]:
    if lo[0] > 0:
        return lo[0], lo[1], trials, (f"no step met the strong Wolfe conditions in {trials} trials; the best "
                                      f"point found was kept (step {lo[0]:.1e}, f fell by {f0 - lo[1]:.1e})")
    return None, f0, trials, f"no step decreased f enough in {trials} trials"


class StrongWolfe:
    """The strong Wolfe line search (bracketing and zoom), as an object `minimize` accepts.

    Args:
        c1: sufficient decrease, 0 < c1 < c2.   c2: curvature, c1 < c2 < 1 (0.9: a loose search, as
            quasi-Newton methods want; 0.1: close to an exact line search).
        max_trials: evaluations of f (each with its gradient) before giving up.
    The first trial of every iteration is the learning rate (1 for L-BFGS).
    """

    name = "wolfe"
    uses_gradient = True

    def __init__(self, c1: float = 1e-4, c2: float = 0.9, max_trials: int = 25):
        self.c1 = _number("StrongWolfe", "c1", c1)
        self.c2 = _number("StrongWolfe", "c2", c2)
        if not 0 < self.c1 < self.c2 < 1:
            raise ValueError(f"StrongWolfe: need 0 < c1 < c2 < 1, got c1={c1!r}, c2={c2!r}")
        if isinstance(max_trials, bool) or not isinstance(max_trials, int) or max_trials < 1:
            raise ValueError(f"StrongWolfe: max_trials must be a positive integer, got {max_trials!r}")
        self.max_trials = max_trials

    def __call__(self, phi: Callable[[float], tuple[float, float]], f0: float, slope: float,
                 t0: float) -> tuple[float | None, float, int, str | None]:
        return strong_wolfe(phi, f0, slope, t0, self.c1, self.c2, self.max_trials)

    def __repr__(self) -> str:
        return f"StrongWolfe(c1={self.c1:g}, c2={self.c2:g}, max_trials={self.max_trials})"


_NAMED = {"armijo": Armijo, "backtracking": Armijo, "wolfe": StrongWolfe, "strong_wolfe": StrongWolfe}


def as_line_search(spec: Any) -> Callable | None:
    """None -> None; "armijo" (or "backtracking") -> Armijo(); "wolfe" (or "strong_wolfe") ->
    StrongWolfe(); an Armijo, a StrongWolfe or any callable with the same signature passes through."""
    if spec is None or spec is False:
        return None
    if isinstance(spec, str):
        if spec.lower() not in _NAMED:
            raise ValueError(f"unknown line_search {spec!r}; known: {', '.join(_NAMED)} (or None)")
        return _NAMED[spec.lower()]()
    if callable(spec):
        return spec
    raise ValueError(f"line_search must be None, a name ({', '.join(_NAMED)}) or a callable, got {spec!r}")
