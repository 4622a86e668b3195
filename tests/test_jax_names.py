"""What a JAX user types first (issue 12): jacfwd, jacrev, vmap, and grad over pytrees."""

import numpy as np
import pytest
import torch

import steepest as st


def f_vec(x):
    return st.stack([x[0] * x[1], st.sin(x[1]) + x[2] ** 2, st.exp(x[0])])


def test_jacfwd_and_jacrev_match_torch_func():
    x = np.array([0.3, -1.2, 2.0])

    def tf(t):
        return torch.stack([t[0] * t[1], torch.sin(t[1]) + t[2] ** 2, torch.exp(t[0])])

    expected = torch.func.jacfwd(tf)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(st.jacfwd(f_vec)(x), expected, rtol=1e-14)
    np.testing.assert_allclose(st.jacrev(f_vec)(x), expected, rtol=1e-14)
    np.testing.assert_allclose(st.jacfwd(st.jacrev(lambda v: (v ** 3).sum()))(x), np.diag(6 * x), rtol=1e-14)


def test_vmap_maps_over_the_leading_axis_with_in_axes_and_out_axes():
    rng = np.random.default_rng(0)
    X, W = rng.standard_normal((5, 3)), rng.standard_normal((3, 2))
    out = st.vmap(lambda x, w: x @ w, in_axes=(0, None))(X, W)
    np.testing.assert_allclose(out, X @ W, rtol=1e-14)
    out = st.vmap(lambda x, w: x @ w, in_axes=(0, None), out_axes=1)(X, W)
    np.testing.assert_allclose(out, (X @ W).T, rtol=1e-14)
    cols = st.vmap(lambda c: c.sum(), in_axes=1)(X)  # map over columns
    np.testing.assert_allclose(cols, X.sum(axis=0), rtol=1e-14)
    per_example = st.vmap(st.grad(lambda x: (x ** 3).sum()))(X)  # per-example gradients
    np.testing.assert_allclose(per_example, 3 * X ** 2, rtol=1e-14)
    pair = st.vmap(lambda d: (d["a"] * 2, d["a"].sum()))({"a": X})  # pytrees in and out
    np.testing.assert_allclose(pair[0], 2 * X)
    np.testing.assert_allclose(pair[1], X.sum(axis=1))


def test_vmap_inside_grad_keeps_the_graph():
    X = np.arange(6.0).reshape(3, 2)
    w0 = np.array([0.5, -1.0])

    def loss(w):
        return (st.vmap(lambda x: (x * w).sum() ** 2)(X)).sum()

    np.testing.assert_allclose(st.grad(loss)(w0), 2 * X.T @ (X @ w0), rtol=1e-14)


def test_vmap_errors_are_clear():
    with pytest.raises(ValueError, match=r"different sizes \[2, 3\]"):
        st.vmap(lambda a, b: a + b)(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="no axis 1 to map over"):
        st.vmap(lambda a: a, in_axes=1)(np.ones(3))
    with pytest.raises(ValueError, match="no argument is mapped"):
        st.vmap(lambda a: a, in_axes=None)(np.ones(3))


def test_grad_over_dicts_lists_and_tuples_as_jax():
    params = {"w": np.array([1.0, 2.0]), "layers": [np.array([[1.0, 0.5]]), (3.0, None)]}

    def loss(p):
        w, (m, (b, _)) = p["w"], p["layers"]
        return (w ** 2).sum() + (m * w).sum() * b

    g = st.grad(loss)(params)
    assert set(g) == {"w", "layers"} and isinstance(g["layers"], list) and isinstance(g["layers"][1], tuple)
    np.testing.assert_allclose(g["w"], 2 * params["w"] + 3.0 * params["layers"][0][0])
    np.testing.assert_allclose(g["layers"][0], 3.0 * params["w"][None, :])
    assert g["layers"][1] == (1.0 * 1.0 + 0.5 * 2.0, None) and isinstance(g["layers"][1][0], float)
    both = st.value_and_grad(lambda p, b: (p["w"] * b).sum(), argnums=(0, 1))
    value, (gw, gb) = both({"w": np.ones(2)}, 4.0)
    assert value == 8.0 and gb == 2.0
    np.testing.assert_array_equal(gw["w"], [4.0, 4.0])
    np.testing.assert_array_equal(st.grad(lambda v: (v * v).sum())([1.0, 2.0]), [2.0, 4.0])  # still an array


def test_vjp_and_jvp_take_pytrees():
    p = {"a": np.array([1.0, 2.0]), "b": 3.0}
    value, pullback = st.vjp(lambda q: q["a"] * q["b"], p)
    (g,) = pullback(np.array([1.0, 1.0]))
    np.testing.assert_array_equal(g["a"], [3.0, 3.0])
    assert g["b"] == 3.0
    _, dz = st.jvp(lambda q: q["a"] * q["b"], (p,), ({"a": np.array([1.0, 0.0]), "b": 1.0},))
    np.testing.assert_array_equal(dz, [3.0 + 1.0, 2.0])
    with pytest.raises(ValueError, match="tangent 0 is a leaf, its primal a dict"):
        st.jvp(lambda q: q["b"], (p,), (1.0,))
    with pytest.raises(TypeError, match="jacobian: the argument is a dict of arrays; pass one array"):
        st.jacobian(lambda q: q["a"])(p)
