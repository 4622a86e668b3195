"""A tensor that requires grad never leaves the graph silently (issue 12): inside a transform,
turning it into a Python number or an ndarray raises; outside, float(loss) and np.asarray(t) work.
NumPy interoperability: __array__ gives the data, ndarray (op) Tensor records, ufuncs are refused."""

import math

import numpy as np
import pytest

import steepest as st


@pytest.mark.parametrize("f", [
    lambda a: math.sin(a),
    lambda a: float(a) ** 2,
    lambda a: a.item() * a,
    lambda a: int(a) + a,
    lambda a: st.tensor(a.tolist()),
    lambda a: np.asarray(a).sum(),
    lambda a: st.tensor(np.array([a, a])).sum(),
    lambda a: a.numpy() * 2,
    lambda a: st.tensor(a) * a,
], ids=["math.sin", "float", "item", "int", "tolist", "np.asarray", "np.array of tensors", "numpy",
        "st.tensor"])
def test_a_number_made_from_a_traced_tensor_raises_instead_of_a_zero_gradient(f):
    with pytest.raises(st.ConcretizationError, match="requires grad inside st.grad.*Use steepest's"):
        st.grad(f)(1.0)


def test_the_error_names_the_transform_and_math_functions_say_what_to_use():
    with pytest.raises(TypeError, match=r"float\(\) of a tensor that requires grad inside st.hessian.*sin"):
        st.hessian(lambda a: math.exp(a))(1.0)
    with pytest.raises(TypeError, match="inside st.jvp"):
        st.jvp(lambda a: float(a), (1.0,), (1.0,))


def test_a_list_of_traced_tensors_as_the_result_is_refused():
    with pytest.raises(st.ConcretizationError, match="np.asarray"):
        st.jacobian(lambda a: [a[0], a[1] ** 2])(np.array([1.0, 2.0]))


def test_detach_constants_control_flow_and_outside_use_still_work():
    assert st.grad(lambda a: a * float(a.detach()))(3.0) == 3.0  # a constant, said so
    assert st.grad(lambda a: a ** 2 if a > 0 else -a)(3.0) == 6.0  # comparisons and bool are fine
    assert st.grad(lambda a: a ** 2 if a else -a)(3.0) == 6.0
    x = st.tensor([1.0, 2.0], requires_grad=True)
    loss = (x ** 2).sum()
    assert float(loss) == 5.0 and loss.item() == 5.0 and math.sqrt(loss) == math.sqrt(5.0)
    np.testing.assert_array_equal(np.asarray(x), [1.0, 2.0])
    w = st.tensor(2.0, requires_grad=True)  # a tensor that requires grad refuses even if not traced ...
    with pytest.raises(st.ConcretizationError):
        st.grad(lambda a: a * w.item())(1.0)
    assert st.grad(lambda a: a * float(w.detach()))(1.0) == 2.0  # ... detached, it is a constant
    assert st.grad(lambda a: a * float(st.tensor(2.0)))(1.0) == 2.0


def test_np_asarray_gives_the_data_not_an_object_array():
    t = st.tensor([1.0, 2.0])
    a = np.asarray(t)
    assert a.dtype == np.float64 and a is t.data
    np.testing.assert_array_equal(np.array([st.tensor(1.0), st.tensor(2.0)]), [1.0, 2.0])
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert np.array(t) is not t.data  # np.array copies, as for any array


def test_ufuncs_are_refused_with_the_steepest_name():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"np.sin does not take a steepest Tensor: use st.sin\(x\)"):
        np.sin(x)
    with pytest.raises(TypeError, match=r"np.absolute .* use st.abs\(x\)"):
        np.abs(x)
    with pytest.raises(TypeError, match="np.arcsinh .* steepest's functions"):
        np.arcsinh(x)
    a = np.ones(2)
    with pytest.raises(TypeError, match="out="):
        a += x


def test_ndarray_op_tensor_still_records_the_graph():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    a = np.array([3.0, 4.0])
    for z in (a + x, a - x, a * x, a / x, a ** x, np.float64(2.0) * x):
        assert isinstance(z, st.Tensor) and z.requires_grad
    y = (a * x + a / x - a ** x).sum() + (np.eye(2) @ x).sum()
    y.backward()
    expected = a - a / x.data ** 2 - a ** x.data * np.log(a) + 1.0
    np.testing.assert_allclose(x.grad.data, expected)
    assert isinstance(a < x, st.Tensor) and (a < x).dtype == bool
