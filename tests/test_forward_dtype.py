"""Forward mode keeps float32, as reverse mode does: for every primitive in the registry.

Each sample call of `test_ops.CASES` runs on float32 inputs. The tangent of the output must
have the output's dtype whatever the tangents fed in (float32, float64, Python lists), through
`tangents`, `tangents(create_graph=True)`, `st.jvp`, and forward over reverse (the path of
`st.hvp`); and it must agree with the float64 tangent to float32 precision.
"""

from __future__ import annotations

import numpy as np
import pytest

import steepest as st
from steepest.autodiff import gradients, tangents
from test_ops import CASES, inputs_for

F32 = np.float32


def float32_calls(name):
    for i, case in enumerate(CASES[name]):
        arrays = [a.astype(F32) for a in inputs_for(name, i, case)]
        yield case, arrays, [np.random.default_rng(i).standard_normal(a.shape) for a in arrays]


def own_rules(out, xs, dxs):
    """The output node's own jvp rules, called directly on float32 tangents of its inputs."""
    op, inputs, params = out._op, out._inputs, out._params
    args = [x.data if isinstance(x, st.Tensor) else x for x in inputs]
    by_id = {id(x): d.astype(F32) for x, d in zip(xs, dxs, strict=True)}
    for i, x in enumerate(inputs):
        if isinstance(x, st.Tensor) and id(x) in by_id:
            rule = (lambda *a, i=i: op.jvps[0](i, *a)) if op.variadic else op.jvps[i]
            yield i, np.asarray(rule(by_id[id(x)], out.data, *args, *params))


@pytest.mark.parametrize("name", sorted(st.OPS))
def test_forward_mode_keeps_float32(name):
    for case, arrays, dxs in float32_calls(name):
        xs = [st.tensor(a, requires_grad=True) for a in arrays]
        out = case.st_fn(*xs)
        what = f"{name} {case}"
        for i, dz in own_rules(out, xs, dxs):  # before the engine's cast to the output dtype
            assert dz.dtype == out.dtype, f"{what}: the jvp rule for input {i} gives {dz.dtype}"
        for given in ([d.astype(F32) for d in dxs], dxs, [d.tolist() for d in dxs]):
            (dz,) = tangents([out], xs, given)
            assert dz.dtype == out.dtype, f"{what}: tangent {dz.dtype}, output {out.dtype}"
        (dz,) = tangents([out], xs, [st.tensor(d.astype(F32)) for d in dxs], create_graph=True)
        assert isinstance(dz, st.Tensor) and dz.dtype == out.dtype, f"{what} (create_graph): {dz.dtype}"

        _, jz = st.jvp(case.st_fn, tuple(arrays), tuple(d.astype(F32) for d in dxs))
        assert np.asarray(jz).dtype == out.dtype, f"{what} (st.jvp): {np.asarray(jz).dtype}"
        xs64 = [st.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
        (dz64,) = tangents([case.st_fn(*xs64)], xs64, [d.astype(F32).astype(np.float64) for d in dxs])
        np.testing.assert_allclose(jz, dz64, rtol=2e-4, atol=2e-5, err_msg=f"{what} float32 vs float64")


@pytest.mark.parametrize("name", sorted(st.OPS))
def test_forward_over_reverse_keeps_float32(name):
    """What st.hvp does: tangents pushed through the recorded backward pass."""
    for case, arrays, dxs in float32_calls(name):
        xs = [st.tensor(a, requires_grad=True) for a in arrays]
        out = case.st_fn(*xs)
        w = np.ones(out.shape, out.dtype)
        for x, g in zip(xs, gradients(out, xs, grad_outputs=w, create_graph=True), strict=True):
            assert g.dtype == x.dtype
            if g.requires_grad:
                (h,) = tangents([g], xs, [d.astype(F32) for d in dxs])
                assert h.dtype == x.dtype, f"{name} {case}: second-order tangent {h.dtype}"


SCALAR_BASE = {
    "2.0 ** x": lambda x: 2.0 ** x,
    "st.power(2.0, x)": lambda x: st.power(2.0, x),
    "x ** 2.0": lambda x: x ** 2.0,
    "x ** 0.0": lambda x: x ** 0.0,
    "x ** x": lambda x: x ** x,
    "0.0 ** x": lambda x: 0.0 ** x,
}


@pytest.mark.parametrize("name", sorted(SCALAR_BASE))
def test_jvp_and_hvp_of_powers_keep_float32(name):
    f = SCALAR_BASE[name]
    x = np.array([0.5, 1.0, 2.0], F32)
    value, dz = st.jvp(f, (x,), (np.ones(3, F32),))
    assert value.dtype == F32 and dz.dtype == F32, f"{name}: jvp {dz.dtype}"
    hv = st.hvp(lambda v: st.sum(f(v)), x, np.ones(3, F32))
    assert hv.dtype == F32, f"{name}: hvp {hv.dtype}"
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(dz, st.jvp(f, (x64,), (np.ones(3),))[1], rtol=1e-6)
    np.testing.assert_allclose(hv, st.hvp(lambda v: st.sum(f(v)), x64, np.ones(3)), rtol=1e-6)


def test_tangents_take_their_inputs_dtype_as_reverse_mode_takes_the_outputs():
    x = st.tensor(np.ones(3, F32), requires_grad=True)
    (dz,) = tangents([x * 3.0], [x], [np.ones(3)])  # a float64 tangent for a float32 input
    assert dz.dtype == F32
    (g,) = gradients(x * 3.0, [x], grad_outputs=np.ones(3))  # the float64 cotangent, likewise
    assert g.dtype == F32
