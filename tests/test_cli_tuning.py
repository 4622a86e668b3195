"""`steepest lr-find` and `steepest sweep`, run as a user runs them: a subprocess, its status, its output."""

import json
import os
import subprocess
import sys

import pytest

import steepest as st

PNG = b"\x89PNG\r\n\x1a\n"


def run(*args: str, cwd=None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "steepest", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd)


@pytest.mark.parametrize("command", ["lr-find", "sweep"])
def test_help(command):
    done = run(command, "--help")
    assert done.returncode == 0 and "Usage: steepest" in done.stdout and "--plot" in done.stdout


def test_lr_find_on_a_formula_json():
    done = run("lr-find", "x**2 + 5*sin(x)", "--x0", "-5", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    lo, hi = out["interval"]
    assert lo < out["suggestion"] < hi and out["agree"] and len(out["suggestions"]) == 3
    res = st.minimize(lambda x: x ** 2 + 5 * st.sin(x), -5.0, lr=out["suggestion"], tol=1e-3, max_iter=100)
    assert res.converged


def test_lr_find_on_a_dataset_with_a_figure(tmp_path):
    figure = tmp_path / "lr.png"
    done = run("lr-find", "xor", "--optimizer", "momentum", "--momentum", "0.9", "--hidden", "8",
               "--seeds", "2", "--plot", str(figure))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "lr-find: MLP [2, 8, 1] on xor, momentum, loss bce"
    assert lines[1].startswith("suggested lr ") and "interval [" in lines[1]
    assert lines[3].startswith("  seed 0: ") and lines[4].startswith("  seed 1: ")
    assert figure.read_bytes()[:8] == PNG and f"wrote {figure}" in done.stderr


def test_sweep_table_best_heatmap_and_resume(tmp_path):
    args = ["sweep", "xor", "--lr", "0.5,2", "--momentum", "0,0.9", "--hidden", "4", "--epochs", "40",
            "--journal", "j.jsonl"]
    done = run(*args, "--plot", "map.png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["trial", "dataset", "epochs"] and len(lines) == 1 + 4 + 1
    assert "4 trials (4 run now, 0 from the journal j.jsonl); best loss" in lines[-1]
    assert (tmp_path / "map.png").read_bytes()[:8] == PNG
    again = run(*args, "--json", cwd=tmp_path)
    out = json.loads(again.stdout)
    assert out["n_run"] == 0 and out["n_resumed"] == 4 and len(out["trials"]) == 4
    assert out["best"]["lr"] == 2.0 and out["best"]["momentum"] == 0.9
    assert all(t["reason"] == "completed 40 epochs" for t in out["trials"])


def test_sweep_in_processes_is_the_same(tmp_path):
    args = ["sweep", "xor", "--lr", "0.5,2", "--momentum", "0,0.9", "--epochs", "30", "--journal", "",
            "--json"]
    serial = json.loads(run(*args).stdout)
    parallel = run(*args, "--executor", "processes", "--workers", "2")
    assert parallel.returncode == 0, parallel.stderr
    strip = lambda out: [{k: v for k, v in t.items() if k != "seconds"} for t in out["trials"]]  # noqa: E731
    assert strip(json.loads(parallel.stdout)) == strip(serial)


def test_sweep_random_search():
    done = run("sweep", "xor", "--lr", "0.1,2", "--momentum", "0,0.9", "--epochs", "20", "--random", "5",
               "--journal", "", "--json")
    assert done.returncode == 0, done.stderr
    lrs = [t["lr"] for t in json.loads(done.stdout)["trials"]]
    assert len(lrs) == 5 and all(0.1 <= lr <= 2 for lr in lrs) and len(set(lrs)) == 5


@pytest.mark.parametrize("args, words", [
    (["sweep", "xor", "--lr", "fast"], ["--lr", "numbers"]),
    (["sweep", "nope"], ["unknown dataset 'nope'"]),
    (["lr-find", "x**2", "--lr-min", "1", "--lr-max", "0.1"], ["lr_min", "lr_max"]),
])
def test_bad_input_is_one_line(args, words):
    done = run(*args, "--journal", "") if args[0] == "sweep" else run(*args)
    assert done.returncode == 1 and done.stderr.startswith("steepest: ")
    assert all(w in done.stderr for w in words) and "Traceback" not in done.stderr


def test_minimize_knows_lbfgs_the_self_choosing_steps_and_wolfe():
    done = run("minimize", "(1-x)**2 + 100*(y-x**2)**2", "--x0", "-1.5,2", "--method", "lbfgs",
               "--tol", "1e-8", "--json")
    out = json.loads(done.stdout)
    assert out["converged"] and out["status"] == "gtol" and out["n_iter"] <= 66
    done = run("minimize", "x**2 + 5*sin(x)", "--x0", "-5", "--lr", "bb", "--json")
    assert json.loads(done.stdout)["converged"]
    done = run("compare", "x**2 + 10*y**2", "--x0", "-4,1", "--methods", "gd,lbfgs", "--line-search", "wolfe",
               "--json")
    assert done.returncode == 0, done.stderr
    assert all(r["converged"] for r in json.loads(done.stdout).values())
    bad = run("minimize", "x**2", "--lr", "fast")
    assert bad.returncode == 2 and "neither a number nor one of bb" in bad.stderr
