"""The Tensor: construction and dtype rules, properties, operators, indexing, errors, memory safety."""

from __future__ import annotations

import operator

import numpy as np
import pytest
import torch

import steepest as st

# --- construction and dtype rules ------------------------------------------------------------


@pytest.mark.parametrize("data, dtype", [
    (1.5, np.float64), ([1.0, 2.0], np.float64), ([[1.0], [2.0]], np.float64),
    (np.ones(3, np.float32), np.float32), (np.ones(3), np.float64), (3, np.int64), ([True, False], np.bool_),
])
def test_numpy_dtype_rules(data, dtype):
    assert st.tensor(data).dtype == dtype


def test_explicit_dtype_and_tensor_input():
    assert st.tensor([1, 2], dtype=np.float32).dtype == np.float32
    t = st.tensor(np.arange(3.0), requires_grad=True)
    u = st.tensor(t)
    assert u.dtype == np.float64 and not u.requires_grad and u.is_leaf
    np.testing.assert_array_equal(u.data, t.data)
    assert not np.shares_memory(u.data, t.data)
    assert isinstance(st.Tensor([1.0]), st.Tensor)


def test_float32_stays_float32_through_ops_and_grads():
    x = st.tensor(np.array([0.5, -1.0, 2.0], np.float32), requires_grad=True)
    y = (st.exp(x) * 2.0 + 1 - x / 3.0) ** 2
    assert y.dtype == np.float32  # Python numbers are weak: they do not promote
    y.sum().backward()
    assert x.grad.dtype == np.float32
    # an op with a float64 array promotes the value, but the gradient comes back as the input's dtype
    z = x * np.array([1.0, 2.0, 3.0])
    assert z.dtype == np.float64
    x.zero_grad()
    z.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("data", [[1, 2], 3, [True, False], np.arange(3)])
def test_integer_or_bool_cannot_require_grad(data):
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        st.tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        st.tensor(data).requires_grad_()


@pytest.mark.parametrize("bad", ["abc", [1.0, "x"], {"a": 1}, None])
def test_non_numeric_data_is_a_clear_error(bad):
    with pytest.raises(TypeError, match="tensor"):
        st.tensor(bad)


# --- properties ------------------------------------------------------------------------------


def test_properties():
    a = np.arange(6.0).reshape(2, 3)
    t = st.tensor(a, requires_grad=True)
    assert isinstance(t.data, np.ndarray)
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and t.dtype == np.float64
    assert t.grad is None and t.requires_grad and t.is_leaf and t.op_name is None
    np.testing.assert_array_equal(t.T.data, a.T)
    assert t.T.op_name == "transpose" and t.T.requires_grad
    assert t.numpy() is t.data
    assert st.tensor(2.5).item() == 2.5 and isinstance(st.tensor([[2.5]]).item(), float)
    with pytest.raises(ValueError, match="one-element"):
        t.item()
    assert float(st.tensor(2.5)) == 2.5 and int(st.tensor(3.0)) == 3


def test_detach_and_requires_grad_():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad is None
    np.testing.assert_array_equal(d.data, y.data)
    (d * 3).sum()  # records nothing
    c = st.tensor([1.0, 2.0])
    assert c.requires_grad_() is c and c.requires_grad
    assert c.requires_grad_(False) is c and not c.requires_grad
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad_(False)


