"""The computational graph: DOT source (no Graphviz needed), explain's chain rule, rendering with `dot`."""

import re
import shutil

import numpy as np
import pytest

import steepest as st
from steepest.viz import GraphvizNotFound, draw_graph, explain, graph_dot, show_graph
from steepest.viz._nodes import fmt, walk

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's `dot` is not installed (apt-get install graphviz)")


def seed_example():
    """f = (x + y) z at x = -2, y = 5, z = -4: the seeds' first backprop worked by hand."""
    x = st.tensor(-2.0, requires_grad=True, name="x")
    y = st.tensor(5.0, requires_grad=True, name="y")
    z = st.tensor(-4.0, requires_grad=True, name="z")
    q = x + y
    q.name = "q"
    return q * z


def neuron(composite: bool):
    """The seeds' sigmoid neuron: f = sigmoid(w0 x0 + w1 x1 + w2), w = [2, -3, -3], x = [-1, -2]."""
    w = [st.tensor(v, requires_grad=True, name=f"w{i}") for i, v in enumerate([2.0, -3.0, -3.0])]
    x = [st.tensor(v, requires_grad=True, name=f"x{i}") for i, v in enumerate([-1.0, -2.0])]
    s = w[0] * x[0] + w[1] * x[1] + w[2]
    return (1 / (1 + st.exp(-s)) if composite else st.sigmoid(s)), w, x


def test_dot_names_every_node_with_value_and_gradient():
    src = graph_dot(seed_example())
    assert "rankdir=LR" in src
    for name, value, grad in [("x", "-2", "-4"), ("y", "5", "-4"), ("z", "-4", "3"),
                              ("q = x + y", "3", "-4"), ("f = q * z", "-12", "1")]:
        assert f'label="{name}\\nvalue {value}\\ngrad {grad}"' in src, (name, src)
    assert src.count("->") == 4
    assert len(re.findall(r"^\s+n\d+ \[label=", src, flags=re.M)) == 5


def test_dot_without_grads_and_constants_get_their_own_nodes():
    f, _, _ = neuron(composite=True)
    src = graph_dot(f, grads=False)
    assert "grad" not in src
    assert src.count('[label="1", shape=ellipse') == 2  # 1 + e^-s and 1 / (...) are two constants


def test_dot_arrays_show_shape_and_values():
    w = st.tensor([2.0, -3.0], requires_grad=True, name="w")
    x = st.tensor([-1.0, -2.0], requires_grad=True, name="x")
    src = graph_dot(st.sigmoid(st.dot(w, x) - 3.0))
    assert "shape (2,)" in src
    assert "grad [0.3932, -0.5898]" in src


def test_explain_seed_numbers():
    text = explain(seed_example())
    assert "q = x + y = 3" in text
    assert "f = q * z = -12" in text
    assert "df/dq = z = -4" in text
    assert "df/dz = q = 3" in text
    assert "df/dx = df/dq * dq/dx = -4 * 1 = -4" in text
    assert "df/dy = df/dq * dq/dy = -4 * 1 = -4" in text
    gradients = text.split("Gradients")[1]
    assert re.findall(r"df/d(\w) = (-?\d+)", gradients) == [("x", "-4"), ("y", "-4"), ("z", "3")]


@pytest.mark.parametrize("composite", [False, True])
def test_explain_sigmoid_neuron(composite):
    f, w, x = neuron(composite)
    text = explain(f).split("Gradients")[1]
    assert "df/dx0 = 0.3932" in text and "df/dx1 = -0.5898" in text
    assert "df/dw0 = -0.1966" in text and "df/dw1 = -0.3932" in text and "df/dw2 = 0.1966" in text


def test_explain_local_derivatives_come_from_the_engine():
    x = st.tensor(0.5, requires_grad=True, name="x")
    t = st.tanh(x)
    t.name = "t"
    text = explain(t * 3.0)
    local = 1 - np.tanh(0.5) ** 2
    assert f"dt/dx = 1 - t**2 = {fmt(local)}" in text
    assert f"df/dx = {fmt(3 * local)}" in text.split("Gradients")[1]


