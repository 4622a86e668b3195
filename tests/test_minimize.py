"""st.minimize: the seeds' worked examples, every method on a quadratic and Rosenbrock, stops, errors."""

import math

import numpy as np
import pytest

import steepest as st
from steepest.optim import schedules
from steepest.optim.line_search import Armijo, backtracking
from steepest.optim.stopping import FTol, GradTol, MaxIter, Progress, XTol

METHODS = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]


def seed_f(x):
    return x**2 + 5 * st.sin(x)


# --- the seeds --------------------------------------------------------------------------------
def test_seed_descent_from_minus_five():
    res = st.minimize(seed_f, -5.0, lr=0.1, tol=1e-3, max_iter=100)
    assert res.converged
    assert res.n_iter in (11, 12)
    assert isinstance(res.x, float) and isinstance(res.grad, float)
    assert res.x == pytest.approx(-1.1107, abs=5e-4)
    assert res.fun == pytest.approx(-3.246394, abs=1e-6)
    assert res.reason.startswith("gradient norm") and "< tol 1.0e-03 after" in res.reason


def test_seed_descent_from_five():
    res = st.minimize(seed_f, 5.0, lr=0.1, tol=1e-3, max_iter=100)
    assert res.converged and res.n_iter in (29, 30)
    assert res.x == pytest.approx(-1.1107, abs=5e-4)


@pytest.mark.parametrize("lr", [0.01, 0.5])
def test_seed_learning_rates_that_do_not_converge_in_100(lr):
    res = st.minimize(seed_f, -5.0, lr=lr, tol=1e-3, max_iter=100)
    assert not res.converged and res.n_iter == 100
    assert "max_iter=100" in res.reason


def test_seed_iterates_are_the_hand_written_loop():
    x, expected = -5.0, [-5.0]
    for _ in range(12):
        x = x - 0.1 * (2 * x + 5 * math.cos(x))
        expected.append(x)
    res = st.minimize(seed_f, -5.0, lr=0.1, tol=1e-3)
    np.testing.assert_allclose(res.path, expected, rtol=0, atol=1e-13)


def test_xy_steps_maximise_by_minimising_minus_xy():
    res = st.minimize(lambda v: -(v[0] * v[1]), [4.0, -3.0], lr=0.2, max_iter=3)
    np.testing.assert_allclose(res.path, [[4, -3], [3.4, -2.2], [2.96, -1.52], [2.656, -0.928]], atol=1e-12)
    np.testing.assert_allclose(res.values, [12, 7.48, 4.4992, 2.464768], atol=1e-12)  # -xy; the seed rounds


def test_linear_regression_equals_the_hand_loop_iterate_for_iterate():
    rng = np.random.default_rng(0)
    xs = rng.uniform(-2, 2, 30)
    ys = 3.0 * xs - 1.0 + 0.1 * rng.standard_normal(30)
    w, b, lr, hand = 0.0, 0.0, 0.1, [(0.0, 0.0)]
    for _ in range(60):
        r = ys - (w * xs + b)
        dw, db = -2 / len(xs) * np.sum(xs * r), -2 / len(xs) * np.sum(r)
        w, b = w - lr * dw, b - lr * db
        hand.append((w, b))

    def mse(theta):
        return ((ys - (theta[0] * xs + theta[1])) ** 2).mean()

    res = st.minimize(mse, [0.0, 0.0], lr=lr, tol=0.0, max_iter=60)
    np.testing.assert_allclose(res.path, hand, rtol=0, atol=1e-12)
    assert res.reason.startswith("stopped at max_iter=60")


def test_momentum_is_the_seed_convention_with_v_equal_lr_times_buffer():
    lr, gamma, x, v = 0.05, 0.8, 3.0, 0.0
    seed = [x]
    for _ in range(25):  # v <- gamma v + eta f'(x), x <- x - v
        v = gamma * v + lr * (2 * x + 5 * math.cos(x))
        x = x - v
        seed.append(x)
    res = st.minimize(seed_f, 3.0, method="momentum", lr=lr, momentum=gamma, tol=0.0, max_iter=25)
    np.testing.assert_allclose(res.path, seed, atol=1e-12)


# --- every method --------------------------------------------------------------------------------
A = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.0]])
B = np.array([1.0, -2.0, 0.5])
QUADRATIC = {  # settings for the convex quadratic 1/2 x'Ax - b'x (eigenvalues 0.9 .. 3.2)
    "gd": dict(lr=0.3), "momentum": dict(lr=0.1), "nesterov": dict(lr=0.1), "adagrad": dict(lr=1.0),
    "rmsprop": dict(lr=schedules.exponential(0.05, 0.99)), "adam": dict(lr=0.1),
    "adamw": dict(lr=0.1, weight_decay=0.0),
}