def test_repr_shows_data_and_tracking():
    assert repr(st.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(st.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert "dtype=float32" in repr(st.tensor(np.ones(2, np.float32)))
    x = st.tensor(2.0, requires_grad=True)
    assert repr(x * x) == "tensor(4., op=mul)"
    assert "name='w'" in repr(st.tensor(1.0, name="w"))


def test_repr_html_uses_the_graph_view():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    html = y._repr_html_()
    assert html is None or isinstance(html, str)
    from steepest.viz.graph import tensor_html

    assert html == tensor_html(y)
    assert x._repr_html_() is None  # a leaf has no graph to draw


def test_repr_html_falls_back_when_the_view_fails(monkeypatch):
    import steepest.viz.graph as graph

    def broken(t):
        raise RuntimeError("no graphviz")

    monkeypatch.setattr(graph, "tensor_html", broken)
    x = st.tensor([1.0], requires_grad=True)
    assert (x * 2)._repr_html_() is None  # Jupyter then prints the plain repr


def test_len_and_iteration_over_the_first_axis():
    x = st.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    assert len(x) == 3
    rows = list(x)
    assert len(rows) == 3 and all(r.shape == (2,) for r in rows)
    np.testing.assert_array_equal(rows[2].data, [4.0, 5.0])
    st.sum(st.stack([r * (i + 1) for i, r in enumerate(x)])).backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 1], [2, 2], [3, 3]])
    with pytest.raises(TypeError, match="0-d"):
        len(st.tensor(1.0))


def test_truth_value():
    assert bool(st.tensor(1.0) > 0)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(st.tensor([1.0, 2.0]) > 0)


# --- operators with numbers and arrays on either side, against torch --------------------------

OPERATORS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow,
}
X = np.array([[0.5, 1.5, 2.0], [1.2, 0.7, 1.1]])  # positive, so x ** y and y ** x are smooth
A = np.array([1.3, 0.6, 1.9])
NUMBER = 1.7


def _torch_and_steepest(fn, left, right):
    """fn(left, right) where 'x' marks the tensor, in steepest and in torch, and the tensors' grads."""
    sx, tx = st.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    s_args = [sx if isinstance(a, str) else a for a in (left, right)]
    t_args = [tx if isinstance(a, str) else torch.tensor(a) if isinstance(a, np.ndarray) else a
              for a in (left, right)]
    s, t = fn(*s_args), fn(*t_args)
    assert isinstance(s, st.Tensor)
    np.testing.assert_allclose(s.data, t.detach().numpy(), rtol=1e-12)
    s.sum().backward()
    t.sum().backward()
    np.testing.assert_allclose(sx.grad.data, tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("sym", sorted(OPERATORS))
@pytest.mark.parametrize("other", [NUMBER, A, X + 0.25], ids=["number", "vector", "matrix"])
def test_operator_with_tensor_on_the_left(sym, other):
    _torch_and_steepest(OPERATORS[sym], "x", other)


@pytest.mark.parametrize("sym", sorted(OPERATORS))
@pytest.mark.parametrize("other", [NUMBER, A, X + 0.25], ids=["number", "vector", "matrix"])
def test_reflected_operator_with_tensor_on_the_right(sym, other):
    _torch_and_steepest(OPERATORS[sym], other, "x")


def test_operator_between_tensors_and_unary_ops():
    _torch_and_steepest(lambda x, y: -x + (+x) * 2, "x", "x")
    x = st.tensor(X)
    assert (+x) is x


def test_matmul_with_arrays_on_either_side():
    m = np.arange(6.0).reshape(3, 2)
    sx, tx = st.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    s = (sx @ m).sum() + (m.T @ sx.T).sum() + (sx.matmul(A)).sum()
    t = (tx @ torch.tensor(m)).sum() + (torch.tensor(m.T) @ tx.T).sum() + (tx @ torch.tensor(A)).sum()
    np.testing.assert_allclose(s.item(), t.item(), rtol=1e-12)
    s.backward()
    t.backward()
    np.testing.assert_allclose(sx.grad.data, tx.grad.numpy(), rtol=1e-12)


def test_ndarray_on_the_left_gives_a_tensor_not_an_object_array():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    for z in (np.ones(2) + x, np.ones(2) - x, np.ones(2) * x, np.ones(2) / x, np.ones(2) ** x):
        assert isinstance(z, st.Tensor) and z.requires_grad and z.dtype == np.float64


@pytest.mark.parametrize("sym, fn", [("<", operator.lt), ("<=", operator.le), (">", operator.gt),
                                     (">=", operator.ge), ("==", operator.eq), ("!=", operator.ne)])
def test_comparisons_give_boolean_tensors_that_record_nothing(sym, fn):
    x = st.tensor([0.5, 1.0, 2.0], requires_grad=True)
    for other in (1.0, np.array([1.0, 1.0, 3.0]), st.tensor([0.0, 1.0, 2.0])):
        c = fn(x, other)
        assert isinstance(c, st.Tensor) and c.dtype == np.bool_ and not c.requires_grad
        np.testing.assert_array_equal(c.data, fn(x.data, st.tensor(other).data))
    assert isinstance(fn(np.array([1.0, 1.0, 1.0]), x), st.Tensor)  # reflected


def test_comparisons_combine_and_drive_where():
    x = st.tensor([-1.0, 0.5, 2.0, 3.0], requires_grad=True)
    inside = (x > 0) & (x < 2.5)
    assert inside.dtype == np.bool_
    np.testing.assert_array_equal((~inside).data, [True, False, False, True])
    np.testing.assert_array_equal(((x < 0) | (x > 2.5)).data, [True, False, False, True])
    y = st.where(inside, x * x, 0.0)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 0.25, 4.0, 0.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 4.0, 0.0])


