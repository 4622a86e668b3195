"""Function transforms: derivatives as functions, in the manner of JAX.

`grad(f)` is the function x -> grad f(x), the "subroutine that computes the gradient" the seeds
speak of. Everything here is built from two sweeps over the graph that f records:

    vjp: one reverse sweep gives  v^T J   (a row of J per sweep)  -> grad, value_and_grad, jacobian (rev)
    jvp: one forward sweep gives  J u     (a column of J per sweep) -> directional_derivative, jacobian (fwd)

and from sweeping a graph that a sweep itself recorded, which gives derivatives of any order
(hessian = jacobian of grad, hvp = a forward sweep over the reverse sweep).

What comes back has the kind of what went in: a float gives a float, an array or a list an
ndarray, a Tensor a Tensor. Inside another transform (or when given a Tensor that requires
grad) every sweep is recorded, so the result is a Tensor that the outer transform can
differentiate again: `grad(grad(f))` is the second derivative.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from steepest.autodiff import enable_grad, gradients, tangents
from steepest.ops.shape import reshape
from steepest.pytree import flatten, tree_name, unflatten
from steepest.tensor import ConcretizationError, Tensor, Tracing, _wrap

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "directional_derivative", "jacobian", "hessian", "hvp"]

class _Trace:
    """One evaluation of f with some arguments replaced by tensors that record the graph."""

    def __init__(self, who: str, f: Callable, args: Sequence[Any], argnums: tuple[int, ...]):
        if not callable(f):
            raise TypeError(f"{who}: expected a function, got {type(f).__name__}")
        if not args:
            raise TypeError(f"{who}: the function needs at least one argument to differentiate")
        for i in argnums:
            if not -len(args) <= i < len(args):
                raise ValueError(f"{who}: argnums {i} is out of range for {len(args)} argument(s)")
        args = list(args)
        # each differentiated argument is a leaf (a number, an array, a Tensor) or a pytree of them
        flat = [flatten(args[i]) for i in argnums]
        leaves = [leaf for ls, _ in flat for leaf in ls]
        self.kinds = [_kind(leaf) for leaf in leaves]
        # record every sweep when an outer transform (or the caller) will differentiate the result again
        traced = any(isinstance(leaf, Tensor) and leaf.requires_grad for leaf in leaves)
        self.nested = Tracing.depth > 0 or traced
        self.inputs, self.trees = [], []
        for i, (ls, tree) in zip(argnums, flat, strict=True):
            start = len(self.inputs)
            self.inputs += [_traced(leaf, self.nested, who, i) for leaf in ls]
            self.trees.append((tree, start, len(self.inputs)))
            args[i] = unflatten(tree, self.inputs[start:])
        self.who = who
        self.out = _call_traced(who, f, args)

    def output(self, has_aux: bool = False) -> Tensor:
        """f's result as a Tensor (a constant if f ignored its arguments); stores aux."""
        out = self.out
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise TypeError(f"{self.who}: with has_aux=True the function must return a pair "
                                f"(value, aux), got {type(out).__name__}")
            out, self.aux = out
        if not isinstance(out, Tensor):
            try:  # a list of tensors that require grad is refused, as inside f (st.stack joins them)
                out = _wrap(_call_traced(self.who, np.asarray, (out, float)))
            except ConcretizationError:
                raise
            except (TypeError, ValueError):
                raise TypeError(f"{self.who}: the function must return a Tensor or a number, "
                                f"got {type(out).__name__}") from None
        return out

    def scalar_output(self, has_aux: bool = False) -> Tensor:
        out = self.output(has_aux)
        if out.size != 1:
            raise ValueError(
                f"{self.who}: the function returned shape {out.shape}, but a gradient needs a single "
                "number. Reduce it first (.sum() or .mean()), or use st.jacobian(f) for the matrix of "
                "all its derivatives")
        return out

    def give(self, value: Any, k: int = 0) -> Any:
        """`value` (an ndarray or Tensor) in the kind of the k-th leaf of the differentiated arguments."""
        return _give(value, self.kinds[k] if self.kinds else "float", self.nested)

    def gather(self, values: Sequence[Any]) -> tuple[Any, ...]:
        """One value per leaf, given back in each argument's kinds and structure (one per argument)."""
        return tuple(unflatten(tree, [self.give(values[k], k) for k in range(a, b)])
                     for tree, a, b in self.trees)

    def single(self) -> None:
        """Refuse pytree arguments, for the transforms that need one array."""
        for tree, _, _ in self.trees:
            if tree != "leaf":
                raise TypeError(f"{self.who}: the argument is {tree_name(tree)} of arrays; pass one array "
                                "(pytrees work with grad, value_and_grad, vjp and jvp)")


