"""Saving and loading models: bit-exact round trips, no pickle, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import steepest as st
from steepest import nn


def _same(a: nn.Module, b: nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sa:
        assert sa[k].dtype == sb[k].dtype
        assert sa[k].tobytes() == sb[k].tobytes()  # bit for bit


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_is_bit_exact(tmp_path, dtype):
    model = nn.MLP([3, 7, 5, 2], activation="tanh", output_activation="sigmoid", seed=0, dtype=dtype)
    for p in model.parameters():  # awkward values: not what an initialiser would draw
        p.data[...] = np.random.default_rng(1).normal(size=p.shape) * 1e-3 + np.pi
    path = model.save(tmp_path / "model.npz")
    other = nn.MLP([3, 7, 5, 2], activation="tanh", output_activation="sigmoid", seed=99, dtype=dtype)
    assert other.load(path) is other
    _same(model, other)
    rebuilt = nn.load(path)
    assert type(rebuilt) is nn.MLP and repr(rebuilt) == repr(model)
    _same(model, rebuilt)
    x = np.ones((4, 3), dtype)
    assert model(x).data.tobytes() == rebuilt(x).data.tobytes()


def test_file_is_plain_npz_with_json_architecture(tmp_path):
    model = nn.MLP([2, 4, 1], activation="leaky_relu", seed=0)
    path = model.save(str(tmp_path / "net"))  # the suffix is added
    assert path.endswith("net.npz")
    with np.load(path, allow_pickle=False) as f:
        assert set(f.files) == {"__architecture__", "layers.0.weight", "layers.0.bias",
                                "layers.2.weight", "layers.2.bias"}
        header = json.loads(str(f["__architecture__"]))
    assert header["model"] == {"class": "MLP", "config": {
        "sizes": [2, 4, 1], "activation": "leaky_relu", "output_activation": None, "dtype": "float64",
        "bias": True, "dropout": 0.0}}
    assert header["parameters"]["layers.0.weight"] == {"shape": [2, 4], "dtype": "float64"}
    assert nn.load(str(tmp_path / "net")).sizes == [2, 4, 1]  # found without the suffix too


def test_sequential_of_builtin_layers_is_rebuilt(tmp_path):
    model = nn.Sequential(nn.Linear(2, 5, seed=0, dtype=np.float32), nn.LeakyReLU(0.2), nn.Dropout(0.1),
                          nn.Linear(5, 3, bias=False, seed=1, dtype=np.float32), nn.Softplus())
    rebuilt = nn.load(model.save(tmp_path / "seq.npz"))
    assert [type(m).__name__ for m in rebuilt] == ["Linear", "LeakyReLU", "Dropout", "Linear", "Softplus"]
    assert rebuilt[1].negative_slope == 0.2 and rebuilt[3].bias is None
    _same(model, rebuilt)


def test_loading_another_shape_names_the_parameter_and_both_shapes(tmp_path):
    path = nn.MLP([2, 8, 1], seed=0).save(tmp_path / "small.npz")
    wider = nn.MLP([2, 16, 1], seed=0)
    before = wider.state_dict()
    with pytest.raises(ValueError, match=r"'layers.0.weight' has shape \(2, 8\) in the file .* "
                                         r"but shape \(2, 16\) in the model"):
        wider.load(path)
    _same_state = wider.state_dict()
    for k in before:  # nothing was written
        np.testing.assert_array_equal(before[k], _same_state[k])
    deeper = nn.MLP([2, 8, 8, 1], seed=0)
    with pytest.raises(KeyError, match=r"missing from the file \['layers.4.bias', 'layers.4.weight'\]"):
        deeper.load(path)


def test_custom_modules_load_into_an_instance(tmp_path):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 3, seed=0)
            self.b = nn.Parameter(np.array([1.5]))

        def forward(self, x):
            return self.a(x) * self.b

    net = Net()
    path = net.save(tmp_path / "custom.npz")
    fresh = Net()
    fresh.b.data[0] = 0.0
    fresh.load(path)
    _same(net, fresh)
    with pytest.raises(ValueError, match="Net whose architecture cannot be rebuilt.*model.load"):
        nn.load(path)


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        nn.load(tmp_path / "missing.npz")
    other = tmp_path / "other.npz"
    np.savez(other, w=np.ones(3))
    with pytest.raises(ValueError, match="not written by steepest"):
        nn.load(other)
    with pytest.raises(TypeError, match="Module"):
        nn.save("not a model", tmp_path / "x.npz")


def test_loaded_weights_keep_training(tmp_path):
    X, y = st.data.xor()
    model = nn.MLP([2, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    opt = st.optim.Momentum(model.parameters(), lr=0.5, momentum=0.9)
    for _ in range(50):
        opt.zero_grad()
        nn.mse_loss(model(X), y.reshape(-1, 1)).backward()
        opt.step()
    path = model.save(tmp_path / "xor.npz")
    copy = nn.load(path)
    _same(model, copy)
    model.load(path)  # loading into a model whose parameters an optimizer holds writes in place
    opt.step()
