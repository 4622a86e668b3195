"""check_grad: quiet when the engine is right, a readable report when it is not."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import steepest as st
from steepest.ops.core import Op, record
from steepest.tensor import Tensor


def _square_with(vjp_factor: float, jvp_factor: float):
    """x^2 as an unregistered primitive whose rules are scaled: 2 and 2 is right, others are wrong."""
    op = Op("square", (lambda g, z, x: vjp_factor * g * x,), (lambda dx, z, x: jvp_factor * dx * x,),
            ("real",), False)
    return lambda x: record(x.data ** 2, op, (x,))


def test_quiet_when_right():
    rng = np.random.default_rng(0)
    assert st.check_grad(lambda x: x * st.sin(x), 0.7) is None
    st.check_grad(lambda a, b: st.tanh(a @ b), rng.standard_normal((3, 4)), rng.standard_normal((4, 2)))
    st.check_grad(lambda x: st.logsumexp(x, axis=1), rng.standard_normal((2, 5)))
    st.check_grad(_square_with(2.0, 2.0), np.array([0.5, -1.5]))


def test_catches_a_detached_factor():
    with pytest.raises(st.GradientCheckError) as info:
        st.check_grad(lambda x: (x * x.detach()).sum(), np.array([1.0, 2.0, 3.0]))
    message = str(info.value)
    assert "input 0 (shape (3,)): 3 of 3 entries disagree" in message
    # the worst entry first: at x = 3 the engine says 3, the truth is 6
    worst = message.splitlines()[3].split()
    assert worst[0] == "(2,)"
    assert float(worst[1]) == pytest.approx(3.0) and float(worst[2]) == pytest.approx(6.0)
    assert "forward mode" in message


def test_names_the_input_that_disagrees():
    with pytest.raises(st.GradientCheckError) as info:
        st.check_grad(lambda a, b: (a * b.detach()).sum() + (b * b).sum(), np.ones(2), np.ones((2, 2)))
    message = str(info.value)
    assert "input 1 (shape (2, 2))" in message and "input 0" not in message


def test_catches_a_wrong_vjp_rule_alone():
    with pytest.raises(st.GradientCheckError, match="input 0") as info:
        st.check_grad(_square_with(3.0, 2.0), np.array([0.5, -1.5]))
    assert "forward mode" not in str(info.value)


def test_catches_a_wrong_jvp_rule_alone():
    with pytest.raises(st.GradientCheckError, match="forward mode") as info:
        st.check_grad(_square_with(2.0, 3.0), np.array([0.5, -1.5]))
    assert "input 0" not in str(info.value)


def test_vector_output_is_weighted():
    with pytest.raises(st.GradientCheckError, match=r"w \. f\(x\).*shape \(3,\)"):
        st.check_grad(lambda x: x * x.detach(), np.array([1.0, 2.0, 3.0]))


def test_float32_warns_and_checks_in_float64():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        st.check_grad(lambda x: (x ** 3).sum(), np.array([0.3, 0.7], np.float32))
    assert any("float32" in str(w.message) for w in caught)


def test_does_not_mutate_its_arguments():
    x = np.array([0.1, 0.2])
    t = Tensor(x)
    st.check_grad(lambda a, b: (a * b).sum(), x, t)
    assert x.tolist() == [0.1, 0.2] and t.tolist() == [0.1, 0.2]


def test_tolerances_and_bad_input():
    # a coarse eps makes central differences of x^3 off by eps^2: caught with a tight atol/rtol
    with pytest.raises(st.GradientCheckError):
        st.check_grad(lambda x: x ** 3, 1.0, eps=1e-1, atol=0.0, rtol=1e-6)
    st.check_grad(lambda x: x ** 3, 1.0, eps=1e-1, atol=0.02, rtol=0.0)
    with pytest.raises(ValueError, match="eps must be positive"):
        st.check_grad(lambda x: x, 1.0, eps=0.0)
    with pytest.raises(TypeError, match="argument 0 must be numbers"):
        st.check_grad(lambda x: x, "a")
    with pytest.raises(st.GradientCheckError, match="not finite"):
        st.check_grad(lambda x: st.log(x), -1.0)


@pytest.mark.parametrize("name", ["steepest.transforms", "steepest.check", "steepest.jax_api",
                                  "steepest.pytree", "steepest.ops.creation"])
def test_docstring_examples(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
