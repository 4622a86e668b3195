"""Loss functions, composed from the engine's primitives.

Each takes a prediction (a Tensor) and a target (a Tensor, an array or a list) and reduces the
per-entry losses with `reduction`: "mean" (the default), "sum", or "none" (no reduction).
Prediction and target must have the same shape: a (N, 1) prediction against a (N,) target
is refused rather than broadcast into a (N, N) matrix, a classic silent bug.

    mse_loss                          (p - y)^2                 the seeds' Phi = 1/N sum ||F(x_i) - y_i||^2
    l1_loss                           |p - y|
    huber_loss                        (p - y)^2 / 2 if |p - y| <= delta, else delta (|p - y| - delta / 2)
    binary_cross_entropy              -(y log p + (1 - y) log(1 - p)),  p clipped to [eps, 1 - eps]
    binary_cross_entropy_with_logits  the same with p = sigmoid(x):  log(1 + e^x) - x y, stable for any x
    cross_entropy                     -log softmax(x)[label]  (integer labels), or -sum_c y_c log softmax(x)_c
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from steepest.nn.activations import softplus
from steepest.nn.module import Module
from steepest.ops.elementwise import abs_, clip, log, where
from steepest.ops.reduce import log_softmax
from steepest.tensor import Tensor, _data

__all__ = [
    "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "cross_entropy", "LOSSES", "CLASSIFICATION_LOSSES", "get_loss",
    "MSELoss", "L1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
]

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(name: str, loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.sum() * (1.0 / max(loss.data.size, 1))  # a Python float keeps float32 float32
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _pair(name: str, pred: Any, target: Any) -> tuple[Any, Any]:
    """pred as it is, target as a same-dtype constant (or the Tensor itself); shapes must agree."""
    pdata = np.asarray(_data(pred))
    if not isinstance(target, Tensor):
        target = np.asarray(target, dtype=pdata.dtype if pdata.dtype.kind == "f" else None)
    elif not target.requires_grad and target.dtype != pdata.dtype and pdata.dtype.kind == "f":
        target = target.data.astype(pdata.dtype)
    tshape = np.shape(_data(target))
    if pdata.shape != tshape:
        hint = ""
        if len(pdata.shape) == 2 and pdata.shape[1] == 1 and tshape == pdata.shape[:1]:
            hint = "; reshape the target with y.reshape(-1, 1) (st.fit does this for you)"
        elif len(tshape) == 2 and tshape[1] == 1 and pdata.shape == tshape[:1]:
            hint = "; reshape the prediction or the target so both are (N, 1) or both (N,)"
        raise ValueError(f"{name}: prediction has shape {pdata.shape} but target has shape {tshape}; "
                         f"they must be equal (no broadcasting){hint}")
    return pred, target


def mse_loss(pred: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: the mean over all entries of (pred - target)^2.

    Example:
        >>> mse_loss(st.tensor([1.0, 2.0]), [1.0, 4.0])
        tensor(2.)
    """
    pred, target = _pair("mse_loss", pred, target)
    d = pred - target
    return _reduce("mse_loss", d * d, reduction)


