"""Worked examples of the issue, reproduced with steepest."""

import numpy as np

import steepest as st


def test_sum_times_product():
    x, y, z = (st.tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    f = (x + y) * z
    f.backward()
    assert f.item() == -12.0
    assert (x.grad.item(), y.grad.item(), z.grad.item()) == (-4.0, -4.0, 3.0)


def test_sigmoid_neuron():
    w = st.tensor([2.0, -3.0, -3.0], requires_grad=True)
    x = st.tensor([-1.0, -2.0], requires_grad=True)
    f = st.sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])
    f.backward()
    np.testing.assert_allclose(f.item(), 0.7311, atol=1e-4)
    np.testing.assert_allclose(x.grad.data, [0.3932, -0.5898], atol=1e-4)
    np.testing.assert_allclose(w.grad.data, [-0.1966, -0.3932, 0.1966], atol=1e-4)


def test_micrograd_readme_expression():
    a = st.tensor(-4.0, requires_grad=True)
    b = st.tensor(2.0, requires_grad=True)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + st.relu(b + a)
    d = d + 3 * d + st.relu(b - a)
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    np.testing.assert_allclose(g.item(), 24.7041, atol=1e-4)
    np.testing.assert_allclose(a.grad.item(), 138.8338, atol=1e-4)
    np.testing.assert_allclose(b.grad.item(), 645.5773, atol=1e-4)
