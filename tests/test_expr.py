"""steepest.expr: formula strings parsed against a whitelist into differentiable functions."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_h

import steepest as st
from steepest.expr import MAX_DEPTH, MAX_LENGTH, ExprError, parse


@pytest.mark.parametrize("text, point, value", [
    ("x**2 + 5*sin(x)", [-1.1], (-1.1) ** 2 + 5 * math.sin(-1.1)),
    ("9*x1**2 + x2**2", [1.0, 2.0], 13.0),
    ("(x+y)*z", [-2.0, 5.0, -4.0], -12.0),
    ("max(0, w*x + b)", [1.0, 1.0, 5.0], 6.0),
    ("(y - max(0, w*x + b))**2", [1.0, 1.0, 5.0, 4.0], 4.0),
    ("2*x**2 + y**2", [0.5, 0.5], 0.75),
    ("x*y", [4.0, -3.0], -12.0),
    ("-x + +y - -1", [1.0, 2.0], 2.0),
    ("2**3**2", [], 512.0),  # ** is right-associative, as in Python
    ("sigmoid(0) + relu(-3) + tanh(0) + abs(-2) + sqrt(9) + exp(0) + log(e)", [], 7.5),
    ("cos(pi) + tan(0)", [], -1.0),
    ("min(x, 3, y)", [5.0, 4.0], 3.0),
    ("max(x, 3, y)", [5.0, 4.0], 5.0),
    ("x / 4 - 1e-3", [2.0], 0.499),
])
def test_values(text, point, value):
    f = parse(text)
    assert f(*point) == pytest.approx(value)


def test_variables_alphabetical_natural_or_named():
    assert parse("y*x + z").variables == ("x", "y", "z")
    assert parse("x10 + x2 + x1").variables == ("x1", "x2", "x10")
    assert parse("max(0, w*x + b)").variables == ("b", "w", "x")
    assert parse("sin(x) + pi*e").variables == ("x",)  # functions and constants are not variables
    assert parse("w*x + b", variables=["w", "b", "x"]).variables == ("w", "b", "x")
    assert parse("x + 1", variables=["x", "y"])(1.0, 7.0) == 2.0  # a named variable may go unused
    assert parse("e - y", variables=["e", "y"])(1.0, 4.0) == -3.0  # named, e is a variable, not Euler's


def test_calling_conventions():
    f = parse("9*x1**2 + x2**2")
    assert f(1.0, 2.0) == f([1.0, 2.0]) == f(x1=1.0, x2=2.0) == f(1.0, x2=2.0) == 13.0
    assert isinstance(f(1.0, 2.0), float)
    out = f(np.array([1.0, 0.0]), np.array([2.0, 1.0]))
    np.testing.assert_allclose(out, [13.0, 1.0])
    X, Y = np.meshgrid(np.linspace(-1, 1, 3), np.linspace(-1, 1, 4))
    assert f(X, Y).shape == (4, 3)
    with pytest.raises(TypeError, match="takes 2 values"):
        f(1.0, 2.0, 3.0)
    with pytest.raises(TypeError, match="shape"):
        f([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="unknown variable 'z'"):
        f(x1=1.0, z=2.0)
    with pytest.raises(TypeError, match="missing x2"):
        f(x1=1.0)


def test_float32_stays_float32():
    f = parse("2*x + 1")
    assert f(np.ones(3, dtype=np.float32)).dtype == np.float32


def test_tensors_in_give_a_graph_and_gradients():
    x, y, z = (st.tensor(v, requires_grad=True, name=n) for v, n in ((-2.0, "x"), (5.0, "y"), (-4.0, "z")))
    out = parse("(x+y)*z")(x, y, z)
    assert isinstance(out, st.Tensor) and out.item() == -12.0
    out.backward()
    assert (x.grad.item(), y.grad.item(), z.grad.item()) == (-4.0, -4.0, 3.0)


def test_point_tensor_gradient_flows_through_indexing():
    p = st.tensor([1.0, 2.0], requires_grad=True)
    parse("9*x1**2 + x2**2")(p).backward()
    np.testing.assert_allclose(p.grad.data, [18.0, 4.0])


def test_works_with_transforms():
    f = parse("x**2 + 5*sin(x)")
    assert st.grad(f)(-5.0) == pytest.approx(2 * -5.0 + 5 * math.cos(-5.0))
    phi = parse("9*x1**2 + x2**2")
    u = np.array([math.sqrt(3) / 2, 0.5])
    assert st.directional_derivative(phi, np.array([1.0, 2.0]), u) == pytest.approx(9 * math.sqrt(3) + 2)
    np.testing.assert_allclose(st.hessian(phi)(np.array([1.0, 2.0])), [[18.0, 0.0], [0.0, 2.0]])
    assert st.grad(parse("x*y"), argnums=(0, 1))(4.0, -3.0) == (-3.0, 4.0)


def test_relu_neuron_gradients():
    J = parse("(y - max(0, w*x + b))**2")  # the seeds' neuron: J = e^2, e = y - a, a = max(0, w x + b)
    b, w = st.tensor(1.0, requires_grad=True), st.tensor(1.0, requires_grad=True)
    loss = J(b, w, 5.0, 4.0)
    loss.backward()
    assert loss.item() == 4.0
    assert (w.grad.item(), b.grad.item()) == (20.0, 4.0)
    assert (1.0 - 0.01 * w.grad.item(), 1.0 - 0.01 * b.grad.item()) == pytest.approx((0.8, 0.96))


def _error(text, **kw) -> ExprError:
    with pytest.raises(ExprError) as info:
        parse(text, **kw)
    err = info.value
    assert "\n" not in str(err)  # one line
    assert str(err).startswith(f"column {err.col + 1}: ")
    return err


@pytest.mark.parametrize("text, col, words", [
    ("x^2", 1, "x**2"),
    ("2x + 1", 1, "2*x"),
    ("x = 3", 2, "assignment"),
    ("2(x + 1)", 1, "product"),
    ("foo(x)", 0, "not an allowed function"),
    ("sin", 0, "is a function"),
    ("sin(x, y)", 0, "one argument"),
    ("max(x)", 0, "two or more"),
    ("x.real", 0, "attribute"),
    ("x[0]", 0, "indexing"),
    ("'rm -rf'", 0, "str"),
    ("True", 0, "booleans"),
    ("1e400", 0, "too large"),
    ("3j", 0, "complex"),
    ("x if y else z", 0, "if/else"),
    ("lambda: 1", 0, "lambda"),
    ("x // 2", 2, "//"),
    ("x < 2", 0, "comparisons"),
    ("x + y", 4, "unknown variable 'y'"),
    ("1 +", 3, "ends too early"),
    ("x + é", 4, "ASCII"),
    ("", 0, "empty"),
    ("sin(x, y=2)", 7, "keyword"),
])
def test_refused_with_a_column(text, col, words):
    kw = {"variables": ["x"]} if text == "x + y" else {}
    err = _error(text, **kw)
    assert err.col == col, str(err)
    assert words in str(err)
    lines = err.pointer().splitlines()
    assert len(lines) == 2 and lines[1].index("^") - 2 == col


@pytest.mark.parametrize("text", [
    "__import__('os').system('touch {flag}')",
    "open('{flag}', 'w').write('x')",
    "eval(\"open('{flag}', 'w')\")",
    "exec('import os')",
    "().__class__.__bases__[0].__subclasses__()",
    "[c for c in ().__class__.__mro__]",
    "getattr(x, 'real')",
    "x.__class__",
    "globals()",
])
def test_malicious_refused_and_nothing_runs(text, tmp_path, monkeypatch):
    import builtins

    def boom(*args, **kwargs):
        raise AssertionError("the parser must never call eval or exec")

    monkeypatch.setattr(builtins, "eval", boom)
    monkeypatch.setattr(builtins, "exec", boom)
    flag = tmp_path / "pwned"
    _error(text.format(flag=flag))
    assert not flag.exists()


def test_caps_on_length_and_depth():
    assert "longer" in str(_error("x+" * MAX_LENGTH + "x"))
    assert "nested" in str(_error("(" * (MAX_DEPTH + 5) + "x" + ")" * (MAX_DEPTH + 5)))
    assert "nested" in str(_error("-" * (MAX_DEPTH + 5) + "x"))
    assert "nested" in str(_error("sin(" * (MAX_DEPTH + 5) + "x" + ")" * (MAX_DEPTH + 5)))
    parse("(" * 20 + "x" + ")" * 20)  # ordinary nesting is fine


def test_bad_variable_names():
    with pytest.raises(ExprError, match="cannot be a variable"):
        parse("x + 1", variables=["x", "_y"])
    with pytest.raises(ExprError, match="cannot be a variable"):
        parse("x + 1", variables=["sin"])
    with pytest.raises(ValueError, match="twice"):
        parse("x + 1", variables=["x", "x"])


def test_repr_and_reparse():
    f = parse("  x*y\t+ 1 ")
    assert f.text == str(f) == "x*y + 1"
    assert "variables=('x', 'y')" in repr(f)
    assert parse(f) is f
    assert parse(f, variables=["y", "x"]).variables == ("y", "x")


def test_long_flat_sums_are_fine():
    f = parse(" + ".join(f"x{i}" for i in range(250)))  # a + b + c is a deep tree, but nothing in it nests
    assert len(f.variables) == 250 and f(np.arange(250.0)) == sum(range(250))
    np.testing.assert_allclose(st.grad(f)(np.ones(250)), np.ones(250))
    g = parse("x" + " - x" * 300)  # ((x - x) - x) - ...: left to right
    assert g(2.0) == -598.0 and st.grad(g)(2.0) == -299.0
    h = parse("x" + "*x" * 199 + "/x")  # a flat product: x**199
    assert h(1.001) == pytest.approx(1.001**199, rel=1e-12)
    assert st.grad(h)(1.001) == pytest.approx(199 * 1.001**198, rel=1e-12)
    mixed = parse(" + ".join(["2*x*y - x/y"] * 100))  # chains inside chains, each one level
    assert mixed(3.0, 2.0) == pytest.approx(100 * (12 - 1.5))


def test_real_nesting_is_still_capped():
    for text in ["x" + "**x" * (MAX_DEPTH + 5),  # a power tower nests to the right
                 "x + (" * (MAX_DEPTH + 5) + "x" + ")" * (MAX_DEPTH + 5),  # right-nested: real
                 " + ".join(["x"] * 50 + ["-" * (MAX_DEPTH + 2) + "x"])]:  # deep inside a flat sum
        with pytest.raises(ExprError, match="nested deeper than"):
            parse(text)
    parse("x + (" * 30 + "x" + ")" * 30)


@settings(max_examples=400, deadline=None)
@given(st_h.text(alphabet="xyz0123456789.+-*/^()_ ,eEjpisnqrtaxmlbcgdo'\"[]{}:=<>!&|%@~#\\", max_size=60))
def test_any_text_parses_or_gets_an_expr_error(text):
    try:
        f = parse(text)
    except ExprError as err:
        assert 0 <= err.col <= len(err.text)
        return
    with np.errstate(all="ignore"):
        try:
            f(*([1.5] * len(f.variables)))
        except (ValueError, TypeError) as err:  # e.g. a shape error from the engine, never a crash
            assert str(err)