def l1_loss(pred: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error |pred - target|."""
    pred, target = _pair("l1_loss", pred, target)
    return _reduce("l1_loss", abs_(pred - target), reduction)


def huber_loss(pred: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Squared error near the target, absolute error far from it (PyTorch's huber_loss).

    loss = (p - y)^2 / 2 where |p - y| <= delta, else delta (|p - y| - delta / 2).
    """
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    pred, target = _pair("huber_loss", pred, target)
    d = pred - target
    a = abs_(d)
    near = np.asarray(_data(a)) <= delta
    return _reduce("huber_loss", where(near, 0.5 * (d * d), delta * (a - 0.5 * delta)), reduction)


def binary_cross_entropy(pred: Tensor, target: Any, reduction: str = "mean",
                         eps: float | None = None) -> Tensor:
    """Cross-entropy of probabilities `pred` (e.g. a sigmoid output) against targets in [0, 1].

    `pred` is clipped to [eps, 1 - eps] (eps = the machine epsilon of its dtype by default) so that
    log never sees 0; where the clip acts, the gradient is 0. Prefer
    binary_cross_entropy_with_logits on the pre-sigmoid values: it needs no clipping.
    """
    pred, target = _pair("binary_cross_entropy", pred, target)
    dtype = np.asarray(_data(pred)).dtype
    if eps is None:
        eps = float(np.finfo(dtype if dtype.kind == "f" else np.float64).eps)
    p = clip(pred, eps, 1.0 - eps)
    loss = -(target * log(p) + (1.0 - target) * log(1.0 - p))
    return _reduce("binary_cross_entropy", loss, reduction)


def binary_cross_entropy_with_logits(logits: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """binary_cross_entropy(sigmoid(logits), target) computed stably from the logits x:

    -(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))) = log(1 + e^x) - x y = softplus(x) - x y.
    """
    logits, target = _pair("binary_cross_entropy_with_logits", logits, target)
    return _reduce("binary_cross_entropy_with_logits", softplus(logits) - logits * target, reduction)


def cross_entropy(logits: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy from logits of shape (N, C) (or (C,) for a single example).

    Args:
        logits: unnormalised scores, one row per example; stable for logits of any size.
        target: integer class labels of shape (N,) in [0, C), or class probabilities
            (e.g. one-hot rows) of the same shape as the logits.
        reduction: "mean" over examples, "sum", or "none" (a loss per example).

    Example:
        >>> cross_entropy(st.tensor([[1000.0, 0.0]]), [0])
        tensor(0.)
    """
    x = np.asarray(_data(logits))
    if x.ndim not in (1, 2):
        raise ValueError(f"cross_entropy: logits must have shape (N, C) or (C,), got {x.shape}")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind in "iu":
        t = _one_hot(x, t)
    elif isinstance(target, Tensor) and target.requires_grad:  # a target that learns: no folding
        _pair("cross_entropy", logits, target)
        return _reduce("cross_entropy", -(target * log_softmax(logits, axis=-1)).sum(axis=-1), reduction)
    else:
        _pair("cross_entropy", logits, t)
        t = t.astype(x.dtype, copy=False)
    # loss = -sum_c t_c log p_c: the sign and the 1/N of the mean are folded into the constant
    # weights, so the whole loss is log_softmax, one product and one sum
    n = x.shape[0] if x.ndim == 2 else 1
    w = t * (-1.0 / n) if reduction == "mean" else -t
    logp = log_softmax(logits, axis=-1)
    return (logp * w).sum(axis=-1 if reduction == "none" else None)


def _one_hot(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Integer labels as one-hot rows in the dtype of the logits, after checking their range."""
    n_classes = x.shape[-1]
    if t.shape != x.shape[:-1]:
        raise ValueError(f"cross_entropy: integer labels must have shape {x.shape[:-1]} for logits of "
                         f"shape {x.shape}, got {t.shape}")
    if (t.astype(np.uint64, copy=False) >= n_classes).any():  # negative labels wrap to huge numbers
        bad = t[(t < 0) | (t >= n_classes)].ravel()[0]
        raise ValueError(f"cross_entropy: label {bad} is out of range for {n_classes} classes "
                         f"(labels must be in [0, {n_classes - 1}])")
    onehot = np.zeros(x.shape, x.dtype if x.dtype.kind == "f" else np.float64)
    if x.ndim == 2:
        onehot[np.arange(x.shape[0]), t] = 1.0
    else:
        onehot[t] = 1.0
    return onehot


LOSSES: dict[str, Callable[..., Tensor]] = {
    "mse": mse_loss, "mse_loss": mse_loss, "l2": mse_loss,
    "l1": l1_loss, "mae": l1_loss, "l1_loss": l1_loss,
    "huber": huber_loss, "huber_loss": huber_loss,
    "bce": binary_cross_entropy, "binary_cross_entropy": binary_cross_entropy,
    "bce_with_logits": binary_cross_entropy_with_logits,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
    "cross_entropy": cross_entropy, "ce": cross_entropy,
}
CLASSIFICATION_LOSSES = (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy)


def get_loss(loss: str | Callable[..., Tensor]) -> Callable[..., Tensor]:
    """A loss function by name (see LOSSES) or the callable itself: (pred, target) -> scalar Tensor."""
    if callable(loss):
        return loss
    try:
        return LOSSES[str(loss).lower()]
    except KeyError:
        raise ValueError(f"unknown loss {loss!r}; choose one of {sorted(LOSSES)} or pass a function "
                         "(prediction, target) -> scalar Tensor") from None


# --- the same losses as modules, as torch.nn names them: loss_fn = st.nn.MSELoss(); loss_fn(pred, y) ---
class _Loss(Module):
    fn: Callable[..., Tensor] = staticmethod(mse_loss)

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, "
                             f"got {reduction!r}")
        self.reduction = reduction

    def forward(self, pred: Tensor, target: Any) -> Tensor:
        return self.fn(pred, target, reduction=self.reduction)

    def config(self) -> dict[str, Any]:
        return {"reduction": self.reduction}

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """mse_loss as a module (torch.nn.MSELoss)."""

    fn = staticmethod(mse_loss)


class L1Loss(_Loss):
    """l1_loss as a module (torch.nn.L1Loss)."""

    fn = staticmethod(l1_loss)


class HuberLoss(_Loss):
    """huber_loss as a module (torch.nn.HuberLoss)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        if not delta > 0:
            raise ValueError(f"HuberLoss: delta must be positive, got {delta}")
        self.delta = float(delta)

    def forward(self, pred: Tensor, target: Any) -> Tensor:
        return huber_loss(pred, target, reduction=self.reduction, delta=self.delta)

    def config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "delta": self.delta}


class BCELoss(_Loss):
    """binary_cross_entropy of probabilities as a module (torch.nn.BCELoss)."""

    fn = staticmethod(binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """binary_cross_entropy_with_logits as a module (torch.nn.BCEWithLogitsLoss)."""

    fn = staticmethod(binary_cross_entropy_with_logits)


class CrossEntropyLoss(_Loss):
    """cross_entropy from logits as a module (torch.nn.CrossEntropyLoss): integer labels or probabilities."""

    fn = staticmethod(cross_entropy)
