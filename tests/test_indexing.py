"""getitem against NumPy and PyTorch: value, gradient (reverse mode) and jvp (forward mode).

The hand-written cases are the silent wrong answers of issue 18 (tuples inside an index lost
the gradient of repeated positions; an empty index list was refused). The fuzz test draws
index expressions with hypothesis: ints, slices (negative bounds, steps), None, Ellipsis,
lists, tuples, ndarrays (1-D and 2-D), boolean masks, empty lists, repeats and negative
indices. NumPy is the oracle for the value (its indexing is ours); PyTorch, given the same
index with every list, tuple and array made a tensor (so that nothing is left to torch's own
reading of sequences), is the oracle for the gradient and, by torch.func.jvp, the jvp. Slices
with a negative step, which torch lacks, are checked against np.add.at and dx[index].
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as hst

import steepest as st
from steepest.autodiff import gradients, tangents

X = np.arange(6.0).reshape(3, 2)
W = np.array([[1.0, 2.0], [3.0, 4.0]])


def _torch_part(p):
    if isinstance(p, (list, tuple, np.ndarray)):
        a = np.asarray(p)
        return torch.as_tensor(a if a.size or a.dtype == bool else a.astype(np.int64))
    return p


def torch_index(index):
    """The same index for torch: every list, tuple and array inside it becomes a tensor."""
    if isinstance(index, tuple):
        return tuple(_torch_part(p) for p in index)
    return _torch_part(index)


def _reverses(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, slice) and p.step is not None and p.step < 0 for p in parts)


def check_against_torch(x0: np.ndarray, index, seed: int = 0) -> None:
    """Value (NumPy), gradient and jvp (PyTorch) of x[index]."""
    x = st.tensor(x0, requires_grad=True)
    y = x[index]
    expected = x0[index]
    assert y.shape == expected.shape, f"x[{index!r}]: shape {y.shape} != NumPy's {expected.shape}"
    assert y.dtype == x0.dtype
    np.testing.assert_array_equal(y.data, expected, err_msg=f"value of x[{index!r}]")
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(y.shape)
    (g,) = gradients(y, [x], grad_outputs=w)
    dx = rng.standard_normal(x0.shape)
    (dz,) = tangents([y], [x], [dx])
    if _reverses(index):  # torch has no negative steps: the adjoint of x[index] is np.add.at
        expected_g = np.zeros_like(x0)
        np.add.at(expected_g, index, w)
        np.testing.assert_allclose(g, expected_g, rtol=1e-12, atol=1e-12, err_msg=f"gradient of x[{index!r}]")
        np.testing.assert_array_equal(dz, dx[index], err_msg=f"jvp of x[{index!r}]")
        return
    tx = torch.tensor(x0, requires_grad=True)
    tindex = torch_index(index)
    ty = tx[tindex]
    assert tuple(ty.shape) == y.shape, f"{index!r}: torch's shape {tuple(ty.shape)} != NumPy's {y.shape}"
    (tg,) = torch.autograd.grad(ty, [tx], torch.tensor(w), allow_unused=True)
    tg = torch.zeros_like(tx) if tg is None else tg
    np.testing.assert_allclose(g, tg.numpy(), rtol=1e-12, atol=1e-12, err_msg=f"gradient of x[{index!r}]")
    _, tdz = torch.func.jvp(lambda t: t[tindex], (torch.tensor(x0),), (torch.tensor(dx),))
    np.testing.assert_allclose(dz, tdz.numpy(), rtol=1e-12, atol=1e-12, err_msg=f"jvp of x[{index!r}]")


# --- the bugs of issue 18 ----------------------------------------------------------------------
def test_repeated_rows_given_as_a_tuple_accumulate():
    x = st.tensor(X, requires_grad=True)
    (x[(0, 0), :] * W).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[4.0, 6.0], [0.0, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize("index", [
    ((0, 0), slice(None)), ((1, 0, 1), 1), ((0, 0), (1, 1)), ((0, 0),), ((-3, 0, 2), (0, 0, 1)),
    (((0, 0), (1, 0)), slice(None)), (slice(None), (1, 1, -1)), ([0, 0], (1, 1)),
], ids=repr)
def test_tuples_inside_an_index_are_integer_arrays(index):
    check_against_torch(X, index)


def test_jvp_of_a_repeated_tuple_index():
    _, dz = st.jvp(lambda x: x[(1, 0, 1), 1], (X,), (np.arange(6.0).reshape(3, 2) + 1,))
    np.testing.assert_array_equal(dz, [4.0, 2.0, 4.0])


def test_a_top_level_tuple_is_still_the_index_tuple():
    x = st.tensor(X, requires_grad=True)
    y = x[(1, 0)]  # x[1, 0], as NumPy: one entry, not rows 1 and 0
    assert y.shape == () and y.item() == 2.0


@pytest.mark.parametrize("index", [(slice(None), []), [], (slice(None), ()), ([], slice(None)), [[], []]],
                         ids=repr)
def test_an_empty_index_list_selects_nothing_and_has_gradient_zero(index):
    x = st.tensor(X, requires_grad=True)
    y = x[index]
    assert y.shape == X[index].shape
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros_like(X))
    check_against_torch(X, index)


def test_an_empty_float_array_is_still_refused_as_numpy_does():
    with pytest.raises(IndexError, match="getitem: index arrays must be integers or booleans"):
        st.tensor(X)[:, np.array([])]


def test_ragged_or_non_numeric_lists_name_the_op():
    with pytest.raises(IndexError, match="getitem"):
        st.tensor(X)[[[0], [0, 1]]]
    with pytest.raises(IndexError, match="getitem"):
        st.tensor(X)[["a"]]


def test_lists_holding_tensors_are_read_as_their_values():
    x = st.tensor(X, requires_grad=True)
    i = st.tensor(np.array(1))
    x[[i, i], 0].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.0], [2.0, 0.0], [0.0, 0.0]])


def test_the_callers_index_is_not_changed():
    index = ([0, 0], (1, 1))
    st.tensor(X, requires_grad=True)[index].sum().backward()
    assert index == ([0, 0], (1, 1))


# --- fuzzing: index expressions drawn by hypothesis --------------------------------------------
# (dims consumed; "rest" for Ellipsis). Advanced entries share one broadcast shape per index.
KINDS = ("int", "slice", "none", "ellipsis", "list", "tuple", "array", "mask")
ADVANCED = ("list", "tuple", "array")


def _slice(draw, n):
    bound = hst.one_of(hst.none(), hst.integers(-n - 1, n + 1))
    return slice(draw(bound), draw(bound), draw(hst.sampled_from([None, 1, 2, 3, -1, -2])))


def _ints(draw, low, high, shape):
    size = int(np.prod(shape))
    values = draw(hst.lists(hst.integers(low, high), min_size=size, max_size=size))
    return np.array(values, np.intp).reshape(shape)


def _advanced(draw, kind, n, shape):
    """Indices into an axis of length n, of the index's common broadcast shape, as an ndarray,
    a (nested) list or a (nested) tuple."""
    a = _ints(draw, -n, n - 1, shape)
    if kind == "array" or a.ndim == 0:
        return a
    if kind == "tuple":
        return tuple(tuple(row) for row in a.tolist()) if a.ndim == 2 else tuple(a.tolist())
    return a.tolist()


def _kinds(draw, ndim):
    """What the index is made of: at most one Ellipsis; a mask only with no other array."""
    kinds = draw(hst.lists(hst.sampled_from(KINDS), min_size=1, max_size=4))
    masked = "mask" in kinds and (kinds.count("mask") > 1 or set(kinds) & set(ADVANCED))
    if kinds.count("ellipsis") > 1 or masked:
        kinds = [k for k in kinds if k not in ("ellipsis", "mask")] or ["int"]
    width = {k: 1 for k in KINDS} | {"none": 0, "ellipsis": 0}
    if "mask" in kinds:
        width["mask"] = draw(hst.integers(1, ndim))
    while sum(width[k] for k in kinds) > ndim:
        kinds.pop()
    return kinds or ["none"], width


@hst.composite
def indexed_arrays(draw):
    """(x, index): an array of 1 to 3 axes and a valid index expression for it."""
    shape = tuple(draw(hst.lists(hst.integers(1, 4), min_size=1, max_size=3)))
    kinds, width = _kinds(draw, len(shape))
    rest = len(shape) - sum(width[k] for k in kinds)  # the axes an Ellipsis stands for
    common = draw(hst.sampled_from([(), (1,), (2,), (3,), (0,), (2, 2), (1, 3)]))
    parts, pos = [], 0
    for kind in kinds:
        n = shape[pos] if pos < len(shape) else 0
        if kind == "ellipsis":
            part = Ellipsis
        elif kind == "none":
            part = None
        elif kind == "mask":
            part = _ints(draw, 0, 1, shape[pos:pos + width["mask"]]).astype(bool)
        elif kind == "int":
            part = draw(hst.integers(-n, n - 1))
        elif kind == "slice":
            part = _slice(draw, n)
        else:
            part = _advanced(draw, kind, n, common)
        parts.append(part)
        pos += rest if kind == "ellipsis" else width[kind]
    x = np.random.default_rng(draw(hst.integers(0, 2**16))).standard_normal(shape)
    if len(parts) == 1 and not isinstance(parts[0], tuple) and draw(hst.booleans()):
        return x, parts[0]  # a bare index: x[i], x[[0, 0]], x[mask]
    return x, tuple(parts)


@settings(max_examples=250, deadline=None, derandomize=True)
@given(case=indexed_arrays(), seed=hst.integers(0, 2**16))
def test_random_index_expressions_against_numpy_and_torch(case, seed):
    x0, index = case
    check_against_torch(x0, index, seed)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(case=indexed_arrays())
def test_random_index_expressions_keep_float32_and_do_not_touch_the_index(case):
    x0, index = case
    x = st.tensor(x0.astype(np.float32), requires_grad=True)
    before = repr(index)
    y = x[index]
    y.sum().backward()
    (dz,) = tangents([y], [x], [np.ones(x.shape, np.float32)])
    assert x.grad.dtype == np.float32 and dz.dtype == np.float32 and y.dtype == np.float32
    assert repr(index) == before