@pytest.mark.parametrize("method", METHODS)
def test_every_method_minimises_a_convex_quadratic(method):
    res = st.minimize(lambda x: 0.5 * (x * st.matmul(A, x)).sum() - (B * x).sum(), np.zeros(3), method=method,
                      tol=1e-8, max_iter=5000, **QUADRATIC[method])
    assert res.converged, res.reason
    np.testing.assert_allclose(res.x, np.linalg.solve(A, B), atol=1e-6)
    assert res.values[-1] <= res.values[0]


def rosenbrock(v):
    x, y = v[0], v[1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


# Rosenbrock from (-1.5, 2) to 1e-4 of (1, 1). The valley's curvature (up to ~1900 at x0) caps a
# fixed gd step near 1e-3, so gd backtracks (Armijo) from 0.1; momentum methods take 1e-3 with mu 0.9;
# rmsprop needs a decaying rate to stop jittering; adamw has no decay here, since decay moves the minimum.
ROSENBROCK = {
    "gd": dict(lr=0.1, line_search="armijo", max_iter=20000),
    "momentum": dict(lr=1e-3, momentum=0.9, max_iter=5000),
    "nesterov": dict(lr=1e-3, momentum=0.9, max_iter=5000),
    "adagrad": dict(lr=1.0, max_iter=20000),
    "rmsprop": dict(lr=schedules.exponential(0.01, 0.999), max_iter=20000),
    "adam": dict(lr=0.02, max_iter=5000),
    "adamw": dict(lr=0.02, weight_decay=0.0, max_iter=5000),
}


@pytest.mark.parametrize("method", METHODS)
def test_every_method_reaches_the_rosenbrock_minimum(method):
    res = st.minimize(rosenbrock, [-1.5, 2.0], method=method, tol=1e-5, **ROSENBROCK[method])
    assert np.max(np.abs(res.x - 1.0)) < 1e-4, (res.x, res.reason)
    assert len(res.path) == len(res.iters) == len(res.values) == len(res.grad_norms) == len(res.lrs) + 1
    assert res.iters[0] == 0 and res.iters[-1] == res.n_iter and np.array_equal(res.path[-1], res.x)
    assert len(res.path) == res.n_iter + 1 or res.n_iter > 10_000  # runs longer are thinned (keep_path)


def test_adamw_decay_moves_the_minimum_to_the_decoupled_fixed_point():
    # at the fixed point Adam's step is ~sign(g), so x settles where lr-scaled decay balances it;
    # with a tiny lr and no gradient (f constant in x) the decay alone shrinks x by (1 - lr wd) per step
    res = st.minimize(lambda x: (x * 0.0).sum(), [2.0, -4.0], method="adamw", lr=0.1, weight_decay=0.5,
                      tol=0.0, max_iter=10)
    np.testing.assert_allclose(res.x, np.array([2.0, -4.0]) * (1 - 0.05) ** 10, rtol=1e-12)


def test_large_learning_rate_is_reported_as_divergence():
    res = st.minimize(lambda x: x**2, 1.0, lr=1.5)
    assert not res.converged and res.n_iter <= 36
    assert res.reason.startswith("diverged") and "smaller learning rate" in res.reason


@pytest.mark.filterwarnings("ignore:overflow")
def test_overflow_to_infinity_is_divergence():
    res = st.minimize(lambda x: st.exp(x**2), 2.0, lr=10.0)
    assert not res.converged and res.reason.startswith("diverged")


# --- stops ---------------------------------------------------------------------------------------
def test_converged_at_the_start_makes_no_update():
    res = st.minimize(lambda x: (x**2).sum(), [0.0, 0.0])
    assert res.converged and res.n_iter == 0 and res.path.shape == (1, 2) and len(res.lrs) == 0
    assert "after 0 iterations" in res.reason


def test_ftol_and_xtol_stop_with_their_reasons():
    res = st.minimize(seed_f, -5.0, lr=0.01, tol=0.0, ftol=1e-6, max_iter=10000)
    assert res.converged and res.reason.startswith("f changed by")
    res = st.minimize(seed_f, -5.0, lr=0.01, tol=0.0, xtol=1e-6, max_iter=10000)
    assert res.converged and res.reason.startswith("x moved by")


def test_callback_sees_progress_and_can_stop():
    seen = []

    def callback(p: Progress):
        seen.append((p.n_iter, p.fun, p.grad_norm))
        return p.n_iter == 3

    res = st.minimize(seed_f, -5.0, lr=0.1, tol=0.0, callback=callback)
    assert res.n_iter == 3 and not res.converged and "callback" in res.reason
    assert [s[0] for s in seen] == [1, 2, 3]
    assert seen[-1][1] == res.fun


def test_time_limit_and_extra_stop_conditions():
    res = st.minimize(seed_f, -5.0, lr=1e-6, tol=0.0, max_iter=10**9, time_limit=0.05)
    assert not res.converged and res.reason.startswith("time limit")
    res = st.minimize(seed_f, -5.0, lr=0.1, tol=0.0, stop=GradTol(1e-2) | MaxIter(5))
    assert res.n_iter == 5 and not res.converged
    res = st.minimize(seed_f, -5.0, lr=0.1, tol=0.0, stop=[FTol(1e-3), XTol(1e-3)])
    assert res.converged


def test_schedule_values_are_used_as_step_sizes():
    sched = schedules.step_decay(0.1, step_size=3, gamma=0.5)
    res = st.minimize(seed_f, -5.0, lr=sched, tol=0.0, max_iter=7)
    np.testing.assert_allclose(res.lrs, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025])


