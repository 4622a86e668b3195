"""Every op that takes an axis, with every axis in range and out of range, against NumPy.

An axis outside the valid range is an error (NumPy's AxisError, which is both a ValueError
and an IndexError) naming the op, the axis and the shape; it is never taken modulo the
number of dimensions. Where NumPy accepts the call, the value must be NumPy's, and the
gradient and the jvp PyTorch's. The one rule for a 0-d tensor is NumPy's for sum and squeeze:
a single int axis 0 or -1 is accepted (a tuple is not). `mean` follows np.sum and PyTorch
there (np.mean alone refuses it); softmax and log_softmax refuse a 0-d tensor.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import torch

import steepest as st
from steepest.autodiff import gradients, tangents

AxisError = np.exceptions.AxisError
SHAPES = [(), (1,), (3,), (1, 2), (2, 1, 3)]


def _mean(a, axis, keepdims=False):
    r = np.sum(a, axis=axis, keepdims=keepdims)  # np.sum's axis rules (np.mean refuses axis 0 of a 0-d array)
    return r * (np.size(r) / np.size(a))


def _logsumexp(a, axis):
    return np.log(np.sum(np.exp(a), axis=axis))


def _softmax(a, axis, log=False):
    if np.ndim(a) == 0:
        raise AxisError("softmax of a 0-d tensor")
    if not isinstance(axis, int):
        raise TypeError("one int")
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    s = e / np.sum(e, axis=axis, keepdims=True)
    return np.log(s) if log else s


def _dims(axis, ndim):
    return tuple(range(ndim)) if axis is None else axis


@dataclass
class AxisOp:
    st_fn: Callable  # (tensor or [tensor, tensor], axis) -> Tensor
    np_fn: Callable  # (array or [array, array], axis) -> array, raising what st_fn must raise
    th_fn: Callable | None  # the same in torch, for gradient and jvp (None: no torch form)
    tuples: bool = False  # also takes a tuple of axes
    joins: bool = False  # takes a list of two tensors


def _reduction(st_fn, np_fn, th_name, **kw):
    return AxisOp(lambda x, ax: st_fn(x, ax, **kw), lambda a, ax: np_fn(a, ax, **kw),
                  lambda t, ax: getattr(t, th_name)(_dims(ax, t.ndim), **_keepdim(kw)), tuples=True)


def _keepdim(kw):
    return {"keepdim": kw["keepdims"]} if kw else {}


def _th_cat(ts, axis):
    return torch.cat([t.reshape(-1) for t in ts]) if axis is None else torch.cat(ts, axis)


def _th_permute(t, axes):
    return t.permute(tuple(range(t.ndim))[::-1] if axes is None else axes)


AXIS_OPS = {
    "sum": _reduction(st.sum, np.sum, "sum"),
    "sum keepdims": _reduction(st.sum, np.sum, "sum", keepdims=True),
    "mean": _reduction(st.mean, _mean, "mean"),
    "max": _reduction(st.max, np.max, "amax"),
    "min": _reduction(st.min, np.min, "amin"),
    "logsumexp": _reduction(st.logsumexp, _logsumexp, "logsumexp"),
    "softmax": AxisOp(st.softmax, _softmax, lambda t, ax: t.softmax(ax)),
    "log_softmax": AxisOp(st.log_softmax, lambda a, ax: _softmax(a, ax, log=True),
                          lambda t, ax: t.log_softmax(ax)),
    "squeeze": AxisOp(st.squeeze, np.squeeze, lambda t, ax: t.squeeze() if ax is None else t.squeeze(ax),
                      tuples=True),
    "expand_dims": AxisOp(st.expand_dims, np.expand_dims, None, tuples=True),
    "swapaxes": AxisOp(lambda x, ax: st.swapaxes(x, *ax), lambda a, ax: np.swapaxes(a, *ax),
                       lambda t, ax: t.transpose(*ax)),
    "transpose": AxisOp(st.transpose, np.transpose, _th_permute),
    "concatenate": AxisOp(lambda xs, ax: st.concatenate(xs, ax), lambda a, ax: np.concatenate(a, axis=ax),
                          _th_cat, joins=True),
    "stack": AxisOp(lambda xs, ax: st.stack(xs, axis=ax), lambda a, ax: np.stack(a, axis=ax),
                    lambda ts, ax: torch.stack(ts, ax), joins=True),
}


def axes_for(name: str, ndim: int) -> list:
    """Every in-range axis and the out-of-range ones just beyond, each way; for ops taking
    a tuple, every pair too (repeats included) and the empty tuple."""
    ints = list(range(-ndim - 3, ndim + 3))
    if name == "swapaxes":
        return list(itertools.product(range(-ndim - 1, ndim + 1), repeat=2))
    if name == "transpose":
        perms = list(itertools.product(range(-ndim - 1, ndim + 1), repeat=ndim))
        return [None, (), (0,), (0, 1), (0, 1, 2, 3)] + perms
    axes = [None, *ints] if name not in ("softmax", "log_softmax", "expand_dims", "stack") else ints
    if AXIS_OPS[name].tuples:
        axes += [(), *[(a,) for a in ints], *itertools.product(range(-ndim - 2, ndim + 2), repeat=2)]
    return axes


def outcome(fn, *args):
    try:
        return fn(*args), None
    except Exception as err:  # noqa: BLE001  (the oracle's error is the expected one)
        return None, err


def check_refusal(name, err, expected, axis, shape):
    if isinstance(expected, AxisError):
        assert isinstance(err, AxisError), f"{name} axis={axis} shape={shape}: {type(err).__name__}: {err}"
        assert isinstance(err, ValueError) and isinstance(err, IndexError)
        msg = str(err)
        bad = axis if isinstance(axis, tuple) else (axis,)
        assert any(f"axis {a}" in msg for a in bad), f"{name}: the message does not name the axis: {msg}"
        assert str(shape) in msg, f"{name}: the message does not name the shape {shape}: {msg}"
    else:  # a repeated axis, a squeezed axis of length > 1, axes that are no permutation, a float
        kind = TypeError if isinstance(expected, TypeError) else ValueError
        assert isinstance(err, kind), (f"{name} axis={axis} shape={shape}: NumPy raises "
                                       f"{type(expected).__name__} ({expected}), we {err!r}")
    assert str(err).startswith(name.split()[0] + ":"), f"the message does not name the op: {err}"


def check_against_torch(op, xs, txs, out, axis, seed):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(out.shape)
    grads = gradients(out, xs, grad_outputs=w)
    tout = op.th_fn(txs if op.joins else txs[0], axis)
    expected = torch.autograd.grad(tout, txs, torch.tensor(w))
    for g, e in zip(grads, expected, strict=True):
        np.testing.assert_allclose(g, e.numpy(), rtol=1e-10, atol=1e-12, err_msg=f"gradient, axis {axis}")
    dxs = [rng.standard_normal(x.shape) for x in xs]
    (dz,) = tangents([out], xs, dxs)
    plain = [torch.tensor(x.data) for x in xs]
    fn = (lambda *ts: op.th_fn(list(ts), axis)) if op.joins else (lambda t: op.th_fn(t, axis))
    _, tdz = torch.func.jvp(fn, tuple(plain), tuple(torch.tensor(d) for d in dxs))
    np.testing.assert_allclose(dz, tdz.numpy(), rtol=1e-10, atol=1e-12, err_msg=f"jvp, axis {axis}")


@pytest.mark.parametrize("name", sorted(AXIS_OPS))
def test_every_axis_in_and_out_of_range_against_numpy(name):
    op = AXIS_OPS[name]
    checked = 0
    for shape in SHAPES:
        rng = np.random.default_rng(len(shape))
        arrays = [rng.standard_normal(shape) for _ in range(2 if op.joins else 1)]
        for axis in axes_for(name, len(shape)):
            expected, expected_err = outcome(op.np_fn, arrays if op.joins else arrays[0], axis)
            xs = [st.tensor(a, requires_grad=True) for a in arrays]
            out, err = outcome(op.st_fn, xs if op.joins else xs[0], axis)
            if expected_err is not None:
                assert err is not None, (f"{name} axis={axis} shape={shape}: NumPy refuses "
                                         f"({expected_err}); we gave shape {out.shape}")
                check_refusal(name, err, expected_err, axis, shape)
                continue
            assert err is None, f"{name} axis={axis} shape={shape}: NumPy gives {np.shape(expected)}: {err!r}"
            assert out.shape == np.shape(expected), f"{name} axis={axis} shape={shape}"
            np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
            if op.th_fn is not None and axis != ():  # torch reads dim=() as "every axis"
                txs = [torch.tensor(a, requires_grad=True) for a in arrays]
                check_against_torch(op, xs, txs, out, axis, checked)
            checked += 1
    assert checked > 10


# --- the cases of issue 18 ---------------------------------------------------------------------
OUT_OF_RANGE = {
    r"squeeze: axis 6 is out of range for shape \(4, 3, 1, 6\)": lambda: st.squeeze(st.ones((4, 3, 1, 6)), 6),
    r"squeeze: axis 50 is out of range for shape \(4, 3, 6, 6\)": lambda: st.ones((4, 3, 6, 6)).squeeze(50),
    r"transpose: axis 5 is out of range for shape \(2, 3\)": lambda: st.transpose(st.ones((2, 3)), (0, 5)),
    r"transpose: axis -3 is out of range for shape \(2, 3\)": lambda: st.ones((2, 3)).transpose(0, -3),
    r"swapaxes: axis 2 is out of range for shape \(2, 3\)": lambda: st.swapaxes(st.ones((2, 3)), 0, 2),
    r"squeeze: axis 1 is out of range for shape \(\)": lambda: st.squeeze(st.tensor(1.0), 1),
    r"sum: axis 2 is out of range for shape \(2, 3\)": lambda: st.sum(st.ones((2, 3)), 2),
    r"softmax: axis 2 is out of range for shape \(2, 3\)": lambda: st.softmax(st.ones((2, 3)), 2),
    r"expand_dims: axis 3 is out of range for shape \(2, 3\)": lambda: st.expand_dims(st.ones((2, 3)), 3),
    r"stack: axis 2 is out of range for shape \(2,\)": lambda: st.stack([st.ones(2), st.ones(2)], 2),
    r"concatenate: axis 1 is out of range for shape \(2,\)": lambda: st.concatenate([st.ones(2)] * 2, 1),
}


@pytest.mark.parametrize("message", sorted(OUT_OF_RANGE))
def test_an_axis_out_of_range_is_an_axis_error_naming_op_axis_and_shape(message):
    call = OUT_OF_RANGE[message]
    with pytest.raises(AxisError, match=message):
        call()
    with pytest.raises(ValueError):  # AxisError is a ValueError and an IndexError, as NumPy's
        call()
    with pytest.raises(IndexError):
        call()


def test_a_scalar_squeezes_over_axis_0_or_minus_1_as_numpy_never_a_zero_division():
    for axis in (0, -1, None, ()):
        y = st.squeeze(st.tensor(2.0, requires_grad=True), axis)
        assert y.shape == () and y.item() == 2.0
    for axis in (1, -2, (0,)):
        with pytest.raises(AxisError, match=r"squeeze: axis .* shape \(\)"):
            st.squeeze(st.tensor(2.0), axis)


@pytest.mark.parametrize("call", [
    lambda: st.sum(st.ones((2, 3)), axis=1.0), lambda: st.sum(st.ones((2, 3)), axis=True),
    lambda: st.squeeze(st.ones((1, 3)), axis=0.0), lambda: st.softmax(st.ones((2, 3)), axis=(0, 1)),
    lambda: st.expand_dims(st.ones(3), 0.5), lambda: st.concatenate([st.ones(2)], axis="0"),
])
def test_an_axis_that_is_not_an_int_is_a_type_error_naming_the_op(call):
    with pytest.raises(TypeError, match=r"^(sum|squeeze|softmax|expand_dims|concatenate): axis"):
        call()


def test_numpy_integer_axes_are_accepted():
    x = st.ones((2, 3))
    assert st.sum(x, np.int64(1)).shape == (2,)
    assert st.transpose(x, np.array([1, 0])).shape == (3, 2)
    assert st.stack([x, x], np.int32(-1)).shape == (2, 3, 2)
