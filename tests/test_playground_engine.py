"""The playground's engine side, without a server: datasets, the network lab's model and penalty,
the training sessions (threads, pause, step, two at once), the method list and the backward steps."""

import threading
import time

import numpy as np
import pytest

import steepest as st
from steepest.playground import _backprop, datasets, descent, graphlab, methods, network
from steepest.playground.fields import BadRequest
from steepest.playground.sessions import TrainingSession


# --- datasets --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(datasets.DATASETS))
def test_datasets_are_seeded_and_leave_numpy_s_global_state_alone(name):
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    a, b, c = datasets.make(name, 0.1, 7), datasets.make(name, 0.1, 7), datasets.make(name, 0.1, 8)
    assert np.array_equal(np.random.get_state()[1], before)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    assert a.X.shape == (datasets.DATASETS[name][2], 2) and np.abs(a.X).max() <= 6.5
    if a.task == "classification":
        assert set(np.unique(a.y)) == {0, 1} and a.y.dtype == np.int64
    else:
        assert a.y.min() >= -1 and a.y.max() <= 1


def test_dataset_labels_follow_their_rules_without_noise():
    x = datasets.make("xor", 0.0, 0)
    np.testing.assert_array_equal(x.y, (x.X[:, 0] * x.X[:, 1] >= 0).astype(int))
    assert np.abs(x.X).min() >= 0.3  # kept off the axes
    c = datasets.make("circle", 0.0, 0)
    np.testing.assert_array_equal(c.y, (np.hypot(*c.X.T) < 2.5).astype(int))
    p = datasets.make("plane", 0.0, 0)
    np.testing.assert_allclose(p.y, np.clip(p.X.sum(axis=1) / 10, -1, 1))


@pytest.mark.parametrize("name, k", [("spiral", 3), ("gauss", 4), ("spiral", 6)])
def test_more_classes(name, k):
    d = datasets.make(name, 0.0, 0, classes=k)
    assert d.classes == k and sorted(np.unique(d.y)) == list(range(k))
    assert np.bincount(d.y).min() >= len(d.y) // k - 1


def test_moons_come_from_st_data():
    d = datasets.make("moons", 0.0, 3)
    X, y = st.data.moons(500, noise=0.0, seed=np.random.default_rng(3))
    np.testing.assert_allclose(d.X, (X - [0.5, 0.25]) * 3)
    np.testing.assert_array_equal(d.y, y)


def test_csv_classification_regression_and_errors():
    rows = "\n".join(f"{i % 7 - 3},{i % 5 - 2},{i % 3 * 2}" for i in range(30)).encode()
    d = datasets.from_csv(b"a,b,label\n" + rows)
    assert d.task == "classification" and d.classes == 3 and set(d.y) == {0, 1, 2}
    assert d.domain == pytest.approx(3.3)
    r = datasets.from_csv(b"a,b,t\n" + b"\n".join(f"{i},{-i},{i * 0.37}".encode() for i in range(10)))
    assert r.task == "regression" and r.y.max() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="exactly 2"):
        datasets.from_csv(b"1,2,3,4\n5,6,7,8\n1,1,1,1\n2,2,2,2\n")
    with pytest.raises(ValueError, match="not numeric"):
        datasets.from_csv(b"a,b,c\n1,2,x\n")
    with pytest.raises(ValueError, match="limit"):
        datasets.from_csv(b"1" * (datasets.MAX_CSV_BYTES + 1))


# --- the network lab's model -----------------------------------------------------------------------
def problem(**config):
    cfg = network.read_config(config)
    return network.build(cfg, datasets.make(cfg.dataset, cfg.noise / 100, cfg.seed, cfg.classes))