def test_schedule_keyword_is_the_same_as_a_callable_lr():
    sched = schedules.exponential(0.1, 0.9)
    a = st.minimize(seed_f, -5.0, lr=sched, tol=0.0, max_iter=5)
    b = st.minimize(seed_f, -5.0, schedule=sched, tol=0.0, max_iter=5)
    np.testing.assert_array_equal(a.path, b.path)
    np.testing.assert_allclose(b.lrs, 0.1 * 0.9 ** np.arange(5))


def test_line_search_that_finds_no_decrease_stops_with_a_reason():
    res = st.minimize(lambda x: st.abs(x), 1.0, lr=4.0, line_search=Armijo(max_trials=1), tol=0.0)
    assert not res.converged and res.reason.startswith("line search found no decrease")
    assert res.n_iter == 0 and res.n_fev == 2 and res.n_gev == 1 and res.x == 1.0


def test_armijo_line_search_decreases_f_and_counts_evaluations():
    calls = []

    def f(x):
        calls.append(1)
        return seed_f(x)

    res = st.minimize(f, -5.0, lr=2.0, line_search="armijo", tol=1e-6)
    assert res.converged
    assert np.all(np.diff(res.values) < 0)
    assert res.n_fev == len(calls) and res.n_fev > res.n_gev == res.n_iter + 1
    assert np.all(res.lrs <= 2.0)


def test_backtracking_halves_until_sufficient_decrease():
    phi = lambda t: (3.0 - 6.0 * t) ** 2
    assert backtracking(phi, 9.0, 36.0, t0=4.0) == (0.5, 0.0, 4)
    t, _, trials = Armijo(max_trials=2)(lambda t: 10.0, 9.0, 36.0, 1.0)
    assert t is None and trials == 2


# --- inputs --------------------------------------------------------------------------------------
def test_x0_is_not_mutated_and_the_kind_comes_back():
    x0 = np.array([1.0, -2.0])
    res = st.minimize(lambda x: (x**2).sum(), x0, method="momentum", max_iter=20)
    np.testing.assert_array_equal(x0, [1.0, -2.0])
    assert isinstance(res.x, np.ndarray) and res.x.shape == (2,) and res.path.shape == (res.n_iter + 1, 2)
    res = st.minimize(lambda x: (x**2).sum(), [[1, 2], [3, 4]], max_iter=5)
    assert res.x.dtype == np.float64 and res.path.shape == (6, 2, 2)
    assert isinstance(st.minimize(lambda x: x**2, 3, max_iter=2).x, float)


@pytest.mark.parametrize("kwargs, words", [
    (dict(method="newton"), ["unknown method 'newton'", "gd", "adamw", "lbfgs"]),
    (dict(lr=0.0), ["lr", "0.0"]),
    (dict(lr=-1), ["lr", "-1"]),
    (dict(method="momentum", momentum=1.0), ["momentum", "[0, 1)", "1.0"]),
    (dict(method="momentum", momentum=-0.1), ["momentum", "-0.1"]),
    (dict(method="adam", beta1=1.5), ["beta1", "1.5"]),
    (dict(method="adam", beta2=-0.5), ["beta2", "-0.5"]),
    (dict(method="adam", eps=-1e-8), ["eps"]),
    (dict(method="adamw", weight_decay=-1.0), ["weight_decay", "-1.0"]),
    (dict(method="adam", momentum=0.9), ["unknown hyperparameter momentum", "beta1"]),
    (dict(tol=-1e-3), ["tol", "-0.001"]),
    (dict(max_iter=-1), ["max_iter", "-1"]),
    (dict(max_iter=2.5), ["max_iter"]),
    (dict(line_search="goldstein"), ["line_search", "armijo", "wolfe"]),
    (dict(method="lbfgs", momentum=0.9), ["lbfgs", "momentum", "memory"]),
    (dict(method="lbfgs", memory=0), ["lbfgs", "memory", "0"]),
    (dict(lr="fast"), ["lr", "'fast'", "bb", "polyak"]),
    (dict(time_limit=0), ["time_limit"]),
])
def test_bad_arguments_raise_value_errors_that_name_them(kwargs, words):
    with pytest.raises(ValueError) as err:
        st.minimize(seed_f, 1.0, **kwargs)
    for w in words:
        assert w in str(err.value)