def test_hash_is_identity():
    x, y = st.tensor(1.0), st.tensor(1.0)
    assert len({x, y, x}) == 2


# --- indexing against torch -------------------------------------------------------------------

M = np.arange(24.0).reshape(4, 6) / 7.0
INDEXES = {
    "int": 2,
    "negative int": -1,
    "int pair": (1, 3),
    "slice": slice(1, 3),
    "stepped slices": (slice(None, None, 2), slice(1, 6, 2)),
    "None": (None, slice(1, 3)),
    "Ellipsis": (Ellipsis, 1),
    "Ellipsis and None": (Ellipsis, None),
    "boolean mask": M > 1.5,
    "boolean rows": np.array([True, False, True, True]),
    "int array": np.array([3, 0]),
    "repeated ints": np.array([1, 1, 3, 1]),
    "repeated pairs": (np.array([0, 0, 2]), np.array([5, 5, 1])),
    "array and slice": (np.array([2, 2]), slice(None, 3)),
    "list": [0, 0, 1],
    "2-d int array": np.array([[0, 1], [1, 1]]),
    "negative alias": (slice(None), np.array([-1, 5, 0])),  # -1 and 5 are the same column
    "mixed signs, unique": np.array([-1, 0, 1]),
}


def _torch_index(index):
    parts = index if isinstance(index, tuple) else (index,)
    parts = tuple(torch.as_tensor(p) if isinstance(p, (np.ndarray, list)) else p for p in parts)
    return parts if isinstance(index, tuple) else parts[0]


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_getitem_against_torch(name):
    index = INDEXES[name]
    x, tx = st.tensor(M, requires_grad=True), torch.tensor(M, requires_grad=True)
    y, ty = x[index], tx[_torch_index(index)]
    assert y.shape == tuple(ty.shape)
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    w = np.random.default_rng(0).standard_normal(y.shape)
    y.backward(w)
    ty.backward(torch.tensor(w))
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_repeated_indices_accumulate():
    x = st.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 0, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0])


def test_tensor_as_index():
    x = st.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[st.tensor([2, 2])].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 2.0])


def test_bad_indexes_name_the_op_and_shape():
    x = st.tensor(np.ones((2, 3)))
    with pytest.raises(IndexError, match=r"getitem: .*\(tensor of shape \(2, 3\)\)"):
        x[5]
    with pytest.raises(IndexError, match="integers or booleans"):
        x[np.array([0.5])]


# --- error messages ----------------------------------------------------------------------------


