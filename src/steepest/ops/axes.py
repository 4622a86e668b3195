"""Axis arguments, checked as NumPy checks them.

An axis lies in [-ndim, ndim); anything else is refused with NumPy's `AxisError` (a
ValueError and an IndexError, so either `except` catches it), naming the op, the axis and
the shape. An axis is never taken modulo the number of dimensions: that would answer a
different question without a word. As in NumPy's reductions and `squeeze`, a 0-d tensor
accepts a single int axis 0 or -1 (it has nothing to reduce or drop); a tuple is checked strictly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["AxisError", "axis_error", "normalize_axis", "normalize_axes"]

AxisError = np.exceptions.AxisError

_ALL = [tuple(range(n)) for n in range(33)]  # axis=None, without building the tuple per call


def axis_error(name: str, axis: Any, shape: Any, ndim: int | None = None) -> AxisError:
    """The error for an axis outside [-ndim, ndim). `shape` is the input's shape, or a list of
    shapes (concatenate, stack); `ndim` defaults to the input's and counts the axes of the
    result for expand_dims and stack."""
    shapes = shape if isinstance(shape, list) else [shape]
    if all(s == shapes[0] for s in shapes):
        where, own = f"shape {shapes[0]}", len(shapes[0])
    else:
        where, own = "shapes " + ", ".join(str(s) for s in shapes), len(shapes[0])
    ndim = own if ndim is None else ndim
    if ndim == 0:
        return AxisError(f"{name}: axis {axis} is out of range for {where}: a 0-d tensor has no axes")
    extra = f" (the result has {ndim} dimensions)" if ndim != own else ""
    return AxisError(f"{name}: axis {axis} is out of range for {where}{extra}; valid axes are "
                     f"{-ndim} to {ndim - 1}")


def _int_axis(name: str, axis: Any) -> int:
    if axis.__class__ is int:
        return axis
    if isinstance(axis, (np.integer, int)) and not isinstance(axis, (bool, np.bool_)):
        return int(axis)
    raise TypeError(f"{name}: axis must be an int (or a tuple of ints), got {axis!r}")


def normalize_axis(name: str, axis: Any, shape: Any, ndim: int | None = None) -> int:
    """One axis as an int in [0, ndim) (ndim defaults to len(shape)), or an AxisError."""
    ndim = len(shape) if ndim is None else ndim
    a = _int_axis(name, axis)
    if not -ndim <= a < ndim:
        raise axis_error(name, a, shape, ndim)
    return a + ndim if a < 0 else a


def normalize_axes(name: str, axis: Any, shape: tuple[int, ...], ndim: int | None = None) -> tuple[int, ...]:
    """`axis` (None, an int or a tuple of ints) as a sorted tuple of axes in [0, ndim).

    None means every axis. An axis out of range is an AxisError; a repeated one a ValueError.
    A 0-d tensor takes axis 0 or -1 as no axis at all, as NumPy's reductions do.
    """
    ndim = len(shape) if ndim is None else ndim
    if axis is None:
        return _ALL[ndim] if ndim < len(_ALL) else tuple(range(ndim))
    if axis.__class__ is int and -ndim <= axis < ndim:  # the common case, checked first
        return (axis + ndim if axis < 0 else axis,)
    if not isinstance(axis, (tuple, list)):
        if ndim == 0 and _int_axis(name, axis) in (0, -1):
            return ()
        return (normalize_axis(name, axis, shape, ndim),)
    out = tuple(sorted(normalize_axis(name, a, shape, ndim) for a in axis))
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: axis {tuple(axis)} names the same axis twice (shape {shape})")
    return out
