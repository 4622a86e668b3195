"""The `steepest` command, run as a user runs it: a subprocess, its exit status, its output."""

import json
import os
import shutil
import subprocess
import sys

import pytest

import steepest as st

PNG = b"\x89PNG\r\n\x1a\n"


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "steepest", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def _has(name: str) -> bool:
    try:
        return getattr(st, name) is not None
    except AttributeError:
        return False


needs_minimize = pytest.mark.skipif(not _has("minimize"), reason="st.minimize has not landed")
needs_fit = pytest.mark.skipif(not (_has("fit") and _has("data")), reason="st.fit / st.data have not landed")


@pytest.mark.parametrize("command", [[], ["grad"], ["minimize"], ["compare"], ["train"], ["demo"]])
def test_help_everywhere(command):
    done = run(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage: steepest" in done.stdout
    assert "--help" in done.stdout


def test_grad_json_of_the_seed_circuit():
    done = run("grad", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"value": -12.0, "grad": {"x": -4.0, "y": -4.0, "z": 3.0}}


def test_grad_positional_point_and_leading_minus():
    done = run("grad", "-x*y", "--at", "4,-3", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"value": 12.0, "grad": {"x": 3.0, "y": -4.0}}


def test_grad_relu_neuron_table_and_explain():
    done = run("grad", "(y - max(0, w*x + b))**2", "--at", "b=1,w=1,x=5,y=4", "--explain")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Backward pass" in out and "df/dw = df/dq * dq/dw = 4 * 5 = 20" in out
    lines = dict(line.split(None, 1) for line in out.splitlines()[-5:])
    assert lines == {"value": "4", "df/db": "4", "df/dw": "20", "df/dx": "4", "df/dy": "-4"}


def test_grad_vars_order():
    done = run("grad", "w*x + b", "--vars", "w,x,b", "--at", "2,3,1", "--json")
    assert json.loads(done.stdout)["grad"] == {"w": 3.0, "x": 2.0, "b": 1.0}


def test_grad_graph_files(tmp_path):
    dot = tmp_path / "g.dot"
    done = run("grad", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--graph", str(dot))
    assert done.returncode == 0, done.stderr
    text = dot.read_text()
    for label in ("x\\nvalue -2\\ngrad -4", "y\\nvalue 5\\ngrad -4", "z\\nvalue -4\\ngrad 3",
                  "q = x + y\\nvalue 3\\ngrad -4", "f = q * z\\nvalue -12\\ngrad 1"):
        assert label in text
    if shutil.which("dot"):
        png = tmp_path / "g.png"
        assert run("grad", "(x+y)*z", "--at", "-2,5,-4", "--graph", str(png)).returncode == 0
        assert png.read_bytes()[:8] == PNG


@pytest.mark.parametrize("expr", [
    "x^2",
    "__import__('os').system('touch {flag}')",
    "open('{flag}', 'w')",
    "x.__class__.__bases__",
    "2x",
])
def test_bad_expression_exit_2_nothing_runs(expr, tmp_path):
    flag = tmp_path / "pwned"
    done = run("grad", expr.format(flag=flag), "--at", "x=1")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    first, text, caret = done.stderr.splitlines()[:3]
    assert first.startswith("steepest: bad expression, column ")
    assert caret.strip() == "^"
    col = int(first.split("column ")[1].split(":")[0])
    assert caret.index("^") - 2 == col - 1
    assert not flag.exists()


@pytest.mark.parametrize("args, words", [
    (["grad", "x*y", "--at", "1"], "2 variable(s)"),
    (["grad", "x*y", "--at", "x=1,z=2"], "'z' is not a variable"),
    (["grad", "x*y", "--at", "x=a"], "expected numbers"),
    (["grad", "x*y"], "--at is required"),
])
def test_bad_points_exit_1_one_line(args, words):
    done = run(*args)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_usage_errors_exit_2():
    assert run("nope").returncode == 2
    assert run("minimize", "x**2", "--method", "sgdx").returncode == 2


@needs_minimize
def test_minimize_json_seed_descent():
    done = run("minimize", "x**2 + 5*sin(x)", "--x0", "-5", "--lr", "0.1", "--tol", "1e-3", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) >= {"x", "fun", "n_iter", "converged", "reason", "path"}
    assert out["converged"] is True
    assert out["x"][0] == pytest.approx(-1.1106, abs=1e-3)
    assert out["path"][0] == [-5.0] and len(out["path"]) == out["n_iter"] + 1
    assert isinstance(out["reason"], str) and out["reason"]


@needs_minimize
def test_minimize_table_and_plot(tmp_path):
    png = tmp_path / "d.png"
    done = run("minimize", "9*x1**2 + x2**2", "--x0", "x1=1,x2=2", "--lr", "0.05", "--plot", str(png))
    assert done.returncode == 0, done.stderr
    head = done.stdout.splitlines()[1].split()
    assert head == ["t", "(x1,", "x2)", "f", "|grad|"]
    assert "converged" in done.stdout or "stopped" in done.stdout
    assert png.read_bytes()[:8] == PNG


@needs_minimize
def test_minimize_animate_gif(tmp_path):
    gif = tmp_path / "d.gif"
    done = run("minimize", "x**2", "--x0", "3", "--lr", "0.3", "--max-iter", "8", "--animate", str(gif))
    assert done.returncode == 0, done.stderr
    assert gif.read_bytes()[:6] in (b"GIF89a", b"GIF87a")


@needs_minimize
def test_compare_table_json_and_race(tmp_path):
    png = tmp_path / "race.png"
    done = run("compare", "x**2 + 10*y**2", "--x0", "-2,1", "--methods", "gd,momentum,adam", "--lr", "0.05",
               "--max-iter", "300", "--plot", str(png))
    assert done.returncode == 0, done.stderr
    for m in ("gd", "momentum", "adam"):
        assert any(line.startswith(m) for line in done.stdout.splitlines())
    assert png.read_bytes()[:8] == PNG
    js = run("compare", "x**2 + 10*y**2", "--x0", "-2,1", "--methods", "gd,momentum", "--lr", "0.05",
             "--json")
    out = json.loads(js.stdout)
    assert set(out) == {"gd", "momentum"} and all("n_iter" in v for v in out.values())
    bad = run("compare", "x**2", "--methods", "gd,sgdx")
    assert bad.returncode == 1 and "unknown method 'sgdx'" in bad.stderr


@needs_fit
def test_train_xor_json(tmp_path):
    png = tmp_path / "xor.png"
    done = run("train", "xor", "--hidden", "8", "--lr", "0.1", "--epochs", "800", "--json",
               "--plot", str(png))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) >= {"loss", "accuracy", "epochs"}
    assert out["accuracy"] == 1.0
    assert png.read_bytes()[:8] == PNG


@needs_fit
def test_train_csv(tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,label\n0,0,0\n0,1,1\n1,0,1\n1,1,1\n")
    done = run("train", str(csv), "--target", "label", "--hidden", "4", "--epochs", "300", "--lr", "0.1",
               "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["epochs"] > 0


def test_train_unknown_dataset():
    done = run("train", "mnist-nope")
    assert done.returncode == 1 and "Traceback" not in done.stderr


def test_wrong_image_suffix_refused_before_any_work(tmp_path):
    done = run("minimize", "x**2", "--plot", str(tmp_path / "out.jpg"))
    assert done.returncode == 2 and "must end in .png, .svg, .pdf" in done.stderr
    assert run("grad", "x", "--at", "1", "--graph", str(tmp_path / "g.txt")).returncode == 2
    assert run("minimize", "x**2", "--animate", str(tmp_path / "a.png")).returncode == 2


def test_no_variables_and_outside_the_domain():
    done = run("minimize", "2 + 3")
    assert done.returncode == 1 and "no variables" in done.stderr
    done = run("grad", "log(x)", "--at", "-1")
    assert done.returncode == 0 and "nan" in done.stdout and "not finite" in done.stdout
    assert "Warning" not in done.stderr
    js = run("grad", "1/x", "--at", "0", "--json")
    assert json.loads(js.stdout)["value"] is None  # inf is not JSON: null


@needs_fit
def test_train_csv_unknown_column_one_line(tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,label\n0,0,0\n1,1,1\n")
    done = run("train", str(csv), "--target", "nope")
    assert done.returncode == 1 and "Traceback" not in done.stderr and "no column 'nope'" in done.stderr


@needs_fit
def test_train_save_prints_the_path_it_wrote(tmp_path):
    target = tmp_path / "m"
    done = run("train", "xor", "--epochs", "5", "--save", str(target), "--json")
    assert done.returncode == 0, done.stderr
    assert f"wrote {target}.npz" in done.stderr.splitlines()
    assert (tmp_path / "m.npz").exists() and not target.exists()
    st.nn.load(str(tmp_path / "m.npz"))


@needs_minimize
def test_minimize_keep_path_numbers_the_rows_it_keeps():
    done = run("minimize", "x**2", "--x0", "1", "--lr", "0.01", "--tol", "0", "--max-iter", "30",
               "--keep-path", "every:10", "--all")
    assert done.returncode == 0, done.stderr
    cells = [line.split() for line in done.stdout.splitlines()[2:]]
    ts = [c[0] for c in cells if c and c[0].isdigit()]
    assert ts == ["0", "10", "20", "30"]
    assert "(the path keeps 4 of the 31 iterates; --keep-path all keeps every one)" in done.stdout
    done = run("minimize", "x**2", "--x0", "1", "--keep-path", "sometimes")
    assert done.returncode == 1 and "--keep-path: expected auto, all, every:K or last:N" in done.stderr
