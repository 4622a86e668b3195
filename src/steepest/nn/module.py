"""Module and Parameter: a network is a tree of modules whose leaves hold parameters.

A Module finds its parameters by walking its attributes in the order they were set:
a Parameter is a parameter, a Module is a child, and a list or tuple of modules or
parameters is a numbered group of children. There is no registration step to forget.

    >>> import steepest as st
    >>> class Affine(st.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = st.nn.Parameter([2.0])
    ...         self.b = st.nn.Parameter([0.0])
    ...     def forward(self, x):
    ...         return x * self.w + self.b
    >>> [name for name, _ in Affine().named_parameters()]
    ['w', 'b']
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from steepest.inplace import mark_written
from steepest.tensor import Tensor

__all__ = ["Parameter", "Module"]


class Parameter(Tensor):
    """A tensor that a Module owns and an optimizer updates: a leaf with requires_grad=True.

    The data is copied (a float array; ints are refused, since they cannot take a gradient step).
    """

    __slots__ = ()

    def __init__(self, data: Any, dtype: Any = None, name: str | None = None):
        super().__init__(data, requires_grad=True, dtype=dtype, name=name)

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("tensor"):].replace(", requires_grad=True", "")


def _children(value: Any) -> Iterator[tuple[str, Any]]:
    """(suffix, item) for an attribute value that is a parameter, a module or a list of them."""
    if isinstance(value, (Parameter, Module)):
        yield "", value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if isinstance(item, (Parameter, Module)):
                yield f".{i}", item


class Module:
    """Base class of layers and networks: subclasses set attributes in `__init__` and write `forward`.

    Calling a module calls `forward`. `training` is True after construction and `train()`,
    False after `eval()`; layers such as Dropout read it.
    """

    training = True  # also for subclasses whose __init__ forgets super().__init__()

    def __init__(self) -> None:
        self.training = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, x)")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # --- walking the tree -------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules with their attribute names ("layers.0" for a list entry)."""
        for attr, value in vars(self).items():
            for suffix, item in _children(value):
                if isinstance(item, Module):
                    yield attr + suffix, item

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every module below it, depth first, each once."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            kids = [(f"{name}.{n}" if name else n, m) for n, m in module.named_children()]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted path ("layers.0.weight"), each once, in attribute order."""
        seen: set[int] = set()
        for path, module in self.named_modules(prefix):
            for attr, value in vars(module).items():
                for suffix, item in _children(value):
                    if isinstance(item, Parameter) and id(item) not in seen:
                        seen.add(id(item))
                        name = attr + suffix
                        yield (f"{path}.{name}" if path else name), item

    def parameters(self) -> list[Parameter]:
        """The parameters as a list (what an optimizer takes)."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        """How many numbers the parameters hold."""
        return sum(p.data.size for p in self.parameters())

    @property
    def dtype(self) -> np.dtype | None:
        """The dtype of the first parameter (None for a module without parameters)."""
        for _, p in self.named_parameters():
            return p.data.dtype
        return None

    # --- modes and gradients ----------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout active) for this module and all below it; returns self."""
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (Dropout off); returns self."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Forget the gradients of all parameters."""
        for p in self.parameters():
            p.grad = None

    # --- state --------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """name -> a copy of the parameter's array."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy arrays into the parameters, in place (optimizers holding them see the new values).

        Raises:
            KeyError: with `strict`, when names are missing or unexpected (all of them listed).
            ValueError: when a shape differs, naming the parameter and both shapes.
        """
        params = dict(self.named_parameters())
        if strict:
            missing = sorted(set(params) - set(state))
            unexpected = sorted(set(state) - set(params))
            if missing or unexpected:
                raise KeyError(f"load_state_dict into {type(self).__name__}: missing parameters {missing}, "
                               f"unexpected parameters {unexpected}")
        arrays = {}
        for name, value in state.items():
            if name not in params:
                continue
            array = np.asarray(value.data if isinstance(value, Tensor) else value)
            target = params[name].data
            if array.shape != target.shape:
                raise ValueError(f"load_state_dict: parameter {name!r} has shape {target.shape} in the model "
                                 f"but {array.shape} in the state; the architectures differ")
            arrays[name] = array
        for name, array in arrays.items():  # all checked before any is written
            np.copyto(params[name].data, array, casting="unsafe")
            mark_written(params[name].data)

    def save(self, path: str | os.PathLike) -> str:
        """Write the weights and the architecture to one .npz file (no pickle); returns the path.

        The write is atomic: a temporary file beside the target, synced, then renamed over it.

        Example:
            >>> model = st.nn.MLP([2, 3, 1], seed=0)
            >>> path = model.save("model.npz")                # doctest: +SKIP
            >>> model.load(path); st.nn.load(path)            # doctest: +SKIP
        """
        from steepest.nn.io import save

        return save(self, path)

    def load(self, path: str | os.PathLike) -> Module:
        """Read weights written by `save` into this model, in place; returns self.

        Nothing is written unless the whole file is read: a file that is not a model, is truncated
        or corrupt, or whose names or shapes differ from this model's raises before (see nn.load_into).
        """
        from steepest.nn.io import load_into

        load_into(self, path)
        return self

    def config(self) -> dict[str, Any] | None:
        """The constructor arguments that rebuild this module (None: it cannot be rebuilt from JSON)."""
        return None

    # --- printing -------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """What goes between the parentheses of this module's line in repr."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        kids = list(self.named_children())
        if not kids:
            return f"{type(self).__name__}({extra})"
        count = f"{self.num_parameters():,} parameters"
        lines = [f"{type(self).__name__}({extra + ', ' if extra else ''}{count})"]
        for name, child in kids:
            text = repr(child).replace("\n", "\n  ")
            count = child.num_parameters()
            note = f"  # {count:,} parameters" if count and "\n" not in text else ""
            lines.append(f"  ({name}) {text}{note}")
        return "\n".join(lines)