def test_features_and_model_shape():
    p = problem(features=["x1", "x1x2", "sinx2"], hidden=[3, 5], dataset="spiral", classes=3)
    X = np.array([[2.0, -1.0]])
    np.testing.assert_allclose(network.features(X, p.config.features), [[2.0, -2.0, np.sin(-1.0)]])
    assert p.model.sizes == [3, 3, 5, 3] and p.outputs == 3


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_penalty_is_on_the_weights_only_and_its_gradient_reaches_them(kind):
    p = problem(hidden=[3], regularization=kind, reg_rate=0.1)
    weights = [layer.weight for layer in p.model.layers if isinstance(layer, st.nn.Linear)]
    pen = network.penalty(p.model, kind, 0.1)
    want = sum(np.abs(w.data).sum() if kind == "l1" else 0.5 * (w.data**2).sum() for w in weights)
    assert float(pen.data) == pytest.approx(0.1 * want)
    grads = st.gradients(pen, weights + [p.model.layers[0].bias])
    for w, g in zip(weights, grads, strict=False):
        np.testing.assert_allclose(g, 0.1 * (np.sign(w.data) if kind == "l1" else w.data))
    np.testing.assert_array_equal(grads[-1], 0)  # biases are not penalised
    F = network.features(p.X_train, p.config.features)
    target = p.y_train.reshape(-1, 1).astype(float)
    total = p.objective(p.model(F), target)
    assert float(total.data) == pytest.approx(float(p.data_loss(p.model(F), target).data) + 0.1 * want)


def test_read_config_refuses_what_the_page_cannot_make():
    for bad in ({"hidden": [1] * 7}, {"hidden": [0]}, {"hidden": [True]}, {"lr": 0}, {"features": []},
                {"activation": "swish"}, {"optimizer": "sgd-nesterov"}, {"regularization": "l3"},
                {"classes": 7}, {"dataset": "mnist"}):
        with pytest.raises(BadRequest):
            network.read_config(bad)


def test_metrics_accuracy_and_confusion_match_the_predictions():
    p = problem(dataset="spiral", classes=3, hidden=[4])
    m = network.metrics(p)
    F = network.features(p.X_test, p.config.features)
    pred = p.model(F).data.argmax(axis=1)
    assert m["test_accuracy"] == pytest.approx(np.mean(pred == p.y_test))
    for t in range(3):
        for q in range(3):
            assert m["confusion"][t, q] == np.sum((p.y_test == t) & (pred == q))


