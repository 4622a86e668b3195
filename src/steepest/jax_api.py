"""JAX's names for what steepest's transforms do: jacfwd, jacrev, and vmap.

jacfwd and jacrev are `st.jacobian` with its mode fixed. vmap maps a function over an axis of
its arguments with JAX's in_axes / out_axes; it is a Python loop, one call of f per example,
whose results are stacked (with st.stack when they are tensors, so vmap works inside st.grad
and its result can be differentiated). It gives JAX's answers, not JAX's speed: a
loop-free version over the batch is future work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from steepest.ops.shape import getitem, stack
from steepest.pytree import flatten, tree_name, unflatten
from steepest.tensor import Tensor
from steepest.transforms import _jacobian

__all__ = ["jacfwd", "jacrev", "vmap"]


def jacfwd(f: Callable, argnums: int = 0) -> Callable:
    """JAX's jacfwd: the Jacobian by forward mode, one sweep per entry of the argument
    (`st.jacobian(f, argnums, mode="fwd")`: the cheaper one when the argument is smaller than f's value).

    Example:
        >>> import numpy as np, steepest as st
        >>> st.jacfwd(lambda x: x ** 2)(np.array([1.0, 3.0]))
        array([[2., 0.],
               [0., 6.]])
    """
    return _jacobian(f, argnums, "fwd", "jacfwd")


def jacrev(f: Callable, argnums: int = 0) -> Callable:
    """JAX's jacrev: the Jacobian by reverse mode, one sweep per entry of f's value
    (`st.jacobian(f, argnums, mode="rev")`: the cheaper one when f's value is smaller than the argument)."""
    return _jacobian(f, argnums, "rev", "jacrev")


def vmap(f: Callable, in_axes: int | None | Sequence[int | None] = 0, out_axes: int = 0) -> Callable:
    """f mapped over an axis of its arguments: vmap(f)(xs)[i] = f(xs[i]) (JAX's vmap).

    Args:
        f: a function of arrays, tensors or pytrees of them, returning the same kinds.
        in_axes: the axis of each positional argument to map over: one int (or None) for all,
            or a sequence with one entry per argument; None passes that argument whole to every
            call. An axis applies to every leaf of a pytree argument.
        out_axes: where the mapped axis goes in each output leaf.

    Returns:
        The function that calls f once per index along the mapped axes (a Python loop) and
        stacks the results: tensors with st.stack (so the graph is kept), the rest with np.stack.

    Example:
        >>> import numpy as np, steepest as st
        >>> st.vmap(lambda x, w: (x * w).sum(), in_axes=(0, None))(np.ones((3, 2)), np.array([1.0, 2.0]))
        array([3., 3., 3.])
    """
    if not callable(f):
        raise TypeError(f"vmap: expected a function, got {type(f).__name__}")

    def vmapped(*args: Any) -> Any:
        axes = _in_axes(in_axes, len(args))
        n = _batch_size(args, axes)
        pairs = list(zip(args, axes, strict=True))
        results = [f(*[a if ax is None else _take(a, ax, i) for a, ax in pairs]) for i in range(n)]
        return _stack_results(results, out_axes)

    vmapped.__name__ = f"vmap({getattr(f, '__name__', 'f')})"
    return vmapped


def _in_axes(in_axes: Any, n_args: int) -> list[int | None]:
    if in_axes is None or isinstance(in_axes, (int, np.integer)):
        return [in_axes] * n_args
    axes = list(in_axes)
    if len(axes) != n_args or not all(a is None or isinstance(a, (int, np.integer)) for a in axes):
        raise ValueError(f"vmap: in_axes must be an int, None, or one int or None per argument; "
                         f"got {in_axes!r} for {n_args} argument(s)")
    return axes


def _leaf_shape(leaf: Any) -> tuple[int, ...]:
    return leaf.shape if isinstance(leaf, (Tensor, np.ndarray)) else np.shape(leaf)


def _batch_size(args: Sequence[Any], axes: list[int | None]) -> int:
    sizes = {}
    for k, (a, ax) in enumerate(zip(args, axes, strict=True)):
        if ax is None:
            continue
        for leaf in flatten(a)[0]:
            shape = _leaf_shape(leaf)
            if not -len(shape) <= ax < len(shape):
                raise ValueError(f"vmap: argument {k} has shape {shape}, which has no axis {ax} to map over; "
                                 "set its in_axes entry to None to pass it whole")
            sizes.setdefault(shape[ax], k)
    if not sizes:
        raise ValueError("vmap: no argument is mapped (every in_axes entry is None)")
    if len(sizes) > 1:
        raise ValueError(f"vmap: the mapped axes have different sizes {sorted(sizes)}; they must be equal")
    return next(iter(sizes))


def _take(a: Any, axis: int, i: int) -> Any:
    """Entry i along `axis` of every leaf of argument a (tensors through getitem: the graph is kept)."""
    leaves, tree = flatten(a)
    taken = []
    for leaf in leaves:
        shape = _leaf_shape(leaf)
        index = (slice(None),) * (axis % len(shape)) + (i,)
        taken.append(getitem(leaf, index) if isinstance(leaf, Tensor) else np.asarray(leaf)[index])
    return unflatten(tree, taken)


def _stack_results(results: list[Any], out_axes: int) -> Any:
    flat = [flatten(r) for r in results]
    tree = flat[0][1]
    for _, other in flat[1:]:
        if other != tree:
            raise ValueError(f"vmap: f returned {tree_name(tree)} for one example and {tree_name(other)} for "
                             "another; it must return the same structure every time")
    stacked = []
    for column in zip(*[leaves for leaves, _ in flat], strict=True):
        if any(isinstance(v, Tensor) for v in column):
            stacked.append(stack(list(column), axis=out_axes))
        else:
            stacked.append(np.stack([np.asarray(v) for v in column], axis=out_axes))
    return unflatten(tree, stacked)
