"""The network lab's 2-D datasets: TensorFlow Playground's six (with its shapes and noise), moons
from st.data, more than two classes where the shape allows, and a CSV file read by st.data.load_csv.

Every generator takes (n, noise, rng, classes): noise is a fraction in [0, 0.5] (the page's
0-50), rng an np.random.Generator (the run's seed; NumPy's global state is never touched).
Points lie in [-6, 6]^2. Classification labels are 0, 1, ...; regression targets lie in [-1, 1].
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import steepest as st

__all__ = ["Dataset", "DATASETS", "make", "from_csv", "circle", "xor", "gauss", "spiral", "moons", "plane",
           "gauss_regression", "MAX_CSV_BYTES", "MAX_CSV_ROWS"]

MAX_CSV_BYTES = 1 << 20
MAX_CSV_ROWS = 5000
DOMAIN = 6.0  # the square [-6, 6]^2 the heatmaps cover


@dataclass
class Dataset:
    """Points X (n, 2), targets y (n,), the task ("classification" or "regression"), classes, domain."""

    X: np.ndarray
    y: np.ndarray
    task: str
    classes: int
    domain: float = DOMAIN


def circle(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Label 1 inside radius 2.5, 0 in the ring 3.5..5; the label is read at the noisy point."""
    radius = 5.0
    half = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, half), rng.uniform(radius * 0.7, radius, n - half)])
    angle = rng.uniform(0, 2 * math.pi, n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    jitter = rng.uniform(-radius, radius, (n, 2)) * noise
    y = (np.hypot(*(X + jitter).T) < radius * 0.5).astype(np.int64)
    return X, y


def xor(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Uniform in the four quadrants (kept 0.3 off the axes); label 1 where x1 x2 >= 0."""
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)
    jitter = rng.uniform(-5, 5, (n, 2)) * noise
    y = ((X + jitter).prod(axis=1) >= 0).astype(np.int64)
    return X, y


def gauss(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs: two at (2, 2) and (-2, -2), or `classes` on a circle of radius 2 sqrt 2;
    the spread grows with the noise (variance 0.5 to 4)."""
    var = 0.5 + 7.0 * noise  # TF Playground's scale: noise 0 -> 0.5, noise 0.5 -> 4
    k = np.arange(n) % classes
    angle = math.pi / 4 + 2 * math.pi * k / classes
    centres = 2 * math.sqrt(2) * np.column_stack([np.cos(angle), np.sin(angle)])
    X = centres + math.sqrt(var) * rng.standard_normal((n, 2))
    y = (k if classes > 2 else (k == 0)).astype(np.int64)
    return X, y


def spiral(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """`classes` interleaved arms of radius 0..5, 1.75 turns each."""
    k = np.arange(n) % classes
    i = np.arange(n) // classes
    m = max(1, math.ceil(n / classes))
    r = i / m * 5
    t = 1.75 * i / m * 2 * math.pi + 2 * math.pi * k / classes
    X = np.column_stack([r * np.sin(t), r * np.cos(t)]) + rng.uniform(-1, 1, (n, 2)) * noise
    y = (k if classes > 2 else (k == 0)).astype(np.int64)
    return X, y


def moons(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """st.data.moons, scaled by 3 and centred on the square."""
    X, y = st.data.moons(n, noise=noise / 3 * 2, seed=rng)
    return (X - [0.5, 0.25]) * 3.0, y


def plane(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Regression on a tilted plane: y = (x1 + x2) / 10, read at the noisy point."""
    X = rng.uniform(-6, 6, (n, 2))
    jitter = rng.uniform(-6, 6, (n, 2)) * noise
    return X, np.clip((X + jitter).sum(axis=1) / 10, -1, 1)


_BUMPS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])


def gauss_regression(n: int, noise: float, rng: np.random.Generator,
                     classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Regression on six bumps of height +-1 (TF Playground's "multi gaussian")."""
    X = rng.uniform(-6, 6, (n, 2))
    P = X + rng.uniform(-6, 6, (n, 2)) * noise
    d = np.hypot(P[:, None, 0] - _BUMPS[:, 0], P[:, None, 1] - _BUMPS[:, 1])  # (n, 6)
    heights = _BUMPS[:, 2] * np.clip(1 - d / 2, 0, 1)
    pick = np.abs(heights).argmax(axis=1)
    return X, heights[np.arange(n), pick]


Generator = Callable[..., tuple[np.ndarray, np.ndarray]]
# name -> (generator, task, how many points TF Playground draws, the most classes it can make)
DATASETS: dict[str, tuple[Generator, str, int, int]] = {
    "circle": (circle, "classification", 500, 2), "xor": (xor, "classification", 500, 2),
    "gauss": (gauss, "classification", 500, 6), "spiral": (spiral, "classification", 500, 6),
    "moons": (moons, "classification", 500, 2), "plane": (plane, "regression", 1200, 1),
    "gauss_regression": (gauss_regression, "regression", 1200, 1),
}


def make(name: str, noise: float, seed: int, classes: int = 2) -> Dataset:
    """The dataset `name` drawn with this seed (same seed, same points)."""
    generator, task, n, most = DATASETS[name]
    k = min(max(2, int(classes)), most) if task == "classification" else 1
    X, y = generator(n, float(noise), np.random.default_rng(seed), k)
    return Dataset(X, y, task, k)


def from_csv(data: bytes) -> Dataset:
    """A CSV of two feature columns and a target (the last column), read by st.data.load_csv.

    Whole-number targets with at most 10 distinct values are classes (renumbered 0, 1, ...);
    anything else is a regression target, scaled into [-1, 1]. The heatmaps cover the points.
    """
    if len(data) > MAX_CSV_BYTES:
        raise ValueError(f"the CSV file has {len(data)} bytes; the limit is {MAX_CSV_BYTES}")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "upload.csv")
        with open(path, "wb") as fh:
            fh.write(data)
        try:
            X, y = st.data.load_csv(path)
        except KeyError as err:
            raise ValueError(str(err.args[0]).replace(repr(path), "the file")) from None
        except ValueError as err:
            raise ValueError(str(err).replace(repr(path), "the file")) from None
    if X.shape[1] != 2:
        raise ValueError(f"the CSV file has {X.shape[1]} feature columns; the network lab needs exactly 2 "
                         "(x1, x2) and the target last")
    if not 4 <= len(X) <= MAX_CSV_ROWS:
        raise ValueError(f"the CSV file has {len(X)} rows; give 4 to {MAX_CSV_ROWS}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("the CSV file holds inf or nan values")
    values = np.unique(y)
    domain = float(max(1.0, np.abs(X).max() * 1.1))
    if np.all(values == np.round(values)) and 2 <= len(values) <= 10:
        return Dataset(X, np.searchsorted(values, y).astype(np.int64), "classification", len(values), domain)
    span = float(np.abs(y).max()) or 1.0
    return Dataset(X, y / span, "regression", 1, domain)
