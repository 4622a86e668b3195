"""The learning-rate range test (L. Smith, Cyclical learning rates for training neural networks, 2017),
done so that its answer can be trusted.

One run: start from the model's weights (or x0), take `steps` optimizer steps with the learning
rate raised geometrically from lr_min to lr_max, record the loss after each, and stop early
once the loss has clearly diverged. The loss first stays flat (steps too small to matter), then
falls (useful rates), then rises and explodes (too large). A good rate lies on the falling part.

Where fastai's and torch-lr-finder's suggestions are known to mislead, this one does not:
- one run is one draw (of minibatches, of the exact start), so it runs `seeds` of them (3) and
  reports how far apart their suggestions are, instead of a different answer on every call;
- the curve is smoothed by a running median of 5 (an isolated spike is dropped, not spread) and
  then a local linear fit in u = log10(lr) (a Gaussian window `smooth` decades wide), whose
  slope is the derivative dL/du itself: no exponential moving average that lags the curve
  towards larger rates, and no np.gradient over log-spaced points taken as evenly spaced;
- the steepest descent is looked for only between the highest point before the first minimum of
  the smoothed curve (the lowest point before it climbs back by 5% of its fall) and that
  minimum, and must be a real descent (a fall of more than five times the raw curve's scatter
  about the fit, measured robustly), so an early spike, the climb into divergence or a deeper
  dip among the unstable rates past it cannot win;
- the answer is an interval (the rates where the curve falls at least half as fast as at its
  steepest) with a suggestion inside it (the steepest point), not a point pretending to precision.
The model (and an optimizer passed in, with its state) is restored afterwards.

    >>> import steepest as st
    >>> found = st.lr_find(lambda x: x**2 + 5 * st.sin(x), -5.0, seeds=3, seed=0)
    >>> lo, hi = found.interval
    >>> bool(lo < found.suggestion < hi), found.spread < 0.5      # the seeds agree to half a decade
    (True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["lr_find", "LRFind", "smooth_slope"]


@dataclass(repr=False)
class LRFind:
    """What lr_find found.

    Attributes:
        suggestion: the suggested learning rate (the median over seeds of each seed's steepest point).
        interval: (low, high): the rates where the smoothed loss falls at least half as fast as at its
            steepest (the medians over seeds of each seed's ends).
        spread: how far apart the seeds' suggestions are, in decades (log10 of max / min); 0 for one seed.
        agree: spread <= 0.5 (the seeds' suggestions lie within a factor of about 3).
        lrs, losses: per seed, the rates tried and the loss after each step (runs stop at divergence).
        smoothed, slopes: per seed, the smoothed loss and its slope dL/dlog10(lr), at the same rates.
        suggestions: per seed, its steepest point (nan when the loss never fell).
        reasons: per seed, why its run ended.
        smooth: the width of the smoothing window, in decades.
    """

    suggestion: float
    interval: tuple[float, float]
    spread: float
    agree: bool
    lrs: list[np.ndarray]
    losses: list[np.ndarray]
    smoothed: list[np.ndarray]
    slopes: list[np.ndarray]
    suggestions: list[float]
    reasons: list[str] = field(default_factory=list)
    smooth: float = 0.15

    def plot(self, **kwargs: Any) -> Any:
        """The loss against the learning rate (log axis), the interval shaded (steepest.viz.plot_lr_find)."""
        from steepest.viz.lr_find import plot_lr_find

        return plot_lr_find(self, **kwargs)

    def summary(self) -> str:
        """A few lines a person reads: the suggestion, the interval, how well the seeds agree."""
        lo, hi = self.interval
        seeds = ", ".join(f"{s:.3g}" for s in self.suggestions)
        agreement = (
            f"the {len(self.suggestions)} seeds agree within {self.spread:.2f} decades "
            f"(x{10**self.spread:.2g})"
            if self.agree
            else f"the seeds disagree by {self.spread:.2f} decades "
            f"(x{10**self.spread:.2g}): the curve is noisy; try more steps, a larger batch or more seeds"
        )
        return (
            f"suggested lr {self.suggestion:.3g}, interval [{lo:.3g}, {hi:.3g}]; {agreement}\n"
            f"per seed: {seeds}"
        )

    def __repr__(self) -> str:
        return f"LRFind({self.summary()})"


def lr_find(
    target: Any,
    *data: Any,
    loss: str | Callable = "mse",
    optimizer: Any = "gd",
    method: str = "gd",
    lr_min: float = 1e-6,
    lr_max: float = 10.0,
    steps: int = 100,
    seeds: int = 3,
    seed: int = 0,
    batch_size: int | None = None,
    jitter: float = 0.01,
    smooth: float = 0.15,
    diverge: float = 4.0,
    **options: Any,
) -> LRFind:
    """The learning-rate range test, run `seeds` times, smoothed, with an interval and a suggestion.

    Two forms:
        lr_find(model, X, y, loss=..., optimizer=..., batch_size=...)   a steepest.nn model, trained
            by the optimizer (a name, or an Optimizer built on model.parameters(), whose state is put
            back afterwards), one minibatch per step (the whole set when batch_size is None);
        lr_find(f, x0, method=...)                                      a function, as st.minimize takes it.

    Args:
        lr_min, lr_max, steps: the rates tried, geometrically spaced.
        seeds: independent runs; seed: the first seed (runs use seed, seed + 1, ...). A run's seed
            chooses its minibatches and a small jitter of the start: every weight (or x0) moved by
            jitter times its tensor's root-mean-square, at random (0 for none).
        smooth: the width (standard deviation) of the smoothing window, in decades of lr.
        diverge: a run stops when the loss rises above its start by diverge times its fall so far.
        loss: the loss of the model (as fit takes it).   method: the rule of the function form.
        **options: the optimizer's or the rule's hyperparameters (momentum=0.9, ...).

    Returns:
        An LRFind: suggestion, interval, spread, agree, the curves, and .plot().

    Raises:
        ValueError: bad settings (named), or no seed's loss fell at all (nothing to suggest).
    """
    lrs = _rates(lr_min, lr_max, steps)
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"lr_find: seeds must be a whole number >= 1, got {seeds!r}")
    if not smooth > 0 or not diverge > 0:
        raise ValueError(
            f"lr_find: smooth and diverge must be > 0, got smooth={smooth!r}, diverge={diverge!r}"
        )
    if hasattr(target, "parameters") and callable(target):
        if len(data) != 2:
            raise ValueError("lr_find: a model needs the data: lr_find(model, X, y, ...)")
        from steepest.optim._range_test import model_runs

        runs = model_runs(
            target, *data, loss, optimizer, options, lrs, seeds, seed, batch_size, jitter, diverge
        )
    elif callable(target):
        if len(data) != 1:
            raise ValueError("lr_find: a function needs its starting point: lr_find(f, x0, ...)")
        from steepest.optim._range_test import function_runs

        runs = function_runs(target, data[0], method, options, lrs, seeds, seed, jitter, diverge)
    else:
        raise ValueError(
            f"lr_find: expected a model (with .parameters()) or a function, got {type(target).__name__}"
        )
    return _combine(runs, smooth)


def _rates(lr_min: Any, lr_max: Any, steps: Any) -> np.ndarray:
    from steepest.optim.rules import check_lr

    lo, hi = check_lr("lr_find", lr_min), check_lr("lr_find", lr_max)
    if not lo < hi:
        raise ValueError(f"lr_find: lr_min={lr_min!r} must be below lr_max={lr_max!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 10:
        raise ValueError(f"lr_find: steps must be a whole number >= 10, got {steps!r}")
    return np.geomspace(lo, hi, steps)


def smooth_slope(u: np.ndarray, values: np.ndarray, width: float) -> tuple[np.ndarray, np.ndarray]:
    """A local linear fit of values against u at every u (Gaussian weights of standard deviation
    `width`): the fitted value and its slope d values / du, at the points' own spacing."""
    u, values = np.asarray(u, float), np.asarray(values, float)
    du = u[None, :] - u[:, None]  # (n, n): row i holds u_j - u_i
    w = np.exp(-0.5 * (du / width) ** 2)  # weights of the points around each u_i
    sw, swx = w.sum(1), (w * du).sum(1)
    swxx, swy, swxy = (w * du * du).sum(1), w @ values, (w * du) @ values
    det = sw * swxx - swx**2  # weighted least squares of y ~ a + b (u - u_i)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(det > 0, (sw * swxy - swx * swy) / det, 0.0)
    a = (swy - b * swx) / sw
    return a, b


def _analyse(
    lrs: np.ndarray, losses: np.ndarray, width: float
) -> tuple[np.ndarray, np.ndarray, float, float, float]:
    """One seed: (smoothed, slopes, steepest lr, interval low, interval high); nan when no real fall."""
    u = np.log10(lrs)
    if len(losses) < 5:
        return losses, np.zeros_like(losses), math.nan, math.nan, math.nan
    m, slope = smooth_slope(u, _running_median(losses), width)
    nan = (m, slope, math.nan, math.nan, math.nan)
    noise = _scatter(losses - m)
    bottom = _first_bottom(m, 5.0 * noise)
    fall = m[: bottom + 1].max() - m[bottom]
    if bottom == 0 or not fall > max(5.0 * noise, 1e-12 * abs(m[bottom])):  # no descent worth the name
        return nan
    top = int(np.argmax(m[: bottom + 1]))  # the descent runs from the highest point before the bottom
    i = top + int(np.argmin(slope[top : bottom + 1]))
    if not slope[i] < 0:
        return nan
    lo = hi = i
    while lo > top and slope[lo - 1] <= 0.5 * slope[i]:
        lo -= 1
    while hi < bottom and slope[hi + 1] <= 0.5 * slope[i]:
        hi += 1
    return m, slope, float(lrs[i]), float(lrs[lo]), float(lrs[hi])


def _scatter(residual: np.ndarray) -> float:
    """The raw curve's scatter about the fit, robustly (1.4826 MAD: the standard deviation for noise)."""
    return 1.4826 * float(np.median(np.abs(residual - np.median(residual))))


def _first_bottom(m: np.ndarray, significant: float, rise: float = 0.05) -> int:
    """The lowest point before the curve first climbs back by `rise` of its fall so far (once the fall is
    `significant`): past that the rates are too large, and a later dip (a chaotic regime, a saturated
    output) is not a descent to suggest from."""
    low, peak = 0, m[0]
    for i in range(1, len(m)):
        if m[i] < m[low]:
            low = i
        elif peak - m[low] > significant and m[i] - m[low] > rise * (peak - m[low]):
            break
        if low == 0:
            peak = max(peak, m[i])
    return low


def _running_median(values: np.ndarray, k: int = 5) -> np.ndarray:
    """The median of each k consecutive points (the ends padded with their own values)."""
    padded = np.pad(values, k // 2, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, k), axis=1)


def _combine(runs: list[tuple[np.ndarray, np.ndarray, str]], width: float) -> LRFind:
    parts = [(lrs, losses, reason, _analyse(lrs, losses, width)) for lrs, losses, reason in runs]
    picks = np.array([a[2] for *_, a in parts])
    ok = np.isfinite(picks)
    if not ok.any():
        raise ValueError(
            "lr_find: the loss never fell in any seed's run: widen lr_min..lr_max (it may all be too "
            "small or all too large), or check the model and the data; reasons: "
            + "; ".join(r for _, _, r, _ in parts)
        )
    logs = np.log10(picks[ok])
    lows = np.log10([a[3] for *_, a in parts if math.isfinite(a[2])])
    highs = np.log10([a[4] for *_, a in parts if math.isfinite(a[2])])
    spread = float(logs.max() - logs.min()) if ok.all() else math.inf
    return LRFind(
        suggestion=float(10 ** np.median(logs)),
        interval=(float(10 ** np.median(lows)), float(10 ** np.median(highs))),
        spread=spread,
        agree=spread <= 0.5,
        lrs=[p[0] for p in parts],
        losses=[p[1] for p in parts],
        smoothed=[a[0] for *_, a in parts],
        slopes=[a[1] for *_, a in parts],
        suggestions=[float(v) for v in picks],
        reasons=[p[2] for p in parts],
        smooth=width,
    )
