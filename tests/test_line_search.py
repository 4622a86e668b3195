"""The strong Wolfe line search (bracket and zoom): its conditions hold where it says they do, it
agrees with scipy's, it keeps the best point when it cannot meet them, and minimize counts it."""

import doctest
import math

import numpy as np
import pytest

import steepest as st
from steepest.optim import line_search
from steepest.optim.line_search import StrongWolfe, as_line_search, strong_wolfe

scipy_ls = pytest.importorskip("scipy.optimize")


def along(f, df, x, d):
    """phi(t) = f(x - t d) with phi'(t) = -df(x - t d).d, and slope = df(x).d."""
    x, d = np.asarray(x, float), np.asarray(d, float)
    return (lambda t: (f(x - t * d), -float(np.dot(df(x - t * d), d)))), f(x), float(np.dot(df(x), d))


def rosen(v):
    return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2


def rosen_grad(v):
    return np.array([-2 * (1 - v[0]) - 400 * v[0] * (v[1] - v[0] ** 2), 200 * (v[1] - v[0] ** 2)])


CASES = {
    "quadratic": (
        lambda v: float(v @ np.diag([1.0, 10.0]) @ v),
        lambda v: 2 * np.array([1.0, 10.0]) * v,
        [3.0, 1.0],
    ),
    "quartic": (lambda v: float(np.sum(v**4)), lambda v: 4 * v**3, [1.5, -0.5]),
    "rosenbrock": (rosen, rosen_grad, [-1.5, 2.0]),
    "seed": (
        lambda v: float(v[0] ** 2 + 5 * np.sin(v[0])),
        lambda v: np.array([2 * v[0] + 5 * np.cos(v[0])]),
        [-5.0],
    ),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("t0", [1e-6, 1e-2, 1.0, 1e3])
@pytest.mark.parametrize("c2", [0.9, 0.1])
def test_accepted_steps_meet_both_strong_wolfe_conditions(case, t0, c2):
    f, df, x = CASES[case]
    phi, f0, slope = along(f, df, x, df(np.asarray(x, float)))
    t, value, trials, note = strong_wolfe(phi, f0, slope, t0, c1=1e-4, c2=c2)
    assert note is None and t > 0 and trials <= 25
    assert value == pytest.approx(phi(t)[0], rel=1e-12)
    assert value <= f0 - 1e-4 * t * slope  # sufficient decrease
    assert abs(phi(t)[1]) <= c2 * slope  # the slope has flattened


@pytest.mark.parametrize("case", CASES)
def test_agrees_with_scipy_on_whether_a_step_is_acceptable(case):
    f, df, x = CASES[case]
    x = np.asarray(x, float)
    d = df(x)
    phi, f0, slope = along(f, df, x, d)
    ours = strong_wolfe(phi, f0, slope, 1.0, c2=0.9)[0]
    theirs = scipy_ls.line_search(f, df, x, -d, c1=1e-4, c2=0.9)[0]
    assert theirs is not None
    for t in (ours, theirs):  # both steps satisfy the same conditions: each search accepts the other's
        value, deriv = phi(t)
        assert value <= f0 - 1e-4 * t * slope and abs(deriv) <= 0.9 * slope


def test_the_first_trial_is_taken_when_it_is_good_enough():
    calls = []

    def phi(t):
        calls.append(t)
        return (3.0 - 6.0 * t) ** 2, -12.0 * (3.0 - 6.0 * t)

    assert strong_wolfe(phi, 9.0, 36.0, 0.5) == (0.5, 0.0, 1, None)
    assert calls == [0.5]


def test_a_step_into_overflow_is_treated_as_too_long():
    def phi(t):  # phi = (1 - t)^2, but NaN past t = 3
        return ((1 - t) ** 2, -2 * (1 - t)) if t < 3 else (math.nan, math.nan)

    t, value, _, note = strong_wolfe(phi, 1.0, 2.0, 100.0)
    assert note is None and 0 < t < 3 and value < 1.0


def test_short_first_trials_are_extrapolated_by_at_most_four_times():
    seen = []

    def phi(t):
        seen.append(t)
        return (10 - t) ** 2, -2 * (10 - t)

    t, _, _, note = strong_wolfe(phi, 100.0, 20.0, 1e-3)
    assert note is None and t > 1  # from 1e-3 to the flat part near 10
    ratios = np.diff(seen[: np.argmax(seen) + 1]) / np.diff([0.0, *seen[: np.argmax(seen)]])
    assert np.all(ratios <= 4.0 + 1e-12) and len(seen) <= 12


def test_no_decrease_at_all_returns_none():
    phi = lambda t: (1.0 + t, 1.0)  # claims a downhill slope (2) but phi only rises
    t, value, trials, note = strong_wolfe(phi, 1.0, 2.0, 1.0, max_trials=10)
    assert t is None and value == 1.0 and trials == 10 and "no step decreased f" in note


def test_a_kink_keeps_the_best_point_and_says_so():
    phi = lambda t: (abs(1.0 - t), -1.0 if t < 1 else 1.0)  # |phi'| = 1 everywhere: curvature never met
    t, value, trials, note = strong_wolfe(phi, 1.0, 1.0, 0.3, max_trials=12)
    assert 0 < t and value == abs(1.0 - t) < 0.1 and trials == 12
    assert "best point found was kept" in note


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(c1=0.5, c2=0.1), ["c1", "c2"]),
        (dict(c1=0.0), ["c1"]),
        (dict(c2=1.0), ["c2"]),
        (dict(max_trials=0), ["max_trials"]),
        (dict(c1="x"), ["c1"]),
    ],
)
def test_bad_settings_are_refused(kwargs, words):
    with pytest.raises(ValueError) as err:
        StrongWolfe(**kwargs)
    assert all(w in str(err.value) for w in words)


def test_names_and_objects():
    assert isinstance(as_line_search("wolfe"), StrongWolfe)
    assert isinstance(as_line_search("strong_wolfe"), StrongWolfe)
    s = StrongWolfe(c2=0.1)
    assert as_line_search(s) is s and repr(s) == "StrongWolfe(c1=0.0001, c2=0.1, max_trials=25)"


def test_minimize_with_wolfe_counts_a_gradient_per_trial():
    calls = []

    def f(x):
        calls.append(1)
        return x**2 + 5 * st.sin(x)

    res = st.minimize(f, -5.0, lr=1.0, line_search="wolfe", tol=1e-6)
    assert res.converged and res.status == "gtol" and res.x == pytest.approx(-1.1105, abs=1e-4)
    assert res.n_fev == len(calls) == res.n_gev  # every Wolfe trial takes f and its gradient
    assert np.all(np.diff(res.values) < 0)
    assert len(res.lrs) == res.n_iter and np.all(res.lrs > 0)


def test_minimize_keeps_the_best_point_of_a_failed_wolfe_search():
    res = st.minimize(lambda x: st.abs(x), 1.0, lr=0.3, line_search="wolfe", tol=0.0)
    assert res.status == "line_search" and not res.converged
    assert "best point found was kept" in res.reason and abs(res.x) < 1e-6
    assert res.n_iter == 1 and len(res.path) == 2 and res.path[-1] == res.x


def test_docstring_examples():
    result = doctest.testmod(line_search)
    assert result.failed == 0 and result.attempted >= 2
