"""`steepest demo` writes figures and one HTML page whose every image exists and is a valid image;
every script in examples/ runs and reproduces its seed's numbers."""

import html
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".gif": b"GIF8", ".svg": b"<?xml"}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a["src"])
        if tag in ("a", "link", "script") and (a.get("href") or a.get("src")):
            self.links.append(a.get("href") or a.get("src"))


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300, env=env,
                          cwd=cwd)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "site"
    done = _run("-m", "steepest", "demo", "--out", str(out), "--quick")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"open {(out / 'index.html').resolve()}"
    return out


def test_page_references_images_that_exist(demo_dir):
    page = (demo_dir / "index.html").read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(page)
    assert len(parser.images) >= 10
    for src in parser.images:
        path = demo_dir / src
        assert path.is_file(), src
        assert path.read_bytes()[:len(MAGIC[path.suffix])] == MAGIC[path.suffix], src
    for href in parser.links:  # in-page anchors, or local files; nothing from the network
        assert href.startswith("#") or (demo_dir / href).is_file(), href
    assert "http://" not in page and "https://" not in page and "<script" not in page


def test_page_walks_through_every_worked_example(demo_dir):
    page = (demo_dir / "index.html").read_text(encoding="utf-8")
    for words in ("x² + 5 sin x", "9x₁² + x₂²", "f(x, y) = xy", "(x + y) z", "ReLU neuron", "sigmoid",
                  "Linear regression", "XOR", "Momentum", "Learning rates"):
        assert words in page, words
    assert "✗" not in page and 'class="error"' not in page
    agree = re.search(r"(\d+) of (\d+) checks pass", page)
    assert agree and agree.group(1) == agree.group(2) and int(agree.group(1)) >= 30


def test_graphs_name_every_node(demo_dir):
    graphs = sorted((demo_dir / "figures").glob("*_graph.*"))
    assert {g.stem for g in graphs} == {"circuit_graph", "relu_graph", "sigmoid_graph"}
    relu = html.unescape(next(g for g in graphs if g.stem == "relu_graph").read_text())
    for text in ("s = w * x", "z = s + b", "a = maximum(0, z)", "e = y - a", "J = e ** 2", "grad 20"):
        assert text in relu, text


def test_step_size_and_learning_rate_sections(demo_dir):
    page = (demo_dir / "index.html").read_text(encoding="utf-8")
    for name in ("step_sizes", "step_sizes_paths", "lr_find", "sweep"):
        assert (demo_dir / "figures" / f"{name}.png").is_file() and f"figures/{name}.png" in page
    assert "L-BFGS" in page and "Barzilai-Borwein" in page and "lr_find" in page


def test_quick_leaves_out_the_slow_figures(demo_dir):
    from steepest.demo import EXAMPLES as SECTIONS

    assert len(SECTIONS) == 13
    assert not (demo_dir / "figures" / "momentum.gif").exists()  # --quick leaves out the GIF and the surface
    assert not (demo_dir / "figures" / "gradient_surface.png").exists()


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script, tmp_path):
    done = _run(str(script), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.strip()


def test_there_is_an_example_per_worked_example():
    names = {p.stem for p in EXAMPLES}
    assert len(names) >= 10, names


def test_without_graphviz_the_graphs_stay_dot_source(tmp_path, monkeypatch):
    import shutil

    from steepest import demo

    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *args: None if name == "dot" else real(name, *args))
    lines: list[str] = []
    page = demo.run_demo(tmp_path / "site", quick=True, log=lines.append)
    text = page.read_text(encoding="utf-8")
    assert "figures/circuit_graph.dot" in text and "is not installed" in text
    assert "digraph steepest" in (tmp_path / "site" / "figures" / "relu_graph.dot").read_text()
    assert len(lines) == len(demo.EXAMPLES) + 1 and not any("FAILED" in line for line in lines)