def test_explain_adds_up_a_variable_used_twice():
    x = st.tensor([1.0, 2.0], requires_grad=True, name="x")
    text = explain((x * x).sum())
    assert "df/dx +=" in text
    assert text.split("Gradients")[1].strip() == "df/dx = [2, 4]"


def test_walk_is_iterative_on_a_long_chain():
    x = st.tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(5000):
        y = y + 0.0
    nodes = walk(y)
    assert len(nodes) == 10001  # x, then each add with its constant
    assert float(nodes[0].grad) == 1.0


def test_walk_needs_a_single_value_for_gradients():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"reduce it first"):
        walk(x * 2)
    assert "grad" not in graph_dot(x * 2, grads=False)


def test_unnamed_tensors_get_distinct_names():
    a = st.tensor(1.0, requires_grad=True)
    b = st.tensor(2.0, requires_grad=True)
    names = [n.name for n in walk(a * b + a) if n.tensor is not None]
    assert len(names) == len(set(names)) and names[-1] == "f"


@needs_dot
@pytest.mark.parametrize("ext, magic", [("png", b"\x89PNG\r\n\x1a\n"), ("svg", b"<"), ("pdf", b"%PDF")])
def test_draw_graph_writes_an_image(tmp_path, ext, magic):
    out = draw_graph(seed_example(), tmp_path / f"g.{ext}")
    data = open(out, "rb").read()
    assert data.startswith(magic) or (ext == "svg" and b"<svg" in data)
    assert len(data) > 500


@needs_dot
def test_graph_view_renders_svg_in_jupyter():
    svg = show_graph(seed_example())._repr_svg_()
    assert "<svg" in svg and "-12" in svg


def test_graph_view_html_fallback_and_missing_dot(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    view = show_graph(seed_example())
    assert view._repr_svg_() is None
    html = view._repr_html_()
    assert "<td>q</td><td>x + y</td><td>3</td><td>-4</td>" in html
    with pytest.raises(GraphvizNotFound, match="apt-get install graphviz"):
        draw_graph(seed_example(), tmp_path / "g.png")
    assert "digraph" in open(draw_graph(seed_example(), tmp_path / "g.dot")).read()


def test_non_scalar_output_draws_the_forward_pass_with_a_note():
    x = st.tensor([1.0, 2.0], requires_grad=True, name="x")
    src = graph_dot(x * 2)
    assert "value [2, 4]" in src and "grad" not in src.split("label=")[-2]
    assert "shape (2,): gradients are shown for a single value" in src
    assert "<table>" in show_graph(x * 2).table()


def test_tensor_html_hook_never_raises():
    from steepest.viz.graph import tensor_html

    assert tensor_html(st.tensor(1.0)) is None  # a leaf: the plain repr is better
    html = tensor_html(seed_example())
    assert html is not None and ("<svg" in html or "<table>" in html)
    assert tensor_html("not a tensor") is None


def test_explain_arrays_matmul_and_broadcast():
    X = st.tensor([[1.0, 2.0], [3.0, 4.0]], name="X")
    W = st.tensor([[1.0], [-1.0]], requires_grad=True, name="W")
    b = st.tensor([0.5], requires_grad=True, name="b")
    h = X @ W + b
    h.name = "h"
    text = explain(h.sum())
    assert "X = [[1, 2], [3, 4]]   (constant)" in text
    assert "df/dW = X.T @ df/dq = [[4], [6]]" in text
    assert "summed to shape (1,)) = 2" in text


def test_draw_graph_without_a_file_and_graph_dot_display_in_jupyter(monkeypatch):
    f = seed_example()
    src = graph_dot(f)
    assert isinstance(src, str) and str(src).startswith("digraph steepest {")  # still a string
    view = draw_graph(f)
    if shutil.which("dot") is not None:
        assert "<svg" in src._repr_svg_() and "<svg" in view._repr_svg_()
        assert view._repr_html_() is None  # Jupyter prefers HTML: only the picture is offered
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert src._repr_svg_() is None and draw_graph(f)._repr_svg_() is None
    assert "<table>" in draw_graph(f)._repr_html_()  # without dot: the nodes as a table
