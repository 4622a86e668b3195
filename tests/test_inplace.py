"""In-place operators and methods, and the check that backward never uses an overwritten value
(issue 12: `w -= lr * w.grad` used to rebind w to a new tensor that no longer required grad)."""

import numpy as np
import pytest
import torch

import steepest as st


def test_minus_equals_under_no_grad_updates_the_same_tensor_in_place():
    w = st.tensor([1.0, -2.0], requires_grad=True)
    data = w.data
    tw = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    for _ in range(3):  # the PyTorch beginner's loop, step for step
        (w * w * w).sum().backward()
        (tw * tw * tw).sum().backward()
        with st.no_grad():
            w -= 0.1 * w.grad
        with torch.no_grad():
            tw -= 0.1 * tw.grad
        w.grad.zero_()
        tw.grad.zero_()
    assert w.requires_grad and w.is_leaf and w.data is data
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-14)
    np.testing.assert_array_equal(w.grad.data, [0.0, 0.0])


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/=", "**="])
def test_each_operator_keeps_the_tensor_and_matches_numpy(op):
    x = st.tensor([1.0, 2.0, 4.0])
    keep, data = x, x.data
    y = np.array([2.0, 0.5, 3.0])
    expected = {"+=": data + y, "-=": data - y, "*=": data * y, "/=": data / y, "**=": data ** y}[op]
    namespace = {"x": x, "y": st.tensor(y)}
    exec(f"x {op} y", namespace)
    assert namespace["x"] is keep and keep.data is data
    np.testing.assert_allclose(keep.data, expected)


def test_methods_match_pytorch_and_return_self():
    x = st.tensor([1.0, 2.0, 3.0])
    t = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    other = [0.5, -1.0, 2.0]
    steps = [("add_", (st.tensor(other),), {"alpha": 2.0}), ("sub_", (st.tensor(other),), {"alpha": 0.5}),
             ("mul_", (3.0,), {}), ("div_", (st.tensor(other),), {}), ("pow_", (2.0,), {}),
             ("clamp_", (-1.0, 5.0), {}), ("fill_", (7.0,), {}), ("copy_", (st.tensor(other),), {}),
             ("zero_", (), {})]
    for name, args, kwargs in steps:
        targs = [torch.tensor(a.data) if isinstance(a, st.Tensor) else a for a in args]
        assert getattr(x, name)(*args, **kwargs) is x
        getattr(t, name)(*targs, **kwargs)
        np.testing.assert_allclose(x.data, t.numpy(), rtol=1e-14, err_msg=name)


def test_the_optimizer_sees_an_in_place_write_and_float32_stays_float32():
    w = st.tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    opt = st.optim.GD([w], lr=0.5)
    view = w.data  # the optimizer made it a view into its flat buffer
    (w * w).sum().backward()
    with st.no_grad():
        w -= 0.1 * st.tensor(np.array([1.0, 1.0]))  # a float64 update
    assert w.data is view and w.dtype == np.float32
    opt.step()  # x <- x - 0.5 * 2 x_old: the optimizer works from the value written in place
    np.testing.assert_allclose(w.data, [0.9 - 1.0, 1.9 - 2.0], rtol=1e-6)


def test_dtype_shape_and_read_only_errors_are_clear():
    i = st.tensor([1, 2])
    with pytest.raises(TypeError, match="cannot write a float64 result into a int64 tensor.*same_kind"):
        i += 1.5
    i += 1  # an int stays an int
    np.testing.assert_array_equal(i.data, [2, 3])
    with pytest.raises(ValueError, match=r"result has shape \(2, 3\) but the tensor has shape \(3,\)"):
        x = st.tensor([1.0, 2.0, 3.0])
        x += np.ones((2, 3))
    b = st.broadcast_to(st.tensor([1.0, 2.0]), (3, 2))
    with pytest.raises(ValueError, match="read-only"):
        b.zero_()


def test_a_leaf_that_requires_grad_refuses_an_in_place_change_with_grad_mode_on():
    w = st.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf that requires grad is used in an in-place operation; "
                                           r"wrap it in st.no_grad\(\)"):
        w -= 0.1
    np.testing.assert_array_equal(w.data, [1.0])  # nothing was written


def test_overwriting_a_value_the_graph_reads_raises_at_backward():
    w = st.tensor([1.0, 2.0], requires_grad=True)
    c = st.tensor([3.0, 4.0])
    y = (w * c).sum()  # dy/dw = c: the graph reads c
    c += 1.0  # c needs no grad, so the write itself is allowed (as PyTorch)
    with pytest.raises(RuntimeError, match="mul needs the value of its input 1.*overwritten by an in-place"):
        y.backward()
    tw, tc = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0, 4.0])
    ty = (tw * tc).sum()
    tc += 1.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.backward()


