"""Initialisers: arrays to start a layer's weights from.

Every initialiser is `init(shape, seed=None, dtype=np.float64) -> ndarray`. A weight of a
Linear layer has shape (fan_in, fan_out) (inputs along the rows, so that a layer is x @ W + b);
a 1-D shape (a bias) counts as fan_in = fan_out = its length.

Randomness is explicit: `seed` is None (fresh entropy), an int, or an `np.random.Generator`,
which is used and advanced in place, so that one generator can initialise a whole network.
NumPy's global random state is never touched. Samples are drawn in float64 and then cast,
so a float32 model and a float64 model made from the same seed hold the same numbers up to rounding.

References:
    X. Glorot, Y. Bengio (2010), Understanding the difficulty of training deep feedforward
    neural networks. K. He, X. Zhang, S. Ren, J. Sun (2015), Delving deep into rectifiers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from steepest.ops.creation import as_generator

__all__ = [
    "as_generator", "fans", "zeros", "ones", "normal", "uniform",
    "xavier_uniform", "xavier_normal", "glorot_uniform", "glorot_normal",
    "he_uniform", "he_normal", "kaiming_uniform", "kaiming_normal", "get_initializer", "INITIALIZERS",
]

Seed = None | int | np.random.Generator


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (fan_in, fan_out); a vector counts its length for both."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[2:])  # 1 for a matrix
    return shape[0] * receptive, shape[1] * receptive


def _shape(shape: Any) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)


def zeros(shape: Any, seed: Seed = None, dtype: Any = np.float64) -> np.ndarray:
    """All zeros (the usual start for biases)."""
    return np.zeros(_shape(shape), dtype)


def ones(shape: Any, seed: Seed = None, dtype: Any = np.float64) -> np.ndarray:
    """All ones."""
    return np.ones(_shape(shape), dtype)


def normal(shape: Any, seed: Seed = None, dtype: Any = np.float64, mean: float = 0.0,
           std: float = 0.01) -> np.ndarray:
    """Samples of N(mean, std^2)."""
    rng = as_generator(seed)
    return (mean + std * rng.standard_normal(_shape(shape))).astype(dtype)


def uniform(shape: Any, seed: Seed = None, dtype: Any = np.float64, low: float = -0.05,
            high: float = 0.05) -> np.ndarray:
    """Samples of U(low, high)."""
    if not low < high:
        raise ValueError(f"uniform: low={low} must be less than high={high}")
    rng = as_generator(seed)
    return rng.uniform(low, high, _shape(shape)).astype(dtype)


def xavier_uniform(shape: Any, seed: Seed = None, dtype: Any = np.float64, gain: float = 1.0) -> np.ndarray:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)); suits tanh and sigmoid."""
    fan_in, fan_out = fans(_shape(shape))
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(shape, seed, dtype, -a, a)


def xavier_normal(shape: Any, seed: Seed = None, dtype: Any = np.float64, gain: float = 1.0) -> np.ndarray:
    """Glorot normal: N(0, s^2) with s = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(_shape(shape))
    return normal(shape, seed, dtype, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def he_uniform(shape: Any, seed: Seed = None, dtype: Any = np.float64,
               gain: float = math.sqrt(2.0)) -> np.ndarray:
    """He (Kaiming) uniform: U(-a, a) with a = gain * sqrt(3 / fan_in); the gain sqrt(2) suits ReLU."""
    fan_in, _ = fans(_shape(shape))
    a = gain * math.sqrt(3.0 / fan_in)
    return uniform(shape, seed, dtype, -a, a)


def he_normal(shape: Any, seed: Seed = None, dtype: Any = np.float64,
              gain: float = math.sqrt(2.0)) -> np.ndarray:
    """He (Kaiming) normal: N(0, s^2) with s = gain / sqrt(fan_in)."""
    fan_in, _ = fans(_shape(shape))
    return normal(shape, seed, dtype, 0.0, gain / math.sqrt(fan_in))


glorot_uniform = xavier_uniform
glorot_normal = xavier_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal

INITIALIZERS: dict[str, Callable[..., np.ndarray]] = {
    "zeros": zeros, "ones": ones, "normal": normal, "uniform": uniform,
    "xavier_uniform": xavier_uniform, "xavier_normal": xavier_normal,
    "glorot_uniform": xavier_uniform, "glorot_normal": xavier_normal,
    "he_uniform": he_uniform, "he_normal": he_normal,
    "kaiming_uniform": he_uniform, "kaiming_normal": he_normal,
    "xavier": xavier_uniform, "glorot": xavier_uniform, "he": he_uniform, "kaiming": he_uniform,
}


def get_initializer(init: str | Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """An initialiser by name (see INITIALIZERS) or the callable itself."""
    if callable(init):
        return init
    try:
        return INITIALIZERS[str(init).lower()]
    except KeyError:
        raise ValueError(f"unknown initialiser {init!r}; choose one of {sorted(INITIALIZERS)} "
                         "or pass a function (shape, seed, dtype) -> ndarray") from None
