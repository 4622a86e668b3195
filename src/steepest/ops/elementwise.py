"""Elementwise primitives: each one's forward, vjp and jvp side by side.

An elementwise op has a diagonal Jacobian, so its vjp and its jvp are the same
product of the incoming vector with f'(x); where that is so the rule is written once
and used for both. Masks (where x > 0, which entries tie) are not differentiated, so
rules compute them from the raw data (`_data`), in either mode.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from steepest.ops.core import binary, operand, primitive, record, unary
from steepest.tensor import Tensor, _data

__all__ = [
    "add", "sub", "mul", "div", "power", "neg", "exp", "log", "sin", "cos", "tan", "tanh",
    "sigmoid", "relu", "abs_", "sqrt", "maximum", "minimum", "where", "clip", "astype",
]


# --- the rules run on ndarrays in a plain backward pass and on Tensors under create_graph ----
def _cos(x):
    return cos(x) if isinstance(x, Tensor) else np.cos(x)


def _sin(x):
    return sin(x) if isinstance(x, Tensor) else np.sin(x)


def _exp(x):
    return exp(x) if isinstance(x, Tensor) else np.exp(x)


def _log(x):
    return log(x) if isinstance(x, Tensor) else np.log(x)


def _where(cond, x, y):
    if isinstance(x, Tensor) or isinstance(y, Tensor):
        return where(cond, x, y)
    return np.where(cond, x, y)


# --- arithmetic -------------------------------------------------------------------------------
# z = x + y;  dz/dx = 1, dz/dy = 1
ADD = primitive(
    "add",
    vjps=(lambda g, z, x, y: g, lambda g, z, x, y: g),
    jvps=(lambda dx, z, x, y: dx, lambda dy, z, x, y: dy),
    domain=("real", "real"),
)


def add(x: Any, y: Any) -> Tensor:
    """x + y, broadcasting."""
    return binary(ADD, operator.add, x, y)


# z = x - y;  dz/dx = 1, dz/dy = -1
SUB = primitive(
    "sub",
    vjps=(lambda g, z, x, y: g, lambda g, z, x, y: -g),
    jvps=(lambda dx, z, x, y: dx, lambda dy, z, x, y: -dy),
    domain=("real", "real"),
)


def sub(x: Any, y: Any) -> Tensor:
    """x - y, broadcasting."""
    return binary(SUB, operator.sub, x, y)


# z = x * y;  dz/dx = y, dz/dy = x
MUL = primitive(
    "mul",
    vjps=(lambda g, z, x, y: g * y, lambda g, z, x, y: g * x),
    jvps=(lambda dx, z, x, y: dx * y, lambda dy, z, x, y: x * dy),
    domain=("real", "real"),
)


def mul(x: Any, y: Any) -> Tensor:
    """x * y, broadcasting."""
    return binary(MUL, operator.mul, x, y)


# z = x / y;  dz/dx = 1/y, dz/dy = -x/y^2 = -z/y
DIV = primitive(
    "div",
    vjps=(lambda g, z, x, y: g / y, lambda g, z, x, y: -(g * z) / y),
    jvps=(lambda dx, z, x, y: dx / y, lambda dy, z, x, y: -(dy * z) / y),
    domain=("real", "nonzero"),
)


def div(x: Any, y: Any) -> Tensor:
    """x / y, broadcasting."""
    return binary(DIV, operator.truediv, x, y)


# z = x ** y;  dz/dx = y x^(y-1) (0 where y = 0, even at x = 0), dz/dy = z log x (0 where x = 0)
def _pow_dx(g, z, x, y):
    zero = _data(y) == 0  # a bool for a number exponent (the common case: no NumPy call)
    if zero is True or (zero is not False and zero.any()):  # d(x^0)/dx = 0, not 0 * inf at x = 0
        x = _where(zero, 1, x)
    return g * (y * x ** (y - 1))


def _pow_dy(g, z, x, y):
    if x.__class__ is float or x.__class__ is int:  # a number base: log x stays a weak Python float,
        return g * z * (float(np.log(x)) if x != 0 else 0.0)  # so float32 stays float32
    xd = _data(x)
    safe_x = _where(xd == 0, 1, x)  # log(0) is never needed: z = 0 there unless y = 0
    return g * z * _log(safe_x)


POW = primitive("pow", vjps=(_pow_dx, _pow_dy), jvps=(_pow_dx, _pow_dy), domain=("positive", "real"))


def power(x: Any, y: Any) -> Tensor:
    """x ** y, broadcasting; the exponent may be a number or a tensor."""
    return binary(POW, operator.pow, x, y)


# z = -x;  dz/dx = -1
NEG = primitive("neg", vjps=(lambda g, z, x: -g,), jvps=(lambda dx, z, x: -dx,))


def neg(x: Any) -> Tensor:
    """-x."""
    return unary(NEG, operator.neg, x)


# --- transcendental -------------------------------------------------------------------------
# z = e^x;  dz/dx = e^x = z
_exp_d = lambda g, z, x: g * z
EXP = primitive("exp", vjps=(_exp_d,), jvps=(_exp_d,))


def exp(x: Any) -> Tensor:
    """e ** x."""
    return unary(EXP, np.exp, x)


# z = log x;  dz/dx = 1/x
_log_d = lambda g, z, x: g / x
LOG = primitive("log", vjps=(_log_d,), jvps=(_log_d,), domain=("positive",))


def log(x: Any) -> Tensor:
    """Natural logarithm."""
    return unary(LOG, np.log, x)


# z = sin x;  dz/dx = cos x
_sin_d = lambda g, z, x: g * _cos(x)
SIN = primitive("sin", vjps=(_sin_d,), jvps=(_sin_d,))


def sin(x: Any) -> Tensor:
    """Sine."""
    return unary(SIN, np.sin, x)


# z = cos x;  dz/dx = -sin x
_cos_d = lambda g, z, x: -(g * _sin(x))
COS = primitive("cos", vjps=(_cos_d,), jvps=(_cos_d,))


def cos(x: Any) -> Tensor:
    """Cosine."""
    return unary(COS, np.cos, x)


# z = tan x;  dz/dx = 1 + tan^2 x = 1 + z^2
_tan_d = lambda g, z, x: g * (1 + z * z)
TAN = primitive("tan", vjps=(_tan_d,), jvps=(_tan_d,), domain=("small",))


def tan(x: Any) -> Tensor:
    """Tangent."""
    return unary(TAN, np.tan, x)


# z = tanh x;  dz/dx = 1 - z^2
_tanh_d = lambda g, z, x: g * (1 - z * z)
TANH = primitive("tanh", vjps=(_tanh_d,), jvps=(_tanh_d,))


def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent."""
    return unary(TANH, np.tanh, x)


