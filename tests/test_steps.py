"""Step sizes that choose themselves: Barzilai-Borwein (BB1, BB2, clamped) and Polyak (f* known or
estimated), through minimize(lr="bb"), lr="polyak" and their objects."""

import doctest

import numpy as np
import pytest

import steepest as st
from steepest.optim import steps
from steepest.optim.steps import BB, Polyak


def seed_f(x):
    return x**2 + 5 * st.sin(x)


F_STAR = -3.2463942726915  # f at x* = -1.1106


def rosen(v):
    return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2


def test_bb_steps_are_the_secant_formulas():
    A = np.diag([1.0, 10.0])
    res = st.minimize(
        lambda v: 0.5 * (v * (A @ np.ones(2)) * v).sum(), [3.0, 1.0], lr="bb1", max_iter=6, tol=0
    )
    for k in range(1, 6):  # lrs[k] was chosen at x_k from s = x_k - x_{k-1}, y = A s
        s = res.path[k] - res.path[k - 1]
        y = A @ s
        assert res.lrs[k] == pytest.approx(s @ s / (s @ y), rel=1e-12)
    res2 = st.minimize(
        lambda v: 0.5 * (v * (A @ np.ones(2)) * v).sum(), [3.0, 1.0], lr="bb2", max_iter=3, tol=0
    )
    s = res2.path[2] - res2.path[1]
    assert res2.lrs[2] == pytest.approx((s @ (A @ s)) / ((A @ s) @ (A @ s)), rel=1e-12)


@pytest.mark.parametrize("lr", ["bb", "bb1", "bb2", BB(2, lr0=0.01)])
def test_bb_on_the_seeds_quadratic_and_function(lr):
    res = st.minimize(lambda v: 9 * v[0] ** 2 + v[1] ** 2, [1.0, 2.0], lr=lr, tol=1e-8, max_iter=200)
    assert res.converged and res.n_iter <= 25
    res = st.minimize(seed_f, -5.0, lr=lr, tol=1e-6)  # starts where f'' < 0: s.y < 0 is handled
    assert res.converged and res.x == pytest.approx(-1.1106, abs=1e-4) and res.n_iter <= 20


def test_bb2_converges_on_rosenbrock_and_bb1_is_thrown_out_of_the_valley():
    res = st.minimize(rosen, [-1.5, 2.0], lr="bb", tol=1e-8, max_iter=2000)
    assert res.converged and res.n_iter < 200 and np.allclose(res.x, 1.0, atol=1e-7)
    wild = st.minimize(rosen, [-1.5, 2.0], lr="bb1", tol=1e-8, max_iter=2000)
    assert wild.status == "diverged" and "diverged" in wild.reason
    tamed = st.minimize(rosen, [-1.5, 2.0], lr=BB(1, lr_max=0.1), tol=1e-8, max_iter=5000)
    assert tamed.converged and tamed.lrs.max() <= 0.1


def test_the_clamp_holds():
    res = st.minimize(lambda x: x**2, 3.0, lr=BB(1, lr_min=0.1, lr_max=0.2, lr0=0.15), max_iter=5, tol=0)
    assert np.all((res.lrs >= 0.1) & (res.lrs <= 0.2))


def test_polyak_with_f_star_known_is_the_formula():
    res = st.minimize(seed_f, -5.0, lr=Polyak(f_star=F_STAR), tol=1e-6, max_iter=100)
    assert res.converged and res.n_iter <= 25
    for k in range(3):
        g = 2 * res.path[k] + 5 * np.cos(res.path[k])
        assert res.lrs[k] == pytest.approx((res.values[k] - F_STAR) / g**2, rel=1e-12)


@pytest.mark.parametrize(
    "f, x0, x_star",
    [
        (seed_f, -5.0, -1.1106),
        (lambda v: 9 * v[0] ** 2 + v[1] ** 2, [1.0, 2.0], [0.0, 0.0]),
    ],
)
def test_polyak_with_f_star_estimated_converges(f, x0, x_star):
    res = st.minimize(f, x0, lr="polyak", tol=1e-6, max_iter=2000)
    assert res.converged and np.allclose(res.x, x_star, atol=1e-4)


def test_the_users_object_keeps_no_history_and_runs_repeat():
    bb = BB()
    a = st.minimize(seed_f, -5.0, lr=bb, tol=1e-6)
    b = st.minimize(seed_f, -5.0, lr=bb, tol=1e-6)
    assert bb._x is None and a.n_iter == b.n_iter and np.array_equal(a.path, b.path)


def test_with_a_line_search_the_adaptive_step_is_the_first_trial():
    res = st.minimize(rosen, [-1.5, 2.0], lr="bb", line_search="armijo", tol=1e-6, max_iter=5000)
    assert res.converged and np.all(np.diff(res.values) <= 0)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: BB(3), ["variant", "3"]),
        (lambda: BB(lr_min=1.0, lr_max=0.1), ["lr_min", "lr_max"]),
        (lambda: BB(lr0=-1), ["lr0"]),
        (lambda: Polyak(grow=0.5), ["grow"]),
        (lambda: Polyak(delta=0), ["delta"]),
    ],
)
def test_bad_settings_are_refused(make, words):
    with pytest.raises(ValueError) as err:
        make()
    assert all(w in str(err.value) for w in words)


def test_docstring_examples():
    result = doctest.testmod(steps)
    assert result.failed == 0 and result.attempted > 0
