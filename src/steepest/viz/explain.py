"""`explain`: the backward pass written out as the seeds work it by hand.

For each node, from the output back to the inputs: the node, the local derivative of it
with respect to each input (read from the engine's own vjp rule, called with g = 1), the
upstream gradient that arrived at the node, and their product, which flows on to the input.
"""

from __future__ import annotations

import numpy as np

from steepest.autodiff import sum_to_shape
from steepest.tensor import Tensor
from steepest.viz._nodes import Node, fmt, walk

__all__ = ["explain", "LOCAL"]

# the local derivative d(z)/d(input i) as text; {0} {1} are the inputs' names, {z} the node's
LOCAL: dict[str, tuple[str, ...]] = {
    "add": ("1", "1"), "sub": ("1", "-1"), "mul": ("{1}", "{0}"),
    "div": ("1/{1}", "-{0}/{1}**2"), "pow": ("{1} * {0}**({1}-1)", "{z} * log({0})"),
    "neg": ("-1",), "exp": ("exp({0}) = {z}",), "log": ("1/{0}",), "sin": ("cos({0})",),
    "cos": ("-sin({0})",), "tan": ("1 + {z}**2",), "tanh": ("1 - {z}**2",),
    "sigmoid": ("{z} * (1 - {z})",), "sqrt": ("1 / (2 * {z})",), "relu": ("[{0} > 0]",),
    "abs": ("sign({0})",), "sum": ("1",),
}


_ELEMENTWISE = frozenset(LOCAL) - {"sum"}


def _vjp(node: Node, i: int, g: np.ndarray) -> np.ndarray:
    """The engine's vjp rule for input i of `node`, applied to g and summed to the input's shape."""
    t = node.tensor
    op = t._op
    args = [x.data if isinstance(x, Tensor) else x for x in t._inputs]
    rule = (lambda *a: op.vjps[0](i, *a)) if op.variadic else op.vjps[i]
    gx = np.asarray(rule(g, t.data, *args, *t._params))
    shape = np.shape(args[i])
    return sum_to_shape(gx, shape) if gx.shape != shape else gx


def _local_text(node: Node, i: int) -> str:
    """`z = -4`: the formula of the local derivative and its value (from the vjp with g = 1)."""
    names = [n.name for n in node.inputs]
    patterns = LOCAL.get(node.op or "", ())
    formula = patterns[i].format(*names, z=node.name) if i < len(patterns) else None
    scalar = node.value.size == 1 and np.size(node.inputs[i].value) == 1
    if scalar:
        value = fmt(_vjp(node, i, np.ones_like(node.value)))
        return value if formula in (None, value) else f"{formula} = {value}"
    return formula or f"the {node.op} vjp rule"


def _pullback_text(node: Node, i: int, g: str) -> str:
    """How a non-elementwise op sends the upstream gradient `g` back to input i, as a formula."""
    names = [n.name for n in node.inputs]
    if node.op == "matmul":
        if all(np.ndim(n.value) == 1 for n in node.inputs):  # a dot product of two vectors
            return f"{g} * {names[1 - i]}"
        return f"{g} @ {names[1]}.T" if i == 0 else f"{names[0]}.T @ {g}"
    if node.op in ("sum", "mean", "broadcast_to"):
        return f"{g} spread over {names[i]}'s shape" + (" / n" if node.op == "mean" else "")
    return f"the {node.op} vjp of {g}"


def _backward_step(node: Node, i: int, out: str, acc: str) -> str:
    """One input of one node: local derivative, upstream gradient, their product."""
    x = node.inputs[i]
    up, product = node.grad, _vjp(node, i, node.grad)
    g = f"d{out}/d{node.name}"
    if np.size(up) == 1 and np.size(x.value) == 1:
        if node.name == out:  # the upstream gradient is 1: the local derivative is the answer
            return f"    d{out}/d{x.name} {acc} {_local_text(node, i)}"
        local_value = fmt(_vjp(node, i, np.ones_like(node.value)))
        how = f"{g} * d{node.name}/d{x.name} = {fmt(up)} * {local_value} = {fmt(product)}"
    elif node.op in _ELEMENTWISE:
        summed = "" if np.shape(x.value) == np.shape(up) else f", summed to shape {np.shape(x.value)}"
        how = f"{g} * d{node.name}/d{x.name} (elementwise{summed}) = {fmt(product)}"
    else:
        return f"    d{out}/d{x.name} {acc} {_pullback_text(node, i, g)} = {fmt(product)}"
    return f"    d{node.name}/d{x.name} = {_local_text(node, i)}   ->   d{out}/d{x.name} {acc} {how}"


def _backward_lines(nodes: list[Node], out: str) -> list[str]:
    lines = [f"Backward pass: the chain rule, node by node from {out} back to its inputs",
             f"  d{out}/d{out} = 1"]
    seen_once: set[str] = set()
    for node in reversed(nodes):
        if node.op is None or node.grad is None:
            continue
        upstream = "" if node.name == out else f"    upstream d{out}/d{node.name} = {fmt(node.grad)}"
        lines.append(f"  {node.name} = {node.expression()}{upstream}")
        for i, x in enumerate(node.inputs):
            if x.tensor is None or not x.tensor.requires_grad:
                continue
            acc = "+=" if x.name in seen_once else "="  # a second path into x adds to its gradient
            seen_once.add(x.name)
            lines.append(_backward_step(node, i, out, acc))
    return lines


def explain(output: Tensor) -> str:
    """The forward pass, then the backward pass step by step, then each input's gradient.

    Args:
        output: a single-valued Tensor built from tensors with requires_grad=True.
    Returns:
        The text (also what `print(explain(f))` shows).

    Example:
        >>> import steepest as st
        >>> x = st.tensor(-2.0, requires_grad=True, name="x")
        >>> y = st.tensor(5.0, requires_grad=True, name="y")
        >>> z = st.tensor(-4.0, requires_grad=True, name="z")
        >>> q = x + y; q.name = "q"
        >>> print(explain(q * z))  # doctest: +ELLIPSIS
        Forward pass
          x = -2
        ...
            dq/dx = 1   ->   df/dx = df/dq * dq/dx = -4 * 1 = -4
        ...
    """
    nodes = walk(output)
    out = nodes[-1].name
    lines = ["Forward pass"]
    for n in nodes:
        if n.tensor is None:
            continue
        if n.op is None:
            lines.append(f"  {n.name} = {fmt(n.value)}" + ("" if n.tensor.requires_grad else "   (constant)"))
        else:
            lines.append(f"  {n.name} = {n.expression()} = {fmt(n.value)}")
    if not output.requires_grad:
        return "\n".join(lines + ["(no input requires grad: there is no backward pass)"])
    lines += _backward_lines(nodes, out)
    lines.append("Gradients")
    for n in nodes:
        if n.op is None and n.tensor is not None and n.tensor.requires_grad:
            lines.append(f"  d{out}/d{n.name} = {fmt(n.grad)}")
    return "\n".join(lines)