def test_a_value_nothing_reads_may_be_overwritten():
    w = st.tensor([1.0, 2.0], requires_grad=True)
    c = st.tensor([3.0, 4.0])
    y = (w + c).sum()  # add's derivative does not read c
    c.zero_()
    y.backward()
    np.testing.assert_array_equal(w.grad.data, [1.0, 1.0])


def test_views_are_covered_detach_and_reshape_share_memory():
    w = st.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = (w * w).sum()
    w.detach().reshape(2, 2)[0].zero_()  # a view of a view of w's memory
    with pytest.raises(RuntimeError, match="mul needs the value"):
        y.backward()


def test_an_optimizer_step_before_backward_is_caught():
    w = st.tensor([1.0, 2.0], requires_grad=True)
    opt = st.optim.GD([w], lr=0.1)
    (w * w).sum().backward()
    loss = (w * w).sum()
    opt.step()
    with pytest.raises(RuntimeError, match="overwritten by an in-place operation"):
        loss.backward()


def test_a_write_into_one_parameter_does_not_stop_another_ones_graph():
    a = st.tensor([1.0, 2.0], requires_grad=True)
    b = st.tensor([3.0, 4.0, 5.0], requires_grad=True)
    st.optim.Adam([a, b])  # a and b are now views into one flat buffer
    loss = (b * b).sum()
    with st.no_grad():
        a.zero_()
    loss.backward()
    np.testing.assert_array_equal(b.grad.data, [6.0, 8.0, 10.0])


def test_in_place_on_a_non_leaf_is_recorded_as_pytorch_does():
    x = st.tensor([0.5, -1.0, 2.0], requires_grad=True)
    r = st.tensor([1.0, 2.0, 3.0], requires_grad=True)
    tx = torch.tensor(x.data, requires_grad=True)
    tr = torch.tensor(r.data, requires_grad=True)
    h, th = x * 3.0, tx * 3.0
    keep, data = h, h.data
    h += r  # a residual connection
    th += tr
    h *= h.detach() + 1.0
    th *= th.detach() + 1.0
    assert h is keep and h.data is data and h.op_name == "mul"  # the same tensor, its own array
    (h * h).sum().backward()
    (th * th).sum().backward()
    np.testing.assert_allclose(h.data, th.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(r.grad.data, tr.grad.numpy(), rtol=1e-14)


def test_an_in_place_change_of_an_op_output_keeps_the_old_value_for_the_graph():
    x = st.tensor([0.5, 1.0], requires_grad=True)
    h = x.exp()  # exp's derivative reads its output, which the next line overwrites
    data = h.data
    h *= 2.0
    assert h.data is data
    h.sum().backward()  # PyTorch refuses this one; steepest kept exp's output, so it is exact
    np.testing.assert_allclose(x.grad.data, 2 * np.exp([0.5, 1.0]), rtol=1e-14)


def test_a_consumer_recorded_before_the_change_raises():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    a = h * 5.0
    h *= 2.0
    with pytest.raises(RuntimeError, match="input 0 of mul .* was changed by an in-place operation after"):
        a.sum().backward()


def test_in_place_on_a_view_or_a_constant_while_recording_is_refused():
    x = st.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = (x * 2.0).reshape(2, 2)
    with pytest.raises(RuntimeError, match="shares its memory with another one"):
        v += 1.0
    c = st.zeros(2)
    with pytest.raises(RuntimeError, match="this tensor is a constant"):
        c += x[:2]
    with st.no_grad():  # without recording, both are plain writes
        v += 1.0
        c += x[:2]
    np.testing.assert_array_equal(c.data, [1.0, 2.0])


def test_writing_a_tensor_into_itself_in_place_is_caught():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    h *= h.detach()  # the rule for h reads the detached value, which is h's own memory
    with pytest.raises(RuntimeError, match="mul needs the value of its input 1"):
        h.sum().backward()


def test_item_assignment_writes_in_place_under_no_grad():
    w = st.tensor([1.0, 2.0, 3.0], requires_grad=True)
    tw = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with st.no_grad():
        w[0] = 5.0
        w[1:] += 1.0  # x[i] += y: a view written in place, then assigned back
        w[st.tensor([False, False, True]).data] = [0.5]
    with torch.no_grad():
        tw[0] = 5.0
        tw[1:] += 1.0
        tw[torch.tensor([False, False, True])] = 0.5
    np.testing.assert_array_equal(w.data, tw.detach().numpy())
    assert w.requires_grad and w.is_leaf
    with pytest.raises(RuntimeError, match="a leaf that requires grad"):
        w[0] = 1.0
    i = st.tensor([1, 2])
    with pytest.raises(TypeError, match="same_kind"):
        i[0] = 1.5  # NumPy would truncate to 1
    y = (w * w).sum()
    with st.no_grad():
        w[2] = 0.0
    with pytest.raises(RuntimeError, match="overwritten by an in-place operation"):
        y.backward()
