"""Tensors made from nothing: zeros, ones, full, and their *_like forms."""

from __future__ import annotations

from typing import Any

import numpy as np

from steepest.tensor import Tensor, _data, _wrap

__all__ = ["zeros", "ones", "full", "zeros_like", "ones_like"]


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = _wrap(array)
    return t.requires_grad_() if requires_grad else t


def zeros(shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of `shape`."""
    return _make(np.zeros(shape, dtype), requires_grad)


def ones(shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of `shape`."""
    return _make(np.ones(shape, dtype), requires_grad)


def full(shape: Any, value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `shape` filled with `value` (dtype from the value unless given)."""
    return _make(np.full(shape, value, dtype), requires_grad)


def zeros_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype, unless given) of x."""
    return _make(np.zeros_like(np.asarray(_data(x)), dtype=dtype), requires_grad)


def ones_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype, unless given) of x."""
    return _make(np.ones_like(np.asarray(_data(x)), dtype=dtype), requires_grad)
