"""The computational graph of a tensor, drawn left to right with each node's value and gradient.

`graph_dot` writes Graphviz DOT source (no Graphviz needed; Jupyter draws it when `dot` is there);
`draw_graph` renders it with Graphviz's `dot` program, to a file or inline; `show_graph` returns a
`GraphView` that Jupyter shows as SVG (an HTML table without `dot`).
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from steepest.tensor import Tensor
from steepest.viz._nodes import Node, fmt, walk
from steepest.viz.explain import explain

__all__ = ["graph_dot", "draw_graph", "show_graph", "tensor_html", "GraphView", "DotSource",
           "GraphvizNotFound", "explain"]

_INSTALL = ("install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS), "
            "or `make setup`; graph_dot(output) gives the DOT source without it")


class GraphvizNotFound(RuntimeError):
    """Graphviz's `dot` program is not on PATH."""


class DotSource(str):
    """DOT source: a str (print it, write it, search it) that Jupyter draws as SVG when `dot` is there."""

    def _repr_svg_(self) -> str | None:
        try:
            return render_dot(str(self), "svg").decode()
        except (GraphvizNotFound, RuntimeError, OSError, subprocess.SubprocessError):
            return None  # Jupyter then shows the text

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))  # the source itself, not a quoted string with \n in it


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _short(v) -> str:
    """Small arrays in full; a large one by its mean (its shape is on the line above)."""
    if v is None or np.size(v) <= 6:
        return fmt(v)
    return f"mean {float(np.mean(v)):.4g}"


def _label(node: Node, grads: bool) -> str:
    if node.tensor is None:
        return node.name  # a raw constant: its value is its name
    head = node.name if node.op is None else f"{node.name} = {node.expression()}"
    constant = node.op is None and not node.tensor.requires_grad
    lines = [head + (" (constant)" if constant else "")]
    if node.value.size > 1:
        lines.append(f"shape {node.value.shape}")
    lines.append(f"value {_short(node.value)}")
    if grads and not constant:
        lines.append(f"grad {_short(node.grad)}")
    return "\n".join(lines)


