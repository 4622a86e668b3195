"""steepest in a real Jupyter kernel (nbclient, headless): each figure is shown once, as a PNG, on the
backend ipykernel chose; History and Result show as HTML tables, graphs as SVG; fit draws a bar.

The kernel is this interpreter (sys.executable), from a kernelspec written into a temporary folder;
Jupyter's and IPython's folders point there too, so the test reads and writes no user configuration.
"""

import json
import shutil
import sys

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

CELLS = {
    "setup": "import steepest as st\nimport steepest.viz as sv",
    "first": "sv.plot_lr([0.1, 0.05, 0.025])",  # the first figure, before the user imports pyplot
    "backend": "import matplotlib\nmatplotlib.get_backend()",
    "pyplot": "import matplotlib.pyplot as plt",
    "fit": "X, y = st.data.xor()\n"
           "model = st.nn.MLP([2, 4, 1], activation='tanh', output_activation='sigmoid', seed=1)\n"
           "hist = st.fit(model, X, y, loss='bce', optimizer='momentum', lr=0.5, epochs=30)",
    "loss": "sv.plot_loss(hist)",
    "contour": "res = st.minimize(lambda v: 9 * v[0] ** 2 + v[1] ** 2, [1.0, 2.0], lr=0.05, tol=1e-3)\n"
               "sv.plot_contour(lambda x, y: 9 * x**2 + y**2, res)",
    "two": "sv.plot_lr([0.1, 0.05, 0.025])\nfig = sv.plot_descent_1d(lambda x: x**2, [2.0, 1.0, 0.5])\nfig",
    "history": "hist",
    "result": "res",
    "graph": "x = st.tensor(-2.0, requires_grad=True, name='x')\n"
             "y = st.tensor(5.0, requires_grad=True, name='y')\n"
             "f = (x + y) * x\nf.backward()\nst.show_graph(f)",
    "dot": "st.graph_dot(f)",
    "draw": "sv.draw_graph(f)",
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Run the notebook once; cell name -> its outputs."""
    home = tmp_path_factory.mktemp("jupyter")
    spec = home / "kernels" / "steepest-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "steepest test", "language": "python"}))
    mp = pytest.MonkeyPatch()
    for var, sub in (("JUPYTER_PATH", ""), ("JUPYTER_DATA_DIR", "data"), ("JUPYTER_CONFIG_DIR", "config"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "mpl")):
        mp.setenv(var, str(home / sub))
    mp.delenv("MPLBACKEND", raising=False)  # as in a fresh notebook: ipykernel picks the inline backend
    mp.delenv("DISPLAY", raising=False)  # headless, where the old code forced Agg
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS.values()]
    try:
        nbclient.NotebookClient(nb, kernel_name="steepest-test", timeout=120, allow_errors=False).execute()
    finally:
        mp.undo()
    return {name: cell.outputs for name, cell in zip(CELLS, nb.cells, strict=True)}


def images(outs):
    return [o for o in outs if "data" in o and "image/png" in o["data"]]


def test_the_backend_is_the_inline_one_ipykernel_chose(outputs):
    backend = outputs["backend"][0]["data"]["text/plain"]
    assert "inline" in backend  # not 'agg': Agg would show figures as '<Figure size ... with 1 Axes>'


@pytest.mark.parametrize("cell", ["first", "loss", "contour"])
def test_each_figure_appears_exactly_once_as_png(outputs, cell):
    outs = outputs[cell]
    assert len(images(outs)) == 1, [o.get("output_type") for o in outs]
    assert images(outs)[0]["output_type"] == "execute_result"
    assert not any("<Figure size" in o.get("data", {}).get("text/plain", "") and "image/png" not in o["data"]
                   for o in outs)


def test_only_the_figure_a_cell_returns_is_shown(outputs):
    assert len(images(outputs["two"])) == 1  # the returned one; plot_lr's was neither returned nor displayed


def test_history_and_result_are_html_tables(outputs):
    for cell in ("history", "result"):
        data = outputs[cell][0]["data"]
        assert "text/html" in data and "<table" in data["text/html"]


def test_fit_draws_a_progress_bar(outputs):
    outs = outputs["fit"]
    text = "".join(o.get("text", "") for o in outs if o.get("output_type") == "stream")
    widget = any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outs)
    assert widget or ("fit" in text and "30/30" in text)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("cell", ["graph", "dot", "draw"])
def test_graphs_show_as_svg_only(outputs, cell):
    data = outputs[cell][-1]["data"]
    assert "image/svg+xml" in data and "<svg" in data["image/svg+xml"]
    assert "text/html" not in data  # Jupyter prefers HTML: a table next to the SVG would hide the picture


def test_dot_source_prints_as_itself(outputs):
    text = outputs["dot"][-1]["data"]["text/plain"]
    assert text.startswith("digraph steepest {\n  rankdir=LR;")  # the source, not its quoted repr