# --- sessions --------------------------------------------------------------------------------------
class Inbox:
    def __init__(self):
        self.messages, self.cond = [], threading.Condition()

    def __call__(self, m):
        with self.cond:
            self.messages.append(m)
            self.cond.notify_all()

    def wait(self, kind, timeout=30.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for m in self.messages:
                    if m["type"] == kind:
                        self.messages.remove(m)
                        return m
                left = deadline - time.monotonic()
                assert left > 0, f"no {kind!r} message in {timeout} s"
                self.cond.wait(left)


def fit_as_the_session_does(p):
    cfg = p.config
    opt = st.optim.make_optimizer(cfg.optimizer, p.model.parameters(), lr=cfg.lr)
    stopper = st.EarlyStopping(cfg.patience, monitor="val_loss") if cfg.patience else None
    return st.fit(p.model, network.features(p.X_train, cfg.features), p.y_train, loss=p.objective,
                  optimizer=opt, epochs=cfg.max_epochs, batch_size=cfg.batch_size, seed=cfg.seed,
                  validation_data=(network.features(p.X_test, cfg.features), p.y_test),
                  early_stopping=stopper, progress=False)


def test_the_session_s_stop_reason_and_weights_are_st_fit_s():
    config = {"dataset": "circle", "noise": 50, "lr": 0.3, "patience": 10, "max_epochs": 400,
              "hidden": [4, 2], "regularization": "l2", "reg_rate": 0.001}
    inbox = Inbox()
    session = TrainingSession(inbox)
    session.configure(config)
    session.play()
    done = inbox.wait("done")
    hist = fit_as_the_session_does(problem(**config))
    assert hist.stopped_reason.startswith("early stopping: val_loss did not improve")
    assert done["reason"] == hist.stopped_reason
    assert done["epoch"] == hist.epochs
    np.testing.assert_array_equal(session.loss, hist.loss)
    np.testing.assert_array_equal(session.test_loss, hist.val_loss)


def test_pause_step_and_lr():
    inbox = Inbox()
    session = TrainingSession(inbox)
    session.configure({"dataset": "xor", "max_epochs": 100000})
    session.step()
    paused = inbox.wait("paused")
    assert paused["epoch"] == 1 and session.epoch == 1 and len(paused["curve"]["loss"]) == 1
    session.step()
    assert inbox.wait("paused")["epoch"] == 2
    session.set_lr(0.3)
    assert session.optimizer.lr == 0.3
    session.play()
    deadline = time.monotonic() + 30
    while session.epoch <= 2:  # training goes on (however loaded the machine is)
        assert time.monotonic() < deadline, "play ran no epoch in 30 s"
        time.sleep(0.01)
    session.pause()
    at = inbox.wait("paused")["epoch"]
    time.sleep(0.3)
    assert session.epoch == at > 2  # paused: no more epochs
    session.close()
    assert session.thread is None


def test_two_sessions_train_at_once_and_neither_blocks_the_other():
    long_box, short_box = Inbox(), Inbox()
    long_run, short_run = TrainingSession(long_box), TrainingSession(short_box)
    long_run.configure({"dataset": "spiral", "hidden": [8, 8, 8], "max_epochs": 100000})
    short_run.configure({"dataset": "xor", "hidden": [4], "max_epochs": 40})
    long_run.play()
    long_box.wait("frame")
    start = long_run.epoch
    short_run.play()
    done = short_box.wait("done")  # finishes while the other trains
    assert done["reason"] == "completed 40 epochs"
    res = descent.run({"formula": "x**2 + 5*sin(x)", "start": [-5], "runners": [{"method": "gd", "lr": 0.1}]})
    assert res["runs"][0]["n_iter"] == 12  # and a request is answered meanwhile
    time.sleep(0.2)
    assert long_run.thread.is_alive() and long_run.epoch > start
    long_run.close()
    assert long_run.thread is None


def test_max_epochs_reached_says_so():
    inbox = Inbox()
    session = TrainingSession(inbox)
    session.configure({"dataset": "gauss", "max_epochs": 3})
    session.play()
    assert inbox.wait("done")["reason"] == "completed 3 epochs"
    session.play()
    assert "raise max epochs or reset" in inbox.wait("done")["reason"]


# --- methods and the backward steps -------------------------------------------------------------------
def test_methods_are_read_from_steepest():
    names = [m["name"] for m in methods.methods()]
    assert names[: len(st.optim.RULES)] == list(st.optim.RULES)
    for extra in methods.CANDIDATES["method"]:
        accepted = methods._accepts(method=extra)
        assert (extra in names) == (accepted and extra not in st.optim.RULES)
    assert "armijo" in methods.line_searches()
    for name in methods.adaptive_steps():
        st.minimize(lambda x: x * x, 1.0, lr=name, max_iter=2)


def test_backward_steps_agree_with_the_engine():
    f = st.parse("sigmoid(w0*x0 + w1*x1 + w2)")
    values = {"w0": 2.0, "w1": -3.0, "w2": -3.0, "x0": -1.0, "x1": -2.0}
    leaves = [st.tensor(values[n], requires_grad=True, name=n) for n in f.variables]
    out = f(*leaves)
    nodes = _backprop.walk(out)
    steps = _backprop.backward_steps(nodes)
    grads = dict(zip(f.variables, st.gradients(out, leaves), strict=True))
    for step in steps:
        node = nodes[step["node"]]
        for part in step["parts"]:
            assert part["product"] == pytest.approx(step["upstream"] * part["local"])
            assert part["product"] == pytest.approx(float(node.grad) * part["local"])
    g = graphlab.build({"formula": f.text, "values": values})
    for name, value in grads.items():
        assert g["grads"][name] == pytest.approx(float(value))
    assert g["grads"]["w0"] == pytest.approx(-0.19661193) and g["value"] == pytest.approx(0.7310585786)


def test_graph_layout_puts_inputs_left_of_their_consumers():
    g = graphlab.build({"formula": "(y - max(0, w*x + b))**2", "values": {"b": 1, "w": 1, "x": 5, "y": 4}})
    for n in g["nodes"]:
        for i in n["inputs"]:
            assert g["nodes"][i]["col"] < n["col"]
