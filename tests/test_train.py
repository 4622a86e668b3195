"""fit() and History: the seeds' gates, toy shapes, digits, a manual loop, stopping, bookkeeping."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import steepest as st
from steepest import nn


def accuracy(model, X, y) -> float:
    with st.no_grad():
        out = model(X).data
    pred = out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0.5)
    return float(np.mean(pred == y))


# --- the training tests -------------------------------------------------------------------
def test_xor_with_tanh_sigmoid_mlp_and_momentum():
    X, y = st.data.xor()
    model = nn.MLP([2, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    hist = st.fit(model, X, y, loss="mse", optimizer="momentum", lr=0.5, momentum=0.9, epochs=1000,
                  progress=False, metrics=["accuracy"])
    assert accuracy(model, X, y) == 1.0
    assert hist.accuracy[-1] == 1.0 and hist.loss[-1] < 1e-3
    assert hist.stopped_reason == "completed 1000 epochs" and hist.epochs == 1000


def test_or_with_a_single_sigmoid_neuron_and_plain_gd():
    X, y = st.data.or_()
    neuron = nn.MLP([2, 1], output_activation="sigmoid", seed=0)  # sigmoid(w . x + b)
    hist = st.fit(neuron, X, y, loss="bce", optimizer="gd", lr=1.0, epochs=300, progress=False)
    assert accuracy(neuron, X, y) == 1.0 and hist.accuracy[-1] == 1.0
    assert all(a >= b for a, b in zip(hist.loss, hist.loss[1:], strict=False))  # full-batch gd: monotone
    w = neuron.layers[0].weight.data[:, 0]
    assert np.all(w > 0) and neuron.layers[0].bias.data[0] < 0  # the textbook OR weights


def test_moons_with_relu_mlp_and_adam():
    X, y = st.data.moons(400, noise=0.15, seed=0)
    X_tr, X_te, y_tr, y_te = st.data.train_test_split(X, y, test_size=0.25, seed=0)
    model = nn.MLP([2, 16, 16, 1], activation="relu", seed=0)
    hist = st.fit(model, X_tr, y_tr, loss="bce_with_logits", optimizer="adam", lr=0.02, epochs=300,
                  validation_data=(X_te, y_te), progress=False)
    with st.no_grad():
        pred = model(X_te).data[:, 0] > 0  # logits
    assert np.mean(pred == y_te) >= 0.97
    assert hist.val_accuracy[-1] >= 0.97


def test_digits_mlp_on_a_held_out_split():
    X, y = st.data.digits()
    X_tr, X_te, y_tr, y_te = st.data.train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    model = nn.MLP([64, 64, 10], activation="relu", seed=0, dtype=np.float32)
    hist = st.fit(model, X_tr, y_tr, loss="cross_entropy", optimizer="adam", lr=0.003, epochs=25,
                  batch_size=64, seed=0, progress=False)
    assert accuracy(model, X_te.astype(np.float32), y_te) >= 0.96
    assert hist.accuracy[-1] > 0.98


def test_linear_model_in_a_manual_loop():
    X, y = st.data.linear(200, noise=0.05, seed=0, slope=[2.0, -3.0], intercept=0.5)
    model = nn.Linear(2, 1, seed=0)
    opt = st.optim.GD(model.parameters(), lr=0.5)
    target = y.reshape(-1, 1)
    for _ in range(300):
        opt.zero_grad()
        loss = nn.mse_loss(model(X), target)
        loss.backward()
        opt.step()
    np.testing.assert_allclose(model.weight.data[:, 0], [2.0, -3.0], atol=0.02)
    assert model.bias.data[0] == pytest.approx(0.5, abs=0.02)
    assert loss.item() == pytest.approx(0.05 ** 2, rel=0.3)


# --- fit's behaviour -------------------------------------------------------------------------------
def test_same_seed_same_training():
    X, y = st.data.moons(100, seed=1)

    def run():
        model = nn.MLP([2, 8, 1], seed=3, dropout=0.1)
        return st.fit(model, X, y, loss="bce_with_logits", optimizer="adam", lr=0.01, epochs=5, batch_size=16,
                      seed=7, validation_split=0.2, progress=False), model

    (h1, m1), (h2, m2) = run(), run()
    assert h1.loss == h2.loss and h1.val_loss == h2.val_loss
    for a, b in zip(m1.parameters(), m2.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_history_fields_and_minibatch_epochs():
    X, y = st.data.spirals(90, seed=0)
    model = nn.MLP([2, 12, 3], activation="tanh", seed=0)
    hist = st.fit(model, X, y, loss="cross_entropy", optimizer="adam", lr=0.01, epochs=4, batch_size=32,
                  validation_split=0.2, seed=0, progress=False)
    assert hist.epochs == 4
    for key in ("loss", "val_loss", "accuracy", "val_accuracy", "lrs", "times"):
        assert len(hist[key]) == 4, key
    assert hist.lrs == [0.01] * 4 and hist.times == sorted(hist.times) and hist.time > 0
    assert set(hist.keys()) == {"loss", "val_loss", "accuracy", "val_accuracy", "lrs", "times"}
    d = hist.to_dict()
    assert d["epochs"] == 4 and d["stopped_reason"] == "completed 4 epochs"
    text = repr(hist)
    assert text.startswith("History(epochs=4, loss=") and "val_accuracy=" in text
    html = hist._repr_html_()
    assert html.startswith("<table>") and "stopped" in html and "completed 4 epochs" in html
    with pytest.raises(KeyError, match="History has no 'acc'"):
        hist["acc"]


def test_regression_history_has_no_accuracy_and_targets_are_reshaped():
    X, y = st.data.linear(50, seed=0)
    model = nn.Linear(1, 1, seed=0)
    hist = st.fit(model, X, y, epochs=3, progress=False)  # y is (50,), the model gives (50, 1)
    assert hist.accuracy == [] and len(hist.loss) == 3
    assert "accuracy" not in repr(hist)
    with pytest.raises(ValueError, match=r"\(50, 1\).*\(50,\)"):
        nn.mse_loss(model(X), y)  # the loss itself refuses; fit reshapes


def test_history_works_with_plot_loss():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from steepest.viz.curves import _series, plot_loss, plot_lr

    X, y = st.data.xor()
    hist = st.fit(nn.MLP([2, 4, 1], seed=0), X, y, epochs=5, validation_data=(X, y), progress=False,
                  schedule=st.optim.exponential(0.1, 0.9))
    series = _series(hist)
    assert set(series) == {"train", "validation"} and len(series["train"]) == 5
    assert plot_loss(hist) is not None and plot_lr(hist) is not None
    np.testing.assert_allclose(hist.lrs, 0.1 * 0.9 ** np.arange(5))


def test_early_stopping_restores_the_best_weights():
    X, y = st.data.moons(200, noise=0.3, seed=0)
    X_tr, X_val, y_tr, y_val = st.data.train_test_split(X, y, test_size=0.5, seed=0)
    model = nn.MLP([2, 64, 64, 1], seed=0)
    kept = {}

    def remember(epoch, logs):
        kept[epoch] = logs["model"].state_dict()

    hist = st.fit(model, X_tr, y_tr, loss="bce_with_logits", optimizer="adam", lr=0.05, epochs=500,
                  validation_data=(X_val, y_val), early_stopping=5, callbacks=[remember], progress=False)
    assert hist.epochs < 500 and hist.stopped_reason.startswith("early stopping: val_loss did not improve")
    best = hist.best_epoch
    assert best == int(np.argmin(hist.val_loss)) + 1 and hist.epochs == best + 5
    assert f"weights restored to epoch {best}" in hist.stopped_reason
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, kept[best][k])


def test_early_stopping_needs_validation_for_val_loss():
    X, y = st.data.xor()
    with pytest.raises(ValueError, match="no validation data"):
        st.fit(nn.MLP([2, 1]), X, y, early_stopping=st.EarlyStopping(3, monitor="val_loss"), progress=False)
    hist = st.fit(nn.MLP([2, 1], seed=0), X, y, lr=1e-9, epochs=100, progress=False,
                  early_stopping=st.EarlyStopping(3, min_delta=1e-6))
    assert hist.epochs == 4 and hist.best_epoch == 1
    assert hist.stopped_reason.startswith("early stopping: loss did not improve by more than 1e-06 for 3")


def test_divergence_is_reported():
    X, y = st.data.linear(50, seed=0, slope=50.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # fit reports the divergence itself, without NumPy's overflow warnings
        hist = st.fit(nn.Linear(1, 1, seed=0), X * 100, y, lr=10.0, epochs=200, progress=False)
    assert hist.stopped_reason.startswith("diverged") and "smaller learning rate" in hist.stopped_reason
    assert not math.isfinite(hist.loss[-1]) and hist.epochs < 200


def test_callbacks_can_stop_training():
    X, y = st.data.xor()
    calls = []

    def enough(epoch, logs):
        calls.append((epoch, sorted(k for k in logs if k != "model")))
        return epoch == 3

    hist = st.fit(nn.MLP([2, 3, 1], seed=0), X, y, epochs=10, callbacks=[enough], progress=False)
    assert hist.epochs == 3 and hist.stopped_reason == "stopped by callback enough at epoch 3"
    assert calls[0] == (1, ["epoch", "loss", "lr", "time"])


def test_optimizer_objects_and_schedules():
    X, y = st.data.xor()
    model = nn.MLP([2, 4, 1], seed=0)
    opt = st.optim.Adam(model.parameters(), lr=0.01)
    hist = st.fit(model, X, y, optimizer=opt, epochs=3, progress=False)
    assert hist.lrs == [0.01] * 3
    with pytest.raises(ValueError, match="already built"):
        st.fit(model, X, y, optimizer=opt, momentum=0.9, epochs=1, progress=False)
    hist = st.fit(model, X, y, optimizer="gd", epochs=4, progress=False,
                  schedule=st.optim.step_decay(0.2, step_size=2, gamma=0.5))
    assert hist.lrs == [0.2, 0.2, 0.1, 0.1]
    with pytest.raises(ValueError, match="unknown optimizer"):
        st.fit(model, X, y, optimizer="lbfgs", progress=False)


def test_fit_errors_and_inputs_are_not_changed():
    X, y = st.data.xor()
    X0, y0 = X.copy(), y.copy()
    model = nn.MLP([2, 4, 1], seed=0)
    st.fit(model, X, y, epochs=2, progress=False)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    with pytest.raises(ValueError, match=r"different numbers of examples: \(4, 2\) and \(3,\)"):
        st.fit(model, X, y[:3], progress=False)
    with pytest.raises(ValueError, match="validation_split=1.5"):
        st.fit(model, X, y, validation_split=1.5, progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        st.fit(model, X, y, batch_size=0, progress=False)
    with pytest.raises(ValueError, match="unknown loss"):
        st.fit(model, X, y, loss="hinge", progress=False)
    with pytest.raises(ValueError, match=r"X has 1 NaN or infinite entries \(the first in row 2\)"):
        st.fit(model, np.where(np.arange(8).reshape(4, 2) == 5, np.nan, X), y, progress=False)
    with pytest.raises(ValueError, match="y must be numeric"):
        st.fit(model, X, np.array(["a", "b", "a", "b"]), progress=False)
    with pytest.raises(ValueError, match=r"unknown metrics \['f1'\]"):
        st.fit(model, X, y, metrics=["f1"], progress=False)
    with pytest.raises(ValueError, match=r"single-number Tensor, got Tensor of shape \(4, 1\)"):
        st.fit(model, X, y, loss=lambda p, t: nn.mse_loss(p, t, reduction="none"), progress=False)


def test_float_labels_for_cross_entropy_and_float32_models():
    X, y = st.data.spirals(60, seed=0)
    model = nn.MLP([2, 8, 3], seed=0, dtype=np.float32)
    hist = st.fit(model, X, y.astype(float), loss="cross_entropy", optimizer="adam", lr=0.01, epochs=3,
                  progress=False)
    assert len(hist.accuracy) == 3
    assert all(p.data.dtype == np.float32 for p in model.parameters())


def test_progress_bar_is_off_when_output_is_not_a_terminal(capsys):
    X, y = st.data.xor()
    st.fit(nn.MLP([2, 2, 1], seed=0), X, y, epochs=3)  # progress=None: a terminal or a notebook only
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_progress_true_draws_a_bar_on_a_pipe_too(capsys):
    X, y = st.data.xor()
    st.fit(nn.MLP([2, 2, 1], seed=0), X, y, epochs=3, progress=True)
    out = capsys.readouterr()
    assert out.out == "" and "fit" in out.err and "3/3" in out.err


def test_progress_bar_on_a_terminal(monkeypatch):
    import io
    import sys

    class Tty(io.StringIO):
        def isatty(self):
            return True

    err = Tty()
    monkeypatch.setattr(sys, "stdout", Tty())
    monkeypatch.setattr(sys, "stderr", err)
    X, y = st.data.xor()
    st.fit(nn.MLP([2, 2, 1], seed=0), X, y, epochs=3, progress=True)
    text = err.getvalue()
    assert "fit" in text and "3/3" in text and "loss=" in text
    err.truncate(0)
    st.fit(nn.MLP([2, 2, 1], seed=0), X, y, epochs=3, progress=False)
    assert err.getvalue().strip("\x00") == ""


# --- bad data named by its real cause ------------------------------------------------------------------
def test_nan_in_validation_data_is_blamed_on_validation_data():
    X, y = st.data.xor()
    X_val = X.copy()
    X_val[2, 1] = np.nan
    model = nn.MLP([2, 4, 1], seed=0)
    with pytest.raises(ValueError, match=r"fit: validation_data's X has 1 NaN or infinite entries "
                                         r"\(the first in row 2\)"):
        st.fit(model, X, y, epochs=1, progress=False, validation_data=(X_val, y))
    y_val = y.astype(float)
    y_val[0] = np.inf
    with pytest.raises(ValueError, match="fit: validation_data's y has 1 NaN"):
        st.fit(model, X, y, epochs=1, progress=False, validation_data=(X, y_val))


def test_data_too_large_for_a_float32_model_is_refused_before_training():
    X, y = st.data.xor()
    big = X.astype(np.float64)
    big[3, 0] = 1e39  # finite in float64, inf in float32
    model = nn.MLP([2, 4, 1], seed=0, dtype="float32")
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"fit: X has 1 entries too large for the model's float32 "
                                         r"\(the first in row 3; up to 1e\+39, where float32 holds at most "
                                         r"3.4e\+38\)"):
        st.fit(model, big, y, epochs=3, progress=False)
    with pytest.raises(ValueError, match="validation_data's y has 1 entries too large"):
        st.fit(model, X, y, epochs=3, progress=False, validation_data=(X, np.array([0, 1, 1e39, 0])))
    for k, w in model.state_dict().items():
        assert w.tobytes() == before[k].tobytes()  # nothing trained
    hist = st.fit(model, X.astype(np.float64) * 1e30, y, epochs=1, progress=False)  # large but fits
    assert hist.epochs == 1


def test_history_of_an_uninterrupted_run_says_so():
    X, y = st.data.xor()
    hist = st.fit(nn.MLP([2, 4, 1], seed=0), X, y, epochs=2, progress=False)
    assert hist.interrupted is False and hist.to_dict()["interrupted"] is False
