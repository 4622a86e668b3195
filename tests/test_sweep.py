"""st.sweep: grid and random trials, the same results serial, in processes and on a Dask LocalCluster,
batches of >= min_task_seconds, a journal that resumes a sweep killed half-way (a real SIGKILL of a
subprocess) by running only the missing trials, and a torn last line read with a warning."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest

import steepest as st
from steepest.sweep_journal import Journal, JournalWarning
from steepest.sweep_space import Choice, IntUniform, LogUniform, Uniform, trial_ids, trials
from steepest.tuning import train_trial

GRID = {
    "dataset": "xor",
    "hidden": ["4", "8"],
    "lr": [0.1, 0.5, 2.0],
    "momentum": [0.0, 0.9],
    "optimizer": "momentum",
    "epochs": 60,
}


def outcomes(result):
    """What must not depend on the executor: every trial's id, settings and result, in grid order."""
    return [(t["index"], t["id"], t["config"], t["result"]) for t in result.trials]


def seed_run(lr, momentum):
    return st.minimize(
        lambda x: x**2 + 5 * st.sin(x),
        -5.0,
        method="momentum",
        lr=lr,
        momentum=momentum,
        tol=1e-3,
        max_iter=200,
    )


# --- the trials -------------------------------------------------------------------------------------
def test_a_grid_is_every_combination_in_order():
    got = trials({"lr": [0.1, 1.0], "momentum": [0.0, 0.9], "epochs": 5})
    assert got == [
        {"lr": 0.1, "momentum": 0.0, "epochs": 5},
        {"lr": 0.1, "momentum": 0.9, "epochs": 5},
        {"lr": 1.0, "momentum": 0.0, "epochs": 5},
        {"lr": 1.0, "momentum": 0.9, "epochs": 5},
    ]


def test_random_search_draws_the_same_trials_for_the_same_seed():
    space = {
        "lr": LogUniform(1e-3, 1.0),
        "momentum": Uniform(0.0, 0.99),
        "hidden": IntUniform(2, 16),
        "optimizer": Choice(["gd", "momentum"]),
        "seed": [0, 1],
        "epochs": 10,
    }
    a, b = trials(space, n_trials=20, seed=4), trials(space, n_trials=20, seed=4)
    assert a == b and a != trials(space, n_trials=20, seed=5) and len(a) == 20
    lrs = np.array([t["lr"] for t in a])
    assert np.all((lrs >= 1e-3) & (lrs <= 1.0)) and all(2 <= t["hidden"] <= 16 for t in a)
    assert {t["optimizer"] for t in a} <= {"gd", "momentum"} and all(t["epochs"] == 10 for t in a)
    assert all(type(t["lr"]) is float and type(t["hidden"]) is int for t in a)  # JSON-able, not numpy


def test_ids_are_stable_and_repeats_get_their_own():
    ids = trial_ids([{"lr": 0.1}, {"lr": 0.2}, {"lr": 0.1}])
    assert ids[0] != ids[1] and ids[0].split("-")[0] == ids[2].split("-")[0] and ids[0] != ids[2]
    assert trial_ids([{"lr": 0.1, "m": 0}]) == trial_ids([{"m": 0, "lr": 0.1}])  # key order does not matter


@pytest.mark.parametrize(
    "space, kwargs, words",
    [
        ({}, {}, ["grid"]),
        ({"lr": []}, {}, ["at least one value"]),
        ({"lr": LogUniform(1e-3, 1)}, {}, ["n_trials"]),
        ({"f": [object()]}, {}, ["JSON"]),
        ([1, 2], {}, ["list of dicts"]),
    ],
)
def test_bad_spaces_are_named(space, kwargs, words):
    with pytest.raises(ValueError) as err:
        trials(space, **kwargs)
    assert all(w in str(err.value) for w in words)


def test_bad_distributions_are_refused():
    for make in (
        lambda: LogUniform(0, 1),
        lambda: Uniform(1, 0),
        lambda: IntUniform(3, 1),
        lambda: Choice([]),
    ):
        with pytest.raises(ValueError):
            make()