def _call_traced(who: str, f: Callable, args: Sequence[Any]) -> Any:
    """f(*args) with graph recording on (like torch.func, even inside no_grad) and the tracer
    check on: a tensor that requires grad refuses to become a plain number or array in f."""
    outer = Tracing.who
    Tracing.depth += 1
    Tracing.who = who
    try:
        with enable_grad():
            return f(*args)
    finally:
        Tracing.depth -= 1
        Tracing.who = outer


def _kind(x: Any) -> str:
    if isinstance(x, Tensor):
        return "tensor"
    if isinstance(x, numbers.Number) or (isinstance(x, np.generic) and x.ndim == 0):
        return "float"
    return "array"


def _traced(x: Any, nested: bool, who: str, i: int) -> Tensor:
    """A tensor standing for argument x, recording the graph from here on."""
    if isinstance(x, Tensor):
        if x.requires_grad:
            # a node of its own, so that only paths through this argument count (no confusion
            # with an outer variable of the same value), still connected to the outer graph
            return reshape(x, x.shape)
        data = x.data
    else:
        try:
            data = np.asarray(x)
        except (TypeError, ValueError):
            data = np.asarray(x, dtype=object)
    if data.dtype.kind in "biu":
        data = data.astype(np.float64)  # st.grad(f)(2) means the derivative at 2.0
    elif data.dtype.kind not in "fc":
        raise TypeError(f"{who}: argument {i} must be a number, an array of numbers or a Tensor, "
                        f"got {type(x).__name__}")
    else:
        data = np.array(data)  # our own copy: nothing the function does can reach the caller's array
    t = _wrap(data)
    t.requires_grad = True
    return t


def _give(value: Any, kind: str, nested: bool) -> Any:
    if isinstance(value, Tensor):
        if nested and value.requires_grad:
            return value  # still part of an outer graph: keep it differentiable
        value = value.data
    if kind == "tensor" or (nested and kind != "float"):
        return _wrap(value)
    if kind == "float" and np.ndim(value) == 0:
        return value.item() if isinstance(value, np.ndarray | np.generic) else value
    return value


