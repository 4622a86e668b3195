"""st.lr_find: the range test over seeds, smoothed and differentiated in log lr; its suggestion trains
the seeds' function and XOR/moons/digits as well as the hand-chosen rates of test_train; it is the same
on every run with the same seed; the model (and an optimizer's state) is put back afterwards."""

import doctest
import sys

import numpy as np
import pytest

import steepest as st
from steepest import nn
from steepest.optim.lr_find import _analyse, smooth_slope

lr_find_module = sys.modules["steepest.optim.lr_find"]  # st.optim.lr_find is the function


def seed_f(x):
    return x**2 + 5 * st.sin(x)


def accuracy(model, X, y) -> float:
    with st.no_grad():
        out = model(X).data
    pred = out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > (0.5 if out.min() >= 0 else 0.0))
    return float(np.mean(pred == y))


# --- the mathematics --------------------------------------------------------------------------------
def test_the_slope_is_taken_with_respect_to_log_lr_at_the_points_own_spacing():
    rng = np.random.default_rng(0)
    u = np.sort(rng.uniform(-6, 1, 80))  # unevenly spaced log10 rates
    loss = 3.0 - 0.7 * u
    fitted, slope = smooth_slope(u, loss, 0.15)
    np.testing.assert_allclose(slope, -0.7, atol=1e-9)  # exact for a line, at any spacing
    np.testing.assert_allclose(fitted, loss, atol=1e-9)
    naive = np.gradient(loss)  # what treating the points as evenly spaced gives: not the slope
    assert not np.allclose(naive, -0.7, atol=0.05)


def test_an_early_spike_does_not_fool_the_steepest_point():
    lrs = np.geomspace(1e-6, 10, 100)
    u = np.log10(lrs)
    loss = 1.0 - 0.9 / (1 + np.exp(-(u + 2) * 4))  # the real descent is centred at lr = 1e-2
    loss[u > -0.5] += (u[u > -0.5] + 0.5) ** 2 * 5  # and it diverges past 0.3
    spiked = loss.copy()
    spiked[8:10] += 3.0  # a two-step spike at 1e-5
    *_, pick, lo, hi = _analyse(lrs, spiked, 0.15)
    assert 10**-2.4 < pick < 10**-1.6 and lo < pick < hi
    assert pick == _analyse(lrs, loss, 0.15)[2]


def test_a_deeper_dip_past_the_first_climb_is_not_taken_for_the_descent():
    lrs = np.geomspace(1e-6, 10, 100)
    u = np.log10(lrs)
    loss = 0.75 - 0.5 / (1 + np.exp(-(u + 1.5) * 3))  # the real descent, centred at lr = 0.03
    loss += 0.25 * np.exp(-(((u - 0.3) / 0.15) ** 2))  # unstable: up at 2 ...
    loss -= 0.2 / (1 + np.exp(-(u - 0.6) * 12))  # ... then a deeper, steeper, chaotic fall past 4
    *_, pick, lo, hi = _analyse(lrs, loss, 0.15)
    assert 10**-1.9 < pick < 10**-1.1 and hi < 0.5


def test_a_curve_that_never_falls_has_no_suggestion():
    flat = np.full(60, 1.0) + 1e-3 * np.random.default_rng(0).standard_normal(60)
    assert np.isnan(_analyse(np.geomspace(1e-6, 1, 60), flat, 0.15)[2])
    with pytest.raises(ValueError, match="never fell"):
        st.lr_find(lambda x: 0 * x + 1.0, 1.0)  # f does not depend on x in any way a step changes


# --- the seed's function ------------------------------------------------------------------------------
def test_the_seed_function_suggestion_converges_like_the_hand_chosen_rate():
    found = st.lr_find(seed_f, -5.0, seeds=3, seed=0)
    lo, hi = found.interval
    assert lo < found.suggestion < hi and found.agree and found.spread < 0.5
    assert len(found.lrs) == 3 and all("lr" in r for r in found.reasons)
    res = st.minimize(seed_f, -5.0, lr=found.suggestion, tol=1e-3, max_iter=100)  # as lr=0.1 in the tests
    assert res.converged and res.x == pytest.approx(-1.1106, abs=1e-3)


