"""The graph walks: reverse mode (backward, vector-Jacobian products) and forward mode (tangents).

Reverse mode visits the graph once in topological order, outputs first. Each node's gradient
is the sum of what its consumers sent it; it is passed through the op's vjp rules to the
node's inputs and then dropped, so at any moment only the gradients of the frontier are held.
The order is found by an explicit stack, never by recursion, so a chain of a million ops works.

With `create_graph=True` the same rules run on Tensors, so the backward pass is itself recorded
and gradients can be differentiated again. Without it they run on bare ndarrays: no Tensor is
made per step, which keeps the first-order pass close to hand-written NumPy.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

import numpy as np

from steepest.inplace import Writes, check_node
from steepest.tensor import GRAD_ENABLED, Tensor, _data, _wrap

__all__ = ["backward", "gradients", "tangents", "no_grad", "enable_grad", "sum_to_shape"]


_SAVED: ContextVar[tuple[bool, ...]] = ContextVar("steepest_grad_saved", default=())
"""The grad modes that the open no_grad/enable_grad blocks of this thread will put back, innermost
last. Kept per thread rather than on the block, so one no_grad() object may be entered by several
threads at once (or re-entered by one) and each still restores its own mode."""


class no_grad:
    """Context manager (and decorator) in which operations record no graph.

    Grad mode belongs to the thread (as in PyTorch): a no_grad block in one thread leaves every
    other thread recording, and a new thread starts with grad mode on.

    Example:
        >>> with no_grad():
        ...     y = x * 2          # y.requires_grad is False
    """

    _enabled = False

    def __enter__(self) -> None:
        _SAVED.set(_SAVED.get() + (GRAD_ENABLED.get(),))
        GRAD_ENABLED.set(self._enabled)

    def __exit__(self, *exc: Any) -> None:
        saved = _SAVED.get()
        _SAVED.set(saved[:-1])
        GRAD_ENABLED.set(saved[-1])

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        wrapper.__doc__ = getattr(fn, "__doc__", None)
        return wrapper


class enable_grad(no_grad):
    """Context manager that turns graph recording back on inside a `no_grad` block."""

    _enabled = True


def sum_to_shape(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum a gradient over the axes along which its input was broadcast, back to `shape`.

    The one place where broadcasting is undone: an input of shape (3,) added to a (2, 3)
    matrix receives the (2, 3) gradient summed over axis 0.
    """
    lead = g.ndim - len(shape)
    if lead < 0:  # the rule gave something smaller than the input: spread it out
        from steepest.ops.shape import _broadcast_to

        return _broadcast_to(g, shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    axes = tuple(range(lead)) + stretched
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead:
        g = g.reshape(shape)
    return g


def _broadcast_up(t: Any, shape: tuple[int, ...]) -> Any:
    from steepest.ops.shape import _broadcast_to

    return _broadcast_to(t, shape)


def _cast(g: Any, dtype: np.dtype) -> Any:
    if isinstance(g, Tensor):
        from steepest.ops.elementwise import astype

        return astype(g, dtype)
    return np.asarray(g).astype(dtype)


def _topological_order(roots: Sequence[Tensor], stop: set[int]) -> list[Tensor]:
    """Tensors that require grad, reachable from `roots`, each after all of its consumers.

    Depth-first with an explicit stack; the inputs of tensors in `stop` are not followed.
    """
    order: list[Tensor] = []
    seen: set[int] = set()
    for root in roots:
        if id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, iter(() if id(root) in stop else root._inputs))]
        while stack:
            node, inputs = stack[-1]
            for x in inputs:
                if isinstance(x, Tensor) and x.requires_grad and id(x) not in seen:
                    seen.add(id(x))
                    stack.append((x, iter(() if id(x) in stop else x._inputs)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def _seed(root: Tensor, grad: Any, create_graph: bool) -> Any:
    """The gradient that starts a backward pass at `root`."""
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: the tensor has shape {root.shape}; a gradient can only be started implicitly "
                "from a single value. Reduce it first (.sum() or .mean()) or pass grad= with an array "
                f"of shape {root.shape}"
            )
        g = np.ones(root.shape, root.dtype)
    elif create_graph and isinstance(grad, Tensor):
        g = grad
    else:
        g = np.array(_data(grad), dtype=root.dtype)  # a copy: the caller's array is never aliased
    if g.shape != root.shape:
        raise ValueError(f"backward: grad has shape {g.shape} but the tensor has shape {root.shape}")
    return _wrap(g) if create_graph and not isinstance(g, Tensor) else g


def _walk(roots: Sequence[Tensor], seeds: Sequence[Any], create_graph: bool,
          targets: Sequence[Tensor] | None) -> dict[int, Any]:
    """Send `seeds` back from `roots`. With `targets`, return their gradients by id and leave
    every `.grad` alone; without, accumulate into the `.grad` of each leaf reached."""
    order = _topological_order(roots, set())
    wanted = needed = None
    if targets is not None:
        # a target's gradient is total: paths through other targets count, so the walk does not
        # stop at targets; it only skips the nodes from which no target can be reached
        wanted = {id(t) for t in targets}
        needed = set(wanted)
        for t in reversed(order):  # inputs before their consumers
            if any(id(x) in needed for x in t._inputs):
                needed.add(id(t))
    grads: dict[int, Any] = {}
    for root, seed in zip(roots, seeds, strict=True):
        prev = grads.get(id(root))
        grads[id(root)] = seed if prev is None else prev + seed
    found: dict[int, Any] = {}
    handed_out: set[int] = set()
    mode = GRAD_ENABLED.set(create_graph)  # this thread's; others keep recording
    epoch = Writes.epoch
    try:
        for t in order:
            g = grads.pop(id(t), None)
            if g is None:
                continue
            if wanted is not None and id(t) in wanted:
                found[id(t)] = g
            op = t._op
            if op is None:
                if targets is None:
                    _accumulate(t, g, create_graph, handed_out)
                continue
            if t._stamp != epoch:  # recorded before some in-place write: was a value it reads overwritten?
                check_node(t)
            inputs, params = t._inputs, t._params
            if create_graph:
                z, args = t, inputs
            else:
                z, args = t.data, [x.data if isinstance(x, Tensor) else x for x in inputs]
            for i, x in enumerate(inputs):
                if not (isinstance(x, Tensor) and x.requires_grad):
                    continue
                if needed is not None and id(x) not in needed:
                    continue
                if op.variadic:
                    gx = op.vjps[0](i, g, z, *args, *params)
                else:
                    gx = op.vjps[i](g, z, *args, *params)
                data = x.data
                if gx.shape != data.shape:
                    gx = sum_to_shape(gx, data.shape)
                if gx.dtype != data.dtype:
                    gx = _cast(gx, data.dtype)
                prev = grads.get(id(x))
                grads[id(x)] = gx if prev is None else prev + gx
    finally:
        GRAD_ENABLED.reset(mode)
    return found


def _accumulate(leaf: Tensor, g: Any, create_graph: bool, handed_out: set[int]) -> None:
    """Add g to leaf.grad. A plain pass gives each leaf an array of its own, never a view or an
    array another leaf holds, so writing into one `.grad` cannot change another."""
    if create_graph:
        g = g if isinstance(g, Tensor) else _wrap(np.asarray(g))
        leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    if leaf.grad is not None:
        leaf.grad = _wrap(leaf.grad.data + g)
        return
    leaf.grad = _wrap(_owned(g, handed_out))


def _owned(g: Any, handed_out: set[int]) -> np.ndarray:
    """g as an ndarray the caller may keep and write into: a copy if it is a view, a NumPy
    scalar, read-only, or already handed to someone else (z = x + y sends x and y the same g)."""
    if g.__class__ is not np.ndarray or g.base is not None or not g.flags.writeable or id(g) in handed_out:
        g = np.array(g)
    handed_out.add(id(g))
    return g


def backward(root: Tensor, grad: Any = None, create_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into `.grad` of every leaf that requires gradients (see Tensor.backward)."""
    if not isinstance(root, Tensor):
        raise TypeError(f"backward: expected a Tensor, got {type(root).__name__}")
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad: nothing it was computed from has "
            "requires_grad=True (or it was computed under no_grad); create the inputs with "
            "steepest.tensor(..., requires_grad=True)"
        )
    _walk([root], [_seed(root, grad, create_graph)], create_graph, None)


def gradients(outputs: Tensor | Sequence[Tensor], inputs: Sequence[Tensor], grad_outputs: Any = None,
              create_graph: bool = False) -> list[Any]:
    """The gradients of `outputs` with respect to `inputs`, returned rather than accumulated.

    Like `torch.autograd.grad`: no `.grad` is touched. With several outputs the result is the
    gradient of sum_k <grad_outputs[k], outputs[k]>. An input the outputs do not depend on
    gets zeros.

    Args:
        outputs: a Tensor, or a sequence of Tensors.
        inputs: the Tensors to differentiate with respect to.
        grad_outputs: for a single Tensor output, its incoming gradient (array-like, number or
            Tensor; None means 1 and needs a one-element output). For a sequence of outputs, a
            sequence of the same length, one entry per output (None entries as above), as in
            PyTorch; a lone array for several outputs is an error rather than a guess.
        create_graph: record the computation, so the gradients can be differentiated again.

    Returns:
        A list with one gradient per input, of the input's shape and dtype: ndarrays, or
        Tensors when `create_graph` is true.
    """
    outs, grad_outputs = _pair_outputs(outputs, grad_outputs)
    live = [(o, g) for o, g in zip(outs, grad_outputs, strict=True) if o.requires_grad]
    seeds = [_seed(o, g, create_graph) for o, g in live]
    found = _walk([o for o, _ in live], seeds, create_graph, list(inputs)) if live else {}
    result = []
    handed_out: set[int] = set()
    for x in inputs:
        g = found.get(id(x))
        if g is None:
            g = np.zeros(x.shape, x.dtype)
            g = _wrap(g) if create_graph else g
        elif not create_graph:
            g = _owned(g, handed_out)
        result.append(g)
    return result


def _pair_outputs(outputs: Tensor | Sequence[Tensor], grad_outputs: Any) -> tuple[list, list]:
    """The outputs as a list, and one incoming gradient (or None) for each."""
    if isinstance(outputs, Tensor):
        return [outputs], [grad_outputs]
    outs = list(outputs)
    if not all(isinstance(o, Tensor) for o in outs):
        raise TypeError("gradients: outputs must be a Tensor or a sequence of Tensors")
    if grad_outputs is None:
        return outs, [None] * len(outs)
    if isinstance(grad_outputs, (Tensor, np.ndarray)) or np.isscalar(grad_outputs):
        if len(outs) == 1:
            return outs, [grad_outputs]
        raise ValueError(f"gradients: {len(outs)} outputs but a single grad_outputs; pass a sequence "
                         "with one gradient per output (None for a one-element output)")
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outs):
        raise ValueError(f"gradients: {len(outs)} outputs but {len(grad_outputs)} grad_outputs; "
                         "pass one gradient per output (None for a one-element output)")
    return outs, grad_outputs


def tangents(outputs: Sequence[Tensor], inputs: Sequence[Tensor], input_tangents: Sequence[Any],
             create_graph: bool = False) -> list[Any]:
    """Forward mode: push `input_tangents` from `inputs` through the recorded graph to `outputs`.

    Each op's jvp rules turn its inputs' tangents into its output's tangent, in topological
    order from the inputs; this is one sweep, whatever the number of inputs and outputs.
    Every tangent has the dtype of the value it belongs to (an input's tangent is cast to the
    input's dtype), as every gradient of the reverse pass has its input's.
    """
    inputs, input_tangents = list(inputs), list(input_tangents)
    if len(inputs) != len(input_tangents):
        raise ValueError(f"tangents: {len(inputs)} inputs but {len(input_tangents)} tangents; "
                         "pass one per input")
    stop = {id(x) for x in inputs}
    order = _topological_order(list(outputs), stop)
    tangent: dict[int, Any] = {}
    for x, dx in zip(inputs, input_tangents, strict=True):
        if not isinstance(dx, (Tensor, np.ndarray)):
            dx = np.asarray(dx, dtype=x.dtype)  # numbers and lists: rules index and reshape tangents
        elif dx.dtype != x.dtype:
            dx = _cast(dx, x.dtype)  # a tangent has its input's dtype, as a cotangent its output's
        if dx.shape != x.shape:
            raise ValueError(f"tangents: a tangent of shape {dx.shape} for an input of shape {x.shape}")
        tangent[id(x)] = dx
    mode = GRAD_ENABLED.set(create_graph)  # this thread's; others keep recording
    try:
        for t in reversed(order):
            if id(t) in stop or t._op is None:
                continue
            if t._stamp != Writes.epoch:
                check_node(t, "tangents")
            op, inputs_t, params = t._op, t._inputs, t._params
            z, args = (t, inputs_t) if create_graph else (t.data, [_data(x) for x in inputs_t])
            total = None
            for i, x in enumerate(inputs_t):
                dx = tangent.get(id(x)) if isinstance(x, Tensor) else None
                if dx is None:
                    continue
                if op.variadic:
                    dz = op.jvps[0](i, dx, z, *args, *params)
                else:
                    dz = op.jvps[i](dx, z, *args, *params)
                total = dz if total is None else total + dz
            if total is not None:
                if total.shape != t.data.shape:
                    total = _broadcast_up(total, t.data.shape)
                if total.dtype != t.data.dtype:  # float32 stays float32, as in reverse mode
                    total = _cast(total, t.data.dtype)
                tangent[id(t)] = total
    finally:
        GRAD_ENABLED.reset(mode)
    result = []
    for out in outputs:
        dz = tangent.get(id(out))
        if dz is None:
            dz = np.zeros(out.shape, out.dtype)
            dz = _wrap(dz) if create_graph else dz
        result.append(dz)
    return result
