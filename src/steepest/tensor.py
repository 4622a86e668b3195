"""The Tensor: an ndarray, the gradient it receives, and the operation that made it.

A Tensor made by an operation on tensors that require gradients is a node of the
computational graph: it remembers the primitive (`_op`), its inputs (`_inputs`, tensors
or constants) and the static parameters of the call (`_params`, e.g. an axis).
There is no separate node object: the output tensor is the node, so the graph
holds no reference cycles and is freed as soon as the last output goes away.
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Tensor", "tensor", "GradMode", "GRAD_ENABLED", "is_grad_enabled", "Tracing", "MinMax",
           "ConcretizationError"]


GRAD_ENABLED: ContextVar[bool] = ContextVar("steepest_grad_enabled", default=True)
"""Whether operations record the graph, for this thread only (and this asyncio task), as in PyTorch:
`no_grad` in one thread leaves every other thread recording. A new thread starts with it on."""


class _GradMode:
    """`GradMode.enabled` reads and writes GRAD_ENABLED (the hot path, `ops.core.record`, calls
    `GRAD_ENABLED.get` directly: a ContextVar read costs what a class attribute did)."""

    __slots__ = ()

    @property
    def enabled(self) -> bool:
        return GRAD_ENABLED.get()

    @enabled.setter
    def enabled(self, value: bool) -> None:
        GRAD_ENABLED.set(bool(value))


GradMode = _GradMode()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require gradients record the graph (in this thread)."""
    return GRAD_ENABLED.get()


class _Tracing(threading.local):
    """How many transforms (st.grad, ...) are evaluating their function right now in this thread,
    and the innermost one's name. There, a tensor that requires grad refuses to become a plain number
    or array (float(x), math.sin(x), x.item(), np.asarray(x)): its derivative would be lost. Per
    thread, so that two threads each calling st.grad get plain results, not each other's sweeps."""

    depth = 0
    who = ""


Tracing = _Tracing()


class MinMax(NamedTuple):
    """What x.max(dim=...) and x.min(dim=...) return, as in PyTorch."""

    values: Any
    indices: Any


class ConcretizationError(TypeError):
    """A tensor that requires grad was turned into a plain number or array inside a transform
    (JAX's ConcretizationTypeError): its derivative would have been lost."""


def _leak_error(what: str) -> ConcretizationError:
    return ConcretizationError(
        f"{what} of a tensor that requires grad inside st.{Tracing.who}: the value would leave the graph "
        "and its derivative would silently be 0. Use steepest's functions on the tensor (st.sin(x), not "
        "math.sin(x); x ** 2, not float(x) ** 2; st.stack, not np.array), or x.detach() for a constant")


def _as_array(data: Any, dtype: Any, who: str) -> np.ndarray:
    """A fresh ndarray of `data` (never the caller's memory), with NumPy's dtype rules."""
    if isinstance(data, Tensor):
        if Tracing.depth and data.requires_grad:
            raise _leak_error(f"{who}()")
        data = data.data
    try:
        array = np.array(data, dtype=dtype, copy=True)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{who}: cannot make a tensor of {type(data).__name__} ({err})") from None
    if array.dtype.kind not in "biufc":
        raise TypeError(
            f"{who}: data must be numbers, got dtype {array.dtype} from {type(data).__name__}; "
            "pass numbers, nested lists of numbers or a numeric ndarray"
        )
    return array


def _check_can_require_grad(array: np.ndarray, who: str) -> None:
    if array.dtype.kind not in "fc":
        raise TypeError(
            f"{who}: only floating-point tensors can require gradients, got dtype {array.dtype}; "
            "pass float data (1.0 rather than 1) or dtype=np.float64"
        )


