"""Function transforms: the seeds' numbers, the kinds that come back, higher order, and the op
registry's Hessians and jvps against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import steepest as st
import steepest.transforms as transforms
from test_ops import CASES, OP_NAMES, all_cases, close, inputs_for


def seed_f(x):
    return x ** 2 + 5 * st.sin(x)


def phi(x):
    return 9 * x[0] ** 2 + x[1] ** 2


# --- the seeds ---------------------------------------------------------------------------------------
def test_gradient_of_phi_at_1_2():
    g = st.grad(phi)(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, [18.0, 4.0], rtol=1e-15)


def test_directional_derivative_of_phi():
    u = np.array([np.sqrt(3) / 2, 0.5])
    d = st.directional_derivative(phi, np.array([1.0, 2.0]), u)
    assert isinstance(d, float)
    assert d == pytest.approx(9 * np.sqrt(3) + 2, rel=1e-15)
    assert d == pytest.approx(st.grad(phi)(np.array([1.0, 2.0])) @ u, rel=1e-15)


def test_directional_derivative_is_not_normalised():
    u = np.array([3.0, 4.0])
    assert st.directional_derivative(phi, [1.0, 2.0], u) == pytest.approx(18 * 3 + 4 * 4)


def test_gradient_is_perpendicular_to_the_level_set():
    # along the tangent of the ellipse 9 x1^2 + x2^2 = 13 at (1, 2), phi does not change
    x = np.array([1.0, 2.0])
    g = st.grad(phi)(x)
    tangent = np.array([-g[1], g[0]])
    assert st.directional_derivative(phi, x, tangent) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("x", [-5.0, -1.1107, 0.0, 5.0])
def test_grad_of_seed_function_is_a_float(x):
    g = st.grad(seed_f)(x)
    assert type(g) is float
    assert g == pytest.approx(2 * x + 5 * np.cos(x), rel=1e-14, abs=1e-14)


def test_grad_of_tanh():
    assert st.grad(st.tanh)(1.0) == pytest.approx(0.419974341614026, rel=1e-14)


def test_second_and_third_derivatives_of_cube():
    cube = lambda x: x ** 3
    assert st.grad(st.grad(cube))(2.0) == pytest.approx(12.0)
    assert st.grad(st.grad(st.grad(cube)))(2.0) == pytest.approx(6.0)
    assert st.grad(st.grad(st.grad(st.grad(cube))))(2.0) == pytest.approx(0.0)


def test_fourth_derivative_of_sin_is_sin():
    d4 = st.grad(st.grad(st.grad(st.grad(st.sin))))
    assert d4(0.7) == pytest.approx(np.sin(0.7), rel=1e-13)


# --- kinds in, kinds out ---------------------------------------------------------------------------
def test_kinds_follow_the_argument():
    f = lambda x: (x * x).sum()
    assert type(st.grad(f)(3.0)) is float
    assert type(st.grad(f)(np.float64(3.0))) is float
    g = st.grad(f)([1.0, 2.0])
    assert type(g) is np.ndarray and g.tolist() == [2.0, 4.0]
    t = st.grad(f)(st.tensor([1.0, 2.0]))
    assert isinstance(t, st.Tensor) and t.tolist() == [2.0, 4.0] and not t.requires_grad
    assert st.grad(f)(2) == 4.0  # an integer means the point 2.0


def test_float32_stays_float32():
    g = st.grad(lambda x: (x * x).sum())(np.ones(3, np.float32))
    assert g.dtype == np.float32


def test_value_and_grad_argnums_and_aux():
    f = lambda x, y: (x * y, {"note": 1})
    (value, aux), (gx, gy) = st.value_and_grad(f, argnums=(0, 1), has_aux=True)(3.0, 4.0)
    assert (value, aux, gx, gy) == (12.0, {"note": 1}, 4.0, 3.0)
    g, aux = st.grad(f, argnums=1, has_aux=True)(3.0, 4.0)
    assert (g, aux) == (3.0, {"note": 1})


def test_arguments_are_not_mutated_and_not_aliased():
    x = np.array([1.0, 2.0])
    g = st.grad(lambda t: (t * t).sum())(x)
    g[0] = 100.0
    assert x.tolist() == [1.0, 2.0]


def test_function_that_ignores_its_argument_has_zero_gradient():
    assert st.grad(lambda x: 3.0)(1.0) == 0.0
    np.testing.assert_array_equal(st.grad(lambda x, y: st.sum(y * y))(np.ones(2), np.ones(3)), [0.0, 0.0])


def test_non_scalar_output_says_to_reduce_or_use_jacobian():
    with pytest.raises(ValueError, match=r"shape \(3,\).*\.sum\(\) or \.mean\(\).*st\.jacobian"):
        st.grad(lambda x: x * 2)(np.ones(3))


def test_bad_arguments():
    with pytest.raises(TypeError, match="expected a function"):
        st.grad(3.0)(1.0)
    with pytest.raises(ValueError, match="argnums 2 is out of range"):
        st.grad(lambda x: x, argnums=2)(1.0)
    with pytest.raises(TypeError, match="argument 0 must be a number"):
        st.grad(lambda x: x)("a")
    with pytest.raises(TypeError, match="pair"):
        st.grad(lambda x: x, has_aux=True)(1.0)


def test_transforms_differentiate_inside_no_grad():
    with st.no_grad():
        assert st.grad(seed_f)(0.0) == pytest.approx(5.0)


# --- nesting -----------------------------------------------------------------------------------------
def test_no_perturbation_confusion():
    # d/dx [x * d/dy (x y)] = d/dx x^2 = 2x, and d/dx [d/dy (x y) at y = x] = d/dx x = 1
    assert st.grad(lambda x: x * st.grad(lambda y: x * y)(3.0))(2.0) == pytest.approx(4.0)
    assert st.grad(lambda x: st.grad(lambda y: x * y)(x))(2.0) == pytest.approx(1.0)


def test_grad_of_a_traced_tensor_is_differentiable():
    x = st.tensor(2.0, requires_grad=True)
    g = st.grad(lambda t: t ** 3)(x)  # 3 x^2, recorded
    assert g.requires_grad and g.item() == pytest.approx(12.0)
    g.backward()
    assert x.grad.item() == pytest.approx(12.0)  # 6 x


def test_grad_of_hessian_against_torch():
    x = np.array([0.3, -1.2, 0.8])
    f = lambda t: (st.sin(t) * t ** 2).sum()
    ours = st.grad(lambda t: st.hessian(f)(t).sum())(x)
    tx = torch.tensor(x, requires_grad=True)
    H = torch.autograd.functional.hessian(lambda t: (torch.sin(t) * t ** 2).sum(), tx, create_graph=True)
    (expected,) = torch.autograd.grad(H.sum(), tx)
    np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-12)


# --- vjp, jvp, jacobian, hessian, hvp ----------------------------------------------------------------
def test_vjp_can_pull_back_many_cotangents():
    value, pullback = st.vjp(lambda x, y: x * y, np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.testing.assert_array_equal(value, [3.0, 8.0])
    gx, gy = pullback(np.array([1.0, 0.0]))
    np.testing.assert_array_equal(gx, [3.0, 0.0])
    np.testing.assert_array_equal(gy, [1.0, 0.0])
    gx, _ = pullback(np.array([0.0, 1.0]))
    np.testing.assert_array_equal(gx, [0.0, 4.0])
    with pytest.raises(ValueError, match=r"cotangent has shape \(3,\).*shape \(2,\)"):
        pullback(np.ones(3))


def test_jvp_is_forward_mode(monkeypatch):
    # no reverse sweep at all: jvp works with gradients() disabled
    def forbidden(*args, **kwargs):
        raise AssertionError("jvp ran a reverse sweep")

    monkeypatch.setattr(transforms, "gradients", forbidden)
    value, dz = st.jvp(lambda x, y: 9 * x ** 2 + y ** 2, (1.0, 2.0), (1.0, 0.0))
    assert (value, dz) == (13.0, 18.0)


def test_jvp_errors():
    with pytest.raises(ValueError, match=r"tangent 0 has shape \(2,\) but its primal has shape \(3,\)"):
        st.jvp(lambda x: x, (np.ones(3),), (np.ones(2),))
    with pytest.raises(TypeError, match="tuples"):
        st.jvp(lambda x: x, 1.0, 1.0)


def _torch_vector_fn(x):
    return torch.stack([x[0] * x[1], torch.sin(x[2]), x[0] ** 2 * x[2], torch.exp(x[1]) + x[2]])


def _st_vector_fn(x):
    return st.stack([x[0] * x[1], st.sin(x[2]), x[0] ** 2 * x[2], st.exp(x[1]) + x[2]])


@pytest.mark.parametrize("mode", ["auto", "fwd", "rev"])
def test_jacobian_against_torch(mode):
    x = np.array([0.5, -1.0, 2.0])
    J = st.jacobian(_st_vector_fn, mode=mode)(x)
    expected = torch.autograd.functional.jacobian(_torch_vector_fn, torch.tensor(x))
    assert J.shape == (4, 3)
    np.testing.assert_allclose(J, expected.numpy(), rtol=1e-14)


def test_jacobian_of_matrix_function_has_output_then_input_shape():
    x = np.arange(6.0).reshape(2, 3)
    J = st.jacobian(lambda t: t.sum(axis=0) * 2)(x)
    assert J.shape == (3, 2, 3)
    np.testing.assert_array_equal(J[1], [[0, 2, 0], [0, 2, 0]])


def test_hessian_of_phi_and_of_a_scalar():
    np.testing.assert_array_equal(st.hessian(phi)([1.0, 2.0]), [[18.0, 0.0], [0.0, 2.0]])
    assert st.hessian(seed_f)(1.0) == pytest.approx(2 - 5 * np.sin(1.0))


def test_hvp_equals_hessian_times_v():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((5, 5))
    f = lambda x: st.tanh(x @ A).sum() + (x ** 4).sum()
    x, v = rng.standard_normal(5), rng.standard_normal(5)
    np.testing.assert_allclose(st.hvp(f, x, v), st.hessian(f)(x) @ v, rtol=1e-12)


def test_hvp_names_a_direction_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"hvp: v has shape \(2,\) but x has shape \(3,\)"):
        st.hvp(lambda x: (x ** 2).sum(), np.ones(3), np.ones(2))


def test_hvp_on_a_thousand_parameters():
    x = np.linspace(-1, 1, 1000)
    v = np.cos(np.arange(1000.0))
    hv = st.hvp(lambda t: (t ** 4).sum() + (t[1:] * t[:-1]).sum(), x, v)
    expected = 12 * x ** 2 * v
    expected[1:] += v[:-1]
    expected[:-1] += v[1:]
    np.testing.assert_allclose(hv, expected, rtol=1e-12, atol=1e-12)


# --- the op registry against PyTorch --------------------------------------------------------------------
def _float64_cases(name):
    return [(i, c) for i, c in all_cases(name) if c.dtype == np.float64 and c.smooth]


def _weighted_in_slot(fn, args, k, w):
    """xk -> <w, fn(args with args[k] = xk)>"""
    def weighted(xk):
        return (fn(*args[:k], xk, *args[k + 1:]) * w).sum()
    return weighted


@pytest.mark.parametrize("name", OP_NAMES)
def test_hessians_of_the_registry_against_torch(name):
    """For F(x) = <w, op(x, others)>, the Hessian in each input matches torch.autograd.functional."""
    for i, case in _float64_cases(name)[:3]:
        arrays = inputs_for(name, i, case)
        w = np.random.default_rng(300 + i).standard_normal(np.shape(case.st_fn(*map(st.tensor, arrays)).data))
        for k in range(len(arrays)):
            ours = _weighted_in_slot(case.st_fn, [st.tensor(a) for a in arrays], k, w)
            theirs = _weighted_in_slot(case.th_fn, [torch.tensor(a) for a in arrays], k, torch.tensor(w))
            H = st.hessian(ours)(arrays[k])
            expected = torch.autograd.functional.hessian(theirs, torch.tensor(arrays[k]))
            close(np.asarray(H), expected, case.dtype, f"{name} {case} Hessian in input {k}")


@pytest.mark.parametrize("name", OP_NAMES)
def test_jvps_of_the_registry_against_torch(name):
    for i, case in all_cases(name):
        arrays = inputs_for(name, i, case)
        rng = np.random.default_rng(400 + i)
        us = tuple(rng.standard_normal(a.shape).astype(a.dtype) for a in arrays)
        value, dz = st.jvp(case.st_fn, tuple(arrays), us)
        tvalue, expected = torch.func.jvp(case.th_fn, tuple(torch.tensor(a) for a in arrays),
                                          tuple(torch.tensor(u) for u in us))
        close(np.asarray(value), tvalue, case.dtype, f"{name} {case} jvp value")
        close(np.asarray(dz), expected, case.dtype, f"{name} {case} jvp")


def test_registry_table_is_shared():
    assert set(CASES) == set(st.OPS)
