"""minimize(method="lbfgs"): the two-loop recursion is BFGS's inverse Hessian, Rosenbrock converges in
as many iterations as scipy's L-BFGS-B, quadratics in a handful, and every stop has a reason and a code."""

import doctest

import numpy as np
import pytest

import steepest as st
from steepest.optim import lbfgs
from steepest.optim.lbfgs import LBFGS, two_loop

so = pytest.importorskip("scipy.optimize")

STATUSES = {
    "gtol",
    "ftol",
    "xtol",
    "max_iter",
    "time_limit",
    "callback",
    "stop",
    "diverged",
    "line_search",
    "interrupted",
}


def rosen(v):
    return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2


def scipy_iterations_to(gtol: float, x0, m: int = 10) -> int:
    """L-BFGS-B's iterations until ||grad|| < gtol (its own test is on the projected gradient's max)."""
    norms = []
    so.minimize(
        so.rosen,
        x0,
        jac=so.rosen_der,
        method="L-BFGS-B",
        callback=lambda xk: norms.append(np.linalg.norm(so.rosen_der(xk))),
        options={"gtol": 1e-14, "ftol": 0.0, "maxiter": 1000, "maxcor": m},
    )
    return next(i + 1 for i, g in enumerate(norms) if g < gtol)


@pytest.mark.parametrize("memory", [10, 5])
def test_rosenbrock_to_1e_8_within_1_5_times_scipys_iterations(memory):
    res = st.minimize(rosen, [-1.5, 2.0], method="lbfgs", memory=memory, tol=1e-8, max_iter=500)
    assert res.converged and res.status == "gtol" and res.grad_norms[-1] < 1e-8
    assert np.linalg.norm(res.x - 1.0) < 1e-8
    theirs = scipy_iterations_to(1e-8, [-1.5, 2.0], memory)
    assert res.n_iter <= 1.5 * theirs, (res.n_iter, theirs)
    assert res.n_fev <= 1.5 * res.n_iter  # the unit step is accepted most of the time


@pytest.mark.parametrize(
    "f, x0, most",
    [
        (lambda v: 9 * v[0] ** 2 + v[1] ** 2, [1.0, 2.0], 10),
        (lambda v: v[0] ** 2 + 10 * v[1] ** 2, [-4.0, 1.0], 10),
        (lambda x: x**2 + 5 * st.sin(x), -5.0, 8),
        (lambda v: ((v - 3.0) ** 2).sum(), np.zeros(5), 2),
    ],
)
def test_the_seeds_functions_converge_in_a_handful(f, x0, most):
    res = st.minimize(f, x0, method="lbfgs", tol=1e-8)
    assert res.converged and res.n_iter <= most, res.n_iter


def test_memory_bounds_the_pairs_and_large_problems_converge():
    scale = np.linspace(1.0, 100.0, 200)
    f = lambda x: (scale * x**2).sum()
    rule = LBFGS(memory=3)
    state = rule.init(np.ones(200))
    res = st.minimize(f, np.ones(200), method=rule, tol=1e-6, max_iter=500)
    assert res.converged and len(state["s"]) == 0  # minimize starts its own state
    x, g = np.ones(200), 2 * scale
    for t in range(6):  # feed it steps: it never holds more than memory pairs
        rule.update(g, state, x, t + 1)
        x = x * 0.5
        g = 2 * scale * x
    assert len(state["s"]) == len(state["y"]) == len(state["rho"]) == 3


def bfgs_inverse(pairs, gamma):
    """The dense BFGS update of the inverse Hessian, H <- (I - rho s y')H(I - rho y s') + rho s s'."""
    n = len(pairs[0][0])
    H = gamma * np.eye(n)
    for s, y in pairs:
        rho = 1 / (y @ s)
        V = np.eye(n) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    return H


def test_two_loop_recursion_is_the_bfgs_inverse_hessian_times_g():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 6))
    A = A @ A.T + 6 * np.eye(6)  # a positive definite Hessian: every y.s > 0
    pairs = [(s, A @ s) for s in rng.standard_normal((4, 6))]
    g = rng.standard_normal(6)
    s_list, y_list = [p[0] for p in pairs], [p[1] for p in pairs]
    rho = [1 / (y @ s) for s, y in pairs]
    gamma = (s_list[-1] @ y_list[-1]) / (y_list[-1] @ y_list[-1])
    np.testing.assert_allclose(two_loop(g, s_list, y_list, rho), bfgs_inverse(pairs, gamma) @ g, rtol=1e-10)