class Tensor:
    """An n-dimensional array that can record the operations made on it.

    Build one with `steepest.tensor(data, requires_grad=...)`; `Tensor(data)` does the same.
    The data is always copied, so later in-place updates (by an optimizer, say) never
    touch the array the caller passed in.
    """

    # _stamp: for a node, the count of in-place writes (inplace.Writes.epoch) when it was recorded
    __slots__ = ("data", "grad", "requires_grad", "name", "_op", "_inputs", "_params", "_stamp",
                 "__weakref__")

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None):
        self.data = _as_array(data, dtype, "tensor")
        if requires_grad:
            _check_can_require_grad(self.data, "tensor")
        self.grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self._op = None
        self._inputs: tuple = ()
        self._params: tuple = ()

    # --- describing the array -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an operation that records the graph."""
        return self._op is None

    @property
    def op_name(self) -> str | None:
        """Name of the primitive that made this tensor, or None for a leaf."""
        return None if self._op is None else self._op.name

    @property
    def T(self) -> Tensor:
        return transpose(self)

    def item(self) -> float:
        """The value of a one-element tensor as a Python number (refused inside a transform for a
        tensor that requires grad: the derivative would be lost)."""
        if Tracing.depth and self.requires_grad:
            raise _leak_error("item()")
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted, got shape {self.shape}")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (shared, not copied), like `.data`."""
        if Tracing.depth and self.requires_grad:
            raise _leak_error("numpy()")
        return self.data

    def tolist(self) -> Any:
        """The values as nested Python lists (refused inside a transform, as item())."""
        if Tracing.depth and self.requires_grad:
            raise _leak_error("tolist()")
        return self.data.tolist()

    # --- NumPy interoperability ---------------------------------------------------------------
    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """np.asarray(t) is t's data (shared, as .numpy()): NumPy, matplotlib and pandas take tensors.
        Inside a transform a tensor that requires grad refuses: the graph would be lost."""
        if Tracing.depth and self.requires_grad:
            raise _leak_error("np.asarray()")
        a = self.data
        if dtype is not None and a.dtype != np.dtype(dtype):
            if copy is False:
                raise ValueError(f"np.asarray: a {a.dtype} tensor cannot be given as {np.dtype(dtype)} "
                                 "without a copy")
            return a.astype(dtype)
        return a.copy() if copy else a

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """ndarray (op) Tensor runs Tensor's operator (so it records the graph); every other
        NumPy ufunc on a tensor (np.sin(t)) is refused with the steepest function to use."""
        fn = _UFUNC_OPERATORS.get(ufunc.__name__)
        if fn is not None and method == "__call__" and not kwargs and len(inputs) == 2:
            return fn(*inputs)
        name = ufunc.__name__
        hint = _UFUNC_NAMES.get(name)
        if "out" in kwargs:
            raise TypeError(f"np.{name}(..., out=...) cannot write into or from a steepest Tensor; use "
                            "the ndarray t.data, or steepest's operators (x = x + t; t += x in st.no_grad())")
        suggestion = f"st.{hint}(x)" if hint else "steepest's functions (st.sin, st.exp, ...)"
        raise TypeError(f"np.{name} does not take a steepest Tensor: use {suggestion}, which records the "
                        f"gradient, or np.{name}(x.data) for the plain values")

    def detach(self) -> Tensor:
        """A tensor with the same data that is cut from the graph and requires no gradient."""
        return _wrap(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Switch gradient tracking of this leaf on or off, in place; returns self."""
        if requires_grad:
            _check_can_require_grad(self.data, "requires_grad_")
        if not requires_grad and self._op is not None:
            raise RuntimeError("requires_grad_: a tensor made by an operation cannot stop requiring grad; "
                               "use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, grad: Any = None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires gradients.

        Args:
            grad: the gradient of some scalar with respect to this tensor; needed unless
                this tensor has one element.
            create_graph: record the backward pass itself, so that the gradients can be
                differentiated again.
        """
        from steepest.autodiff import backward

        backward(self, grad, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    # --- printing ---------------------------------------------------------------------------
    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extras = []
        if self.data.dtype not in (np.float64, np.int64, np.bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self._op is not None:
            extras.append(f"op={self._op.name}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    def _repr_html_(self) -> str | None:
        """Jupyter's rich view: the graph that made this tensor, drawn by `steepest.viz`.

        None (Jupyter then prints the plain repr) for a leaf, a large graph, or when the
        drawing cannot be made; printing a tensor never fails because of the picture.
        """
        try:
            from steepest.viz.graph import tensor_html  # lazy: the engine never imports viz
        except Exception:  # noqa: BLE001 - e.g. a broken optional dependency
            return None
        try:
            return tensor_html(self)
        except Exception:  # noqa: BLE001
            return None

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                             "use .any() or .all() on .data")
        return bool(self.data)

    def __float__(self) -> float:
        if Tracing.depth and self.requires_grad:  # math.sin(x) calls this
            raise _leak_error("float()")
        return float(self.item())

    def __int__(self) -> int:
        if Tracing.depth and self.requires_grad:
            raise _leak_error("int()")
        return int(self.item())

    __hash__ = object.__hash__  # comparisons return tensors, so identity is the hash

    # --- arithmetic -------------------------------------------------------------------------
    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __truediv__(self, other):
        return div(self, other)

    def __rtruediv__(self, other):
        return div(other, self)

    def __pow__(self, other):
        return power(self, other)

    def __rpow__(self, other):
        return power(other, self)

    def __neg__(self):
        return neg(self)

    def __pos__(self):
        return self

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __getitem__(self, index):
        return getitem(self, index)

    def __setitem__(self, index, value):
        """x[index] = value, in place (inside st.no_grad() for a tensor that requires grad)."""
        _inplace.setitem(self, index, value)

    # --- in place: written into self.data (see steepest.inplace for the rules) -------------------
    def __iadd__(self, other):
        return _inplace.inplace(self, "+=", np.add, add, other)

    def __isub__(self, other):
        return _inplace.inplace(self, "-=", np.subtract, sub, other)

    def __imul__(self, other):
        return _inplace.inplace(self, "*=", np.multiply, mul, other)

    def __itruediv__(self, other):
        return _inplace.inplace(self, "/=", np.true_divide, div, other)

    def __ipow__(self, other):
        return _inplace.inplace(self, "**=", np.power, power, other)

    def add_(self, other, alpha=1):
        """self += alpha * other, in place; returns self (PyTorch's add_)."""
        return _inplace.inplace(self, "add_", np.add, add, other if alpha == 1 else other * alpha)

    def sub_(self, other, alpha=1):
        """self -= alpha * other, in place; returns self."""
        return _inplace.inplace(self, "sub_", np.subtract, sub, other if alpha == 1 else other * alpha)

    def mul_(self, other):
        """self *= other, in place; returns self."""
        return _inplace.inplace(self, "mul_", np.multiply, mul, other)

    def div_(self, other):
        """self /= other, in place; returns self."""
        return _inplace.inplace(self, "div_", np.true_divide, div, other)

    def pow_(self, exponent):
        """self **= exponent, in place; returns self."""
        return _inplace.inplace(self, "pow_", np.power, power, exponent)

    def clamp_(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        """Clip every entry to [min, max], in place; returns self."""
        def clip_into(a, _, out):
            return np.clip(a, min, max, out=out)

        return _inplace.inplace(self, "clamp_", clip_into, lambda x, _: clip(x, min, max), None)

    def zero_(self):
        """Set every entry to 0, in place; returns self (x.grad.zero_())."""
        return _inplace.fill_(self, 0, "zero_")

    def fill_(self, value):
        """Set every entry to `value`, in place; returns self."""
        return _inplace.fill_(self, value)

    def copy_(self, src):
        """Copy src's values (broadcast to this shape) into this tensor, in place; returns self."""
        return _inplace.copy_(self, src)

    # comparisons give boolean tensors that record nothing (usable in `where`)
    def __lt__(self, other):
        return _wrap(self.data < _data(other))

    def __le__(self, other):
        return _wrap(self.data <= _data(other))

    def __gt__(self, other):
        return _wrap(self.data > _data(other))

    def __ge__(self, other):
        return _wrap(self.data >= _data(other))

    def __eq__(self, other):  # type: ignore[override]
        return _wrap(self.data == _data(other))

    def __ne__(self, other):  # type: ignore[override]
        return _wrap(self.data != _data(other))

    def __and__(self, other):
        return _wrap(self.data & _data(other))

    def __or__(self, other):
        return _wrap(self.data | _data(other))

    def __invert__(self):
        return _wrap(~self.data)

    # --- methods that mirror the functions ----------------------------------------------------
    def exp(self):
        return exp(self)

    def log(self):
        return log(self)

    def sin(self):
        return sin(self)

    def cos(self):
        return cos(self)

    def tan(self):
        return tan(self)

    def tanh(self):
        return tanh(self)

    def sigmoid(self):
        return sigmoid(self)

    def relu(self):
        return relu(self)

    def abs(self):
        return abs_(self)

    def sqrt(self):
        return sqrt(self)

    def clip(self, lo=None, hi=None):
        return clip(self, lo, hi)

    def clamp(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        """clip(self, min, max), as PyTorch spells it."""
        return clip(self, min, max)

    def pow(self, exponent):
        """self ** exponent."""
        return power(self, exponent)

    def argmax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Index of the largest entry (of the flattened tensor when axis is None); an int tensor
        that records nothing (an index has no gradient)."""
        axis, keepdims = _axis_args("argmax", axis, keepdims, dim, keepdim)
        return _wrap(np.asarray(np.argmax(self.data, axis=axis, keepdims=keepdims)))

    def argmin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Index of the smallest entry, as argmax."""
        axis, keepdims = _axis_args("argmin", axis, keepdims, dim, keepdim)
        return _wrap(np.asarray(np.argmin(self.data, axis=axis, keepdims=keepdims)))

    def maximum(self, other):
        return maximum(self, other)

    def minimum(self, other):
        return minimum(self, other)

    def matmul(self, other):
        return matmul(self, other)

    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return sum_(self, *_axis_args("sum", axis, keepdims, dim, keepdim))

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return mean(self, *_axis_args("mean", axis, keepdims, dim, keepdim))

    def max(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """The largest entries over axis. With PyTorch's dim= it returns (values, indices),
        as torch.max(x, dim) does, so that `values, indices = x.max(dim=1)` means what it says."""
        axis, keepdims = _axis_args("max", axis, keepdims, dim, keepdim)
        values = max_(self, axis, keepdims)
        if dim is None:
            return values
        return MinMax(values, self.argmax(axis, keepdims))

    def min(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """The smallest entries over axis. With PyTorch's dim= it returns (values, indices),
        as torch.min(x, dim) does, so that `values, indices = x.min(dim=1)` means what it says."""
        axis, keepdims = _axis_args("min", axis, keepdims, dim, keepdim)
        values = min_(self, axis, keepdims)
        if dim is None:
            return values
        return MinMax(values, self.argmin(axis, keepdims))

    def logsumexp(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return logsumexp(self, *_axis_args("logsumexp", axis, keepdims, dim, keepdim))

    def softmax(self, axis=-1, *, dim=None):
        return softmax(self, _axis_args("softmax", axis, False, dim, None, -1)[0])

    def log_softmax(self, axis=-1, *, dim=None):
        return log_softmax(self, _axis_args("log_softmax", axis, False, dim, None, -1)[0])

    def reshape(self, *shape):
        return reshape(self, shape[0] if len(shape) == 1 else shape)

    def view(self, *shape):
        """reshape, as PyTorch spells it (a copy where NumPy cannot make a view; no contiguity rule)."""
        return reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes):
        return transpose(self, (axes[0] if len(axes) == 1 else axes) or None)

    def swapaxes(self, axis1, axis2):
        return swapaxes(self, axis1, axis2)

    def broadcast_to(self, shape):
        return broadcast_to(self, shape)

    def squeeze(self, axis=None):
        return squeeze(self, axis)

    def expand_dims(self, axis):
        return expand_dims(self, axis)

    def flatten(self):
        return reshape(self, (-1,))

    def astype(self, dtype):
        return astype(self, dtype)


def _wrap(array: np.ndarray) -> Tensor:
    """A constant tensor around `array` without copying it (for arrays the engine made)."""
    t = object.__new__(Tensor)
    t.data = array if array.__class__ is np.ndarray else np.asarray(array)
    t.grad = None
    t.requires_grad = False
    t.name = None
    t._op = None
    t._inputs = ()
    t._params = ()
    return t


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _axis_args(who: str, axis: Any, keepdims: bool, dim: Any, keepdim: Any, default: Any = None) -> tuple:
    """(axis, keepdims) from NumPy's names or PyTorch's (dim=, keepdim=); both at once is an error."""
    if dim is not None:
        if not (axis is default or axis == default):
            raise TypeError(f"{who}: got both axis={axis!r} and dim={dim!r}; they are the same, give one")
        axis = dim
    if keepdim is not None:
        if keepdims:
            raise TypeError(f"{who}: got both keepdims and keepdim; they are the same, give one")
        keepdims = keepdim
    return axis, bool(keepdims)


def _compare(ufunc: Any) -> Any:
    return lambda x, y: _wrap(np.asarray(ufunc(_data(x), _data(y))))


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> Tensor:
    """Make a tensor from a number, nested list, ndarray or Tensor (always a copy).

    NumPy's dtype rules apply: Python floats give float64, float32 arrays stay float32.

    Example:
        >>> x = tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward(); x.grad
        tensor([2., 4.])
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def is_number(x: Any) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, np.ndarray)


# The operator methods above call these; they are imported last because the ops import Tensor.
from steepest import inplace as _inplace  # noqa: E402
from steepest.ops.elementwise import (  # noqa: E402
    abs_,
    add,
    astype,
    clip,
    cos,
    div,
    exp,
    log,
    maximum,
    minimum,
    mul,
    neg,
    power,
    relu,
    sigmoid,
    sin,
    sqrt,
    sub,
    tan,
    tanh,
)
from steepest.ops.linalg import matmul  # noqa: E402
from steepest.ops.reduce import log_softmax, logsumexp, max_, mean, min_, softmax, sum_  # noqa: E402
from steepest.ops.shape import (  # noqa: E402
    broadcast_to,
    expand_dims,
    getitem,
    reshape,
    squeeze,
    swapaxes,
    transpose,
)

# NumPy routes ndarray (op) Tensor through these ufuncs: each runs the operator that Tensor has
_UFUNC_OPERATORS = {
    "add": add, "subtract": sub, "multiply": mul, "true_divide": div, "divide": div, "power": power,
    "matmul": matmul, "less": _compare(np.less), "less_equal": _compare(np.less_equal),
    "greater": _compare(np.greater), "greater_equal": _compare(np.greater_equal),
    "equal": _compare(np.equal), "not_equal": _compare(np.not_equal),
    "bitwise_and": _compare(np.bitwise_and), "bitwise_or": _compare(np.bitwise_or),
}
# the steepest function named in the error for np.<ufunc>(tensor)
_UFUNC_NAMES = {
    "sin": "sin", "cos": "cos", "tan": "tan", "tanh": "tanh", "exp": "exp", "log": "log", "sqrt": "sqrt",
    "absolute": "abs", "negative": "neg", "maximum": "maximum", "minimum": "minimum", "square": "power",
    "clip": "clip",
}