def graph_dot(output: Tensor, *, grads: bool = True) -> DotSource:
    """DOT source of `output`'s graph: one node per op and per leaf, inputs on the left.

    Each node reads `name = expression`, `value ...` and (with `grads`) `grad ...`, the
    gradient of `output` with respect to that node. The result is a `str` (a DotSource) that
    Jupyter shows as the drawn graph.

    Example:
        >>> import steepest as st
        >>> x = st.tensor(3.0, requires_grad=True, name="x")
        >>> print(graph_dot(x * x))  # doctest: +ELLIPSIS
        digraph steepest {
        ...
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"graph_dot: expected a steepest Tensor, got {type(output).__name__}")
    note = None
    if grads and output.requires_grad and output.data.size != 1:
        grads = False  # a gradient starts from a single value; still draw the forward pass
        note = f"output has shape {output.shape}: gradients are shown for a single value (use .sum())"
    nodes = walk(output, grads=grads and output.requires_grad)
    ids = {id(n): f"n{i}" for i, n in enumerate(nodes)}
    lines = ["digraph steepest {", "  rankdir=LR;",
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
             '  edge [color="#555555"];']
    for n in nodes:
        if n.tensor is None:  # a raw constant, small and grey
            lines.append(f'  {ids[id(n)]} [label={_quote(n.name)}, shape=ellipse, fillcolor="#eeeeee", '
                         'fontsize=10];')
            continue
        if n.is_constant:
            color = "#eeeeee"
        elif n is nodes[-1]:
            color = "#c7e9c0"  # the output
        elif n.op is None:
            color = "#c6dbef"  # a leaf that wants a gradient
        else:
            color = "#fdf0c2"
        lines.append(f"  {ids[id(n)]} [label={_quote(_label(n, grads))}, fillcolor={_quote(color)}];")
    for n in nodes:
        for x in n.inputs:
            lines.append(f"  {ids[id(x)]} -> {ids[id(n)]};")
    if note:
        lines.append(f"  label={_quote(note)}; labelloc=b; fontname=\"Helvetica\"; fontsize=10;")
    lines.append("}")
    return DotSource("\n".join(lines) + "\n")


def _dot_binary() -> str:
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFound(f"drawing the graph needs Graphviz's `dot` program, which is not on PATH; "
                               f"{_INSTALL}")
    return dot


def render_dot(source: str, fmt_: str = "svg") -> bytes:
    """Run `dot -T<fmt_>` on DOT source and return the image bytes."""
    command = [_dot_binary(), f"-T{fmt_}"]
    done = subprocess.run(command, input=source.encode(), capture_output=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"dot failed ({done.returncode}): {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def draw_graph(output: Tensor, filename: str | os.PathLike | None = None, *,
               grads: bool = True) -> str | GraphView:
    """Render `output`'s graph to `filename`; the format is the extension (png, svg, pdf; none: png).

    Without a filename, returns a GraphView, which Jupyter shows inline as SVG (as a table of the
    nodes when `dot` is missing). With one, raises GraphvizNotFound, saying how to install it, when
    `dot` is missing.

    Example:
        >>> import steepest as st
        >>> x = st.tensor(3.0, requires_grad=True, name="x")
        >>> draw_graph(x * x, "/tmp/steepest_graph.svg")
        '/tmp/steepest_graph.svg'
        >>> "<svg" in draw_graph(x * x)._repr_svg_()
        True
    """
    if filename is None:
        return GraphView(output, grads)
    path = Path(filename)
    kind = path.suffix.lstrip(".").lower() or "png"
    if kind not in ("png", "svg", "pdf", "dot", "gv"):
        raise ValueError(f"draw_graph: unknown format {kind!r} in {str(filename)!r}; "
                         "use .png, .svg, .pdf or .dot")
    source = graph_dot(output, grads=grads)
    data = source.encode() if kind in ("dot", "gv") else render_dot(source, kind)
    path.write_bytes(data)
    return str(filename)


class GraphView:
    """A graph that Jupyter shows as SVG (or, without Graphviz, as an HTML table of its nodes)."""

    def __init__(self, output: Tensor, grads: bool = True):
        self.output = output
        self.grads = grads and output.requires_grad and output.data.size == 1
        self.source = graph_dot(output, grads=self.grads)
        self._svg: str | None = None

    def _repr_svg_(self) -> str | None:
        if self._svg is None:
            try:
                self._svg = render_dot(self.source, "svg").decode()
            except (GraphvizNotFound, RuntimeError, OSError, subprocess.SubprocessError):
                return None  # Jupyter then falls back to _repr_html_
        return self._svg

    def _repr_html_(self) -> str | None:
        # Jupyter prefers text/html to image/svg+xml: offer the table only when there is no picture
        return self.table() if self._repr_svg_() is None else None

    def table(self) -> str:
        """The nodes as an HTML table: name, how each was computed, value, gradient."""
        nodes = walk(self.output, grads=self.grads)
        rows = "".join(
            f"<tr><td>{html.escape(n.name)}</td><td>{html.escape(n.expression() if n.op else 'leaf')}</td>"
            f"<td>{html.escape(fmt(n.value))}</td><td>{html.escape(fmt(n.grad))}</td></tr>"
            for n in nodes if n.tensor is not None)
        return ("<table><tr><th>node</th><th>computed as</th><th>value</th><th>gradient</th></tr>"
                f"{rows}</table>")

    def save(self, filename: str | os.PathLike) -> str:
        return draw_graph(self.output, filename, grads=self.grads)

    def __repr__(self) -> str:
        return explain(self.output) if self.grads else self.source


def show_graph(output: Tensor, *, grads: bool = True) -> GraphView:
    """A displayable view of `output`'s graph: Jupyter shows it as SVG (or an HTML table without `dot`).

    Gradients are shown when `output` is a single value that requires grad.
    """
    return GraphView(output, grads)


def tensor_html(t: Tensor, max_nodes: int = 60) -> str | None:
    """Rich HTML for a Tensor in Jupyter: its graph as inline SVG (or a table) when it has a history
    of at most `max_nodes` nodes; None otherwise, so the plain repr is used. Never raises."""
    try:
        if not isinstance(t, Tensor) or t._op is None or len(walk(t, grads=False)) > max_nodes:
            return None
        view = GraphView(t)
        svg = view._repr_svg_()
        return svg if svg is not None else view._repr_html_()
    except Exception:  # noqa: BLE001 - a display hook must never break printing a tensor
        return None
