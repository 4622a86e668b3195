"""The backward pass as structured steps, and the Graphviz drawing: the playground's one adapter
over steepest.viz's private helpers.

`steepest.viz.explain` writes the backward pass as text; the graph lab needs the same steps as
data (node, local derivative, upstream gradient, product) to step through them one node at a
time. They are read here from the same pieces explain uses (`viz._nodes.walk`, the engine's own
vjp rules through `viz.explain._vjp`), so the page and explain agree. When steepest moves its
graph-walk helpers into the engine, this file is the only one to change.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from steepest.tensor import Tensor
from steepest.viz._nodes import Node, fmt, walk
from steepest.viz.explain import LOCAL, _vjp
from steepest.viz.graph import GraphvizNotFound, graph_dot, render_dot

__all__ = ["Node", "walk", "fmt", "backward_steps", "svg"]


def _local_formula(node: Node, i: int) -> str | None:
    patterns = LOCAL.get(node.op or "", ())
    if i >= len(patterns):
        return None
    return patterns[i].format(*[n.name for n in node.inputs], z=node.name)


def _scalar(a: Any) -> float | None:
    return float(np.asarray(a).reshape(())) if np.size(a) == 1 else None


def backward_steps(nodes: list[Node]) -> list[dict[str, Any]]:
    """One step per node that passes a gradient on, from the output back to the inputs:
    {"node": index, "upstream": d out/d node, "parts": [{"input": index, "local": d node/d input,
    "local_formula": text, "product": upstream * local, "accumulates": whether it adds to a
    gradient already sent by another path}]}."""
    index = {id(n): k for k, n in enumerate(nodes)}
    steps, reached = [], set()
    for node in reversed(nodes):
        if node.op is None or node.grad is None:
            continue
        parts = []
        for i, x in enumerate(node.inputs):
            if x.tensor is None or not x.tensor.requires_grad:
                continue
            local = _vjp(node, i, np.ones_like(node.value)) if np.size(node.value) == 1 else None
            product = _vjp(node, i, node.grad)
            parts.append({"input": index[id(x)], "local": None if local is None else _scalar(local),
                          "local_text": None if local is None else fmt(local),
                          "local_formula": _local_formula(node, i), "product": product,
                          "product_text": fmt(product), "accumulates": id(x) in reached})
            reached.add(id(x))
        steps.append({"node": index[id(node)], "upstream": node.grad, "upstream_text": fmt(node.grad),
                      "parts": parts})
    return steps


def svg(output: Tensor) -> tuple[str | None, str]:
    """(the Graphviz SVG of steepest.viz.graph_dot, its DOT source); None for the SVG when `dot` is
    missing or fails, so the page falls back to its own drawing."""
    source = graph_dot(output)
    try:
        return render_dot(source, "svg").decode(), source
    except (GraphvizNotFound, RuntimeError, OSError):
        return None, source
