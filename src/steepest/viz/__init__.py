"""steepest.viz: see gradient descent and backpropagation.

Figures (matplotlib, imported only when a figure is drawn; headless without a display) and the
computational graph (DOT source always; pictures with Graphviz's `dot`). Every figure function
returns the matplotlib Figure and takes `save="file.png"` (or .svg, .pdf).

    >>> import numpy as np, steepest as st, steepest.viz as sv
    >>> fig = sv.plot_contour(lambda x, y: x**2 + 5 * y**2, [[2.0, 1.0], [1.6, 0.0], [1.28, 0.0]])
    >>> x = st.tensor(-2.0, requires_grad=True, name="x")
    >>> "x" in sv.graph_dot(x * x)
    True
"""

from steepest.viz._mpl import save
from steepest.viz.animate import animate_descent
from steepest.viz.curves import plot_decision_boundary, plot_loss, plot_lr
from steepest.viz.descent import plot_contour, plot_descent_1d, plot_surface
from steepest.viz.explain import explain
from steepest.viz.graph import (
    DotSource,
    GraphView,
    GraphvizNotFound,
    draw_graph,
    graph_dot,
    show_graph,
    tensor_html,
)
from steepest.viz.lr_find import plot_lr_find
from steepest.viz.race import plot_race
from steepest.viz.steps import plot_convergence
from steepest.viz.sweep import plot_sweep

__all__ = [
    "save", "plot_descent_1d", "plot_contour", "plot_surface", "plot_race", "plot_loss", "plot_lr",
    "plot_decision_boundary", "animate_descent", "graph_dot", "draw_graph", "show_graph", "GraphView",
    "DotSource", "GraphvizNotFound", "explain", "tensor_html", "plot_lr_find",
    "plot_sweep", "plot_convergence",
]
