"""The runs of lr_find: one range test per seed, on a model or on a function, and the restore after.

Each run returns (lrs, losses, reason): losses[i] is the loss after the step taken with lrs[i] (for a
model trained on minibatches, measured on the next minibatch, before it is stepped on).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from steepest.autodiff import gradients
from steepest.tensor import Tensor

__all__ = ["model_runs", "function_runs", "Watch"]

Run = tuple[np.ndarray, np.ndarray, str]


class Watch:
    """Stops a run once the loss is not finite, or its moving average (0.9) has risen above its start
    by `diverge` times the fall achieved so far, or times a tenth of the start's size while it has
    hardly fallen (so minibatch noise before the descent does not end the run; fastai stops at 4
    times the best loss)."""

    def __init__(self, diverge: float):
        self.diverge, self.avg, self.start, self.best, self.n = diverge, 0.0, math.nan, math.inf, 0

    def __call__(self, value: float, lr: float) -> str | None:
        if not math.isfinite(value):
            return f"diverged at lr {lr:.3g}: the loss became {value}"
        self.n += 1
        self.avg = 0.9 * self.avg + 0.1 * value
        smooth = self.avg / (1 - 0.9**self.n)  # without the bias towards 0 of the first steps
        if self.n == 1:
            self.start = smooth
        self.best = min(self.best, smooth)
        fall = max(self.start - self.best, 0.1 * abs(self.start), 1e-8)
        if self.n > 5 and smooth > self.start + self.diverge * fall:
            return f"diverged at lr {lr:.3g}: the loss rose to {smooth:.4g} (it started at {self.start:.4g})"
        return None


def _ended(lrs: np.ndarray, losses: list[float], reason: str | None) -> Run:
    n = len(losses)
    return lrs[:n], np.array(losses), reason or f"reached lr_max = {lrs[-1]:.3g} after {n} steps"


def _jitter(arrays: list[np.ndarray], rng: np.random.Generator, jitter: float) -> None:
    """Move every array by jitter times its root-mean-square, at random (in place, on our copies)."""
    if jitter:
        for a in arrays:
            scale = float(np.sqrt(np.mean(np.square(a)))) or 1.0
            a += (jitter * scale * rng.standard_normal(a.shape)).astype(a.dtype)


# --- a function, as minimize takes it ----------------------------------------------------------------
def function_runs(f, x0, method, options, lrs, seeds, seed, jitter, diverge) -> list[Run]:
    from steepest.optim.minimize import _start
    from steepest.optim.rules import make_rule

    rule = make_rule(method, **options)
    runs = []
    for k in range(seeds):
        xt, _ = _start(x0)  # a copy of x0: the user's is never touched
        _jitter([xt.data], np.random.default_rng([seed + k]), jitter)
        state, losses, watch, reason = rule.init(xt.data), [], Watch(diverge), None
        g = _grad(f, xt)[1]
        for i, lr in enumerate(lrs):
            with np.errstate(over="ignore", invalid="ignore"):
                rule.step(g, state, xt.data, i + 1, float(lr))
                value, g = _grad(f, xt)
            losses.append(value)
            reason = watch(value, float(lr))
            if reason:
                break
        runs.append(_ended(lrs, losses, reason))
    return runs


def _grad(f, xt: Tensor) -> tuple[float, np.ndarray]:
    y = f(xt)
    if not isinstance(y, Tensor) or not y.requires_grad:
        raise ValueError(
            "lr_find: f must return a Tensor that depends on x (written with steepest operations)"
        )
    if y.data.size != 1:
        raise ValueError(f"lr_find: f must return a scalar, got shape {y.shape}")
    return float(y.data.item()), gradients(y, [xt])[0]


# --- a model, trained by an optimizer ----------------------------------------------------------------
class _Saved:
    """The model's weights, gradients and mode, and the optimizer's state, to put back afterwards."""

    def __init__(self, model: Any, opt: Any):
        self.model, self.opt = model, opt
        self.weights = model.state_dict()
        self.grads = [p.grad for p in model.parameters()]
        self.training = getattr(model, "training", True)
        self.opt_state = opt.state_dict() if opt is not None else None

    def restore(self) -> None:
        self.model.load_state_dict(self.weights)
        for p, g in zip(self.model.parameters(), self.grads, strict=True):
            p.grad = g
        self.model.train(self.training)
        if self.opt is not None:
            self.opt.load_state_dict(self.opt_state)


def model_runs(
    model, X, y, loss, optimizer, options, lrs, seeds, seed, batch_size, jitter, diverge
) -> list[Run]:
    from steepest.nn.losses import get_loss
    from steepest.optim.optimizers import make_optimizer
    from steepest.train import _prepare

    loss_fn = get_loss(loss)
    X, y = _prepare(model, X, y, loss_fn, np.dtype(getattr(model, "dtype", None) or np.float64))
    given = None if isinstance(optimizer, str) else optimizer
    if given is not None and options:
        raise ValueError(f"lr_find: options {sorted(options)} go with an optimizer given by name")
    if batch_size is not None and (isinstance(batch_size, bool) or int(batch_size) < 1):
        raise ValueError(f"lr_find: batch_size must be a positive whole number or None, got {batch_size!r}")
    saved = _Saved(model, given)
    runs = []
    try:
        for k in range(seeds):
            saved.restore()
            rng = np.random.default_rng([seed + k])
            _jitter([p.data for p in model.parameters()], rng, jitter)
            opt = (
                given
                if given is not None
                else make_optimizer(optimizer, model.parameters(), lr=float(lrs[0]), **options)
            )
            runs.append(_model_run(model, opt, loss_fn, X, y, lrs, rng, batch_size, Watch(diverge)))
    finally:
        saved.restore()
    return runs


def _model_run(model, opt, loss_fn, X, y, lrs, rng, batch_size, watch) -> Run:
    n = len(X)
    size = None if batch_size is None or int(batch_size) >= n else int(batch_size)
    model.train()
    losses, reason = [], None
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(len(lrs) + 1):
            rows = slice(None) if size is None else rng.choice(n, size, replace=False)
            opt.zero_grad()
            value = loss_fn(model(X[rows]), y[rows])
            if i:  # the loss after step i - 1, on data that step did not see (unless it is the whole set)
                losses.append(float(value.data))
                reason = watch(losses[-1], float(lrs[i - 1]))
                if reason or i == len(lrs):
                    break
            value.backward()
            opt.lr = float(lrs[i])
            opt.step()
    return _ended(lrs, losses, reason)
