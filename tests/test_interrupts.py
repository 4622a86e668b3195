"""Ctrl-C, for real: SIGINT sent to a child process in the middle of minimize, fit and the command.

Nothing is lost: minimize returns the Result so far (as fit returns its History), the History keeps
one row per finished epoch in every series, and the command prints what it has and exits 130.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading

import numpy as np

import steepest as st

_ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def _interrupt(code: str, ready: str, after: float = 0.0, timeout: float = 120) -> tuple[int, str, str]:
    """Start `code` in a fresh Python, wait for it to print the line `ready`, wait `after` seconds,
    send SIGINT, and return (exit status, everything it printed, its stderr)."""
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=_ENV)
    try:
        seen = []
        for line in child.stdout:
            seen.append(line)
            if line.strip() == ready:
                break
        else:
            raise AssertionError(f"the child never printed {ready!r}: {child.stderr.read()[-2000:]}")
        if after:
            threading.Event().wait(after)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=timeout)
    finally:
        child.kill()
    return child.returncode, "".join(seen) + out, err


_SLOW_F = """
    import json, time
    import numpy as np
    import steepest as st

    def f(x):
        time.sleep(0.0005)  # a function worth interrupting
        return ((x - np.array([3.0, -1.0])) ** 2).sum() + 0.1 * (x ** 4).sum()

    def tell(p):
        if p.n_iter == 200:
            print("running", flush=True)
"""


def test_ctrl_c_in_minimize_returns_the_result_so_far():
    code = _SLOW_F + """
    res = st.minimize(f, [0.0, 0.0], method="momentum", lr=1e-4, tol=0.0, max_iter=10**8, callback=tell)
    print(json.dumps({"reason": res.reason, "n_iter": res.n_iter, "interrupted": res.interrupted,
                      "converged": res.converged, "x": res.x.tolist(), "fun": res.fun,
                      "rows": len(res.path), "iters": res.iters[-3:].tolist(), "last": res.path[-1].tolist(),
                      "values": len(res.values), "lrs": len(res.lrs)}))
    """
    status, out, err = _interrupt(code, "running", after=0.2)
    assert status == 0, err[-2000:]
    res = json.loads(out.splitlines()[-1])
    n = res["n_iter"]
    assert n > 200 and res["interrupted"] and not res["converged"]
    assert res["reason"].startswith(f"interrupted after {n} iterations")
    assert res["rows"] == n + 1 == res["values"] == res["lrs"] + 1 and res["iters"][-1] == n
    assert res["last"] == res["x"]
    # the point returned is the n-th iterate exactly: the same run, stopped at n by max_iter
    exec_globals: dict = {}
    exec(textwrap.dedent(_SLOW_F).replace("time.sleep(0.0005)", "pass"), exec_globals)
    again = st.minimize(exec_globals["f"], [0.0, 0.0], method="momentum", lr=1e-4, tol=0.0, max_iter=n)
    assert again.x.tolist() == res["x"] and again.fun == res["fun"]


def test_ctrl_c_during_validation_keeps_history_consistent():
    code = """
        import json
        import numpy as np
        import steepest as st

        X, y = st.data.xor()
        rng = np.random.default_rng(0)
        X_val = rng.normal(size=(300_000, 2))  # validation is nearly all of each epoch's time
        y_val = (X_val[:, 0] * X_val[:, 1] > 0).astype(float)
        model = st.nn.MLP([2, 64, 1], activation="tanh", output_activation="sigmoid", seed=0)

        def tell(epoch, logs):
            if epoch == 2:
                print("validating", flush=True)

        hist = st.fit(model, X, y, loss="bce", optimizer="adam", lr=0.01, epochs=10**6, progress=False,
                      validation_data=(X_val, y_val), callbacks=[tell])
        d = hist.to_dict()
        print(json.dumps({k: len(v) for k, v in d.items() if isinstance(v, list)}
                         | {"epochs": hist.epochs, "reason": hist.stopped_reason,
                            "interrupted": getattr(hist, "interrupted", None)}))
    """
    status, out, err = _interrupt(code, "validating", after=0.1)  # into the next validation
    assert status == 0, err[-2000:]
    got = json.loads(out.splitlines()[-1])
    n = got["epochs"]
    for key in ("loss", "val_loss", "accuracy", "val_accuracy", "lrs", "times"):
        assert got[key] == n, (key, got)
    assert n >= 2 and got["interrupted"] and got["reason"] == f"interrupted by the user after {n} epochs"


def _command(*args: str) -> str:
    """Python code that runs the `steepest` command, saying "ready" once steepest is imported."""
    return f"""
        import sys
        import numpy, steepest, steepest.cli, steepest.optim, steepest.nn, steepest.train
        print("ready", flush=True)
        steepest.cli.main({list(args)!r})
    """


def test_ctrl_c_in_the_minimize_command_prints_the_table_so_far_and_exits_130():
    status, out, err = _interrupt(_command("minimize", "x**2 + y**4", "--x0", "3,-2", "--lr", "1e-7",
                                           "--tol", "0", "--max-iter", "100000000"), "ready", after=1.5)
    assert status == 130, (out, err[-2000:])
    lines = out.splitlines()
    assert any(line.split()[:4] == ["t", "(x,", "y)", "f"] for line in lines), out
    stop = [line for line in lines if line.startswith("stopped: interrupted after")]
    assert len(stop) == 1, out
    n = int(stop[0].split()[3])
    assert n > 0 and any(line.split()[:1] == [str(n)] for line in lines)  # the last row is iteration n
    assert "Traceback" not in err


def test_ctrl_c_in_the_train_command_saves_and_exits_130(tmp_path):
    target = str(tmp_path / "model")
    status, out, err = _interrupt(_command("train", "xor", "--epochs", "100000000", "--save", target,
                                           "--json"), "ready", after=1.5)
    assert status == 130, (out, err[-2000:])
    summary = json.loads(out[out.index("{"):])
    assert summary["stopped_reason"].startswith("interrupted by the user after")
    assert f"wrote {target}.npz" in err
    model = st.nn.load(target + ".npz")
    assert model(np.zeros((1, 2))).shape == (1, 1)
