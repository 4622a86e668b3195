"""Tensors made from nothing: zeros, ones, full, arange, linspace, eye, random draws, from_numpy.

Shapes are given as NumPy's tuple or as PyTorch's varargs: st.zeros((2, 3)) == st.zeros(2, 3).
Random draws take `seed`: None (fresh entropy), an int, or an `np.random.Generator` (used and
advanced); NumPy's global random state is never touched.

`from_numpy(a)` shares a's memory, as torch.from_numpy does: it is the one way to make a tensor
without a copy (st.tensor always copies, so that the engine never writes into the caller's
array); writes through either side show in the other.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from steepest.tensor import Tensor, _data, _wrap

__all__ = ["zeros", "ones", "full", "zeros_like", "ones_like", "arange", "linspace", "eye", "randn", "rand",
           "from_numpy", "as_generator"]

Seed = None | int | np.random.Generator


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = _wrap(array)
    return t.requires_grad_() if requires_grad else t


def _shape(who: str, shape: tuple) -> Any:
    """zeros(2, 3) and zeros((2, 3)) alike."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = shape[0]
    sizes = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in sizes):
        raise TypeError(f"{who}: the shape must be ints, as zeros(2, 3) or zeros((2, 3)), got {shape!r}")
    return tuple(int(n) for n in sizes)


def as_generator(seed: Seed) -> np.random.Generator:
    """A Generator from a seed: None (fresh entropy), an int, or a Generator (returned as it is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be None, an int or an np.random.Generator, got {type(seed).__name__}")


def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3))."""
    return _make(np.zeros(_shape("zeros", shape), dtype), requires_grad)


def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ones(2, 3) or ones((2, 3))."""
    return _make(np.ones(_shape("ones", shape), dtype), requires_grad)


def full(shape: Any, value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `shape` filled with `value` (dtype from the value unless given)."""
    return _make(np.full(shape, value, dtype), requires_grad)


def zeros_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype, unless given) of x."""
    return _make(np.zeros_like(np.asarray(_data(x)), dtype=dtype), requires_grad)


def ones_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype, unless given) of x."""
    return _make(np.ones_like(np.asarray(_data(x)), dtype=dtype), requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """start, start + step, ... below stop (np.arange): arange(5) is 0..4, int64; floats give float64.

    Example:
        >>> arange(0.0, 1.0, 0.25)
        tensor([0.  , 0.25, 0.5 , 0.75])
    """
    return _make(np.arange(start, stop, step, dtype=dtype), requires_grad)


def linspace(start: float, stop: float, num: int | None = None, dtype: Any = None,
             requires_grad: bool = False, *, steps: int | None = None) -> Tensor:
    """`num` (torch's `steps`) evenly spaced values from start to stop, both included.

    Example:
        >>> linspace(0, 1, 5)
        tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    if num is not None and steps is not None:
        raise TypeError("linspace: give num or steps (the same thing), not both")
    n = steps if num is None else num
    if n is None:
        raise TypeError("linspace: say how many values, e.g. linspace(0, 1, 5) or steps=5")
    return _make(np.linspace(start, stop, int(n), dtype=dtype), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (n x n by default)."""
    return _make(np.eye(n, m, dtype=dtype), requires_grad)


def randn(*shape: Any, seed: Seed = None, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """Standard normal samples: randn(2, 3, seed=0) (or a Generator as seed).

    Example:
        >>> bool((randn(3, seed=0) == randn(3, seed=0)).data.all())
        True
    """
    rng = as_generator(seed)
    return _make(rng.standard_normal(_shape("randn", shape)).astype(dtype, copy=False), requires_grad)


def rand(*shape: Any, seed: Seed = None, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1): rand(2, 3, seed=0) (or a Generator as seed)."""
    rng = as_generator(seed)
    return _make(rng.random(_shape("rand", shape)).astype(dtype, copy=False), requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing `array`'s memory (torch.from_numpy): no copy; writes show on both sides.
    It requires no grad; call .requires_grad_() on a float one to make it a leaf of a graph."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an np.ndarray, got {type(array).__name__}; "
                        "use st.tensor(data) for lists and numbers (it copies)")
    if array.dtype.kind not in "biufc":
        raise TypeError(f"from_numpy: the array must be numeric, got dtype {array.dtype}")
    return _wrap(array)
