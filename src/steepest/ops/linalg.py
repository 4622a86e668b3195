"""Matrix products: matmul (1-D, 2-D and batched, NumPy's rules), with dot and outer built on it."""

from __future__ import annotations

from typing import Any

import numpy as np

from steepest.ops.core import input_of, operand, primitive, record
from steepest.tensor import Tensor

__all__ = ["matmul", "dot", "outer"]


def _col(v):
    return v.reshape(v.shape + (1,))  # (..., n) -> (..., n, 1)


def _row(v):
    return v.reshape(v.shape[:-1] + (1, v.shape[-1]))  # (..., n) -> (..., 1, n)


# z = x @ y;  dz/dx: g @ y^T,  dz/dy: x^T @ g   (1-D operands are promoted as NumPy does;
# the engine sums batch dimensions back to each operand's shape)
def _matmul_dx(g, z, x, y):
    if y.ndim == 1:
        return _col(g) * y if x.ndim > 1 else g * y  # (..., n) x (m,) -> (..., n, m)
    if x.ndim == 1:
        return _row(g) @ y.swapaxes(-1, -2)  # (..., 1, m) @ (..., m, n) -> (..., 1, n)
    return g @ y.swapaxes(-1, -2)  # (..., n, m) @ (..., m, k) -> (..., n, k)


def _matmul_dy(g, z, x, y):
    if x.ndim == 1:
        return g * x if y.ndim == 1 else _col(x) * _row(g)  # (n, 1) * (..., 1, m) -> (..., n, m)
    if y.ndim == 1:
        return _row(g) @ x  # (..., 1, n) @ (..., n, m) -> (..., 1, m)
    return x.swapaxes(-1, -2) @ g  # (..., m, n) @ (..., n, k) -> (..., m, k)


MATMUL = primitive(
    "matmul",
    vjps=(_matmul_dx, _matmul_dy),
    jvps=(lambda dx, z, x, y: dx @ y, lambda dy, z, x, y: x @ dy),
    domain=("real", "real"),
)


def _check_matmul(xd, yd):
    xs, ys = np.shape(xd), np.shape(yd)
    if len(xs) == 0 or len(ys) == 0:
        raise ValueError(f"matmul: operands must have at least one dimension, got shapes {xs} and {ys}; "
                         "use * to scale by a scalar")
    inner_x = xs[-1]
    inner_y = ys[0] if len(ys) == 1 else ys[-2]
    if inner_x != inner_y:
        raise ValueError(f"matmul: inner dimensions differ: {xs} @ {ys} ({inner_x} != {inner_y}); "
                         "the last axis of the left operand must match the "
                         f"{'only' if len(ys) == 1 else 'second-to-last'} axis of the right")
    try:
        np.broadcast_shapes(xs[:-2], ys[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dimensions {xs[:-2]} and {ys[:-2]} of shapes {xs} @ {ys} "
                         "cannot be broadcast together") from None


def matmul(x: Any, y: Any) -> Tensor:
    """Matrix product x @ y with NumPy's rules: 1-D vectors, matrices, and batches of them.

    Example:
        >>> matmul(tensor([[1.0, 2.0]]), tensor([[3.0], [4.0]]))
        tensor([[11.]])
    """
    xd, yd = operand(x), operand(y)
    try:
        z = np.matmul(xd, yd)
    except ValueError:
        _check_matmul(xd, yd)
        raise
    return record(z, MATMUL, (input_of(x, xd), input_of(y, yd)))


def dot(x: Any, y: Any) -> Tensor:
    """Inner product of two vectors (matmul of 1-D operands)."""
    if np.ndim(operand(x)) != 1 or np.ndim(operand(y)) != 1:
        raise ValueError(f"dot: expects two vectors, got shapes {np.shape(operand(x))} and "
                         f"{np.shape(operand(y))}; use matmul for matrices")
    return matmul(x, y)


def outer(x: Any, y: Any) -> Tensor:
    """Outer product x y^T of two vectors: shape (n, m)."""
    from steepest.ops.shape import reshape

    return reshape(x, (-1, 1)) * reshape(y, (1, -1))
