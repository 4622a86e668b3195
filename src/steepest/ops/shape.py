"""Shape primitives: reshape, transpose, broadcast_to, indexing, concatenate and stack.

These move entries around without arithmetic, so each vjp moves the gradient back
the same way and each jvp moves the tangent forward the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from steepest.ops.axes import _ALL, normalize_axes, normalize_axis
from steepest.ops.core import input_of, operand, primitive, record, unary
from steepest.tensor import Tensor

__all__ = [
    "reshape", "transpose", "swapaxes", "broadcast_to", "squeeze", "expand_dims", "getitem",
    "scatter_add", "concatenate", "stack",
]


# --- the rules run on ndarrays in a plain backward pass and on Tensors under create_graph ----
def _broadcast_to(v, shape):
    return broadcast_to(v, shape) if isinstance(v, Tensor) else np.broadcast_to(v, shape)


def _scatter(v, shape, index):
    if isinstance(v, Tensor):
        return scatter_add(v, shape, index)
    return _scatter_array(v, shape, index)


# z = reshape(x);  the gradient is reshaped back
RESHAPE = primitive(
    "reshape",
    vjps=(lambda g, z, x, shape: g.reshape(x.shape),),
    jvps=(lambda dx, z, x, shape: dx.reshape(shape),),
)


def reshape(x: Any, shape: Any) -> Tensor:
    """The same entries in a new shape (one entry may be -1)."""
    xd = operand(x)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    try:
        z = np.reshape(xd, shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape shape {np.shape(xd)} ({np.size(xd)} entries) "
                         f"into {shape}") from None
    return record(z, RESHAPE, (input_of(x, xd),), (z.shape,))


def squeeze(x: Any, axis: Any = None) -> Tensor:
    """Drop axes of length 1 (all of them, or those named by `axis`: an int or a tuple)."""
    shape = np.shape(operand(x))
    if axis is None:
        axes = {i for i, n in enumerate(shape) if n == 1}
    else:
        axes = set(normalize_axes("squeeze", axis, shape))
        bad = [a for a in sorted(axes) if shape[a] != 1]
        if bad:
            raise ValueError(f"squeeze: axis {bad[0]} of shape {shape} has length {shape[bad[0]]}, not 1")
    return reshape(x, tuple(n for i, n in enumerate(shape) if i not in axes))


def expand_dims(x: Any, axis: Any) -> Tensor:
    """Insert axes of length 1 at the positions `axis` (an int or a tuple) of the result."""
    shape = np.shape(operand(x))
    count = len(axis) if isinstance(axis, (tuple, list)) else 1
    new = normalize_axes("expand_dims", axis, shape, len(shape) + count)
    rest = iter(shape)
    return reshape(x, tuple(1 if i in new else next(rest) for i in range(len(shape) + count)))


# z = transpose(x, axes);  the gradient is transposed by the inverse permutation
TRANSPOSE = primitive(
    "transpose",
    vjps=(lambda g, z, x, axes: g.transpose(tuple(np.argsort(axes))),),
    jvps=(lambda dx, z, x, axes: dx.transpose(axes),),
)


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes (reverse them when `axes` is None)."""
    xd = operand(x)
    shape = np.shape(xd)
    ndim = len(shape)
    if axes is None:
        axes = _ALL[ndim][::-1]
    else:
        axes = (axes,) if isinstance(axes, (int, np.integer)) else axes
        axes = tuple(normalize_axis("transpose", a, shape) for a in axes)
        if sorted(axes) != list(range(ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of the {ndim} axes of shape "
                             f"{shape}")
    return unary(TRANSPOSE, lambda v: np.transpose(v, axes), x, params=(axes,))


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes."""
    shape = np.shape(operand(x))
    axes = list(range(len(shape)))
    i, j = normalize_axis("swapaxes", axis1, shape), normalize_axis("swapaxes", axis2, shape)
    axes[i], axes[j] = axes[j], axes[i]
    return transpose(x, axes)


# z = x broadcast to shape;  the engine sums the gradient back to x's shape
BROADCAST_TO = primitive(
    "broadcast_to",
    vjps=(lambda g, z, x, shape: g,),
    jvps=(lambda dx, z, x, shape: _broadcast_to(dx, shape),),
)


def broadcast_to(x: Any, shape: Any) -> Tensor:
    """x repeated along new or length-1 axes to `shape` (a read-only view, no copy)."""
    xd = operand(x)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    try:
        z = np.broadcast_to(xd, shape)
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {np.shape(xd)} to {shape}") from None
    return record(z, BROADCAST_TO, (input_of(x, xd),), (shape,))


# --- indexing ---------------------------------------------------------------------------------
def _normalize_index(index: Any) -> tuple:
    """The index as a tuple in which every integer or boolean array is an ndarray.

    As NumPy reads it: a tuple is the index itself, but a list or a tuple *inside* it (and a
    list given alone) is an array of indices, so x[(0, 0), :] takes row 0 twice. An empty list
    is an empty integer array. Tensors become their data. Anything else is NumPy's to check.
    """
    parts = index if index.__class__ is tuple else (index,)
    out = []
    for p in parts:
        if p.__class__ is int or p.__class__ is slice or p is None or p is Ellipsis:
            out.append(p)
            continue
        if isinstance(p, Tensor):
            p = p.data
        elif isinstance(p, (list, tuple)):
            p = _index_array(p)
        if isinstance(p, np.ndarray) and p.dtype.kind not in "biu":
            raise IndexError(f"getitem: index arrays must be integers or booleans, got dtype {p.dtype}")
        out.append(p)
    return tuple(out)


def _index_array(p: list | tuple) -> np.ndarray:
    """A list or tuple of indices as an ndarray (tensors in it read as their values)."""
    try:
        a = np.asarray(p)
        if a.dtype == object:
            a = np.asarray([e.data if isinstance(e, Tensor) else e for e in p])
    except ValueError:
        raise IndexError(f"getitem: the index list {p!r} is ragged; every row must have the same "
                         "length") from None
    if a.size == 0 and a.dtype.kind == "f":
        a = a.astype(np.intp)  # [] holds no floats: it is the empty integer index, as in NumPy
    return a


def _repeats(index: tuple, shape: tuple[int, ...]) -> bool:
    """Whether `index` reaches some position of an array of `shape` more than once.

    Only integer arrays can repeat; slices, ints and boolean masks never do. One integer array
    repeats a position exactly when it repeats a value (all of one sign); otherwise the flat
    positions are counted.
    """
    arrays = [p for p in index if isinstance(p, np.ndarray)]
    ints = [p for p in arrays if p.dtype.kind in "iu"]
    if not ints:
        return False
    if len(arrays) == 1:
        a = ints[0].ravel()
        if a.size < 2:
            return False
        lo, hi = int(a.min()), int(a.max())
        if lo >= 0 or hi < 0:
            return int(np.bincount(a - lo).max()) > 1
    positions = np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)[index].ravel()
    return positions.size > 1 and int(np.bincount(positions).max()) > 1


def _scatter_array(v, shape, index):
    """zeros(shape) with v added at `index`; repeated positions add up (np.add.at, only then:
    plain assignment is several times faster)."""
    out = np.zeros(shape, dtype=np.result_type(v))
    if _repeats(index, shape):
        np.add.at(out, index, v)
    else:
        out[index] = v
    return out


# z = x[index];  the gradient is added back at the indexed positions (repeats accumulate)
GETITEM = primitive(
    "getitem",
    vjps=(lambda g, z, x, index: _scatter(g, x.shape, index),),
    jvps=(lambda dx, z, x, index: dx[index],),
)


def getitem(x: Any, index: Any) -> Tensor:
    """x[index] with NumPy's basic and advanced indexing (ints, slices, None, ..., masks, int arrays)."""
    xd = operand(x)
    index = _normalize_index(index)
    try:
        z = xd[index]
    except IndexError as err:
        raise IndexError(f"getitem: {err} (tensor of shape {np.shape(xd)})") from None
    return record(z, GETITEM, (input_of(x, xd),), (index,))


# z = zeros(shape) with x added at index;  the gradient is read back at index
SCATTER_ADD = primitive(
    "scatter_add",
    vjps=(lambda g, z, x, shape, index: g[index],),
    jvps=(lambda dx, z, x, shape, index: _scatter(dx, shape, index),),
)


def scatter_add(x: Any, shape: tuple[int, ...], index: Any) -> Tensor:
    """A tensor of zeros of `shape` with x added at `index` (repeats add up): getitem's adjoint."""
    index = _normalize_index(index)
    return unary(SCATTER_ADD, lambda v: _scatter_array(v, tuple(shape), index), x,
                 params=(tuple(shape), index))


# --- joining ----------------------------------------------------------------------------------
def _piece(axis, start, stop):
    return (slice(None),) * axis + (slice(start, stop),)


# z = [x_0, x_1, ...] along axis;  the gradient of x_i is its slice of g
CONCATENATE = primitive(
    "concatenate",
    vjps=(lambda i, g, z, *xs_and_params: g[_piece(*_concat_place(i, xs_and_params))],),
    jvps=(lambda i, dx, z, *xs_and_params: _scatter(dx, z.shape, _piece(*_concat_place(i, xs_and_params))),),
    variadic=True,
)


def _concat_place(i, xs_and_params):
    *_, axis, bounds = xs_and_params
    return axis, bounds[i], bounds[i + 1]


def _join_inputs(name: str, tensors: Any) -> tuple[list, list]:
    if isinstance(tensors, (Tensor, np.ndarray)) or not isinstance(tensors, Sequence) or len(tensors) == 0:
        raise TypeError(f"{name}: expects a non-empty list of tensors")
    values = [operand(t) for t in tensors]
    return values, [input_of(t, v) for t, v in zip(tensors, values, strict=True)]


def concatenate(tensors: Sequence[Any], axis: int | None = 0) -> Tensor:
    """Join tensors along an existing axis (axis=None: flatten each one first, as NumPy does)."""
    values, inputs = _join_inputs("concatenate", tensors)
    if axis is None:
        return concatenate([reshape(t, (-1,)) for t in tensors], 0)
    shapes = [np.shape(v) for v in values]
    if not all(shapes):
        raise ValueError(f"concatenate: shapes {_listed(shapes)}: a 0-d tensor has no axis to join along; "
                         "use stack (which makes a new axis) or reshape it to (1,)")
    if any(len(s) != len(shapes[0]) for s in shapes):
        raise ValueError(f"concatenate: shapes {_listed(shapes)} have different numbers of dimensions")
    axis = normalize_axis("concatenate", axis, shapes, len(shapes[0]))
    try:
        z = np.concatenate(values, axis=axis)
    except ValueError:
        raise ValueError(f"concatenate: shapes {_listed(shapes)} do not fit together along axis {axis}; "
                         "all other axes must be equal") from None
    bounds = tuple(np.cumsum([0] + [s[axis] for s in shapes]).tolist())
    return record(z, CONCATENATE, tuple(inputs), (axis, bounds))


def _listed(shapes: list) -> str:
    return ", ".join(str(s) for s in shapes)


# z = stack of x_i along a new axis;  the gradient of x_i is g[..., i, ...]
STACK = primitive(
    "stack",
    vjps=(lambda i, g, z, *xs_and_params: g[(slice(None),) * xs_and_params[-1] + (i,)],),
    jvps=(lambda i, dx, z, *xs_and_params: _scatter(dx, z.shape, (slice(None),) * xs_and_params[-1] + (i,)),),
    variadic=True,
)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of equal shape along a new axis."""
    values, inputs = _join_inputs("stack", tensors)
    shapes = [np.shape(v) for v in values]
    if any(s != shapes[0] for s in shapes):
        raise ValueError(f"stack: shapes {_listed(shapes)} must all be equal (axis {axis})")
    axis = normalize_axis("stack", axis, shapes, len(shapes[0]) + 1)
    return record(np.stack(values, axis=axis), STACK, tuple(inputs), (axis,))