# z = 1 / (1 + e^-x);  dz/dx = z (1 - z)
_sigmoid_d = lambda g, z, x: g * (z * (1 - z))
SIGMOID = primitive("sigmoid", vjps=(_sigmoid_d,), jvps=(_sigmoid_d,))


def _sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))  # = 1 / (1 + e^-x), without overflow for x << 0


def sigmoid(x: Any) -> Tensor:
    """The logistic function 1 / (1 + e^-x), stable for inputs of any size."""
    return unary(SIGMOID, _sigmoid, x)


# z = sqrt x;  dz/dx = 1 / (2 sqrt x) = 0.5 / z
_sqrt_d = lambda g, z, x: g * 0.5 / z
SQRT = primitive("sqrt", vjps=(_sqrt_d,), jvps=(_sqrt_d,), domain=("positive",))


def sqrt(x: Any) -> Tensor:
    """Square root."""
    return unary(SQRT, np.sqrt, x)


# --- piecewise ------------------------------------------------------------------------------
# z = max(0, x);  dz/dx = 1 where x > 0, else 0
_relu_d = lambda g, z, x: _where(_data(x) > 0, g, 0)
RELU = primitive("relu", vjps=(_relu_d,), jvps=(_relu_d,))


def relu(x: Any) -> Tensor:
    """max(0, x); the derivative at 0 is taken as 0, as PyTorch does."""
    return unary(RELU, lambda xd: np.maximum(xd, 0), x)


# z = |x|;  dz/dx = sign x (0 at 0)
_abs_d = lambda g, z, x: g * np.sign(_data(x))
ABS = primitive("abs", vjps=(_abs_d,), jvps=(_abs_d,))


def abs_(x: Any) -> Tensor:
    """|x|; exported as `steepest.abs`."""
    return unary(ABS, np.abs, x)


