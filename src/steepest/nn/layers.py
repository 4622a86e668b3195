"""Layers: Linear, Sequential, MLP and Dropout.

The seeds' network is F = F_L o ... o F_1 with F_l(x) = sigma(A_l x + b_l). Here a batch of
inputs is a matrix X with one example per row, so a layer computes X @ W + b with W of shape
(in_features, out_features), i.e. W = A^T: one matmul and one broadcast add per layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from steepest.nn.activations import ACTIVATIONS, get_activation
from steepest.nn.init import Seed, as_generator, get_initializer
from steepest.nn.module import Module, Parameter
from steepest.ops.elementwise import add
from steepest.ops.linalg import matmul
from steepest.tensor import Tensor, _data

__all__ = ["Linear", "Sequential", "MLP", "Dropout"]

_RELU_LIKE = {"relu", "leaky_relu", "gelu", "softplus"}


class Linear(Module):
    """An affine layer z = x @ W + b.

    Args:
        in_features: length of each input row.
        out_features: length of each output row.
        bias: whether to add a bias b (initialised to zeros).
        init: initialiser of W, a name from `steepest.nn.init.INITIALIZERS` or a function
            (shape, seed, dtype) -> ndarray; the default, Glorot uniform, suits tanh and sigmoid.
        seed: None, an int, or an np.random.Generator (advanced in place).
        dtype: dtype of the parameters (float64, or float32 for speed).

    Example:
        >>> layer = Linear(2, 3, seed=0)
        >>> layer(np.ones((4, 2))).shape
        (4, 3)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 init: str | Callable[..., np.ndarray] = "xavier_uniform", seed: Seed = None,
                 dtype: Any = np.float64):
        super().__init__()
        if int(in_features) < 1 or int(out_features) < 1:
            raise ValueError(f"Linear: in_features and out_features must be positive, got "
                             f"{in_features} and {out_features}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        self._dtype = np.dtype(dtype)
        rng = as_generator(seed)
        weight = get_initializer(init)((self.in_features, self.out_features), rng, self._dtype)
        self.weight = Parameter(weight, dtype=self._dtype)
        self.bias = Parameter(np.zeros(self.out_features, self._dtype)) if bias else None

    def forward(self, x: Any) -> Tensor:
        shape = np.shape(_data(x))
        if not shape or shape[-1] != self.in_features:
            raise ValueError(f"Linear({self.in_features} -> {self.out_features}): input of shape {shape} "
                             f"has {shape[-1] if shape else 'no'} features in its last axis, "
                             f"expected {self.in_features}")
        z = matmul(x, self.weight)  # (N, in) @ (in, out) -> (N, out)
        return z if self.bias is None else add(z, self.bias)

    def config(self) -> dict[str, Any]:
        return {"in_features": self.in_features, "out_features": self.out_features,
                "bias": self.bias is not None, "dtype": self._dtype.name}

    def extra_repr(self) -> str:
        dtype = "" if self._dtype == np.float64 else f", dtype={self._dtype.name}"
        bias = "" if self.bias is not None else ", bias=False"
        return f"{self.in_features} -> {self.out_features}{bias}{dtype}"


class Sequential(Module):
    """Modules applied one after another: Sequential(a, b, c)(x) = c(b(a(x))).

    Example:
        >>> net = Sequential(Linear(2, 4, seed=0), get_activation("tanh"), Linear(4, 1, seed=1))
        >>> net(np.zeros((3, 2))).shape
        (3, 1)
    """

    def __init__(self, *layers: Module | Callable[..., Any]):
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        self.layers = [layer if isinstance(layer, Module) else get_activation(layer) for layer in layers]

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def append(self, layer: Module) -> Sequential:
        self.layers.append(layer)
        return self

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)


class MLP(Sequential):
    """A multi-layer perceptron: Linear layers of the given sizes with an activation between them.

    MLP([2, 8, 1]) is x -> Linear(2, 8) -> activation -> Linear(8, 1) -> output_activation.

    Args:
        sizes: widths from the input to the output, at least two numbers.
        activation: hidden activation: relu, tanh, sigmoid, leaky_relu, softplus, gelu or identity.
        output_activation: applied to the last layer (None: none, as for regression or logits).
        seed: None, an int or an np.random.Generator; the same seed gives the same model.
        dtype: dtype of all parameters.
        init: weight initialiser; by default He uniform for relu-like activations, Glorot uniform otherwise.
        dropout: probability of zeroing each hidden unit while training (0 for no Dropout layers).

    Example:
        >>> model = MLP([2, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
        >>> model.num_parameters()
        33
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu", output_activation: str | None = None,
                 seed: Seed = None, dtype: Any = np.float64,
                 init: str | Callable[..., np.ndarray] | None = None,
                 bias: bool = True, dropout: float = 0.0):
        sizes = [int(n) for n in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"MLP: sizes must be at least two positive widths (input, ..., output), "
                             f"got {sizes}")
        for name in (activation, output_activation):
            if isinstance(name, str) and name.lower() not in ACTIVATIONS:
                raise ValueError(f"MLP: unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
        if init is None:
            init = "he_uniform" if str(activation).lower() in _RELU_LIKE else "xavier_uniform"
        rng = as_generator(seed)
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(Linear(n_in, n_out, bias=bias, init=init, seed=rng, dtype=dtype))
            if i < len(sizes) - 2:
                layers.append(get_activation(activation))
                if dropout:
                    layers.append(Dropout(dropout, seed=rng))
        if output_activation is not None:
            layers.append(get_activation(output_activation))
        super().__init__(*layers)
        self.sizes = sizes
        self.activation = activation
        self.output_activation = output_activation
        self.dropout = float(dropout)

    def config(self) -> dict[str, Any] | None:
        if not all(isinstance(a, str) or a is None for a in (self.activation, self.output_activation)):
            return None  # a custom function cannot be written as JSON
        return {"sizes": self.sizes, "activation": self.activation,
                "output_activation": self.output_activation, "dtype": np.dtype(self.dtype).name,
                "bias": self.layers[0].bias is not None,
                "dropout": self.dropout}

    def extra_repr(self) -> str:
        return " -> ".join(str(n) for n in self.sizes)


class Dropout(Module):
    """Zero each entry with probability p while training and scale the rest by 1 / (1 - p)
    (so the expected value is unchanged); the identity in eval mode.

    Args:
        p: probability of dropping an entry, in [0, 1).
        seed: None, an int or an np.random.Generator for the masks.
    """

    def __init__(self, p: float = 0.5, seed: Seed = None):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = float(p)
        self._rng = as_generator(seed)

    def forward(self, x: Any) -> Any:
        if not self.training or self.p == 0.0:
            return x
        data = _data(x)
        keep = self._rng.random(np.shape(data)) >= self.p
        scale = keep.astype(np.result_type(data, np.float32)) / (1.0 - self.p)
        return x * scale

    def config(self) -> dict[str, Any]:
        return {"p": self.p}

    def extra_repr(self) -> str:
        return f"p={self.p}"
