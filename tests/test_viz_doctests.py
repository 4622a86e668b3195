"""The examples in steepest.viz's docstrings run as written."""

import doctest
import importlib
import shutil

import pytest

pytest.importorskip("matplotlib")

MODULES = ["steepest.viz", "steepest.viz._mpl", "steepest.viz._nodes", "steepest.viz.animate",
           "steepest.viz.curves", "steepest.viz.descent", "steepest.viz.explain", "steepest.viz.graph",
           "steepest.viz.race", "steepest.viz.lr_find", "steepest.viz.sweep", "steepest.viz.steps"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    if name == "steepest.viz.graph" and shutil.which("dot") is None:
        pytest.skip("Graphviz's `dot` is not installed (apt-get install graphviz)")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    plt.close("all")
    assert result.failed == 0
    assert result.attempted > 0
