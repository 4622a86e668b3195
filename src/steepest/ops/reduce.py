"""Reductions and the softmax family: forward, vjp and jvp side by side.

`axes` is always normalised to a tuple of non-negative axes (an axis out of range is an
AxisError, see `ops.axes`), so every rule can rebuild the "kept" shape (the output with the
reduced axes as length 1) and broadcast the gradient back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from steepest.ops.axes import axis_error, normalize_axes, normalize_axis
from steepest.ops.core import operand, primitive, unary
from steepest.ops.elementwise import _exp, _where
from steepest.tensor import Tensor, _data

__all__ = ["sum_", "mean", "max_", "min_", "logsumexp", "softmax", "log_softmax"]


def _kept(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape with keepdims=True: reduced axes become 1."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _broadcast_to(g, shape):
    if isinstance(g, Tensor):
        from steepest.ops.shape import broadcast_to

        return broadcast_to(g, shape)
    return np.broadcast_to(g, shape)


# z = sum of x over axes;  dz/dx = 1, so the gradient is g spread back over the summed axes
SUM = primitive(
    "sum",
    vjps=(lambda g, z, x, axes, keepdims: _broadcast_to(g.reshape(_kept(x.shape, axes)), x.shape),),
    jvps=(lambda dx, z, x, axes, keepdims: dx.sum(axis=axes, keepdims=keepdims),),
)


def sum_(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum over `axis` (None: all axes); exported as `steepest.sum`."""
    xd = operand(x)
    axes = normalize_axes("sum", axis, xd.shape if xd.__class__ is np.ndarray else np.shape(xd))
    return unary(SUM, lambda v: np.sum(v, axis=axes, keepdims=keepdims), x, params=(axes, keepdims))


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean over `axis` (None: all axes): the sum divided by the number of entries summed."""
    shape = np.shape(operand(x))
    axes = normalize_axes("mean", axis, shape)
    count = int(np.prod([shape[a] for a in axes])) if axes else 1
    if count == 0:
        raise ValueError(f"mean: cannot take the mean over an empty axis of shape {shape}")
    return sum_(x, axes, keepdims) / count


# z = max of x over axes;  dz/dx = 1/k on the k entries equal to the max, 0 elsewhere
def _extreme_vjp(g, z, x, axes, keepdims):
    kept = _kept(x.shape, axes)
    xd = _data(x)
    mask = xd == _data(z).reshape(kept)
    count = mask.sum(axis=axes, keepdims=True, dtype=xd.dtype)
    return _where(mask, g.reshape(kept) / count, 0)


def _extreme_jvp(dx, z, x, axes, keepdims):
    kept = _kept(x.shape, axes)
    xd = _data(x)
    mask = xd == _data(z).reshape(kept)
    count = mask.sum(axis=axes, keepdims=True, dtype=xd.dtype)
    return (_where(mask, dx, 0).sum(axis=axes, keepdims=True) / count).reshape(z.shape)


MAX = primitive("max", vjps=(_extreme_vjp,), jvps=(_extreme_jvp,))
MIN = primitive("min", vjps=(_extreme_vjp,), jvps=(_extreme_jvp,))


def _extreme(op, fn, x, axis, keepdims):
    xd = operand(x)
    axes = normalize_axes(op.name, axis, np.shape(xd))
    if np.size(xd) == 0:
        raise ValueError(f"{op.name}: cannot reduce an empty tensor of shape {np.shape(xd)}")
    return unary(op, lambda v: fn(v, axis=axes, keepdims=keepdims), x, params=(axes, keepdims))


def max_(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Largest entry over `axis`; ties share the gradient equally (as PyTorch's amax). `steepest.max`."""
    return _extreme(MAX, np.max, x, axis, keepdims)


def min_(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Smallest entry over `axis`; ties share the gradient equally (as PyTorch's amin). `steepest.min`."""
    return _extreme(MIN, np.min, x, axis, keepdims)


# z = log sum e^x;  dz/dx = e^(x - z) = softmax(x)
def _lse_vjp(g, z, x, axes, keepdims):
    kept = _kept(x.shape, axes)
    return g.reshape(kept) * _exp(x - z.reshape(kept))


def _lse_jvp(dx, z, x, axes, keepdims):
    kept = _kept(x.shape, axes)
    return (dx * _exp(x - z.reshape(kept))).sum(axis=axes, keepdims=keepdims)


LOGSUMEXP = primitive("logsumexp", vjps=(_lse_vjp,), jvps=(_lse_jvp,))


def _logsumexp(v, axes, keepdims):
    m = np.max(v, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)  # all -inf (or inf) along an axis: nothing to shift by
    z = np.log(np.sum(np.exp(v - m), axis=axes, keepdims=True)) + m
    return z if keepdims else z.reshape([n for i, n in enumerate(z.shape) if i not in axes])


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) over `axis`, computed stably (the max is shifted out first)."""
    xd = operand(x)
    axes = normalize_axes("logsumexp", axis, np.shape(xd))
    return unary(LOGSUMEXP, lambda v: _logsumexp(v, axes, keepdims), x, params=(axes, keepdims))


# z = e^x / sum e^x;  J = diag(z) - z z^T is symmetric, so vjp and jvp agree: z * (g - sum(g z))
_softmax_d = lambda g, z, x, axis: z * (g - (g * z).sum(axis=axis, keepdims=True))
SOFTMAX = primitive("softmax", vjps=(_softmax_d,), jvps=(_softmax_d,))


def _single_axis(name, axis, shape):
    """The one axis softmax normalises over; a 0-d tensor has none (a softmax over one number is 1)."""
    if isinstance(axis, (tuple, list)):
        raise TypeError(f"{name}: axis must be one int, got {axis!r}")
    if not shape:
        raise axis_error(name, axis, shape)
    return normalize_axis(name, axis, shape)


def _softmax(v, axis):
    e = np.exp(v - np.max(v, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """e^x / sum(e^x) along `axis`, stable for large inputs."""
    axis = _single_axis("softmax", axis, np.shape(operand(x)))
    return unary(SOFTMAX, lambda v: _softmax(v, axis), x, params=(axis,))


# z = x - logsumexp x;  vjp: g - softmax * sum g;  jvp: dx - sum(softmax * dx)
LOG_SOFTMAX = primitive(
    "log_softmax",
    vjps=(lambda g, z, x, axis: g - _exp(z) * g.sum(axis=axis, keepdims=True),),
    jvps=(lambda dx, z, x, axis: dx - (_exp(z) * dx).sum(axis=axis, keepdims=True),),
)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """x - logsumexp(x) along `axis`: log-probabilities, stable for large inputs."""
    axis = _single_axis("log_softmax", axis, np.shape(operand(x)))
    return unary(LOG_SOFTMAX, lambda v: v - _logsumexp(v, (axis,), True),
                 x, params=(axis,))
