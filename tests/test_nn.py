"""Modules, parameters, layers, activations and initialisers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import steepest as st
from steepest import nn
from steepest.nn import init


# --- Parameter and Module ------------------------------------------------------------------------
def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter([1.0, 2.0])
    assert isinstance(p, st.Tensor) and p.requires_grad and p.is_leaf
    assert not hasattr(p, "__dict__")  # slots all the way down
    assert repr(p) == "Parameter([1., 2.])"
    with pytest.raises(TypeError, match="floating-point"):
        nn.Parameter([1, 2])
    a = np.array([1.0, 2.0])
    nn.Parameter(a).data[0] = 5.0
    assert a[0] == 1.0  # the caller's array is copied


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter([2.0])
        self.inner = nn.Linear(3, 2, seed=0)
        self.heads = [nn.Linear(2, 1, seed=1), nn.Tanh(), nn.Linear(2, 1, seed=2)]
        self.shared = self.scale  # the same parameter twice is listed once
        self.not_a_param = st.tensor([1.0], requires_grad=True)

    def forward(self, x):
        h = self.inner(x) * self.scale
        return self.heads[0](h) + self.heads[2](h)


def test_parameters_are_found_by_walking_attributes_and_lists():
    b = Block()
    names = [n for n, _ in b.named_parameters()]
    assert names == ["scale", "inner.weight", "inner.bias", "heads.0.weight", "heads.0.bias",
                     "heads.2.weight", "heads.2.bias"]
    assert b.num_parameters() == 1 + 8 + 3 + 3
    assert [n for n, _ in b.named_modules()] == ["", "inner", "heads.0", "heads.1", "heads.2"]
    out = b(np.ones((4, 3)))
    out.sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in b.parameters())
    b.zero_grad()
    assert all(p.grad is None for p in b.parameters())


def test_forward_must_be_written():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1.0)


def test_state_dict_is_a_copy_and_load_state_dict_writes_in_place():
    m = nn.MLP([2, 3, 1], seed=0)
    state = m.state_dict()
    weight = m.layers[0].weight
    state["layers.0.weight"][:] = 7.0
    assert not np.any(weight.data == 7.0)
    m.load_state_dict(state)
    assert m.layers[0].weight is weight and np.all(weight.data == 7.0)


def test_load_state_dict_errors_name_parameters_and_shapes():
    m = nn.MLP([2, 3, 1], seed=0)
    state = nn.MLP([2, 4, 1], seed=0).state_dict()
    before = m.state_dict()
    with pytest.raises(ValueError, match=r"'layers.0.weight' has shape \(2, 3\) in the model but \(2, 4\)"):
        m.load_state_dict(state)
    for k, v in m.state_dict().items():  # nothing was half-written
        np.testing.assert_array_equal(v, before[k])
    with pytest.raises(KeyError, match=r"missing parameters \['layers.2.bias'\]"):
        m.load_state_dict({k: v for k, v in before.items() if k != "layers.2.bias"})


def test_train_and_eval_reach_every_module():
    m = nn.MLP([2, 4, 4, 1], dropout=0.5, seed=0)
    assert all(x.training for x in m.modules())
    m.eval()
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())


def test_repr_lists_layers_with_parameter_counts():
    text = repr(nn.MLP([2, 8, 1], activation="tanh", output_activation="sigmoid"))
    assert text.splitlines() == [
        "MLP(2 -> 8 -> 1, 33 parameters)",
        "  (layers.0) Linear(2 -> 8)  # 24 parameters",
        "  (layers.1) Tanh()",
        "  (layers.2) Linear(8 -> 1)  # 9 parameters",
        "  (layers.3) Sigmoid()",
    ]
    assert "Block(15 parameters)" in repr(Block())


# --- layers ---------------------------------------------------------------------------------------
def test_linear_is_x_at_w_plus_b():
    layer = nn.Linear(3, 2, seed=0)
    layer.bias.data[:] = [0.5, -1.0]
    x = np.arange(12.0).reshape(4, 3)
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data + layer.bias.data)
    assert layer.weight.shape == (3, 2) and layer.bias.shape == (2,)
    assert nn.Linear(3, 2, bias=False).bias is None
    assert len(nn.Linear(3, 2, bias=False).parameters()) == 1


def test_linear_refuses_inputs_of_the_wrong_width():
    with pytest.raises(ValueError, match=r"Linear\(3 -> 2\): input of shape \(4, 5\) has 5 features.*exp"):
        nn.Linear(3, 2)(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="positive"):
        nn.Linear(0, 2)


def test_linear_against_torch_gradients():
    layer = nn.Linear(3, 2, seed=0)
    x = np.random.default_rng(0).normal(size=(5, 3))
    layer(x).tanh().sum().backward()
    tl = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(layer.weight.data.T))
        tl.bias.copy_(torch.tensor(layer.bias.data))
    torch.tanh(tl(torch.tensor(x))).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.data, tl.weight.grad.numpy().T, rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad.data, tl.bias.grad.numpy(), rtol=1e-12)


def test_mlp_structure_and_errors():
    m = nn.MLP([4, 5, 6, 3], activation="gelu", output_activation=None, seed=0)
    kinds = [type(x).__name__ for x in m.layers]
    assert kinds == ["Linear", "GELU", "Linear", "GELU", "Linear"]
    assert m(np.zeros((2, 4))).shape == (2, 3)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.MLP([2, 1], activation="swish")
    with pytest.raises(ValueError, match="at least two"):
        nn.MLP([3])
    d = nn.MLP([2, 3, 1], dropout=0.2, seed=0)
    assert [type(x).__name__ for x in d.layers] == ["Linear", "ReLU", "Dropout", "Linear"]


def test_sequential_accepts_modules_and_names():
    s = nn.Sequential(nn.Linear(2, 3, seed=0), "tanh", nn.Linear(3, 1, seed=1))
    assert isinstance(s[1], nn.Tanh) and len(s) == 3
    assert s(np.zeros((5, 2))).shape == (5, 1)
    assert [n for n, _ in s.named_parameters()][0] == "layers.0.weight"


def test_same_seed_same_model_and_float32_rounds_float64():
    a = nn.MLP([3, 16, 2], seed=42).state_dict()
    b = nn.MLP([3, 16, 2], seed=42).state_dict()
    c = nn.MLP([3, 16, 2], seed=43).state_dict()
    h = nn.MLP([3, 16, 2], seed=42, dtype=np.float32).state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        assert h[k].dtype == np.float32
        np.testing.assert_array_equal(h[k], a[k].astype(np.float32))
    assert not np.array_equal(a["layers.0.weight"], c["layers.0.weight"])
    rng = np.random.default_rng(5)
    m1 = nn.MLP([2, 2], seed=rng)
    m2 = nn.MLP([2, 2], seed=rng)  # a Generator advances: two different models
    assert not np.array_equal(m1.layers[0].weight.data, m2.layers[0].weight.data)


def test_float32_end_to_end():
    m = nn.MLP([8, 16, 3], activation="relu", seed=0, dtype=np.float32)
    x = np.ones((4, 8), np.float32)
    out = m(x)
    loss = nn.cross_entropy(out, [0, 1, 2, 0]) + 0.5 * nn.mse_loss(out, np.zeros((4, 3)))
    loss.backward()
    assert out.dtype == np.float32 and loss.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in m.parameters())


def test_dropout():
    d = nn.Dropout(0.25, seed=0)
    x = np.ones((200, 50))
    out = d(st.tensor(x)).data
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(out[kept], 1 / 0.75)
    assert np.array_equal(nn.Dropout(0.25, seed=0)(x).data, out)  # same seed, same mask
    d.eval()
    assert d(x) is x
    t = st.tensor(np.ones((3, 3), np.float32), requires_grad=True)
    nn.Dropout(0.5, seed=1)(t).sum().backward()
    assert t.grad.dtype == np.float32 and set(np.unique(t.grad.data)) <= {0.0, 2.0}
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        nn.Dropout(1.0)


# --- activations against PyTorch ------------------------------------------------------------------
POINTS = np.array([-1000.0, -40.0, -3.0, -0.5, 0.0, 0.5, 3.0, 40.0, 1000.0])

ACTIVATION_CASES = {
    "relu": (nn.relu, torch.relu),
    "tanh": (nn.tanh, torch.tanh),
    "sigmoid": (nn.sigmoid, torch.sigmoid),
    "leaky_relu": (nn.leaky_relu, F.leaky_relu),
    "softplus": (nn.softplus, F.softplus),
    "gelu": (nn.gelu, lambda x: F.gelu(x, approximate="tanh")),
    "identity": (nn.identity, lambda x: x),
}


def test_every_activation_has_a_case():
    assert set(ACTIVATION_CASES) | {"linear"} == set(nn.ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(ACTIVATION_CASES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activation_against_torch(name, dtype):
    st_fn, th_fn = ACTIVATION_CASES[name]
    x = st.tensor(POINTS.astype(dtype), requires_grad=True)
    tx = torch.tensor(POINTS.astype(dtype), requires_grad=True)
    z = st_fn(x)
    tz = th_fn(tx)
    rtol, atol = (1e-12, 1e-15) if dtype == np.float64 else (2e-6, 1e-6)
    # absolute tolerance: softplus(-40) = 4e-18 rounds to 0 here (the engine has no log1p primitive),
    # and gelu's 1 + tanh(...) cancels near x = -3 in float32 as PyTorch's does, in another order
    np.testing.assert_allclose(np.asarray(z.data), tz.detach().numpy(), rtol=rtol, atol=atol)
    if name != "identity":
        (z * z).sum().backward()
        (tz * tz).sum().backward()
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=rtol, atol=atol)
        assert z.dtype == dtype and x.grad.dtype == dtype


def test_activation_modules_match_functions():
    x = st.tensor(POINTS)
    for name, cls in nn.ACTIVATIONS.items():
        module = nn.get_activation(name)
        assert isinstance(module, cls)
        np.testing.assert_array_equal(module(x).data, cls()(x).data)
    np.testing.assert_allclose(nn.LeakyReLU(0.2)(x).data, F.leaky_relu(torch.tensor(POINTS), 0.2).numpy())
    assert isinstance(nn.get_activation(None), nn.Identity)
    custom = nn.get_activation(lambda v: v * 2)
    assert custom(3.0) == 6.0


# --- initialisers -----------------------------------------------------------------------------------
def test_initializer_scales():
    shape = (400, 300)
    bound = np.sqrt(6 / 700)
    w = init.xavier_uniform(shape, seed=0)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert init.xavier_normal(shape, seed=0).std() == pytest.approx(np.sqrt(2 / 700), rel=0.02)
    assert np.abs(init.he_uniform(shape, seed=0)).max() <= np.sqrt(6 / 400)
    assert init.he_normal(shape, seed=0).std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert init.normal(shape, seed=0, std=0.5).std() == pytest.approx(0.5, rel=0.02)
    u = init.uniform(shape, seed=0, low=-2, high=3)
    assert u.min() >= -2 and u.max() < 3
    assert not init.zeros((2, 3)).any() and init.ones(4).sum() == 4
    assert init.he_uniform((3, 2), seed=0, dtype=np.float32).dtype == np.float32


def test_initializers_by_name_and_seeds():
    for name, fn in init.INITIALIZERS.items():
        assert init.get_initializer(name) is fn
        np.testing.assert_array_equal(fn((5, 4), seed=3), fn((5, 4), seed=3))
    with pytest.raises(ValueError, match="unknown initialiser 'orthogonal'"):
        init.get_initializer("orthogonal")
    with pytest.raises(TypeError, match="seed must be"):
        init.normal((2,), seed="abc")
    layer = nn.Linear(3, 2, init=lambda shape, seed, dtype: np.full(shape, 0.25, dtype))
    assert np.all(layer.weight.data == 0.25)


def test_nothing_touches_the_global_random_state():
    np.random.seed(1234)
    before = np.random.get_state()
    nn.MLP([3, 8, 8, 2], seed=None, dropout=0.3)(np.ones((4, 3)))
    nn.MLP([3, 8, 2], seed=5)
    for name in init.INITIALIZERS:
        init.get_initializer(name)((3, 3))
    st.data.moons(50, seed=None)
    st.data.train_test_split(*st.data.circles(40), seed=None)
    after = np.random.get_state()
    assert np.array_equal(before[1], after[1]) and before[2:] == after[2:]


# --- the docstrings' examples run ---------------------------------------------------------------------
DOC_MODULES = ["steepest.nn", "steepest.nn.module", "steepest.nn.layers", "steepest.nn.activations",
               "steepest.nn.init", "steepest.nn.losses", "steepest.nn.functional", "steepest.nn.io",
               "steepest.data", "steepest.data.datasets", "steepest.data.loaders", "steepest.train"]


@pytest.mark.parametrize("name", DOC_MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    import doctest
    import importlib

    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name, extraglobs={"st": st, "np": np}):
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} docstring example(s) of {name} failed (see the output)"