# --- the results --------------------------------------------------------------------------------------
def test_results_table_and_best():
    result = st.sweep(seed_run, {"lr": [0.01, 0.1, 0.5], "momentum": [0.0, 0.5]}, journal=None)
    assert len(result) == 6 and result.n_run == 6 and result.n_resumed == 0
    rows = result.rows()
    assert [r["trial"] for r in rows] == list(range(6))
    assert {"lr", "momentum", "loss", "accuracy", "iterations", "reason", "seconds"} <= set(rows[0])
    assert rows[0]["iterations"] == 158 and rows[0]["reason"].startswith("gradient norm")
    assert result.best_config in ({"lr": 0.1, "momentum": 0.0}, {"lr": 0.1, "momentum": 0.5})
    text = result.table()
    assert len(text.splitlines()) == 7 and "reason" in text.splitlines()[0]
    assert "best loss" in repr(result) and "<table>" in result._repr_html_()


def test_accuracy_as_the_metric_and_errors_are_recorded():
    def train(lr):
        if lr > 1:
            raise RuntimeError("too big")
        return {"loss": 1 - lr, "accuracy": lr, "iterations": 3, "reason": "done", "extra": np.float64(2.5)}

    result = st.sweep(train, {"lr": [0.2, 0.9, 5.0]}, journal=None, metric="accuracy")
    assert result.best_config == {"lr": 0.9}
    bad = result.trials[2]["result"]
    assert bad["error"] and bad["reason"] == "error: RuntimeError: too big" and bad["loss"] is None
    assert result.trials[0]["result"]["extra"] == 2.5 and type(result.trials[0]["result"]["extra"]) is float


