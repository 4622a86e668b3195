"""Paired timing for the benchmarks: every system once per round, in rotating order.

A shared machine disturbs some rounds and not others. Taking each system's best round compares
two systems' luckiest moments, which may be far apart in time (a disturbed floor once made a
2.1x step read 1.20x). Here every round times each system over one short block, one after the
other, starting with a different system each round; the ratio of two systems is the median over
rounds of their within-round ratio, so a disturbance hits both sides of a ratio or is voted out.

    timings = paired({"steepest": st_step, "numpy": np_step}, rounds=21)
    timings.ratio("steepest", "numpy")      # median of the per-round ratios
    timings.median("numpy")                 # seconds per call, median over rounds
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

__all__ = ["Timings", "paired", "calls_for"]


def _block(fn: Callable[[], object], n: int) -> float:
    """Seconds per call over n calls in a row."""
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def calls_for(fn: Callable[[], object], seconds: float, most: int = 100_000) -> int:
    """How many calls of fn take about `seconds` (at least one)."""
    fn()  # warm caches and lazy set-up before the first estimate
    n = 1
    while True:
        t = _block(fn, n) * n
        if t >= seconds / 4 or n >= most:
            return max(1, min(most, int(n * seconds / max(t, 1e-9))))
        n *= 4


class Timings:
    """Seconds per call of each system in each round (`times[name]` has one entry per round)."""

    def __init__(self, times: dict[str, list[float]]):
        self.times = times

    @property
    def rounds(self) -> int:
        return len(next(iter(self.times.values())))

    def median(self, name: str) -> float:
        """Median seconds per call of `name` over the rounds."""
        return float(np.median(self.times[name]))

    def ratio(self, a: str, b: str) -> float:
        """Median over rounds of time(a) / time(b) measured in the same round."""
        return float(np.median(np.divide(self.times[a], self.times[b])))

    def spread(self, a: str, b: str) -> tuple[float, float]:
        """The quartiles of the per-round ratio a / b: how steady the median is."""
        r = np.divide(self.times[a], self.times[b])
        return float(np.quantile(r, 0.25)), float(np.quantile(r, 0.75))


def paired(systems: dict[str, Callable[[], object]], rounds: int = 21, block: float = 0.05) -> Timings:
    """Time every system once per round over a block of about `block` seconds, in rotating order.

    Args:
        systems: name -> a function doing one unit of work (one step, one call).
        rounds: how many rounds; each gives one ratio per pair of systems.
        block: seconds each system runs per round (the number of calls is fixed up front).

    Returns:
        Timings with seconds per call of each system in each round.
    """
    names = list(systems)
    counts = {k: calls_for(systems[k], block) for k in names}
    times: dict[str, list[float]] = {k: [] for k in names}
    for r in range(rounds):
        for j in range(len(names)):
            k = names[(r + j) % len(names)]
            times[k].append(_block(systems[k], counts[k]))
    return Timings(times)