@pytest.mark.parametrize("sym, name", [("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "div"), ("**", "pow")])
def test_broadcast_error_names_the_op_and_both_shapes(sym, name):
    x = st.tensor(np.ones((2, 3)), requires_grad=True)
    message = rf"^{name}: shapes \(2, 3\) and \(4, 5\) cannot be broadcast together"
    with pytest.raises(ValueError, match=message):
        OPERATORS[sym](x, np.ones((4, 5)))
    with pytest.raises(ValueError, match=rf"^{name}: shapes \(4, 5\) and \(2, 3\)"):
        OPERATORS[sym](np.ones((4, 5)), x)


def test_matmul_error_names_the_inner_dimensions():
    with pytest.raises(ValueError, match=r"matmul: inner dimensions differ: \(2, 3\) @ \(4, 5\) \(3 != 4\)"):
        st.tensor(np.ones((2, 3))) @ np.ones((4, 5))
    with pytest.raises(ValueError, match=r"matmul: inner dimensions differ: \(2, 3\) @ \(2,\) \(3 != 2\)"):
        st.tensor(np.ones((2, 3))) @ st.tensor(np.ones(2))
    with pytest.raises(ValueError, match="at least one dimension"):
        st.matmul(st.tensor(2.0), st.tensor([1.0]))
    with pytest.raises(ValueError, match=r"batch dimensions \(2,\) and \(3,\)"):
        st.tensor(np.ones((2, 2, 3))) @ np.ones((3, 3, 2))


def test_other_errors_name_the_op():
    x = st.tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"reshape: cannot reshape shape \(2, 3\)"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match=r"where: shapes \(4,\) \(cond\)"):
        st.where(np.ones(4, bool), x, 0.0)
    with pytest.raises(TypeError, match="where: cond must be boolean"):
        st.where(np.ones(3), x, 0.0)
    with pytest.raises(ValueError, match="sum: axis 2 is out of range"):
        x.sum(axis=2)


# --- no shared writable memory with the caller ---------------------------------------------------


def test_tensor_copies_the_callers_array():
    a = np.array([1.0, 2.0, 3.0])
    x = st.tensor(a, requires_grad=True)
    assert not np.shares_memory(x.data, a)
    x.data[0] = 100.0
    assert a[0] == 1.0
    a[1] = -5.0
    assert x.data[1] == 2.0


def test_grad_never_aliases_the_callers_arrays():
    a = np.array([1.0, 2.0, 3.0])
    w = np.array([1.0, 1.0, 1.0])
    x = st.tensor(a, requires_grad=True)
    y = x + 0.0
    y.backward(w)  # add passes the incoming gradient through unchanged
    assert not np.shares_memory(x.grad.data, w) and not np.shares_memory(x.grad.data, a)
    x.grad.data *= 10.0  # an optimizer writing into .grad in place
    np.testing.assert_array_equal(w, [1.0, 1.0, 1.0])
    w[:] = 7.0
    np.testing.assert_array_equal(x.grad.data, [10.0, 10.0, 10.0])


def test_grads_of_two_leaves_are_separate_arrays():
    x, y = st.tensor([1.0, 2.0], requires_grad=True), st.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()  # both receive the very same incoming gradient
    assert not np.shares_memory(x.grad.data, y.grad.data)
    x.grad.data[0] = 9.0
    assert y.grad.data[0] == 1.0


def test_gradients_result_is_writable_and_not_shared():
    x = st.tensor(np.ones(3), requires_grad=True)
    w = np.ones(3)
    (g,) = st.gradients(x[...], [x], grad_outputs=w)  # a view of w flows back unchanged
    assert g.flags.writeable and not np.shares_memory(g, w)
    g[0] = 5.0
    assert w[0] == 1.0


def test_ops_never_mutate_their_inputs():
    a = np.array([0.5, -1.0, 2.0])
    x = st.tensor(a, requires_grad=True)
    before = x.data.copy()
    y = st.sum(st.exp(x) * a + st.sin(x) / 2.0 - x[[0, 0]].sum())
    y.backward()
    np.testing.assert_array_equal(x.data, before)
    np.testing.assert_array_equal(a, before)
