"""What every primitive shares: the Op record, the registry, and how a result joins the graph.

A primitive is an `Op`: a name, one vector-Jacobian product per input (`vjps`) and one
Jacobian-vector product per input (`jvps`). Both kinds of rule are called as

    rule(g, z, *inputs, *params)

with `g` the incoming gradient (or the input's tangent, for a jvp), `z` the op's output,
`inputs` the op's inputs and `params` its static arguments (an axis, a shape). In a plain
backward pass they are all ndarrays; under `create_graph=True` they are Tensors, so the
rules are written with operators and methods that both kinds have (`*`, `@`, `.sum`,
`.reshape`) and, for the rest, with the small `_cos`-style helpers that pick NumPy or the
differentiable op. Broadcasting is not the rules' business: the engine sums a vjp back to
its input's shape and broadcasts a jvp out to the output's shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from steepest.inplace import Writes
from steepest.tensor import GRAD_ENABLED, Tensor

__all__ = ["Op", "OPS", "primitive", "record", "operand", "input_of", "broadcast_error"]

_grad_enabled = GRAD_ENABLED.get  # per thread; one call, as cheap as reading a class attribute


class Op:
    """A primitive: its name, its per-input vjp and jvp rules, and where its inputs may lie."""

    __slots__ = ("name", "vjps", "jvps", "domain", "variadic")

    def __init__(self, name: str, vjps: tuple[Callable, ...], jvps: tuple[Callable, ...],
                 domain: tuple[str, ...], variadic: bool):
        self.name = name
        self.vjps = vjps
        self.jvps = jvps
        self.domain = domain
        self.variadic = variadic

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


OPS: dict[str, Op] = {}
"""Every primitive by name; the test suite checks each one's gradients against PyTorch."""


def primitive(name: str, vjps: tuple[Callable, ...], jvps: tuple[Callable, ...],
              domain: tuple[str, ...] = ("real",), variadic: bool = False) -> Op:
    """Register a primitive. `domain` names, per input, where the tests may sample it:
    "real", "positive", "nonzero" or "small" (|x| < 1.2). A `variadic` op (concatenate,
    stack) takes any number of inputs and has a single rule of each kind, called with the
    input's position first: rule(i, g, z, *inputs, *params)."""
    if name in OPS:
        raise ValueError(f"primitive {name!r} is defined twice")
    if len(vjps) != len(jvps) or (variadic and len(vjps) != 1):
        raise ValueError(f"primitive {name!r}: one vjp and one jvp per input")
    op = OPS[name] = Op(name, vjps, jvps, domain, variadic)
    return op


def record(z: Any, op: Op, inputs: tuple, params: tuple = ()) -> Tensor:
    """Wrap a forward result in a Tensor; make it a graph node if a gradient can flow through it."""
    if z.__class__ is not np.ndarray:
        z = np.asarray(z)  # NumPy returns scalars for 0-d results; a Tensor always holds an ndarray
    t = object.__new__(Tensor)
    t.data = z
    t.grad = None
    t.name = None
    if _grad_enabled():
        for x in inputs:
            if isinstance(x, Tensor) and x.requires_grad:
                t.requires_grad = True
                t._op = op
                t._inputs = inputs
                t._params = params
                t._stamp = Writes.epoch  # backward checks nothing it reads was overwritten since
                return t
    t.requires_grad = False
    t._op = None
    t._inputs = ()
    t._params = ()
    return t


def operand(x: Any) -> Any:
    """The value an op computes with: a tensor's ndarray, a Python number as it is
    (so that it stays weakly typed: float32 * 2.0 is float32), anything else as an ndarray."""
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return x
    if isinstance(x, np.ndarray):
        return x
    array = np.asarray(x)
    if array.dtype.kind not in "biufc":
        raise TypeError(f"expected a tensor, number or numeric array, got {type(x).__name__}")
    return array


def input_of(x: Any, value: Any) -> Any:
    """What the graph keeps for an input: the tensor itself, or the constant's value."""
    return x if isinstance(x, Tensor) else value


def broadcast_error(name: str, *values: Any) -> ValueError:
    shapes = " and ".join(str(np.shape(v)) for v in values)
    return ValueError(f"{name}: shapes {shapes} cannot be broadcast together; "
                      "make the trailing dimensions equal or 1 (reshape or expand_dims one side)")


def binary(op: Op, fn: Callable, x: Any, y: Any, params: tuple = ()) -> Tensor:
    """Run a broadcasting binary primitive, naming the op and both shapes when they do not fit."""
    xd = operand(x)
    yd = operand(y)
    try:
        z = fn(xd, yd)
    except ValueError:
        try:
            np.broadcast_shapes(np.shape(xd), np.shape(yd))
        except ValueError:
            raise broadcast_error(op.name, xd, yd) from None
        raise
    return record(z, op, (input_of(x, xd), input_of(y, yd)), params)


def unary(op: Op, fn: Callable, x: Any, params: tuple = ()) -> Tensor:
    """Run a one-input primitive."""
    xd = operand(x)
    return record(fn(xd), op, (input_of(x, xd),), params)
