"""The graph lab: a formula at a point as a computational graph, every node's value and gradient,
the backward pass as steps (see `_backprop`) and steepest's own explain() text beside them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import steepest as st
from steepest.playground import _backprop
from steepest.playground.descent import formula as parse_formula
from steepest.playground.fields import BadRequest

__all__ = ["build", "layout", "PRESETS"]

MAX_NODES = 80

PRESETS = [  # the seeds' examples
    {"name": "(x + y) z", "formula": "(x + y) * z", "values": {"x": -2, "y": 5, "z": -4}},
    {"name": "ReLU neuron, squared error", "formula": "(y - max(0, w*x + b))**2",
     "values": {"b": 1, "w": 1, "x": 5, "y": 4}},
    {"name": "sigmoid neuron", "formula": "sigmoid(w0*x0 + w1*x1 + w2)",
     "values": {"w0": 2, "w1": -3, "w2": -3, "x0": -1, "x1": -2}},
    {"name": "x y", "formula": "x * y", "values": {"x": 4, "y": -3}},
]


def _values(body: dict, names: tuple[str, ...]) -> list[float]:
    given = body.get("values", {})
    if isinstance(given, list):
        given = dict(zip(names, given, strict=False))
    if not isinstance(given, dict):
        raise BadRequest(f"values must be an object like {{\"x\": 1}}, got {given!r}")
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise BadRequest(f"values: {unknown[0]!r} is not a variable of the formula ({', '.join(names)})")
    out = []
    for n in names:
        v = given.get(n, 1.0)
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
            raise BadRequest(f"values: {n} must be a finite number, got {v!r}")
        out.append(float(v))
    return out


def layout(nodes: list[Any]) -> list[tuple[int, float]]:
    """(column, row) of each node, inputs to the left: an op one column right of its deepest
    input, a leaf or constant just left of its first use; rows by the inputs' mean row."""
    index = {id(n): k for k, n in enumerate(nodes)}
    col = [0] * len(nodes)
    for k, n in enumerate(nodes):  # forward order: inputs come first
        if n.inputs:
            col[k] = 1 + max(col[index[id(x)]] for x in n.inputs)
    consumers: dict[int, int] = {}
    for k, n in enumerate(nodes):
        for x in n.inputs:
            j = index[id(x)]
            consumers[j] = min(consumers.get(j, col[k]), col[k])
    for j, c in consumers.items():
        if not nodes[j].inputs:  # a leaf or constant sits just left of its first use
            col[j] = c - 1
    row = [0.0] * len(nodes)
    for c in range(max(col) + 1):
        members = [k for k in range(len(nodes)) if col[k] == c]

        def key(k: int, c: int = c) -> float:
            ins = [row[index[id(x)]] for x in nodes[k].inputs if col[index[id(x)]] < c]
            return sum(ins) / len(ins) if ins else float(k)

        members.sort(key=key)
        for r, k in enumerate(members):
            row[k] = r - (len(members) - 1) / 2
    return list(zip(col, row, strict=True))


def build(body: dict) -> dict:
    """Everything the graph lab shows for body {"formula", "values"}."""
    f = parse_formula(body, dims=tuple(range(1, 17)))
    values = _values(body, f.variables)
    leaves = [st.tensor(v, requires_grad=True, name=n) for v, n in zip(values, f.variables, strict=True)]
    with np.errstate(all="ignore"):
        out = f(*leaves)
        out.name = "f" if "f" not in f.variables else "out"
        nodes = _backprop.walk(out)
        if len(nodes) > MAX_NODES:
            raise BadRequest(f"the graph has {len(nodes)} nodes; the graph lab draws at most {MAX_NODES}")
        steps = _backprop.backward_steps(nodes)
        explain = st.explain(out)
    svg, dot = _backprop.svg(out)
    places = layout(nodes)
    index = {id(n): k for k, n in enumerate(nodes)}
    rows = []
    for k, n in enumerate(nodes):
        kind = "constant" if n.tensor is None or n.is_constant else "output" if k == len(nodes) - 1 else \
            "leaf" if n.op is None else "op"
        rows.append({"name": n.name, "op": n.op, "kind": kind,
                     "expression": n.expression() if n.op else n.name, "value": n.value,
                     "value_text": _backprop.fmt(n.value), "grad": n.grad,
                     "grad_text": None if n.grad is None else _backprop.fmt(n.grad),
                     "inputs": [index[id(x)] for x in n.inputs], "col": places[k][0], "row": places[k][1]})
    grads = {n.name: n.grad for n in nodes
             if n.op is None and n.tensor is not None and n.tensor.requires_grad}
    return {"text": f.text, "variables": f.variables, "values": values, "value": out.data, "grads": grads,
            "nodes": rows, "steps": steps, "explain": explain, "svg": svg, "dot": dot}
