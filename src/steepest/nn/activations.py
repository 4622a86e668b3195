"""Activation functions, as functions and as modules, composed from the engine's primitives.

    relu(x)        = max(0, x)
    leaky_relu(x)  = x if x > 0 else a x
    tanh, sigmoid  (engine primitives)
    softplus(x)    = log(1 + e^x) = logsumexp(0, x)           (stable for any x; slope 1/2 at 0)
    gelu(x)        = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))   (Hendrycks & Gimpel's tanh form)
    identity(x)    = x

softplus is written as a logsumexp over the pair (0, x) rather than as relu(x) + log(1 + e^-|x|):
the second form is stable too, but its derivative at exactly 0 comes out as 0 (relu and abs both
take slope 0 there) instead of sigmoid(0) = 1/2; the logsumexp primitive has the right slope everywhere.
Its value is exact to within machine epsilon in absolute terms; far in the negative tail (x < -37 in
float64) it rounds to 0 rather than to e^x, which a log1p primitive would avoid. The gradient,
sigmoid(x), stays accurate there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from steepest.nn.module import Module
from steepest.ops.creation import zeros_like
from steepest.ops.elementwise import relu, sigmoid, tanh, where
from steepest.ops.reduce import log_softmax, logsumexp, softmax
from steepest.ops.shape import stack
from steepest.tensor import Tensor, _data

__all__ = [
    "relu", "tanh", "sigmoid", "leaky_relu", "softplus", "gelu", "identity",
    "ReLU", "Tanh", "Sigmoid", "LeakyReLU", "Softplus", "GELU", "Identity", "Softmax", "LogSoftmax",
    "ACTIVATIONS", "get_activation",
]

_GELU_C = math.sqrt(2.0 / math.pi)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x (slope `negative_slope` at 0, as PyTorch)."""
    return where(np.asarray(_data(x)) > 0, x, x * negative_slope)


def softplus(x: Any) -> Tensor:
    """log(1 + e^x), a smooth relu; its derivative is sigmoid(x). Stable for |x| of any size."""
    pair = stack([zeros_like(x), x], axis=-1)  # (..., 2)
    return logsumexp(pair, axis=-1)


def gelu(x: Any) -> Tensor:
    """Gaussian error linear unit, in its tanh form (PyTorch's gelu(approximate="tanh"))."""
    inner = _GELU_C * (x + 0.044715 * (x * x * x))
    return 0.5 * x * (1.0 + tanh(inner))


def identity(x: Any) -> Any:
    """x itself (no node is added to the graph)."""
    return x


class _Activation(Module):
    fn: Callable[..., Any] = staticmethod(identity)
    name = "identity"

    def forward(self, x: Any) -> Any:
        return self.fn(x)  # a staticmethod: no self is passed

    def config(self) -> dict[str, Any]:
        return {}


class ReLU(_Activation):
    """max(0, x)."""

    fn = staticmethod(relu)
    name = "relu"


class Tanh(_Activation):
    """Hyperbolic tangent."""

    fn = staticmethod(tanh)
    name = "tanh"


class Sigmoid(_Activation):
    """1 / (1 + e^-x)."""

    fn = staticmethod(sigmoid)
    name = "sigmoid"


class Softplus(_Activation):
    """log(1 + e^x)."""

    fn = staticmethod(softplus)
    name = "softplus"


class GELU(_Activation):
    """Gaussian error linear unit (tanh form)."""

    fn = staticmethod(gelu)
    name = "gelu"


class Identity(_Activation):
    """Passes its input through."""

    name = "identity"


class LeakyReLU(_Activation):
    """x if x > 0 else negative_slope * x."""

    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x: Any) -> Tensor:
        return leaky_relu(x, self.negative_slope)

    def config(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope}

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softmax(_Activation):
    """softmax over `dim` (the last axis by default): e^x / sum e^x, each slice summing to 1."""

    name = "softmax"

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = int(dim)

    def forward(self, x: Any) -> Tensor:
        return softmax(x, self.dim)

    def config(self) -> dict[str, Any]:
        return {"dim": self.dim}

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log softmax over `dim`, computed stably (x - logsumexp x)."""

    name = "log_softmax"

    def forward(self, x: Any) -> Tensor:
        return log_softmax(x, self.dim)


ACTIVATIONS: dict[str, type[_Activation]] = {
    "relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU,
    "softplus": Softplus, "gelu": GELU, "identity": Identity, "linear": Identity,
}  # Softmax and LogSoftmax are modules too, but not MLP activations: they mix a row's entries


def get_activation(activation: str | Module | Callable[..., Any] | None) -> Module:
    """An activation module from a name (see ACTIVATIONS), None (identity), a module, or a function."""
    if activation is None:
        return Identity()
    if isinstance(activation, Module):
        return activation
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation.lower()]()
        except KeyError:
            raise ValueError(f"unknown activation {activation!r}; choose one of "
                             f"{sorted(ACTIVATIONS)} or pass a function or a Module") from None
    if callable(activation):
        return _Lambda(activation)
    raise TypeError(f"activation must be a name, a Module or a function, got {type(activation).__name__}")


class _Lambda(Module):
    """A plain function used as a layer."""

    def __init__(self, fn: Callable[..., Any]):
        super().__init__()
        self.fn = fn

    def forward(self, x: Any) -> Any:
        return self.fn(x)

    def extra_repr(self) -> str:
        return getattr(self.fn, "__name__", "function")