def test_histories_results_and_numbers_are_read():
    X, y = st.data.xor()

    def train(kind):
        if kind == "history":
            model = st.nn.MLP([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
            return st.fit(model, X, y, loss="bce", optimizer="momentum", lr=0.5, epochs=20, progress=False)
        return seed_run(0.1, 0.0) if kind == "result" else float("nan")

    result = st.sweep(train, {"kind": ["history", "result", "number"]}, journal=None)
    h, r, n = (t["result"] for t in result.trials)
    assert h["iterations"] == 20 and 0 <= h["accuracy"] <= 1 and h["reason"] == "completed 20 epochs"
    assert r["iterations"] == 12 and r["loss"] == pytest.approx(-3.2464, abs=1e-4)
    assert n["loss"] is None  # nan is written as null, never as a NaN JSON cannot read


def test_trials_are_batched_to_take_at_least_the_minimum_time():
    def train(x):
        time.sleep(0.004)
        return x

    result = st.sweep(train, {"x": list(range(60))}, journal=None, min_task_seconds=0.05)
    assert 10 <= result.batch_size <= 20  # 0.05 s / 0.004 s, from the first trials' timing
    assert [t["result"]["loss"] for t in result.trials] == list(range(60))


# --- executors: the same sweep gives the same results ---------------------------------------------------
@pytest.fixture(scope="module")
def serial_result():
    return st.sweep(train_trial, GRID, journal=None)


def test_processes_give_the_serial_results(serial_result):
    result = st.sweep(
        train_trial, GRID, executor="processes", journal=None, max_workers=2, min_task_seconds=0.02
    )
    assert outcomes(result) == outcomes(serial_result) and result.n_run == 12


def test_a_dask_local_cluster_gives_the_serial_results(serial_result, tmp_path):
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distributed's own deprecation notes
        with (
            distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                local_directory=str(tmp_path),
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            result = st.sweep(
                train_trial, GRID, executor=client, journal=tmp_path / "j.jsonl", min_task_seconds=0.02
            )
    assert outcomes(result) == outcomes(serial_result)
    assert len(Journal(tmp_path / "j.jsonl").read()) == 12


def test_any_concurrent_futures_executor_works(serial_result):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        result = st.sweep(train_trial, GRID, executor=pool, journal=None, min_task_seconds=0.02)
    assert outcomes(result) == outcomes(serial_result)


def test_bad_executors_and_unpicklable_functions_are_refused():
    with pytest.raises(ValueError, match="executor must be"):
        st.sweep(lambda x: x, {"x": list(range(10))}, executor="gpu", journal=None, min_task_seconds=0)
    with pytest.raises(ValueError, match="pickled"):
        st.sweep(lambda x: x, {"x": list(range(10))}, executor="processes", journal=None, min_task_seconds=0)


# --- the journal -------------------------------------------------------------------------------------------
def test_a_finished_sweep_runs_nothing_again(tmp_path):
    path = tmp_path / "sweep.jsonl"
    first = st.sweep(seed_run, {"lr": [0.01, 0.1], "momentum": [0.0, 0.5]}, journal=path)
    again = st.sweep(seed_run, {"lr": [0.01, 0.1], "momentum": [0.0, 0.5]}, journal=path)
    assert first.n_run == 4 and again.n_run == 0 and again.n_resumed == 4
    assert outcomes(again) == outcomes(first)
    more = st.sweep(seed_run, {"lr": [0.01, 0.1, 0.3], "momentum": [0.0, 0.5]}, journal=path)  # a grown grid
    assert more.n_run == 2 and more.n_resumed == 4
    lines = path.read_text().splitlines()
    assert json.loads(lines[0])["journal"] == "steepest.sweep" and len(lines) == 1 + 6


KILLED = textwrap.dedent("""
    import sys, time
    import steepest as st

    def train(x, seed):
        time.sleep(0.03)
        return {"loss": (x - 7) ** 2 + seed, "iterations": x, "reason": "done"}

    grid = {"x": list(range(20)), "seed": [0, 1]}
    result = st.sweep(train, grid, journal=sys.argv[1], min_task_seconds=0.1)
    print(result.n_run, result.n_resumed)
""")


def test_a_sweep_killed_half_way_runs_only_the_missing_trials(tmp_path):
    script, path = tmp_path / "sweep_script.py", tmp_path / "sweep.jsonl"
    script.write_text(KILLED)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, str(script), str(path)], env=env, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not path.exists() or path.read_text().count("\n") < 1 + 12):
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)  # no clean-up of any kind: as a crash, an OOM kill, a pulled plug
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JournalWarning)  # the kill may have torn the last line
        kept = len(Journal(path).read())
    assert 12 <= kept < 40  # half-way: some trials done, some not
    done = subprocess.run(
        [sys.executable, str(script), str(path)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    n_run, n_resumed = map(int, done.stdout.split())
    assert n_resumed == kept and n_run == 40 - kept  # exactly the missing trials
    records = Journal(path).read()
    assert len(records) == 40
    for r in records.values():
        x, seed = r["config"]["x"], r["config"]["seed"]
        assert r["result"]["loss"] == (x - 7) ** 2 + seed


def test_a_torn_last_line_is_ignored_with_a_warning_and_its_trial_runs_again(tmp_path):
    path = tmp_path / "sweep.jsonl"
    st.sweep(seed_run, {"lr": [0.01, 0.1], "momentum": [0.0]}, journal=path)
    text = path.read_text()
    last = text.splitlines()[-1]
    path.write_text(text[: -len(last) - 1] + last[: len(last) // 2])  # the last record cut in the middle
    with pytest.warns(JournalWarning, match="line 3: the last line is cut short"):
        again = st.sweep(seed_run, {"lr": [0.01, 0.1], "momentum": [0.0]}, journal=path)
    assert again.n_run == 1 and again.n_resumed == 1
    with pytest.warns(JournalWarning, match="line 3: not valid JSON"):  # the torn line stays, ended
        records = Journal(path).read()
    assert len(records) == 2  # and the re-run trial's record, appended after it, reads back


def test_other_lines_that_are_not_records_are_skipped(tmp_path):
    path = tmp_path / "sweep.jsonl"
    path.write_text('{"journal": "steepest.sweep", "version": 1, "train_fn": "other.fn"}\n[1, 2]\n\n')
    with pytest.warns(JournalWarning) as caught:
        assert Journal(path, "mine.fn").read() == {}
    texts = [str(w.message) for w in caught]
    assert any("other.fn" in t for t in texts) and any("not a trial record" in t for t in texts)


def test_the_heatmap(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    import steepest.viz as sv
    from steepest.viz.sweep import sweep_grid

    result = st.sweep(seed_run, {"lr": [0.01, 0.1, 0.3], "momentum": [0.0, 0.5]}, journal=None)
    xs, ys, grid = sweep_grid(result, "lr", "momentum", "iterations")
    assert xs == [0.01, 0.1, 0.3] and ys == [0.0, 0.5] and grid.shape == (2, 3)
    assert grid[0, 0] == result.trials[0]["result"]["iterations"]
    fig = result.plot(metric="iterations", save=tmp_path / "h.png")
    assert (tmp_path / "h.png").read_bytes()[:4] == b"\x89PNG" and len(fig.axes) == 2  # the map and its bar
    with pytest.raises(ValueError, match="no setting 'hidden'"):
        sv.plot_sweep(result, x="hidden")
    plt.close("all")


@pytest.mark.parametrize("name", ["steepest.sweep", "steepest.sweep_space", "steepest.tuning"])
def test_docstring_examples(name):
    import doctest

    result = doctest.testmod(sys.modules[name] if name in sys.modules else __import__(name, fromlist=["x"]))
    assert result.failed == 0 and result.attempted > 0
