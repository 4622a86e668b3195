"""Every primitive of the registry, checked against PyTorch (float64) and central differences.

`CASES` maps each op name in `steepest.OPS` to sample calls: how to call it in steepest, the
PyTorch oracle, and the input shapes (or fixed data, for ties and masks). A test checks that
the table covers exactly the registry, so a new primitive without an oracle fails. For each
op and case we check the value, the vjp (reverse mode), the jvp (forward mode, `tangents`)
and the second-order path (`gradients(..., create_graph=True)` differentiated again).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as hst
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import steepest as st
from steepest.autodiff import gradients, tangents
from steepest.ops.shape import scatter_add

RTOL, ATOL = 1e-9, 1e-12  # against PyTorch float64
NUM_RTOL, NUM_ATOL, EPS = 1e-5, 1e-7, 1e-6  # against central differences


@dataclass
class Case:
    st_fn: Callable  # (*Tensors) -> Tensor
    th_fn: Callable  # (*torch tensors) -> torch tensor
    shapes: tuple = ()  # one shape per tensor input (ignored when `data` is given)
    data: tuple | None = None  # fixed inputs (ties, masks) instead of samples from the op's domain
    dtype: type = np.float64
    smooth: bool = True  # central differences apply (false at ties)
    domain: tuple | None = None  # overrides the op's domain, one entry per input

    def __repr__(self) -> str:
        return f"Case(shapes={self.shapes}, data={self.data is not None}, dtype={np.dtype(self.dtype)})"


SCALAR, VECTOR, MATRIX = (), (4,), (2, 3)
BINARY_SHAPES = [((), ()), ((4,), (4,)), ((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 3)),
                 ((2, 1), (1, 3)), ((), (2, 3)), ((2, 3), ())]


def unary_cases(st_fn, th_fn, shapes=(SCALAR, VECTOR, MATRIX)):
    return [Case(st_fn, th_fn, (s,)) for s in shapes]


def binary_cases(st_fn, th_fn, number=1.5):
    """Tensor-tensor on scalar, vector, matrix and broadcasting shapes, and a number on either side."""
    cases = [Case(st_fn, th_fn, shapes) for shapes in BINARY_SHAPES]
    cases.append(Case(lambda x: st_fn(x, number), lambda x: th_fn(x, torch.tensor(number, dtype=x.dtype)),
                      (MATRIX,)))
    return cases


def _amax(fn):
    return lambda x, axis=None, keepdims=False: fn(x, dim=tuple(range(x.ndim)) if axis is None else axis,
                                                   keepdim=keepdims)


th_amax, th_amin = _amax(torch.amax), _amax(torch.amin)
TIES = (np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.5]]),)
IDX = np.array([0, 2, 0, 0])  # repeated indices: their gradients accumulate
MASK = np.array([[True, False, True], [False, True, True]])


def _t(index):
    return torch.as_tensor(index) if isinstance(index, np.ndarray) else index


CASES: dict[str, list[Case]] = {
    "abs": unary_cases(st.abs, torch.abs),
    "add": binary_cases(st.add, torch.add) + [Case(lambda x: 2.0 + x, lambda x: 2.0 + x, (MATRIX,))],
    "astype": [
        Case(lambda x: st.astype(x, np.float64), lambda x: x.to(torch.float64), (MATRIX,), dtype=np.float32),
        Case(lambda x: st.astype(x, np.float32), lambda x: x.to(torch.float32), (VECTOR,)),
        Case(lambda x: st.astype(x, np.float64), lambda x: x.to(torch.float64), (MATRIX,)),
    ],
    "broadcast_to": [
        Case(lambda x: st.broadcast_to(x, (2, 3)), lambda x: torch.broadcast_to(x, (2, 3)), ((3,),)),
        Case(lambda x: st.broadcast_to(x, (4, 2, 3)), lambda x: torch.broadcast_to(x, (4, 2, 3)), ((2, 1),)),
        Case(lambda x: st.broadcast_to(x, (3,)), lambda x: torch.broadcast_to(x, (3,)), (SCALAR,)),
    ],
    "clip": [
        *unary_cases(lambda x: st.clip(x, -0.5, 0.7), lambda x: torch.clamp(x, -0.5, 0.7)),
        Case(lambda x: x.clip(lo=0.1), lambda x: torch.clamp(x, min=0.1), (MATRIX,)),
        Case(lambda x: x.clip(hi=0.1), lambda x: torch.clamp(x, max=0.1), (MATRIX,)),
    ],
    "concatenate": [
        Case(lambda a, b, c: st.concatenate([a, b, c], axis=1), lambda a, b, c: torch.cat([a, b, c], 1),
             ((2, 1), (2, 3), (2, 2))),
        Case(lambda a, b: st.concatenate([a, b]), lambda a, b: torch.cat([a, b]), ((2,), (3,))),
        Case(lambda a: st.concatenate([a, a], axis=-1), lambda a: torch.cat([a, a], -1), (MATRIX,)),
    ],
    "cos": unary_cases(st.cos, torch.cos),
    "div": binary_cases(st.div, torch.div) + [Case(lambda x: 2.0 / x, lambda x: 2.0 / x, (MATRIX,),
                                                   domain=("nonzero",))],
    "exp": unary_cases(st.exp, torch.exp),
    "getitem": [
        Case(lambda x: x[1], lambda x: x[1], (MATRIX,)),
        Case(lambda x: x[:, 1:], lambda x: x[:, 1:], (MATRIX,)),
        Case(lambda x: x[None, ..., ::2], lambda x: x[None, ..., ::2], (MATRIX,)),
        Case(lambda x: x[MASK], lambda x: x[torch.as_tensor(MASK)], (MATRIX,)),
        Case(lambda x: x[x > 0], lambda x: x[x > 0], (MATRIX,)),
        Case(lambda x: x[IDX], lambda x: x[_t(IDX)], ((3,),)),
        Case(lambda x: x[[1, 1, 0], 1:], lambda x: x[[1, 1, 0], 1:], (MATRIX,)),
        Case(lambda x: x[np.array([[0, 1], [1, 1]]), np.array([2, 2])],
             lambda x: x[torch.tensor([[0, 1], [1, 1]]), torch.tensor([2, 2])], (MATRIX,)),
        Case(lambda x: x[(1, 1, 0), :], lambda x: x[torch.tensor([1, 1, 0]), :], (MATRIX,)),  # tuple inside
        Case(lambda x: x[(0, 0), (2, -1)],  # (0, 2) twice: -1 is column 2
             lambda x: x[torch.tensor([0, 0]), torch.tensor([2, -1])], (MATRIX,)),
        Case(lambda x: x[:, []], lambda x: x[:, torch.tensor([], dtype=torch.long)], (MATRIX,)),
    ],
    "log": unary_cases(st.log, torch.log),
    "log_softmax": [
        Case(lambda x: st.log_softmax(x), lambda x: torch.log_softmax(x, -1), (VECTOR,)),
        Case(lambda x: st.log_softmax(x, axis=0), lambda x: torch.log_softmax(x, 0), (MATRIX,)),
        Case(lambda x: x.log_softmax(), lambda x: torch.log_softmax(x, -1), (MATRIX,)),
    ],
    "logsumexp": [
        Case(lambda x: st.logsumexp(x), lambda x: torch.logsumexp(x, 0), (VECTOR,)),
        Case(lambda x: st.logsumexp(x), lambda x: torch.logsumexp(x, (0, 1)), (MATRIX,)),
        Case(lambda x: st.logsumexp(x, axis=1, keepdims=True), lambda x: torch.logsumexp(x, 1, keepdim=True),
             (MATRIX,)),
        Case(lambda x: x.logsumexp(axis=0), lambda x: torch.logsumexp(x, 0), (MATRIX,)),
    ],
    "matmul": [
        Case(st.matmul, torch.matmul, shapes) for shapes in [
            ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)),
            ((3,), (2, 3, 4)), ((2, 2, 3), (3,)), ((2, 1, 2, 3), (3, 3, 2)), ((2, 2, 3), (2, 3, 2)),
        ]
    ] + [Case(lambda x: x @ np.ones((3, 2)), lambda x: x @ torch.ones(3, 2, dtype=torch.float64), (MATRIX,))],
    "max": [
        Case(st.max, th_amax, (VECTOR,)),
        Case(lambda x: st.max(x, axis=0), lambda x: th_amax(x, 0), (MATRIX,)),
        Case(lambda x: x.max(axis=(0, 2), keepdims=True), lambda x: th_amax(x, (0, 2), True), ((2, 3, 2),)),
        Case(lambda x: st.max(x, axis=1), lambda x: th_amax(x, 1), data=TIES, smooth=False),
        Case(st.max, th_amax, data=(np.array([2.0, 1.0, 2.0, 2.0]),), smooth=False),
    ],
    "maximum": binary_cases(st.maximum, torch.maximum, number=0.0) + [
        Case(st.maximum, torch.maximum, data=(np.array([1.0, 2.0, -1.0]), np.array([1.0, 0.0, -1.0])),
             smooth=False),
    ],
    "min": [
        Case(st.min, th_amin, (VECTOR,)),
        Case(lambda x: st.min(x, axis=-1, keepdims=True), lambda x: th_amin(x, -1, True), (MATRIX,)),
        Case(lambda x: x.min(axis=0), lambda x: th_amin(x, 0), data=TIES, smooth=False),
    ],
    "minimum": binary_cases(st.minimum, torch.minimum, number=0.0) + [
        Case(st.minimum, torch.minimum, data=(np.array([1.0, 2.0, -1.0]), np.array([1.0, 0.0, -1.0])),
             smooth=False),
    ],
    "mul": binary_cases(st.mul, torch.mul) + [Case(lambda x: 2.0 * x, lambda x: 2.0 * x, (MATRIX,))],
    "neg": unary_cases(lambda x: -x, torch.neg),
    "pow": binary_cases(st.power, torch.pow) + [
        Case(lambda x: x ** 3, lambda x: x ** 3, (MATRIX,), domain=("real",)),
        Case(lambda x: x ** 2.0, lambda x: x ** 2.0, (MATRIX,), domain=("real",)),
        Case(lambda x: 2.0 ** x, lambda x: 2.0 ** x, (MATRIX,), domain=("real",)),
        Case(lambda x: x ** -0.5, lambda x: x ** -0.5, (VECTOR,)),
    ],
    "relu": unary_cases(st.relu, torch.relu),
    "reshape": [
        Case(lambda x: st.reshape(x, (3, 2)), lambda x: x.reshape(3, 2), (MATRIX,)),
        Case(lambda x: x.reshape(2, -1, 1), lambda x: x.reshape(2, -1, 1), ((6,),)),
        Case(lambda x: x.reshape(1, 1), lambda x: x.reshape(1, 1), (SCALAR,)),
        Case(lambda x: x.flatten(), lambda x: x.flatten(), ((2, 3, 2),)),
    ],
    "scatter_add": [
        Case(lambda x: scatter_add(x, (3,), IDX),
             lambda x: torch.zeros(3, dtype=x.dtype).index_add(0, _t(IDX), x), (VECTOR,)),
        Case(lambda x: scatter_add(x, (3, 3), np.array([1, 1])),
             lambda x: torch.zeros(3, 3, dtype=x.dtype).index_add(0, torch.tensor([1, 1]), x), ((2, 3),)),
        Case(lambda x: scatter_add(x, (2, 4), (slice(None), slice(1, 4))),
             lambda x: torch.nn.functional.pad(x, (1, 0)), (MATRIX,)),
    ],
    "sigmoid": unary_cases(st.sigmoid, torch.sigmoid),
    "sin": unary_cases(st.sin, torch.sin),
    "softmax": [
        Case(lambda x: st.softmax(x), lambda x: torch.softmax(x, -1), (VECTOR,)),
        Case(lambda x: st.softmax(x, axis=0), lambda x: torch.softmax(x, 0), (MATRIX,)),
        Case(lambda x: x.softmax(axis=1), lambda x: torch.softmax(x, 1), ((2, 3, 2),)),
    ],
    "sqrt": unary_cases(st.sqrt, torch.sqrt),
    "stack": [
        Case(lambda a, b: st.stack([a, b]), lambda a, b: torch.stack([a, b]), (VECTOR, VECTOR)),
        Case(lambda a, b, c: st.stack([a, b, c], axis=1), lambda a, b, c: torch.stack([a, b, c], 1),
             (MATRIX, MATRIX, MATRIX)),
        Case(lambda a, b: st.stack([a, b], axis=-1), lambda a, b: torch.stack([a, b], -1), (SCALAR, SCALAR)),
    ],
    "sub": binary_cases(st.sub, torch.sub) + [Case(lambda x: 2.0 - x, lambda x: 2.0 - x, (MATRIX,))],
    "sum": [
        Case(st.sum, torch.sum, (SCALAR,)),
        Case(st.sum, torch.sum, (VECTOR,)),
        Case(lambda x: x.sum(axis=0), lambda x: x.sum(0), (MATRIX,)),
        Case(lambda x: x.sum(axis=-1, keepdims=True), lambda x: x.sum(-1, keepdim=True), (MATRIX,)),
        Case(lambda x: st.sum(x, axis=(0, 2)), lambda x: x.sum((0, 2)), ((2, 3, 2),)),
    ],
    "tan": unary_cases(st.tan, torch.tan),
    "tanh": unary_cases(st.tanh, torch.tanh),
    "transpose": [
        Case(lambda x: x.T, lambda x: x.T, (MATRIX,)),
        Case(lambda x: st.transpose(x, (1, 2, 0)), lambda x: x.permute(1, 2, 0), ((2, 3, 2),)),
        Case(lambda x: st.swapaxes(x, 0, 2), lambda x: x.transpose(0, 2), ((2, 3, 2),)),
    ],
    "where": [
        Case(lambda x, y: st.where(MASK, x, y), lambda x, y: torch.where(torch.as_tensor(MASK), x, y),
             (MATRIX, MATRIX)),
        Case(lambda x, y: st.where(MASK, x, y), lambda x, y: torch.where(torch.as_tensor(MASK), x, y),
             ((3,), (2, 1))),
        Case(lambda x, y: st.where(x > y, x, y), lambda x, y: torch.where(x > y, x, y), (VECTOR, VECTOR)),
        Case(lambda x: st.where(x > 0, x, 0.0), lambda x: torch.where(x > 0, x, 0.0), (MATRIX,)),
    ],
}


def test_table_covers_exactly_the_registry():
    assert set(CASES) == set(st.OPS), (
        f"ops without an oracle: {sorted(set(st.OPS) - set(CASES))}; "
        f"table entries that are not ops: {sorted(set(CASES) - set(st.OPS))}")


# --- sampling and helpers ---------------------------------------------------------------------
def sample(domain: str, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    if domain == "real":
        return rng.standard_normal(shape)
    magnitude = rng.uniform(0.5, 2.0, shape)
    if domain == "positive":
        return magnitude
    if domain == "nonzero":
        return magnitude * rng.choice([-1.0, 1.0], shape)
    if domain == "small":
        return rng.uniform(-1.2, 1.2, shape)
    raise AssertionError(f"unknown domain {domain!r}")


def inputs_for(name: str, i: int, case: Case) -> list[np.ndarray]:
    if case.data is not None:
        return [np.array(d, dtype=case.dtype) for d in case.data]
    rng = np.random.default_rng(zlib.crc32(f"{name}/{i}".encode()))
    op = st.OPS[name]
    domain = case.domain or (op.domain * len(case.shapes) if op.variadic else op.domain)
    return [np.array(sample(d, s, rng), dtype=case.dtype) for d, s in zip(domain, case.shapes, strict=False)]


def run_steepest(name: str, case: Case, arrays: list[np.ndarray]):
    xs = [st.tensor(a, requires_grad=True) for a in arrays]
    out = case.st_fn(*xs)
    assert out.op_name == name, f"this sample call of {name!r} ends in {out.op_name!r}"
    return xs, out


def run_torch(case: Case, arrays: list[np.ndarray]):
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return xs, case.th_fn(*xs)


def rtol_for(dtype) -> float:
    return RTOL if np.dtype(dtype) == np.float64 else 1e-6


def close(actual, expected, dtype, what: str):
    actual = actual.data if isinstance(actual, st.Tensor) else np.asarray(actual)
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().numpy(force=True)  # force: torch's ZeroTensor
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol_for(dtype), atol=ATOL, err_msg=what)


def all_cases(name: str):
    return list(enumerate(CASES[name]))


OP_NAMES = sorted(st.OPS)


# --- value and vjp against PyTorch ---------------------------------------------------------------
@pytest.mark.parametrize("name", OP_NAMES)
def test_value_and_vjp_against_torch(name):
    for i, case in all_cases(name):
        arrays = inputs_for(name, i, case)
        xs, out = run_steepest(name, case, arrays)
        txs, tout = run_torch(case, arrays)
        close(out, tout, case.dtype, f"{name} {case} value")
        assert out.dtype == np.dtype(str(tout.dtype).removeprefix("torch.")), f"{name} {case} dtype"
        w = np.random.default_rng(i).standard_normal(out.shape).astype(out.dtype)
        grads = gradients(out, xs, grad_outputs=w)
        expected = torch.autograd.grad(tout, txs, torch.tensor(w), allow_unused=True)
        for k, (g, e, x) in enumerate(zip(grads, expected, xs, strict=True)):
            e = torch.zeros_like(txs[k]) if e is None else e
            close(g, e, case.dtype, f"{name} {case} gradient of input {k}")
            assert g.dtype == x.dtype, f"{name} {case}: gradient dtype {g.dtype} != input dtype {x.dtype}"


@pytest.mark.parametrize("name", OP_NAMES)
def test_backward_matches_gradients(name):
    """`.backward()` on <w, f(x)> accumulates the same gradients into `.grad`."""
    for i, case in all_cases(name):
        arrays = inputs_for(name, i, case)
        xs, out = run_steepest(name, case, arrays)
        w = np.random.default_rng(i).standard_normal(out.shape).astype(out.dtype)
        expected = gradients(out, xs, grad_outputs=w)
        out.backward(w)
        for x, e in zip(xs, expected, strict=True):
            assert x.grad is not None and x.grad.shape == x.shape and x.grad.dtype == x.dtype
            np.testing.assert_allclose(x.grad.data, e, rtol=1e-12, atol=0)


# --- vjp against central differences -------------------------------------------------------------
def central_differences(fn: Callable, arrays: list[np.ndarray], w: np.ndarray) -> list[np.ndarray]:
    """d<w, fn(*arrays)>/d arrays[k], one entry at a time."""
    def scalar(values):
        with st.no_grad():
            return float(np.sum(w * fn(*[st.tensor(v) for v in values]).data))

    result = []
    for k, a in enumerate(arrays):
        g = np.zeros_like(a)
        for j in np.ndindex(a.shape):
            plus = [v.copy() for v in arrays]
            minus = [v.copy() for v in arrays]
            plus[k][j] += EPS
            minus[k][j] -= EPS
            g[j] = (scalar(plus) - scalar(minus)) / (2 * EPS)
        result.append(g)
    return result


@pytest.mark.parametrize("name", OP_NAMES)
def test_vjp_against_central_differences(name):
    checked = 0
    for i, case in all_cases(name):
        if not case.smooth or case.dtype != np.float64:
            continue
        arrays = inputs_for(name, i, case)
        xs, out = run_steepest(name, case, arrays)
        if out.dtype != np.float64:
            continue
        w = np.random.default_rng(i).standard_normal(out.shape)
        grads = gradients(out, xs, grad_outputs=w)
        for k, (g, n) in enumerate(zip(grads, central_differences(case.st_fn, arrays, w), strict=True)):
            np.testing.assert_allclose(g, n, rtol=NUM_RTOL, atol=NUM_ATOL,
                                       err_msg=f"{name} {case} input {k} vs central differences")
        checked += 1
    assert checked, f"{name}: no case was checked against central differences"


# --- jvp (forward mode) against torch.func.jvp -----------------------------------------------------
@pytest.mark.parametrize("name", OP_NAMES)
def test_jvp_against_torch(name):
    for i, case in all_cases(name):
        arrays = inputs_for(name, i, case)
        xs, out = run_steepest(name, case, arrays)
        rng = np.random.default_rng(100 + i)
        dxs = [rng.standard_normal(a.shape).astype(a.dtype) for a in arrays]
        (dz,) = tangents([out], xs, dxs)
        _, expected = torch.func.jvp(case.th_fn, tuple(torch.tensor(a) for a in arrays),
                                     tuple(torch.tensor(d) for d in dxs))
        close(dz, expected, case.dtype, f"{name} {case} jvp")


# --- second order: gradients of gradients ----------------------------------------------------------
@pytest.mark.parametrize("name", OP_NAMES)
def test_second_order_against_torch(name):
    """d/dx <v, d<w, f(x)>/dx>: the vjp rules are themselves differentiable (create_graph=True)."""
    for i, case in all_cases(name):
        arrays = inputs_for(name, i, case)
        rng = np.random.default_rng(200 + i)
        xs, out = run_steepest(name, case, arrays)
        w = rng.standard_normal(out.shape).astype(out.dtype)
        vs = [rng.standard_normal(a.shape).astype(a.dtype) for a in arrays]
        first = gradients(out, xs, grad_outputs=w, create_graph=True)
        assert all(isinstance(g, st.Tensor) for g in first)
        s = st.sum(st.stack([st.sum(g * v) for g, v in zip(first, vs, strict=True)]))
        second = gradients(s, xs)

        txs, tout = run_torch(case, arrays)
        tfirst = torch.autograd.grad(tout, txs, torch.tensor(w), create_graph=True, allow_unused=True)
        terms = [(g * torch.tensor(v)).sum() for g, v in zip(tfirst, vs, strict=True)
                 if g is not None and g.requires_grad]
        if terms:
            tsecond = torch.autograd.grad(sum(terms), txs, allow_unused=True)
        else:
            tsecond = [None] * len(txs)
        for k, (g, e) in enumerate(zip(second, tsecond, strict=True)):
            e = torch.zeros_like(txs[k]) if e is None else e
            close(g, e, case.dtype, f"{name} {case} second derivative, input {k}")


# --- broadcasting shapes, drawn by hypothesis --------------------------------------------------------
BINARY = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
    "maximum": torch.maximum, "minimum": torch.minimum,
}
ST_BINARY = {"add": st.add, "sub": st.sub, "mul": st.mul, "div": st.div, "pow": st.power,
             "maximum": st.maximum, "minimum": st.minimum}


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=30, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
       seed=hst.integers(0, 2**32 - 1))
def test_binary_broadcasting_against_torch(name, shapes, seed):
    rng = np.random.default_rng(seed)
    arrays = [sample(d, s, rng) for d, s in zip(st.OPS[name].domain, shapes.input_shapes, strict=True)]
    xs = [st.tensor(a, requires_grad=True) for a in arrays]
    out = ST_BINARY[name](*xs)
    txs = [torch.tensor(a, requires_grad=True) for a in arrays]
    tout = BINARY[name](*txs)
    assert out.shape == shapes.result_shape
    close(out, tout, np.float64, f"{name} {shapes} value")
    w = rng.standard_normal(out.shape)
    out.backward(w)
    tout.backward(torch.tensor(w))
    for x, tx in zip(xs, txs, strict=True):
        assert x.grad.shape == x.shape
        close(x.grad, tx.grad, np.float64, f"{name} {shapes} gradient")


@pytest.mark.filterwarnings("error")  # no divide-by-zero on the way
def test_power_with_exponent_zero_has_gradient_zero_even_at_zero_like_torch():
    x0, y0 = np.array([0.0, 0.0, 2.0]), np.array([0.0, 2.0, 0.0])
    x = st.tensor(x0, requires_grad=True)
    (x ** y0).sum().backward()
    xt = torch.tensor(x0, requires_grad=True)
    (xt ** torch.tensor(y0)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, xt.grad.numpy())
    assert st.grad(lambda v: v**0)(0.0) == 0.0
    assert st.grad(st.grad(lambda v: v**0))(0.0) == 0.0