def _argnums(argnums: int | Sequence[int]) -> tuple[tuple[int, ...], bool]:
    if isinstance(argnums, int):
        return (argnums,), False
    argnums = tuple(argnums)
    if not argnums or not all(isinstance(i, int) for i in argnums):
        raise TypeError(f"argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    return argnums, True


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """The function that returns both f(*args) and its gradient.

    Args:
        f: a function of one or more arguments returning a single number (a scalar Tensor).
        argnums: which argument to differentiate by, or a tuple of them (then the gradient is a tuple).
        has_aux: f returns (value, aux); the result is then ((value, aux), gradient).

    Returns:
        A function returning (value, gradient), each in the kind of the argument: float for a
        float, ndarray for an array or list, Tensor for a Tensor.

    Example:
        >>> import steepest as st
        >>> st.value_and_grad(lambda x: x ** 2 + 5 * st.sin(x))(0.0)
        (0.0, 5.0)
    """
    return _value_and_grad(f, argnums, has_aux, "value_and_grad")


def _value_and_grad(f: Callable, argnums: int | Sequence[int], has_aux: bool, who: str) -> Callable:
    nums, many = _argnums(argnums)

    def value_and_grad_f(*args: Any) -> tuple[Any, Any]:
        trace = _Trace(who, f, args, nums)
        out = trace.scalar_output(has_aux)
        gs = gradients(out, trace.inputs, create_graph=trace.nested) if out.requires_grad else [
            np.zeros(x.shape, x.dtype) for x in trace.inputs]
        gs = trace.gather(gs)
        kind = "float" if trace.kinds[:1] in ([], ["array"]) else trace.kinds[0]  # the value is one number
        value = _give(out if trace.nested else out.data.reshape(()), kind, trace.nested)
        value = (value, trace.aux) if has_aux else value
        return value, (gs if many else gs[0])

    value_and_grad_f.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return value_and_grad_f


def grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """The gradient of f as a function: grad(f)(x) = df/dx at x.

    f must return a single number. The gradient has the kind and shape of the argument:
    float in, float out; ndarray in, ndarray out; Tensor in, Tensor out. Apply it again for
    higher derivatives: grad(grad(f)) is f''.

    Args:
        f: a function returning a scalar.
        argnums: the argument to differentiate by (default the first), or a tuple of them.
        has_aux: f returns (value, aux); the result is then (gradient, aux).

    Example:
        >>> import steepest as st
        >>> st.grad(lambda x: x ** 2 + 5 * st.sin(x))(0.0)   # 2x + 5 cos x
        5.0
        >>> st.grad(st.grad(lambda x: x ** 3))(2.0)          # 6x
        12.0
    """
    value_and_grad_f = _value_and_grad(f, argnums, has_aux, "grad")

    def grad_f(*args: Any) -> Any:
        value, g = value_and_grad_f(*args)
        return (g, value[1]) if has_aux else g

    grad_f.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return grad_f


def vjp(f: Callable, *primals: Any) -> tuple[Any, Callable]:
    """f(*primals) and the function that pulls a cotangent v back to v^T J, one per primal.

    Returns:
        (value, vjp_fn) with vjp_fn(v) -> a tuple of gradients, one per primal; v has the
        shape of the value. vjp_fn may be called many times: the graph is recorded once.

    Example:
        >>> import numpy as np, steepest as st
        >>> value, pullback = st.vjp(lambda x: x * x, np.array([1.0, 2.0]))
        >>> pullback(np.array([1.0, 10.0]))
        (array([ 2., 40.]),)
    """
    trace = _Trace("vjp", f, primals, tuple(range(len(primals))))
    out = trace.output()

    def vjp_fn(v: Any) -> tuple[Any, ...]:
        v = _direction(v, out, trace.nested, "vjp: the cotangent", "the value")
        if not out.requires_grad:
            gs = [np.zeros(x.shape, x.dtype) for x in trace.inputs]
        else:
            gs = gradients(out, trace.inputs, grad_outputs=v, create_graph=trace.nested)
        return trace.gather(gs)

    return trace.give(out), vjp_fn


def _direction(v: Any, like: Tensor, nested: bool, what: str, against: str) -> Any:
    """A cotangent or tangent as an array of `like`'s dtype (a Tensor stays one when nested, so
    it can be differentiated through); its shape must be `like`'s."""
    if isinstance(v, Tensor) and nested:
        data = v.data
    else:
        data = v = np.asarray(v.data if isinstance(v, Tensor) else v, dtype=like.dtype)
    if data.shape != like.shape:
        raise ValueError(f"{what} has shape {data.shape} but {against} has shape {like.shape}")
    return v


def jvp(f: Callable, primals: Sequence[Any], tangents_in: Sequence[Any]) -> tuple[Any, Any]:
    """f(*primals) and the Jacobian-vector product J u, by forward mode.

    One forward sweep: each primitive's jvp rule pushes the input tangents through to its
    output, so the cost is about one more evaluation of f whatever the number of inputs.

    Args:
        primals: a tuple (or list) of the arguments of f.
        tangents_in: a tuple of the same length, each of its primal's shape: the direction u.

    Returns:
        (value, tangent_out), both in the kind of the first primal.

    Example:
        >>> import steepest as st
        >>> st.jvp(lambda x, y: 9 * x ** 2 + y ** 2, (1.0, 2.0), (1.0, 0.0))
        (13.0, 18.0)
    """
    if not isinstance(primals, tuple | list) or not isinstance(tangents_in, tuple | list):
        raise TypeError("jvp: primals and tangents must be tuples, e.g. st.jvp(f, (x,), (u,))")
    if len(primals) != len(tangents_in):
        raise ValueError(f"jvp: {len(primals)} primal(s) but {len(tangents_in)} tangent(s)")
    trace = _Trace("jvp", f, primals, tuple(range(len(primals))))
    out = trace.output()
    us = []
    for k, (u, (tree, a, b)) in enumerate(zip(tangents_in, trace.trees, strict=True)):
        leaves, u_tree = flatten(u) if tree != "leaf" else ([u], tree)
        if u_tree != tree:
            raise ValueError(f"jvp: tangent {k} is {tree_name(u_tree)}, its primal {tree_name(tree)}; "
                             "give each tangent the structure of its primal")
        us += [_direction(v, x, trace.nested, f"jvp: tangent {k}", "its primal")
               for v, x in zip(leaves, trace.inputs[a:b], strict=True)]
    if out.requires_grad:
        (dz,) = tangents([out], trace.inputs, us, create_graph=trace.nested)
    else:
        dz = np.zeros(out.shape, out.dtype)
    return trace.give(out), trace.give(dz)


def directional_derivative(f: Callable, x: Any, u: Any) -> Any:
    """D_u f(x) = grad f(x) . u, by one forward sweep (no gradient is formed).

    u is used as given, not normalised: for the rate of change per unit length along a
    direction, pass a unit vector (u / |u|). f must return a single number.

    Example:
        >>> import numpy as np, steepest as st
        >>> phi = lambda x: 9 * x[0] ** 2 + x[1] ** 2
        >>> d = st.directional_derivative(phi, [1.0, 2.0], [np.sqrt(3) / 2, 0.5])
        >>> bool(np.isclose(d, 9 * np.sqrt(3) + 2))
        True
    """
    value, dz = jvp(f, (x,), (u,))
    if np.size(value.data if isinstance(value, Tensor) else value) != 1:
        raise ValueError(f"directional_derivative: f returned shape {np.shape(value)}; it must return a "
                         "single number (use st.jvp for the directional derivative of a vector function)")
    if isinstance(dz, Tensor):
        return dz.reshape(()) if dz.shape else dz
    return float(np.asarray(dz).reshape(()))


def jacobian(f: Callable, argnums: int = 0, mode: str = "auto") -> Callable:
    """The Jacobian of f as a function: jacobian(f)(x)[i..., j...] = d f_i / d x_j.

    The result has shape f(x).shape + x.shape. The graph is recorded once and swept once
    per column (forward mode, `mode="fwd"`) or once per row (reverse mode, `mode="rev"`);
    `mode="auto"` picks the fewer sweeps: forward when x has fewer entries than f(x).

    Example:
        >>> import numpy as np, steepest as st
        >>> st.jacobian(lambda x: x ** 2)(np.array([1.0, 3.0]))
        array([[2., 0.],
               [0., 6.]])
    """
    if mode not in ("auto", "fwd", "rev"):
        raise ValueError(f"jacobian: mode must be 'auto', 'fwd' or 'rev', got {mode!r}")
    return _jacobian(f, argnums, mode, "jacobian")


def _jacobian(f: Callable, argnums: int, mode: str, who: str) -> Callable:
    def jacobian_f(*args: Any) -> Any:
        trace = _Trace(who, f, args, (argnums,))
        trace.single()
        out, x = trace.output(), trace.inputs[0]
        return trace.give(_jacobian_of(out, x, mode, trace.nested))

    jacobian_f.__name__ = f"{who}({getattr(f, '__name__', 'f')})"
    return jacobian_f


def _jacobian_of(out: Tensor, x: Tensor, mode: str, nested: bool) -> Any:
    """d out / d x of a recorded graph, shape out.shape + x.shape, by sweeps over basis vectors."""
    from steepest.ops.shape import stack  # the rows of a recorded Jacobian are joined differentiably

    if not out.requires_grad:
        return np.zeros(out.shape + x.shape, np.result_type(out.dtype, x.dtype))
    forward = x.size < out.size if mode == "auto" else mode == "fwd"
    n = x.size if forward else out.size
    eye = np.eye(n, dtype=x.dtype if forward else out.dtype)
    parts = []
    for k in range(n):
        if forward:  # column k: J e_k
            (col,) = tangents([out], [x], [eye[k].reshape(x.shape)], create_graph=nested)
            parts.append(col)
        else:  # row k: e_k^T J
            (row,) = gradients(out, [x], grad_outputs=eye[k].reshape(out.shape), create_graph=nested)
            parts.append(row)
    # columns side by side: out.shape + (n,); rows one above another: (n,) + x.shape
    J = stack(parts, axis=-1 if forward else 0) if nested else np.stack(parts, axis=-1 if forward else 0)
    return J.reshape(out.shape + x.shape)


def hessian(f: Callable, argnums: int = 0) -> Callable:
    """The Hessian of a scalar f as a function: hessian(f)(x)[i, j] = d2 f / dx_i dx_j.

    The gradient is recorded once (reverse mode with create_graph) and differentiated once
    per entry of x. Shape x.shape + x.shape; a float for a float argument.

    Example:
        >>> import numpy as np, steepest as st
        >>> st.hessian(lambda x: 9 * x[0] ** 2 + x[1] ** 2)(np.array([1.0, 2.0]))
        array([[18.,  0.],
               [ 0.,  2.]])
    """

    def hessian_f(*args: Any) -> Any:
        trace = _Trace("hessian", f, args, (argnums,))
        trace.single()
        out, x = trace.scalar_output(), trace.inputs[0]
        if not out.requires_grad:
            return trace.give(np.zeros(x.shape + x.shape, x.dtype))
        (g,) = gradients(out, [x], create_graph=True)
        return trace.give(_jacobian_of(g, x, "rev", trace.nested))

    hessian_f.__name__ = f"hessian({getattr(f, '__name__', 'f')})"
    return hessian_f


def hvp(f: Callable, x: Any, v: Any) -> Any:
    """The Hessian-vector product H(x) v of a scalar f, without forming H.

    Forward mode over reverse mode: the gradient's graph is recorded once and one forward
    sweep pushes v through it, so the cost is a small multiple of one gradient, for any size.

    Example:
        >>> import numpy as np, steepest as st
        >>> st.hvp(lambda x: (x ** 3).sum(), np.array([1.0, 2.0]), np.array([1.0, 1.0]))   # 6 x * v
        array([ 6., 12.])
    """
    trace = _Trace("hvp", f, (x,), (0,))
    trace.single()
    out, xt = trace.scalar_output(), trace.inputs[0]
    v = _direction(v, xt, trace.nested, "hvp: v", "x")
    if not out.requires_grad:
        return trace.give(np.zeros(xt.shape, xt.dtype))
    (g,) = gradients(out, [xt], create_graph=True)
    if not g.requires_grad:  # f is linear: its Hessian is zero
        return trace.give(np.zeros(xt.shape, xt.dtype))
    (hv,) = tangents([g], [xt], [v], create_graph=trace.nested)
    return trace.give(hv)

