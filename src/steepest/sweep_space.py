"""The trials of a sweep: a grid (every combination) or a random search (draws from a space).

A grid is a dict of name -> list of values (a single value is fixed); its trials are every
combination, in the order of the dict. A space for random search has at least one distribution
(LogUniform, Uniform, IntUniform, Choice; a list is a Choice) and n_trials draws, made with a seed
so that the same call gives the same trials. A list of dicts is taken as the trials themselves.

    >>> from steepest.sweep_space import LogUniform, trials
    >>> [t["lr"] for t in trials({"lr": [0.1, 1.0], "momentum": 0.9})]
    [0.1, 1.0]
    >>> len(trials({"lr": LogUniform(1e-3, 1.0), "momentum": [0.0, 0.9]}, n_trials=5, seed=0))
    5

Every value must be JSON-able (numbers, strings, booleans, None, lists of them): it is written to
the journal and compared on resume.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "Distribution",
    "LogUniform",
    "Uniform",
    "IntUniform",
    "Choice",
    "trials",
    "trial_ids",
    "canonical",
]


class Distribution:
    """Something to draw a value from: `draw(rng)`."""

    def draw(self, rng: np.random.Generator) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(v) for v in vars(self).values())})"


def _bounds(who: str, low: Any, high: Any, positive: bool = False) -> tuple[float, float]:
    lo, hi = float(low), float(high)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi) or (positive and lo <= 0):
        need = "0 < low < high" if positive else "low < high, both finite"
        raise ValueError(f"{who}: need {need}, got low={low!r}, high={high!r}")
    return lo, hi


class LogUniform(Distribution):
    """Uniform in log: 10 ** uniform(log10 low, log10 high) (learning rates, weight decays)."""

    def __init__(self, low: float, high: float):
        self.low, self.high = _bounds("LogUniform", low, high, positive=True)

    def draw(self, rng):
        return float(10 ** rng.uniform(math.log10(self.low), math.log10(self.high)))


class Uniform(Distribution):
    """uniform(low, high) (momentum, dropout)."""

    def __init__(self, low: float, high: float):
        self.low, self.high = _bounds("Uniform", low, high)

    def draw(self, rng):
        return float(rng.uniform(self.low, self.high))


class IntUniform(Distribution):
    """A whole number in [low, high], each equally likely (hidden sizes, epochs)."""

    def __init__(self, low: int, high: int):
        if not (isinstance(low, int) and isinstance(high, int) and low <= high):
            raise ValueError(f"IntUniform: need whole numbers low <= high, got {low!r}, {high!r}")
        self.low, self.high = low, high

    def draw(self, rng):
        return int(rng.integers(self.low, self.high + 1))


class Choice(Distribution):
    """One of the values, each equally likely."""

    def __init__(self, values: list[Any]):
        self.values = list(values)
        if not self.values:
            raise ValueError("Choice: give at least one value")

    def draw(self, rng):
        return self.values[int(rng.integers(len(self.values)))]


def canonical(config: Mapping[str, Any]) -> str:
    """The config as JSON with sorted keys: the same text for the same trial, in any process."""
    try:
        return json.dumps(config, sort_keys=True, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"sweep: every value of a trial must be JSON-able (numbers, strings, booleans, None, "
            f"lists), got {dict(config)!r} ({err})"
        ) from None


def _value(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def trials(space: Any, n_trials: int | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """The trials of a grid, of a random search over a space, or a list of dicts as given."""
    if isinstance(space, (list, tuple)):
        if not space or not all(isinstance(t, Mapping) for t in space):
            raise ValueError("sweep: a list of trials must be a non-empty list of dicts")
        out = [dict(t) for t in space]
    elif isinstance(space, Mapping) and space:
        random = n_trials is not None or any(isinstance(v, Distribution) for v in space.values())
        out = _random(space, n_trials, seed) if random else _grid(space)
    else:
        raise ValueError(
            f"sweep: expected a grid or space (a non-empty dict of name -> values) or a list of "
            f"trials, got {space!r}"
        )
    out = [{k: _value(v) for k, v in t.items()} for t in out]
    for t in out:
        canonical(t)
    return out


def _grid(space: Mapping[str, Any]) -> list[dict[str, Any]]:
    names = list(space)
    axes = [v if isinstance(v, (list, tuple)) else [v] for v in space.values()]
    if any(len(a) == 0 for a in axes):
        raise ValueError(f"sweep: every grid axis needs at least one value, got {dict(space)!r}")
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes)]


def _random(space: Mapping[str, Any], n_trials: int | None, seed: int) -> list[dict[str, Any]]:
    if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1:
        raise ValueError(f"sweep: a random search needs n_trials, a whole number >= 1, got {n_trials!r}")
    rng = np.random.default_rng(seed)
    dists = {
        k: v if isinstance(v, Distribution) else Choice(v) if isinstance(v, (list, tuple)) else None
        for k, v in space.items()
    }
    return [
        {k: (d.draw(rng) if d is not None else space[k]) for k, d in dists.items()} for _ in range(n_trials)
    ]


def trial_ids(configs: list[dict[str, Any]]) -> list[str]:
    """A stable id per trial: a hash of its canonical JSON, and a count for repeated configs."""
    seen: dict[str, int] = {}
    ids = []
    for c in configs:
        digest = hashlib.sha1(canonical(c).encode()).hexdigest()[:16]
        seen[digest] = seen.get(digest, -1) + 1
        ids.append(f"{digest}-{seen[digest]}")
    return ids
