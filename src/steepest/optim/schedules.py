"""Learning-rate schedules: plain callables `schedule(t) -> lr`, t = 0, 1, 2, ... (a step or an epoch).

`minimize` calls the schedule with the index of the update it is about to make; a training
loop sets `optimizer.lr = schedule(epoch)`. Any function of t works the same way; these are
small classes only so that they print their settings.

    >>> from steepest.optim.schedules import step_decay
    >>> s = step_decay(0.1, step_size=10, gamma=0.5)
    >>> s(0), s(9), s(10), s(25)
    (0.1, 0.1, 0.05, 0.025)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from steepest.optim.rules import _number, check_lr

__all__ = ["Schedule", "constant", "step_decay", "exponential", "inverse_time", "cosine", "warmup",
           "as_schedule"]


def _rate(who: str, name: str, value: Any, lo: float, hi: float) -> float:
    v = _number(who, name, value)
    if not lo < v <= hi:
        raise ValueError(f"{who}: {name} must be in ({lo:g}, {hi:g}], got {value!r}")
    return v


def _count(who: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{who}: {name} must be a positive integer, got {value!r}")
    return value


class Schedule:
    """Base of the schedules below: a callable with a readable repr."""

    def __call__(self, t: int) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class constant(Schedule):
    """lr_t = lr."""

    def __init__(self, lr: float):
        self.lr = check_lr("constant", lr)

    def __call__(self, t: int) -> float:
        return self.lr


class step_decay(Schedule):
    """lr_t = lr gamma^floor(t / step_size): multiplied by gamma every step_size steps."""

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1):
        self.lr = check_lr("step_decay", lr)
        self.step_size = _count("step_decay", "step_size", step_size)
        self.gamma = _rate("step_decay", "gamma", gamma, 0.0, 1.0)

    def __call__(self, t: int) -> float:
        return self.lr * self.gamma ** (t // self.step_size)


class exponential(Schedule):
    """lr_t = lr gamma^t."""

    def __init__(self, lr: float, gamma: float):
        self.lr = check_lr("exponential", lr)
        self.gamma = _rate("exponential", "gamma", gamma, 0.0, 1.0)

    def __call__(self, t: int) -> float:
        return self.lr * self.gamma**t


class inverse_time(Schedule):
    """lr_t = lr / (1 + decay t) (torch's Adagrad lr_decay; Robbins-Monro-like 1/t decay)."""

    def __init__(self, lr: float, decay: float):
        self.lr = check_lr("inverse_time", lr)
        self.decay = _number("inverse_time", "decay", decay)
        if self.decay < 0:
            raise ValueError(f"inverse_time: decay must be >= 0, got {decay!r}")

    def __call__(self, t: int) -> float:
        return self.lr / (1.0 + self.decay * t)


class cosine(Schedule):
    """lr_t = min_lr + (lr - min_lr) (1 + cos(pi t / total)) / 2 for t <= total, min_lr after
    (Loshchilov & Hutter, SGDR, 2017, without restarts)."""

    def __init__(self, lr: float, total: int, min_lr: float = 0.0):
        self.lr = check_lr("cosine", lr)
        self.total = _count("cosine", "total", total)
        self.min_lr = _number("cosine", "min_lr", min_lr)
        if not 0.0 <= self.min_lr <= self.lr:
            raise ValueError(f"cosine: min_lr must be in [0, lr={self.lr:g}], got {min_lr!r}")

    def __call__(self, t: int) -> float:
        t = min(t, self.total)
        return self.min_lr + (self.lr - self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * t / self.total))


class warmup(Schedule):
    """Linear warm-up: lr_t = base(0) (t + 1) / steps for t < steps, then base(t - steps).

    `base` is a schedule or a number (a constant learning rate). The warm-up reaches the
    base's first value on its last step, so nothing is wasted on a zero step.
    """

    def __init__(self, schedule_or_lr: Callable[[int], float] | float, steps: int):
        self.base = as_schedule(schedule_or_lr, "warmup")
        self.steps = _count("warmup", "steps", steps)

    def __call__(self, t: int) -> float:
        if t < self.steps:
            return self.base(0) * (t + 1) / self.steps
        return self.base(t - self.steps)


def as_schedule(lr: Callable[[int], float] | float, who: str = "minimize") -> Callable[[int], float]:
    """A number becomes `constant(lr)` (checked > 0); a callable is used as it is."""
    if callable(lr):
        return lr
    return constant(check_lr(who, lr))
