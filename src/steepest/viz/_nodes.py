"""The computational graph behind a tensor, as a list of named nodes in forward order.

Shared by the DOT drawing (`graph.py`) and the step-by-step text (`explain.py`): one
iterative walk, one naming scheme, one way to write a value, so the picture and the text
agree about what `q` is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from steepest.autodiff import gradients
from steepest.tensor import Tensor

__all__ = ["Node", "walk", "fmt", "FORMULAS"]


# how each primitive reads as an expression of its inputs' names; {0} {1} are the inputs
FORMULAS: dict[str, str] = {
    "add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}", "div": "{0} / {1}",
    "pow": "{0} ** {1}", "neg": "-{0}", "matmul": "{0} @ {1}",
}


@dataclass
class Node:
    """One tensor of the graph, or a raw constant one of its ops was given."""

    name: str
    value: Any  # ndarray (or number, for a constant)
    tensor: Tensor | None  # None for a raw constant
    inputs: list[Node] = field(default_factory=list)
    grad: np.ndarray | None = None  # d(output)/d(this); None when no gradient flows here

    @property
    def op(self) -> str | None:
        t = self.tensor
        return None if t is None or t._op is None else t._op.name

    @property
    def is_constant(self) -> bool:
        return self.tensor is None or (self.op is None and not self.tensor.requires_grad)

    def expression(self) -> str:
        """`x + y`, `exp(q)`, `sum(h)`: how this node is computed from its inputs' names."""
        names = [n.name for n in self.inputs]
        pattern = FORMULAS.get(self.op or "")
        if pattern is not None and len(names) == pattern.count("{"):
            return pattern.format(*names)
        return f"{self.op}({', '.join(names)})"


def fmt(value: Any, digits: int = 4) -> str:
    """A value as a person reads it: `3`, `-0.1966`, `[0.3932 -0.5898]`, `(50, 2) array, mean 0.12`."""
    if value is None:
        return "-"
    a = np.asarray(value)
    if a.size == 1:
        v = a.reshape(()).item()
        if isinstance(v, bool):
            return str(v)
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return f"{v:.{digits}g}" if isinstance(v, float) else str(v)
    if a.size <= 6 and a.ndim <= 2 and a.dtype.kind in "biuf":
        text = np.array2string(a, separator=", ", formatter={"all": lambda v: fmt(v, digits)})
        return text.replace("\n", "")
    return f"{a.shape} array, mean {float(np.mean(a)):.{digits}g}"


def _forward_order(output: Tensor) -> list[Any]:
    """Every tensor reachable from `output`, inputs before consumers (iterative, no recursion)."""
    order: list[Any] = []
    seen: set[int] = set()
    stack = [(output, iter(output._inputs))]
    seen.add(id(output))
    while stack:
        t, inputs = stack[-1]
        for x in inputs:
            if isinstance(x, Tensor) and id(x) not in seen:
                seen.add(id(x))
                stack.append((x, iter(x._inputs)))
                break
        else:
            stack.pop()
            order.append(t)
    return order


def _names(items: list[Any], output: Tensor, output_name: str) -> dict[int, str]:
    """Each item's label: its own `.name`, else x0, x1... for leaves and a, b... (skipping
    letters already used) for intermediates; the output is `output_name` unless it has a name."""
    taken = {t.name for t in items if isinstance(t, Tensor) and t.name}
    names: dict[int, str] = {}
    letters = iter(c for c in "qrstuvabcdeghijklmnop" if c not in taken and c != output_name)
    n_leaf = n_node = 0
    used: set[str] = set()
    for item in items:
        if not isinstance(item, Tensor):
            continue
        if item.name:
            name = item.name
        elif item is output:
            name = output_name
        elif item._op is None:
            name, n_leaf = f"x{n_leaf}", n_leaf + 1
        else:
            name = next(letters, None) or f"n{n_node}"
            n_node += 1
        base, k = name, 1
        while name in used:  # two tensors both called `h`: h, h_1
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        names[id(item)] = name
    return names


def walk(output: Tensor, grads: bool = True) -> list[Node]:
    """The graph of `output` as nodes in forward order (the output last), with gradients.

    Example:
        >>> import steepest as st
        >>> x = st.tensor(2.0, requires_grad=True, name="x")
        >>> [(n.name, n.op) for n in walk(x * x)]
        [('x', None), ('f', 'mul')]
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"expected a steepest Tensor, got {type(output).__name__}")
    items = _forward_order(output)
    names = _names(items, output, output.name or "f")
    nodes: dict[int, Node] = {}
    ordered: list[Node] = []
    for item in items:
        node = Node(names[id(item)], item.data, item)
        for x in item._inputs:
            if isinstance(x, Tensor):
                node.inputs.append(nodes[id(x)])
            else:  # a raw constant: a node of its own at each use
                node.inputs.append(Node(fmt(x), x, None))
                ordered.append(node.inputs[-1])
        nodes[id(item)] = node
        ordered.append(node)
    if grads and output.requires_grad:
        live = [n for n in ordered if n.tensor is not None and n.tensor.requires_grad]
        if output.data.size != 1:
            raise ValueError(f"the output has shape {output.shape}; gradients are drawn for a single value: "
                             "reduce it first (.sum() or .mean())")
        for n, g in zip(live, gradients(output, [n.tensor for n in live]), strict=True):
            n.grad = g
    return ordered
