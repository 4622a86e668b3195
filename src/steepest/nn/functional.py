"""The functional forms, as torch.nn.functional names them: `import steepest.nn.functional as F`.

These are the functions of `activations.py`, `losses.py` and the engine under the names a
PyTorch user types (F.relu, F.softmax(x, dim=1), F.cross_entropy, F.mse_loss, ...); they are
the same functions, not copies. softmax and log_softmax take `dim=` (or NumPy's `axis=`).

    >>> import steepest as st
    >>> import steepest.nn.functional as F
    >>> F.softmax(st.tensor([[0.0, 0.0]]), dim=1)
    tensor([[0.5, 0.5]])
"""

from __future__ import annotations

from typing import Any

from steepest.nn.activations import gelu, identity, leaky_relu, softplus
from steepest.nn.layers import Dropout
from steepest.nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
)
from steepest.ops import reduce as _reduce
from steepest.ops.elementwise import relu, sigmoid, tanh
from steepest.tensor import Tensor, _axis_args

__all__ = [
    "relu", "tanh", "sigmoid", "leaky_relu", "softplus", "gelu", "identity", "softmax", "log_softmax",
    "dropout", "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy",
]


def softmax(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """e^x / sum e^x over `dim` (torch's name) or `axis`; the last axis when neither is given."""
    return _reduce.softmax(x, _one_axis("softmax", dim, axis))


def log_softmax(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """log softmax over `dim` or `axis` (the last axis when neither is given), computed stably."""
    return _reduce.log_softmax(x, _one_axis("log_softmax", dim, axis))


def _one_axis(who: str, dim: Any, axis: Any) -> Any:
    axis, _ = _axis_args(who, axis, False, dim, None)
    return -1 if axis is None else axis


def dropout(x: Any, p: float = 0.5, training: bool = True, seed: Any = None) -> Any:
    """Zero each entry with probability p and scale the rest by 1 / (1 - p) when training
    (torch's F.dropout); `seed` is an int or an np.random.Generator, never NumPy's global state."""
    layer = Dropout(p, seed=seed)
    layer.training = bool(training)
    return layer(x)