# z = max(x, y);  dz/dx = 1 where x > y, 1/2 where they tie (PyTorch's convention)
def _maximum_dx(g, z, x, y):
    xd, yd = _data(x), _data(y)
    return _where(xd > yd, g, _where(xd == yd, g * 0.5, 0))


def _maximum_dy(g, z, x, y):
    xd, yd = _data(x), _data(y)
    return _where(yd > xd, g, _where(xd == yd, g * 0.5, 0))


MAXIMUM = primitive("maximum", vjps=(_maximum_dx, _maximum_dy), jvps=(_maximum_dx, _maximum_dy),
                    domain=("real", "real"))


def maximum(x: Any, y: Any) -> Tensor:
    """Elementwise max(x, y); at ties each side gets half the gradient."""
    return binary(MAXIMUM, np.maximum, x, y)


# z = min(x, y);  dz/dx = 1 where x < y, 1/2 where they tie
def _minimum_dx(g, z, x, y):
    return _maximum_dx(g, z, y, x)  # x wins min(x, y) where y wins max(y, x)


def _minimum_dy(g, z, x, y):
    return _maximum_dy(g, z, y, x)


MINIMUM = primitive("minimum", vjps=(_minimum_dx, _minimum_dy), jvps=(_minimum_dx, _minimum_dy),
                    domain=("real", "real"))


def minimum(x: Any, y: Any) -> Tensor:
    """Elementwise min(x, y); at ties each side gets half the gradient."""
    return binary(MINIMUM, np.minimum, x, y)


# z = x where cond else y;  dz/dx = cond, dz/dy = not cond   (cond is a parameter, not differentiated)
_where_dx = lambda g, z, x, y, cond: _where(cond, g, 0)
_where_dy = lambda g, z, x, y, cond: _where(cond, 0, g)
WHERE = primitive("where", vjps=(_where_dx, _where_dy), jvps=(_where_dx, _where_dy), domain=("real", "real"))


def where(cond: Any, x: Any, y: Any) -> Tensor:
    """x where `cond` is true, else y (all three broadcast). `cond` is a boolean tensor or array."""
    c = np.asarray(_data(cond))
    if c.dtype != np.bool_:
        raise TypeError(f"where: cond must be boolean (e.g. x > 0), got dtype {c.dtype}")
    return binary(WHERE, lambda xd, yd: _where3(c, xd, yd), x, y, params=(c,))


def _where3(c, xd, yd):
    try:
        return np.where(c, xd, yd)
    except ValueError:
        raise ValueError(f"where: shapes {c.shape} (cond), {np.shape(xd)} and {np.shape(yd)} "
                         "cannot be broadcast together") from None


# z = clip(x, lo, hi);  dz/dx = 1 where lo <= x <= hi, else 0 (PyTorch's clamp)
def _clip_d(g, z, x, lo, hi):
    xd = _data(x)
    inside = np.ones(xd.shape, bool)
    if lo is not None:
        inside &= xd >= lo
    if hi is not None:
        inside &= xd <= hi
    return _where(inside, g, 0)


CLIP = primitive("clip", vjps=(_clip_d,), jvps=(_clip_d,))


def clip(x: Any, lo: float | None = None, hi: float | None = None) -> Tensor:
    """Limit x to [lo, hi]; either bound may be None."""
    if lo is None and hi is None:
        raise ValueError("clip: give at least one of lo and hi")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"clip: lo={lo} is greater than hi={hi}")
    return unary(CLIP, lambda xd: np.clip(xd, lo, hi), x, params=(lo, hi))


# z = x as another dtype;  dz/dx = 1 (the engine casts the gradient back to x's dtype)
ASTYPE = primitive("astype", vjps=(lambda g, z, x, dtype: g,), jvps=(lambda dx, z, x, dtype: astype(dx, dtype)
                                                                      if isinstance(dx, Tensor)
                                                                      else dx.astype(dtype),))


def astype(x: Any, dtype: Any) -> Tensor:
    """x converted to `dtype` (a float dtype keeps the gradient flowing)."""
    dtype = np.dtype(dtype)
    xd = operand(x)
    z = np.asarray(xd).astype(dtype)
    if dtype.kind not in "fc":
        return record(z, ASTYPE, (), ())
    return record(z, ASTYPE, (x if isinstance(x, Tensor) else xd,), (dtype,))