def test_f_must_return_a_scalar():
    with pytest.raises(ValueError, match="scalar"):
        st.minimize(lambda x: x * 2, [1.0, 2.0])


def test_result_repr_and_html():
    res = st.minimize(seed_f, -5.0, lr=0.1, tol=1e-3)
    text = repr(res)
    assert "converged: True" in text and "gradient norm" in text and "n_iter: 12" in text
    html = res._repr_html_()
    assert html.startswith("<table>") and "reason" in html and "&lt;" in html


# --- keep_path: a bounded path for long runs ------------------------------------------------------
def _slope(x):
    return (x * np.array([1.0, -2.0])).sum()  # never converges and never diverges: f falls steadily


def test_keep_path_every_and_last_keep_the_rows_of_the_full_path():
    full = st.minimize(_slope, [0.0, 0.0], lr=0.1, tol=0.0, max_iter=10, keep_path="all")
    assert full.iters.tolist() == list(range(11))
    for keep, rows in [(("every", 3), [0, 3, 6, 9, 10]), (("last", 4), [0, 7, 8, 9, 10]),
                       (("every", 20), [0, 10]), (("last", 30), list(range(11)))]:
        res = st.minimize(_slope, [0.0, 0.0], lr=0.1, tol=0.0, max_iter=10, keep_path=keep)
        assert res.iters.tolist() == rows, keep
        np.testing.assert_array_equal(res.path, full.path[rows])
        np.testing.assert_array_equal(res.values, full.values[rows])
        np.testing.assert_array_equal(res.grad_norms, full.grad_norms[rows])
        np.testing.assert_array_equal(res.lrs, full.lrs[np.array(rows[1:]) - 1])
        assert res.x.tolist() == full.x.tolist() and res.n_iter == 10
        assert "iterates kept (iters)" in repr(res) or len(rows) == 11


def test_keep_path_auto_thins_evenly_past_its_cap(monkeypatch):
    from steepest.optim import result

    monkeypatch.setattr(result, "AUTO_ROWS", 8)
    res = st.minimize(_slope, [0.0, 0.0], lr=0.1, tol=0.0, max_iter=50)
    assert res.iters.tolist() == [0, 8, 16, 24, 32, 40, 48, 50]  # stride doubled to 8; the last kept
    full = st.minimize(_slope, [0.0, 0.0], lr=0.1, tol=0.0, max_iter=50, keep_path="all")
    np.testing.assert_array_equal(res.path, full.path[res.iters])
    monkeypatch.setattr(result, "AUTO_BYTES", 10 * (8 * 1000 + 200))  # a large x: fewer rows
    res = st.minimize(lambda x: x.sum(), np.zeros(1000), lr=0.1, tol=0.0, max_iter=50)
    assert len(res.path) <= 11 and res.iters[0] == 0 and res.iters[-1] == 50


def test_a_long_run_keeps_a_bounded_path():
    res = st.minimize(_slope, [0.0, 0.0], lr=1e-6, tol=0.0, max_iter=30_000)
    assert res.n_iter == 30_000 and len(res.path) <= 10_001
    assert len(res.path) == len(res.values) == len(res.grad_norms) == len(res.iters) == len(res.lrs) + 1
    steps = np.diff(res.iters)
    assert res.iters[0] == 0 and res.iters[-1] == 30_000 and np.all(steps[:-1] == steps[0])


@pytest.mark.parametrize("keep", ["some", ("every", 0), ("last", 2.5), ("first", 3), 5, False])
def test_bad_keep_path_is_named(keep):
    with pytest.raises(ValueError, match=r"keep_path must be 'auto', 'all', \('every', k\) or \('last', n\)"):
        st.minimize(_slope, [0.0, 0.0], keep_path=keep)


def test_a_result_made_by_hand_numbers_its_path():
    res = st.optim.Result(x=1.0, fun=1.0, grad=0.0, n_iter=2, n_fev=3, n_gev=3, converged=True, reason="r",
                          path=np.zeros((3, 1)), values=np.zeros(3), grad_norms=np.zeros(3), lrs=np.zeros(2))
    assert res.iters.tolist() == [0, 1, 2] and res.interrupted is False