def test_the_same_seed_gives_the_same_answer_and_other_seeds_agree():
    a = st.lr_find(seed_f, -5.0, seed=3)
    b = st.lr_find(seed_f, -5.0, seed=3)
    assert a.suggestion == b.suggestion and a.interval == b.interval
    for x, y in zip(a.losses, b.losses, strict=True):
        np.testing.assert_array_equal(x, y)
    c = st.lr_find(seed_f, -5.0, seed=11)
    assert abs(np.log10(c.suggestion / a.suggestion)) <= 0.25


def test_x0_is_not_modified():
    x0 = np.array([-5.0, 4.0])
    st.lr_find(lambda v: (v**2).sum() + 5 * st.sin(v).sum(), x0)
    np.testing.assert_array_equal(x0, [-5.0, 4.0])


# --- models: the suggestion trains as well as the hand-chosen rate of test_train -------------------
def test_xor_suggestion_trains_to_full_accuracy():
    X, y = st.data.xor()
    model = nn.MLP([2, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    found = st.optim.lr_find(model, X, y, loss="mse", optimizer="momentum", momentum=0.9)
    assert found.agree
    model = nn.MLP([2, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    hist = st.fit(
        model,
        X,
        y,
        loss="mse",
        optimizer="momentum",
        lr=found.suggestion,
        momentum=0.9,
        epochs=1000,
        progress=False,
    )
    assert accuracy(model, X, y) == 1.0 and hist.loss[-1] < 1e-3  # what lr=0.5 reaches


def test_moons_suggestion_reaches_97_percent_held_out():
    X, y = st.data.moons(400, noise=0.15, seed=0)
    X_tr, X_te, y_tr, y_te = st.data.train_test_split(X, y, test_size=0.25, seed=0)
    model = nn.MLP([2, 16, 16, 1], activation="relu", seed=0)
    found = st.optim.lr_find(model, X_tr, y_tr, loss="bce_with_logits", optimizer="adam")
    model = nn.MLP([2, 16, 16, 1], activation="relu", seed=0)
    st.fit(
        model,
        X_tr,
        y_tr,
        loss="bce_with_logits",
        optimizer="adam",
        lr=found.suggestion,
        epochs=300,
        progress=False,
    )
    assert accuracy(model, X_te, y_te) >= 0.97  # what lr=0.02 reaches


def test_digits_suggestion_reaches_96_percent_held_out_and_the_seeds_agree():
    X, y = st.data.digits()
    X_tr, X_te, y_tr, y_te = st.data.train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    model = nn.MLP([64, 64, 10], activation="relu", seed=0, dtype=np.float32)
    found = st.optim.lr_find(model, X_tr, y_tr, loss="cross_entropy", optimizer="adam", batch_size=64)
    assert found.agree and found.interval[0] < found.suggestion < found.interval[1]
    model = nn.MLP([64, 64, 10], activation="relu", seed=0, dtype=np.float32)
    st.fit(
        model,
        X_tr,
        y_tr,
        loss="cross_entropy",
        optimizer="adam",
        lr=found.suggestion,
        epochs=25,
        batch_size=64,
        seed=0,
        progress=False,
    )
    assert accuracy(model, X_te.astype(np.float32), y_te) >= 0.96  # what lr=0.003 reaches


def test_minibatch_runs_are_the_same_for_the_same_seed_and_differ_between_seeds():
    X, y = st.data.moons(200, noise=0.2, seed=0)
    model = nn.MLP([2, 16, 1], activation="relu", seed=0)
    a = st.lr_find(model, X, y, loss="bce_with_logits", optimizer="adam", batch_size=32, seed=5)
    b = st.lr_find(model, X, y, loss="bce_with_logits", optimizer="adam", batch_size=32, seed=5)
    assert a.suggestion == b.suggestion and a.interval == b.interval and a.spread == b.spread
    for x, z in zip(a.losses, b.losses, strict=True):
        np.testing.assert_array_equal(x, z)
    assert not np.array_equal(a.losses[0][:20], a.losses[1][:20])  # each seed draws its own minibatches
    assert a.agree


# --- nothing is left changed ----------------------------------------------------------------------------
def test_the_model_and_its_optimizer_are_restored():
    X, y = st.data.moons(100, seed=1)
    model = nn.MLP([2, 8, 1], activation="tanh", seed=0)
    opt = st.optim.Adam(model.parameters(), lr=0.01)
    st.fit(model, X, y, loss="bce_with_logits", optimizer=opt, epochs=3, progress=False)  # give Adam a state
    model.eval()
    params = model.parameters()
    weights = [p.data.copy() for p in params]
    grads = [None if p.grad is None else p.grad.data.copy() for p in params]
    before = opt.state_dict()
    found = st.lr_find(model, X, y, loss="bce_with_logits", optimizer=opt, batch_size=32)
    assert np.isfinite(found.suggestion)
    assert model.parameters() == params and not model.training
    for p, w, g in zip(params, weights, grads, strict=True):
        np.testing.assert_array_equal(p.data, w)
        assert (p.grad is None) == (g is None) and (g is None or np.array_equal(p.grad.data, g))
    after = opt.state_dict()
    assert after["lr"] == before["lr"] == 0.01 and after["step"] == before["step"]
    for name, tensors in before["state"].items():
        for a, b in zip(tensors, after["state"][name], strict=True):
            np.testing.assert_array_equal(a, b)
    st.fit(model, X, y, loss="bce_with_logits", optimizer=opt, epochs=1, progress=False)  # still usable


def test_a_named_optimizer_leaves_the_weights_as_they_were_too():
    X, y = st.data.xor()
    model = nn.MLP([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    weights = model.state_dict()
    st.lr_find(model, X, y, loss="bce", optimizer="gd")
    for name, w in model.state_dict().items():
        np.testing.assert_array_equal(w, weights[name])


# --- the figure and the errors --------------------------------------------------------------------------
def test_the_figure_has_a_log_axis_and_the_interval_shaded(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    import steepest.viz as sv

    found = st.lr_find(seed_f, -5.0)
    fig = sv.plot_lr_find(found, save=tmp_path / "lr.png")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and (tmp_path / "lr.png").read_bytes()[:4] == b"\x89PNG"
    spans = [p for p in ax.patches if p.get_alpha() == 0.15]
    assert len(spans) == 1
    span = spans[0]  # a Rectangle (matplotlib >= 3.9) or a Polygon
    xs = (
        np.array([span.get_x(), span.get_x() + span.get_width()])
        if hasattr(span, "get_width")
        else np.asarray(span.get_xy())[:, 0]
    )
    assert xs.min() == pytest.approx(found.interval[0]) and xs.max() == pytest.approx(found.interval[1])
    assert found.plot() is not None and "suggested lr" in found.summary() and "LRFind(" in repr(found)
    plt.close("all")


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(lr_min=1.0, lr_max=0.1), ["lr_min", "lr_max"]),
        (dict(steps=5), ["steps"]),
        (dict(seeds=0), ["seeds"]),
        (dict(smooth=0), ["smooth"]),
        (dict(lr_min=-1), ["lr"]),
    ],
)
def test_bad_settings_are_named(kwargs, words):
    with pytest.raises(ValueError) as err:
        st.lr_find(seed_f, 1.0, **kwargs)
    assert all(w in str(err.value) for w in words)


def test_the_forms_are_checked():
    with pytest.raises(ValueError, match="model needs the data"):
        st.lr_find(nn.Linear(1, 1, seed=0), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="starting point"):
        st.lr_find(seed_f)
    with pytest.raises(ValueError, match="model .* or a function"):
        st.lr_find(3.0, 1.0)


def test_docstring_examples():
    result = doctest.testmod(lr_find_module)
    assert result.failed == 0 and result.attempted > 0