def test_pairs_without_positive_curvature_are_skipped():
    rule = LBFGS()
    state = rule.init(np.zeros(2))
    rule.update(np.array([1.0, 0.0]), state, np.array([0.0, 0.0]), 1)
    d = rule.update(np.array([0.0, 0.0]), state, np.array([-1.0, 0.0]), 2)  # s.y = (-1)(-1) = 1 > 0: kept
    assert len(state["s"]) == 1 and np.all(np.isfinite(d))
    rule.update(np.array([1.0, 0.0]), state, np.array([-2.0, 0.0]), 3)  # s.y = (-1)(1) < 0: skipped
    assert len(state["s"]) == 1 and state["skipped"] == 1


@pytest.mark.parametrize(
    "kwargs, status, words",
    [
        (dict(tol=1e-8), "gtol", "gradient norm"),
        (dict(tol=0.0, ftol=1e-12), "ftol", "f changed by"),
        (dict(tol=0.0, xtol=1e-12), "xtol", "x moved by"),
        (dict(max_iter=10), "max_iter", "max_iter=10 without converging"),
        (dict(callback=lambda p: p.n_iter == 3), "callback", "callback asked to stop after 3"),
    ],
)
def test_every_stop_on_rosenbrock_has_a_reason_and_a_code(kwargs, status, words):
    res = st.minimize(rosen, [-1.5, 2.0], method="lbfgs", **kwargs)
    assert res.status == status and res.status in STATUSES and words in res.reason
    assert res.converged == (status in ("gtol", "ftol", "xtol"))


def test_a_kink_stops_the_line_search_with_the_best_point_kept():
    res = st.minimize(lambda v: st.abs(v).sum(), [1.0, -2.0], method="lbfgs", max_iter=200)
    assert res.status == "line_search" and not res.converged
    assert "line search" in res.reason and np.abs(res.x).max() < 1e-6
    res = st.minimize(lambda x: x, 1.0, method="lbfgs")  # unbounded below: the longest step tried is kept
    assert res.status == "line_search" and "best point found was kept" in res.reason and res.x < -1e10


def test_a_bad_start_is_reported_as_diverged():
    with np.errstate(invalid="ignore"):
        res = st.minimize(lambda x: st.log(x), -1.0, method="lbfgs")
    assert res.status == "diverged" and "starting point" in res.reason and res.n_iter == 0


def test_the_path_and_its_bookkeeping_work_as_for_the_other_methods():
    res = st.minimize(rosen, [-1.5, 2.0], method="lbfgs", tol=1e-8)
    assert res.path.shape == (res.n_iter + 1, 2) and list(res.iters) == list(range(res.n_iter + 1))
    np.testing.assert_allclose(res.values, [rosen(p) for p in res.path], rtol=1e-12)
    assert np.all(np.diff(res.values) <= 0)  # a Wolfe step always decreases f
    assert res.grad_norms[-1] == pytest.approx(np.linalg.norm(res.grad))
    assert len(res.lrs) == res.n_iter and res.method == "lbfgs"
    thin = st.minimize(rosen, [-1.5, 2.0], method="lbfgs", tol=1e-8, keep_path=("last", 3))
    assert list(thin.iters) == [0, res.n_iter - 2, res.n_iter - 1, res.n_iter]
    np.testing.assert_array_equal(thin.x, res.x)
    assert "status" in repr(res) and "gtol" in repr(res)


def test_ctrl_c_keeps_the_last_iterate():
    def stop(p):
        if p.n_iter == 5:
            raise KeyboardInterrupt

    res = st.minimize(rosen, [-1.5, 2.0], method="lbfgs", callback=stop)
    assert res.interrupted and res.status == "interrupted" and res.n_iter == 5


def test_lbfgs_is_not_an_optimizer_for_fit():
    with pytest.raises(ValueError, match="minimize"):
        LBFGS().step(np.zeros(1), LBFGS().init(np.zeros(1)), np.zeros(1), 1, 0.1)
    with pytest.raises(ValueError, match="line search"):
        st.minimize(rosen, [0.0, 0.0], method="lbfgs", line_search=False)


def test_armijo_works_too():
    res = st.minimize(rosen, [-1.5, 2.0], method="lbfgs", line_search="armijo", tol=1e-6, max_iter=500)
    assert res.converged and res.n_iter < 200


def test_docstring_examples():
    result = doctest.testmod(lbfgs)
    assert result.failed == 0 and result.attempted > 0
