"""Built-in datasets: the seeds' logic gates, a regression line, 2-D classification shapes, digits.

Each returns (X, y) as NumPy arrays: X of shape (n, features), float64; y of shape (n,),
float64 for the gates and for regression, int64 class labels for the classification shapes.
Everything random takes `seed` (None, an int or an np.random.Generator) and never touches
NumPy's global random state.
"""

from __future__ import annotations

import importlib.resources
from typing import Any

import numpy as np

from steepest.nn.init import Seed, as_generator

__all__ = ["or_", "and_", "xor", "linear", "moons", "circles", "spirals", "digits"]

_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _gate(truth: list[float]) -> tuple[np.ndarray, np.ndarray]:
    return _CORNERS.copy(), np.array(truth, dtype=np.float64)


def or_() -> tuple[np.ndarray, np.ndarray]:
    """The OR gate: X = the four corners of the unit square, y = x1 OR x2 (0.0 or 1.0).

    Example:
        >>> X, y = or_(); y
        array([0., 1., 1., 1.])
    """
    return _gate([0.0, 1.0, 1.0, 1.0])


def and_() -> tuple[np.ndarray, np.ndarray]:
    """The AND gate on the four corners of the unit square."""
    return _gate([0.0, 0.0, 0.0, 1.0])


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The XOR gate on the four corners: not linearly separable, so it needs a hidden layer."""
    return _gate([0.0, 1.0, 1.0, 0.0])


def _check_n(name: str, n: int, noise: float, at_least: int = 1) -> int:
    if int(n) < at_least:
        raise ValueError(f"{name}: n must be at least {at_least}, got {n}")
    if noise < 0:
        raise ValueError(f"{name}: noise must be non-negative, got {noise}")
    return int(n)


def linear(n: int = 100, noise: float = 0.1, seed: Seed = None, slope: Any = 2.0, intercept: float = 1.0,
           n_features: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Points on a line (or hyperplane) plus Gaussian noise: y = X @ slope + intercept + noise * N(0, 1).

    Args:
        n: number of points; X is drawn from U(-1, 1).
        noise: standard deviation of the noise added to y.
        seed: None, an int or an np.random.Generator.
        slope: a number, or one coefficient per feature.
        intercept: the constant term.
        n_features: number of features (default: the number of slopes given).
    """
    n = _check_n("linear", n, noise)
    w = np.atleast_1d(np.asarray(slope, dtype=np.float64))
    d = len(w) if n_features is None else int(n_features)
    if len(w) == 1 and d > 1:
        w = np.full(d, w[0])
    if len(w) != d:
        raise ValueError(f"linear: {len(w)} slopes given for n_features={d}")
    rng = as_generator(seed)
    X = rng.uniform(-1.0, 1.0, (n, d))
    y = X @ w + float(intercept) + noise * rng.standard_normal(n)
    return X, y


def _shuffled(rng: np.random.Generator, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(X))
    return X[order], y[order]


def moons(n: int = 200, noise: float = 0.1, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (labels 0 and 1), with Gaussian noise of std `noise` on each point."""
    n = _check_n("moons", n, noise, 2)
    rng = as_generator(seed)
    n0 = n // 2
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n - n0)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n - n0, np.int64)])
    return _shuffled(rng, X, y)


def circles(n: int = 200, noise: float = 0.05, seed: Seed = None,
            factor: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """A circle of radius `factor` (label 1) inside a circle of radius 1 (label 0)."""
    n = _check_n("circles", n, noise, 2)
    if not 0 < factor < 1:
        raise ValueError(f"circles: factor must be in (0, 1), got {factor}")
    rng = as_generator(seed)
    n0 = n // 2
    t0 = np.linspace(0.0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0.0, 2 * np.pi, n - n0, endpoint=False)
    outer = np.column_stack([np.cos(t0), np.sin(t0)])
    inner = factor * np.column_stack([np.cos(t1), np.sin(t1)])
    X = np.vstack([outer, inner]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n - n0, np.int64)])
    return _shuffled(rng, X, y)


def spirals(n: int = 300, noise: float = 0.2, seed: Seed = None,
            classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """`classes` interleaved spiral arms (labels 0 .. classes-1), n points in all; `noise` jitters angles."""
    n = _check_n("spirals", n, noise, classes)
    if int(classes) < 2:
        raise ValueError(f"spirals: classes must be at least 2, got {classes}")
    rng = as_generator(seed)
    sizes = [n // classes + (1 if k < n % classes else 0) for k in range(classes)]
    X_parts, y_parts = [], []
    for k, m in enumerate(sizes):
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, m) + noise * rng.standard_normal(m)
        X_parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        y_parts.append(np.full(m, k, np.int64))
    return _shuffled(rng, np.vstack(X_parts), np.concatenate(y_parts))


def digits(normalize: bool = True, images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits: 1,797 images of the digits 0-9, about 180 of each.

    Shipped with steepest (nothing is downloaded): the test set of the UCI "Optical Recognition of
    Handwritten Digits" data (E. Alpaydin, C. Kaynak, 1998; https://doi.org/10.24432/C50P49),
    licensed CC BY 4.0, in the copy that scikit-learn distributes as load_digits. Each pixel
    counts the ink in a 4x4 block of a 32x32 bitmap, an integer 0..16.

    Args:
        normalize: divide the pixels by 16, into [0, 1] (otherwise they are 0.0 .. 16.0).
        images: return X as (1797, 8, 8) images instead of (1797, 64) rows.

    Returns:
        (X, y): X float64, y int64 labels 0..9.
    """
    source = importlib.resources.files("steepest.data").joinpath("digits.npz")
    with source.open("rb") as fh, np.load(fh, allow_pickle=False) as f:
        pixels = f["images"].astype(np.float64)
        y = f["target"].astype(np.int64)
    if normalize:
        pixels /= 16.0
    return (pixels if images else pixels.reshape(len(pixels), 64)), y
