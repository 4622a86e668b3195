"""Learning-rate schedulers with torch.optim.lr_scheduler's names, over the schedules of `schedules.py`.

    opt = st.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = st.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(opt)
        sched.step()

A scheduler remembers each param group's learning rate when it is made (its base, kept as
group["initial_lr"], as torch does) and after its t-th `step()` sets every group's lr to
schedule(base, t). The values are torch's closed forms: equal to what torch's schedulers give
while nothing else changes the lr; two schedulers on one optimizer do not chain (the last one
to step sets the lr). `ScheduleLR(opt, schedule)` drives an optimizer by any steepest schedule,
`schedule(t) -> lr` (st.optim.cosine(...), st.optim.warmup(...)).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from typing import Any

from steepest.optim.rules import _number
from steepest.optim.schedules import _count, exponential, step_decay

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR",
           "ScheduleLR"]


class LRScheduler:
    """Base: `step()` advances t by one and sets each group's lr to `self.lr_at(base, t, k)`.

    Attributes:
        optimizer: the optimizer whose param groups it drives.
        base_lrs: each group's learning rate when the scheduler was made.
        last_epoch: t, the number of step() calls so far (0 after construction).
    """

    def __init__(self, optimizer: Any, last_epoch: int = -1):
        groups = getattr(optimizer, "param_groups", None)
        if groups is None:
            raise TypeError(f"{type(self).__name__}: expected an optimizer with param_groups, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        for g in groups:
            g.setdefault("initial_lr", g["lr"])
        self.base_lrs = [g["initial_lr"] for g in groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, base: float, t: int, k: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """Advance one step (usually one epoch) and set every group's learning rate."""
        self.last_epoch += 1
        for k, (g, base) in enumerate(zip(self.optimizer.param_groups, self.base_lrs, strict=True)):
            g["lr"] = float(self.lr_at(base, self.last_epoch, k))

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group, as the last step() set it."""
        return [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, d: dict[str, Any]) -> None:
        self.last_epoch, self.base_lrs = int(d["last_epoch"]) - 1, list(d["base_lrs"])
        self.step()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.get_last_lr()})"


class StepLR(LRScheduler):
    """lr_t = base gamma^floor(t / step_size) (`schedules.step_decay`)."""

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        self.step_size = _count("StepLR", "step_size", step_size)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base, t, k):
        return step_decay(base, self.step_size, self.gamma)(t)


class MultiStepLR(LRScheduler):
    """lr_t = base gamma^(number of milestones <= t)."""

    def __init__(self, optimizer: Any, milestones: Sequence[int], gamma: float = 0.1, last_epoch: int = -1):
        self.milestones = sorted(_count("MultiStepLR", "milestone", m) for m in milestones)
        self.gamma = _number("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base, t, k):
        return base * self.gamma ** bisect.bisect_right(self.milestones, t)


class ExponentialLR(LRScheduler):
    """lr_t = base gamma^t (`schedules.exponential`)."""

    def __init__(self, optimizer: Any, gamma: float, last_epoch: int = -1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base, t, k):
        return exponential(base, self.gamma)(t)


class CosineAnnealingLR(LRScheduler):
    """lr_t = eta_min + (base - eta_min) (1 + cos(pi t / T_max)) / 2 (Loshchilov & Hutter, SGDR, 2017).

    As torch's, it goes on as a cosine after T_max (back up by 2 T_max); `schedules.cosine`, the
    same curve up to T_max, stays at its minimum instead.
    """

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):  # noqa: N803
        self.T_max = _count("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = _number("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base, t, k):
        return self.eta_min + (base - self.eta_min) * (1.0 + math.cos(math.pi * t / self.T_max)) / 2.0


class LambdaLR(LRScheduler):
    """lr_t = base lr_lambda(t); `lr_lambda` is one function or a list of one per param group."""

    def __init__(self, optimizer: Any, lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1):
        n = len(getattr(optimizer, "param_groups", ()))
        fns = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
        if len(fns) != n or not all(callable(f) for f in fns):
            raise ValueError(f"LambdaLR: lr_lambda must be a function or a list of {n} functions "
                             "(one per param group)")
        self.lr_lambdas = fns
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base, t, k):
        return base * self.lr_lambdas[k](t)


class ScheduleLR(LRScheduler):
    """lr_t = schedule(t) for every group: a steepest schedule (st.optim.cosine(0.1, 100)) driving
    an optimizer. A list gives one schedule per param group."""

    def __init__(self, optimizer: Any, schedule: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1):
        n = len(getattr(optimizer, "param_groups", ()))
        fns = list(schedule) if isinstance(schedule, (list, tuple)) else [schedule] * n
        if len(fns) != n or not all(callable(f) for f in fns):
            raise ValueError(f"ScheduleLR: schedule must be a function t -> lr or a list of {n} of them")
        self.schedules = fns
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base, t, k):
        return self.schedules[k](t)
