"""check_grad: does the engine's derivative of f agree with central differences?

The analytic side is the engine's own: the reverse sweep (the gradient of a random weighting
w . f(x), entry by entry) and the forward sweep (a directional derivative along a random u).
The numeric side is (F(x + eps e_i) - F(x - eps e_i)) / (2 eps), whose error is O(eps^2) from
the third derivative plus O(1/eps) from rounding; eps = 1e-6 in float64 balances the two.
Everything is done in float64, whatever the dtype of the inputs.

A function that hides part of its derivative from the engine, such as x * x.detach()
(value x^2, engine's derivative x, true derivative 2x), fails the check.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from steepest.autodiff import enable_grad, gradients, tangents
from steepest.tensor import Tensor, _wrap

__all__ = ["check_grad", "GradientCheckError"]

_WORST = 5  # entries listed per input in a report


class GradientCheckError(AssertionError):
    """The engine's derivative of a function disagrees with central differences."""


def _inputs(args: tuple[Any, ...]) -> list[np.ndarray]:
    arrays = []
    for i, a in enumerate(args):
        data = a.data if isinstance(a, Tensor) else np.asarray(a)
        if data.dtype.kind not in "biuf":
            raise TypeError(f"check_grad: argument {i} must be numbers, got {type(a).__name__} "
                            f"of dtype {data.dtype}")
        if data.dtype == np.float32 or data.dtype == np.float16:
            warnings.warn(f"check_grad: argument {i} is {data.dtype}; the check is done in float64, "
                          "so it says nothing about rounding in lower precision", stacklevel=3)
        arrays.append(np.array(data, dtype=np.float64))
    return arrays


def _evaluate(f: Callable, xs: list[np.ndarray], w: np.ndarray | None) -> tuple[Tensor, list[Tensor]]:
    """F(x) = sum(w * f(x)) as a recorded scalar, and the leaves standing for the inputs."""
    leaves = []
    for x in xs:
        t = _wrap(x.copy())
        t.requires_grad = True
        leaves.append(t)
    with enable_grad():
        out = f(*leaves)
    if not isinstance(out, Tensor):
        out = _wrap(np.asarray(out, dtype=np.float64))
    if w is not None:
        out = (out * w).sum()
    return out, leaves


def _numeric(f: Callable, xs: list[np.ndarray], w: np.ndarray, k: int, eps: float) -> np.ndarray:
    """Central differences of F along every entry of input k."""
    g = np.empty_like(xs[k])
    flat = g.reshape(-1)
    for j in range(xs[k].size):
        shifted = [x.copy() for x in xs]
        probe = shifted[k].reshape(-1)
        probe[j] = xs[k].flat[j] + eps
        up = _evaluate(f, shifted, w)[0].data.item()
        probe[j] = xs[k].flat[j] - eps
        down = _evaluate(f, shifted, w)[0].data.item()
        flat[j] = (up - down) / (2 * eps)
    return g


def _report(k: int, shape: tuple, analytic: np.ndarray, numeric: np.ndarray, bad: np.ndarray) -> str:
    err = np.abs(analytic - numeric)
    worst = [j for j in np.argsort(-err, axis=None, kind="stable") if bad.flat[j]][:_WORST]
    lines = [f"  input {k} (shape {shape}): {int(bad.sum())} of {bad.size} entries disagree"]
    lines.append(f"    {'index':<14}{'analytic':>16}{'numeric':>16}{'error':>12}")
    for j in worst:
        index = np.unravel_index(j, shape) if shape else ()
        lines.append(f"    {str(tuple(int(i) for i in index)):<14}{analytic.flat[j]:>16.8g}"
                     f"{numeric.flat[j]:>16.8g}{err.flat[j]:>12.3g}")
    return "\n".join(lines)


def check_grad(f: Callable, *args: Any, eps: float | None = None, atol: float | None = None,
               rtol: float | None = None, seed: int = 0) -> None:
    """Check the engine's derivatives of f at args against central differences; quiet if they agree.

    Every argument is differentiated. For a vector-valued f the check is on w . f(x) for a
    random w, which tests every output at once. Reverse mode is compared entry by entry;
    forward mode along a random direction u. An entry agrees when
    |analytic - numeric| <= atol + rtol * |numeric|.

    Args:
        f: a function of tensors returning a tensor.
        args: the point: numbers, arrays or tensors (checked in float64; float32 gives a warning).
        eps: the difference step (default 1e-6).
        atol, rtol: tolerances (defaults 1e-5 and 1e-3, as torch.autograd.gradcheck).
        seed: for the random weighting w and direction u.

    Raises:
        GradientCheckError: listing, for each input that disagrees, the worst entries with
            their index, analytic and numeric values and error.

    Example:
        >>> import steepest as st
        >>> st.check_grad(lambda x: x * st.sin(x), 0.7)        # quiet: the engine is right
        >>> st.check_grad(lambda x: x * x.detach(), 3.0)       # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        steepest.check.GradientCheckError: ...
    """
    eps = 1e-6 if eps is None else float(eps)
    atol = 1e-5 if atol is None else float(atol)
    rtol = 1e-3 if rtol is None else float(rtol)
    if not eps > 0:
        raise ValueError(f"check_grad: eps must be positive, got {eps}")
    if not args:
        raise TypeError("check_grad: give the point to check at, e.g. check_grad(f, x)")
    xs = _inputs(args)
    rng = np.random.default_rng(seed)
    probe, _ = _evaluate(f, xs, None)
    # a scalar f is checked as it is; a vector f through positive random weights, so no output cancels out
    w = np.ones(probe.shape) if probe.size == 1 else rng.uniform(0.5, 1.5, probe.shape)
    out, leaves = _evaluate(f, xs, w)
    if not np.isfinite(out.data).all():
        raise GradientCheckError(f"check_grad: f is not finite at this point (w . f = {out.data.item()})")
    if out.requires_grad:
        analytic = gradients(out, leaves)
    else:
        analytic = [np.zeros_like(x) for x in xs]
    problems, numeric = [], []
    for k, x in enumerate(xs):
        num = _numeric(f, xs, w, k, eps)
        numeric.append(num)
        bad = ~(np.abs(analytic[k] - num) <= atol + rtol * np.abs(num))
        if bad.any():
            problems.append(_report(k, x.shape, analytic[k], num, bad))
    us = [rng.standard_normal(x.shape) for x in xs]
    forward = tangents([out], leaves, us)[0].item() if out.requires_grad else 0.0
    expected = sum(float((n * u).sum()) for n, u in zip(numeric, us, strict=True))
    if not abs(forward - expected) <= atol + rtol * abs(expected):
        problems.append(f"  forward mode: the directional derivative along a random u is {forward:.8g}, "
                        f"central differences give {expected:.8g}")
    if problems:
        what = "derivatives" if probe.size == 1 else f"derivatives of w . f(x) (f has shape {probe.shape})"
        raise GradientCheckError(f"check_grad: the engine's {what} disagree with central differences "
                                 f"(eps={eps:g}, atol={atol:g}, rtol={rtol:g}):\n" + "\n".join(problems))
