"""The graph walks: backward, gradient accumulation, memory, no_grad, higher order, gradients, tangents."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest
import torch

import steepest as st
from steepest.autodiff import gradients, tangents

# --- long graphs ---------------------------------------------------------------------------------


def test_chain_of_100_000_nodes_backward_and_is_freed():
    x = st.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0  # two nodes per step, no recursion anywhere
    middle = weakref.ref(y._inputs[0]._inputs[0])
    y.backward()
    assert x.grad.item() == 1.0
    assert middle() is not None
    del y
    assert middle() is None  # the graph holds no cycles: refcounting frees it, no gc needed


def test_deep_chain_of_real_ops_matches_the_closed_form():
    x = st.tensor(0.3, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = st.sin(y)
    y.backward()
    v, d = 0.3, 1.0
    for _ in range(10_000):
        d *= np.cos(v)
        v = np.sin(v)
    np.testing.assert_allclose(y.item(), v, rtol=1e-12)
    np.testing.assert_allclose(x.grad.item(), d, rtol=1e-9)


# --- accumulation and the shape of the graph ---------------------------------------------------------


def test_grad_accumulates_across_backward_calls_until_zeroed():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])
    y.backward()  # the graph is kept: backward may run again, and adds
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [7.0, 11.0])
    x.zero_grad()
    assert x.grad is None
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_non_leaf_used_twice_against_torch():
    a = np.array([0.3, -1.2, 2.0])
    x, tx = st.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)

    def f(x, lib):
        h = lib.tanh(x * 2.0)  # h feeds three consumers, one of them twice
        k = h * h + h
        return (k * h + lib.exp(h)).sum()

    y, ty = f(x, st), f(tx, torch)
    y.backward()
    ty.backward()
    np.testing.assert_allclose(y.item(), ty.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)


def test_same_leaf_on_both_sides_and_diamonds():
    x = st.tensor(3.0, requires_grad=True)
    a, b = x * 2.0, x + 1.0
    (a * b + x * x).backward()  # d/dx (2x(x+1) + x^2) = 6x + 2
    assert x.grad.item() == 20.0


def test_non_leaves_get_no_grad():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    y = (h * h).sum()
    y.backward()
    assert h.grad is None and y.grad is None
    assert x.grad is not None


def test_constants_get_no_grad():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    c = st.tensor([3.0, 4.0])
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


# --- backward's arguments and errors --------------------------------------------------------------


def test_backward_on_a_non_scalar_needs_grad_or_a_reduction():
    y = st.tensor([1.0, 2.0], requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*\.sum\(\).*grad="):
        y.backward()


def test_backward_with_an_explicit_grad():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward([1.0, 0.5])
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but the tensor has shape \(2,\)"):
        (x * x).backward(np.ones(3))


def test_one_element_non_scalar_starts_implicitly():
    x = st.tensor([[2.0]], requires_grad=True)
    (x * x).backward()
    assert x.grad.item() == 4.0


def test_backward_on_a_tensor_without_history_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        st.tensor(1.0).backward()
    with pytest.raises(TypeError, match="expected a Tensor"):
        st.backward(np.ones(2))


# --- no_grad and detach ---------------------------------------------------------------------------


def test_no_grad_records_nothing_and_restores_the_mode():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    assert st.is_grad_enabled()
    with st.no_grad():
        assert not st.is_grad_enabled()
        y = x * 2.0 + st.sin(x)
        with st.enable_grad():
            z = x * 3.0
        assert not st.is_grad_enabled()
    assert st.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad and z.op_name == "mul"


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(ZeroDivisionError), st.no_grad():
        _ = 1 / 0
    assert st.is_grad_enabled()


def test_no_grad_as_a_decorator():
    @st.no_grad()
    def step(x):
        """Docstring kept."""
        return x * 2.0

    x = st.tensor(1.0, requires_grad=True)
    assert not step(x).requires_grad
    assert step.__name__ == "step" and step.__doc__ == "Docstring kept."
    assert st.is_grad_enabled()


def test_detach_stops_the_gradient():
    x = st.tensor(2.0, requires_grad=True)
    y = x * x.detach()  # d/dx = x (the detached factor is a constant)
    y.backward()
    assert x.grad.item() == 2.0


# --- memory: intermediate gradients are freed as soon as they are used ----------------------------


def test_intermediate_gradients_are_freed_as_the_walk_goes():
    n, size = 40, 100_000  # each array is 800 kB
    x = st.tensor(np.linspace(-1.0, 1.0, size), requires_grad=True)
    y = x
    for _ in range(n):
        y = st.tanh(y) * 0.9
    total = y.sum()
    array = size * 8
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        total.backward()
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 2n gradients flow; keeping them all would take 80 arrays. A handful are alive at once.
    assert peak - before < 6 * array, f"peak {(peak - before) / array:.1f} arrays during backward"
    assert after - before < 2 * array, f"{(after - before) / array:.1f} arrays left after backward"


# --- higher order ---------------------------------------------------------------------------------


def test_second_derivative_of_cube_against_torch():
    a = np.array([-1.5, 0.5, 2.0])
    x, tx = st.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    dx = x.grad
    assert isinstance(dx, st.Tensor) and dx.requires_grad
    np.testing.assert_allclose(dx.data, 3 * a**2)
    (d2,) = gradients(dx.sum(), [x])
    (tdx,) = torch.autograd.grad((tx**3).sum(), tx, create_graph=True)
    (td2,) = torch.autograd.grad(tdx.sum(), tx)
    np.testing.assert_allclose(d2, 6 * a, rtol=1e-12)
    np.testing.assert_allclose(d2, td2.numpy(), rtol=1e-12)


def test_third_derivative_through_gradients():
    x = st.tensor(0.7, requires_grad=True)
    y = st.sin(x) * x
    (d1,) = gradients(y, [x], create_graph=True)
    (d2,) = gradients(d1, [x], create_graph=True)
    (d3,) = gradients(d2, [x])
    # (x sin x)''' = -3 sin x - x cos x
    np.testing.assert_allclose(d3, -3 * np.sin(0.7) - 0.7 * np.cos(0.7), rtol=1e-12)


def test_create_graph_false_gives_plain_gradients():
    x = st.tensor(2.0, requires_grad=True)
    (x ** 3).backward()
    assert not x.grad.requires_grad and x.grad.is_leaf


# --- gradients (the functional form) ---------------------------------------------------------------


def test_gradients_touches_no_grad():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    (g,) = gradients((x * x).sum(), [x])
    np.testing.assert_array_equal(g, [2.0, 4.0])
    assert x.grad is None and isinstance(g, np.ndarray)


def test_gradients_of_several_outputs_with_one_grad_output_each():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    y = st.tensor(3.0, requires_grad=True)
    outs = [x * y, (x * x).sum()]
    gx, gy = gradients(outs, [x, y], grad_outputs=[np.array([1.0, -1.0]), None])
    # d/dx (<w, x y> + |x|^2) = w y + 2x;  d/dy = <w, x>
    np.testing.assert_array_equal(gx, [3.0 + 2.0, -3.0 + 4.0])
    np.testing.assert_array_equal(gy, -1.0)

    tx, ty = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor(3.0, requires_grad=True)
    tgx, tgy = torch.autograd.grad([tx * ty, (tx * tx).sum()], [tx, ty],
                                   grad_outputs=[torch.tensor([1.0, -1.0]), None])
    np.testing.assert_array_equal(gx, tgx.numpy())
    np.testing.assert_array_equal(gy, tgy.numpy())


def test_gradients_of_several_scalar_outputs_without_grad_outputs_add_up():
    x = st.tensor(2.0, requires_grad=True)
    (g,) = gradients([x * x, x * 3.0], [x])
    assert g == 7.0


def test_gradients_several_outputs_and_a_lone_grad_output_is_a_clear_error():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    outs = [x * 2.0, x * 3.0]
    with pytest.raises(ValueError, match="2 outputs but a single grad_outputs; pass a sequence"):
        gradients(outs, [x], grad_outputs=np.ones(2))
    with pytest.raises(ValueError, match="2 outputs but 1 grad_outputs"):
        gradients(outs, [x], grad_outputs=[np.ones(2)])


def test_gradients_single_output_takes_any_array_like():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    for w in ([1.0, 1.0], np.ones(2), st.tensor([1.0, 1.0])):
        (g,) = gradients(x * 2.0, [x], grad_outputs=w)
        np.testing.assert_array_equal(g, [2.0, 2.0])
    (g,) = gradients([x * 2.0], [x], grad_outputs=np.ones(2))  # a one-output list, one array
    np.testing.assert_array_equal(g, [2.0, 2.0])


def test_gradients_of_inputs_not_reached_are_zeros():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    unused = st.tensor(np.ones((2, 2), np.float32), requires_grad=True)
    gx, gu = gradients((x * x).sum(), [x, unused])
    np.testing.assert_array_equal(gx, [2.0, 4.0])
    assert gu.shape == (2, 2) and gu.dtype == np.float32 and not gu.any()
    gx, gu = gradients((x * x).sum(), [x, unused], create_graph=True)
    assert isinstance(gu, st.Tensor) and not gu.data.any()


def test_gradients_with_respect_to_an_intermediate():
    x = st.tensor(2.0, requires_grad=True)
    h = x * x
    y = h * 3.0 + x
    gh, gx = gradients(y, [h, x])
    assert gh == 3.0 and gx == 13.0  # total derivative: through h and directly


def test_gradients_of_an_output_without_history():
    x = st.tensor(1.0, requires_grad=True)
    (g,) = gradients(st.tensor(2.0), [x])
    assert g == 0.0


# --- tangents (forward mode) -------------------------------------------------------------------


def test_tangents_directional_derivative():
    a = np.array([0.2, -0.4, 1.1])
    v = np.array([1.0, 2.0, -0.5])
    x = st.tensor(a, requires_grad=True)
    y = st.sin(x) * x
    s = y.sum()
    dy, ds = tangents([y, s], [x], [v])
    np.testing.assert_allclose(dy, (np.cos(a) * a + np.sin(a)) * v, rtol=1e-12)
    np.testing.assert_allclose(ds, np.sum((np.cos(a) * a + np.sin(a)) * v), rtol=1e-12)
    (g,) = gradients(s, [x])
    np.testing.assert_allclose(ds, g @ v, rtol=1e-12)  # forward and reverse mode agree


def test_tangents_against_torch_jvp_with_two_inputs():
    a, b = np.array([[0.5, 1.0], [2.0, -1.0]]), np.array([0.3, 0.7])
    da, db = np.array([[1.0, 0.0], [0.5, 2.0]]), np.array([-1.0, 1.0])
    x, y = st.tensor(a, requires_grad=True), st.tensor(b, requires_grad=True)
    (dz,) = tangents([st.tanh(x @ y) * y], [x, y], [da, db])
    _, expected = torch.func.jvp(lambda p, q: torch.tanh(p @ q) * q, (torch.tensor(a), torch.tensor(b)),
                                 (torch.tensor(da), torch.tensor(db)))
    np.testing.assert_allclose(dz, expected.numpy(), rtol=1e-12)


def test_tangents_of_unreached_outputs_are_zeros_and_numbers_are_accepted():
    x = st.tensor(2.0, requires_grad=True)
    other = st.tensor([1.0, 1.0], requires_grad=True) * 2.0
    d_sq, d_other = tangents([x * x, other], [x], [1.0])
    assert d_sq == 4.0
    np.testing.assert_array_equal(d_other, [0.0, 0.0])
    with pytest.raises(ValueError, match=r"tangent of shape \(2,\) for an input of shape \(\)"):
        tangents([x * x], [x], [np.ones(2)])
    with pytest.raises(ValueError, match="1 inputs but 2 tangents"):
        tangents([x * x], [x], [1.0, 2.0])


# --- the plain pass writes only into arrays it allocated itself -------------------------------------


def test_in_place_gradient_buffers_never_touch_visible_arrays():
    a, c = np.array([0.5, -1.0, 2.0]), np.array([3.0, 4.0, 5.0])
    x = st.tensor(a, requires_grad=True)
    w = np.array([1.0, 2.0, 3.0])
    h = st.exp(x * c)  # the factors are c (a caller's array) and h's own value
    before_h, before_c, before_w = h.data.copy(), c.copy(), w.copy()
    (h * 2.0).backward(w)
    np.testing.assert_array_equal(h.data, before_h)
    np.testing.assert_array_equal(c, before_c)
    np.testing.assert_array_equal(w, before_w)
    np.testing.assert_allclose(x.grad.data, w * 2.0 * before_h * c, rtol=1e-15)


def test_a_gradient_sent_to_two_inputs_is_not_written_into():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    y = st.tensor([3.0, 4.0], requires_grad=True)
    s = x + y  # both inputs receive the same incoming array
    (st.sin(s) * 1.0 + x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.cos([4.0, 6.0]) + 2 * np.array([1.0, 2.0]), rtol=1e-15)
    np.testing.assert_allclose(y.grad.data, np.cos([4.0, 6.0]), rtol=1e-15)
    pairs = [(lambda x: x + x, lambda x: x + x), (lambda x: x * x, lambda x: x * x),
             (lambda x: x - x * 3.0, lambda x: x - x * 3.0),
             (lambda x: st.exp(x) * x, lambda x: torch.exp(x) * x)]
    for st_fn, th_fn in pairs:
        x = st.tensor([0.5, 1.5], requires_grad=True)
        tx = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
        (st_fn(x) * 2.0).sum().backward()
        (th_fn(tx) * 2.0).sum().backward()
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-13)


def test_an_earlier_grad_the_caller_holds_is_not_changed_by_the_next_backward():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).sum().backward()
    first = x.grad
    kept = first.data.copy()
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(first.data, kept)
    np.testing.assert_array_equal(x.grad.data, 2 * kept)


def test_gradients_of_a_target_and_what_it_passes_through_are_separate():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    h = x + 0.0  # h's gradient flows to x unchanged
    gh, gx = gradients(st.sin(h) * 1.0, [h, x], grad_outputs=np.ones(2))
    assert not np.shares_memory(gh, gx)
    np.testing.assert_allclose(gh, np.cos([1.0, 2.0]), rtol=1e-15)
    np.testing.assert_allclose(gx, np.cos([1.0, 2.0]), rtol=1e-15)
