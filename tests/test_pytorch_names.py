"""What a PyTorch user types first (issue 12): fit with an optimizer class, SGD and RMSprop,
param_groups, lr_scheduler, loss and activation modules, nn.functional, creation functions and
tensor methods, each checked against PyTorch."""

import numpy as np
import pytest
import torch

import steepest as st

SHAPES = [(3, 2), (4,)]


def grad_of(x):
    return 3.0 * np.cos(x) + x - 0.5


def pair(seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in SHAPES]
    return ([st.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def run(opt, ref, ours, theirs, steps, between=None):
    for k in range(steps):
        if between is not None:
            between(k)
        for p, q in zip(ours, theirs, strict=True):
            p.grad = st.tensor(grad_of(p.data))
            q.grad = torch.tensor(grad_of(q.detach().numpy()))
        opt.step()
        ref.step()
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=0, atol=1e-12)


# --- fit builds the optimizer the user asked for --------------------------------------------------
def test_fit_with_an_optimizer_class_uses_the_given_lr():
    X, y = st.data.xor()
    a = st.nn.MLP([2, 4, 1], seed=0)
    b = st.nn.MLP([2, 4, 1], seed=0)
    hist = st.fit(a, X, y, optimizer=st.optim.Adam, lr=0.001, epochs=5, progress=False)
    assert hist.lrs == [0.001] * 5
    st.fit(b, X, y, optimizer="adam", lr=0.001, epochs=5, progress=False)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    c = st.nn.MLP([2, 4, 1], seed=0)
    hist = st.fit(c, X, y, optimizer=st.optim.SGD, momentum=0.9, epochs=2, progress=False)
    assert hist.lrs == [0.1, 0.1]  # fit's default lr, the same for a name and a class


def test_fit_refuses_an_lr_it_would_ignore():
    X, y = st.data.xor()
    model = st.nn.MLP([2, 4, 1], seed=0)
    opt = st.optim.Adam(model.parameters(), lr=0.01)
    with pytest.raises(ValueError, match=r"lr=0.001 given with an optimizer object that is already built"):
        st.fit(model, X, y, optimizer=opt, lr=0.001, epochs=1, progress=False)
    with pytest.raises(ValueError, match="not this model's parameters"):
        st.fit(st.nn.MLP([2, 4, 1], seed=1), X, y, optimizer=opt, epochs=1, progress=False)
    with pytest.raises(ValueError, match="given with a ready optimizer"):
        st.optim.make_optimizer(opt, model.parameters(), lr=0.5)
    assert st.fit(model, X, y, optimizer=opt, epochs=2, progress=False).lrs == [0.01, 0.01]


# --- SGD, RMSprop, param groups ---------------------------------------------------------------------
@pytest.mark.parametrize("hp", [{}, {"momentum": 0.9}, {"momentum": 0.9, "dampening": 0.3},
                                {"momentum": 0.8, "nesterov": True, "weight_decay": 0.1},
                                {"weight_decay": 0.05, "momentum": 0.5, "dampening": 0.5}])
def test_sgd_is_torch_sgd(hp):
    ours, theirs = pair()
    run(st.optim.SGD(ours, lr=0.05, **hp), torch.optim.SGD(theirs, lr=0.05, **hp), ours, theirs, 20)


def test_sgd_checks_nesterov_and_rmsprop_is_rmsprop():
    with pytest.raises(ValueError, match="nesterov=True needs a momentum > 0 and dampening 0"):
        st.optim.SGD([st.tensor([1.0], requires_grad=True)], lr=0.1, nesterov=True)
    assert st.optim.RMSprop is st.optim.RMSProp
    assert isinstance(st.optim.make_optimizer("sgd", [st.tensor([1.0], requires_grad=True)]), st.optim.SGD)


def test_param_groups_with_their_own_lr_and_settings_as_torch():
    ours, theirs = pair(1)
    opt = st.optim.SGD([{"params": [ours[0]], "lr": 0.1}, {"params": [ours[1]], "momentum": 0.5}],
                       lr=0.02, momentum=0.9)
    ref = torch.optim.SGD([{"params": [theirs[0]], "lr": 0.1}, {"params": [theirs[1]], "momentum": 0.5}],
                          lr=0.02, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.02]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.5]

    def change(k):
        if k == 5:
            for groups in (opt.param_groups, ref.param_groups):
                groups[0]["lr"] = 0.03
                groups[1]["momentum"] = 0.7  # the buffer goes on, as in torch
    run(opt, ref, ours, theirs, 12, change)
    with pytest.raises(ValueError, match="different learning rates"):
        opt.lr = 0.5
    with pytest.raises(ValueError, match="unknown setting"):
        st.optim.Adam([{"params": [st.tensor([1.0], requires_grad=True)], "momentum": 0.9}])


def test_adam_param_groups_and_a_state_dict_round_trip():
    ours, theirs = pair(2)
    opt = st.optim.Adam([{"params": [ours[0]]}, {"params": [ours[1]], "lr": 0.01, "betas": (0.8, 0.9)}],
                        lr=0.05)
    ref = torch.optim.Adam([{"params": [theirs[0]]},
                            {"params": [theirs[1]], "lr": 0.01, "betas": (0.8, 0.9)}], lr=0.05)
    run(opt, ref, ours, theirs, 6)
    saved = opt.state_dict()
    assert [g["params"] for g in saved["param_groups"]] == [[0], [1]]
    copies = [st.tensor(p.data, requires_grad=True) for p in ours]
    fresh = st.optim.Adam([{"params": [copies[0]]}, {"params": [copies[1]]}], lr=1.0)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[1]["betas"] == (0.8, 0.9) and fresh.param_groups[1]["lr"] == 0.01
    run(fresh, ref, copies, theirs, 4)


# --- learning-rate schedulers -------------------------------------------------------------------------
SCHEDULERS = {
    "StepLR": ({"step_size": 3, "gamma": 0.5}, {"step_size": 3, "gamma": 0.5}),
    "MultiStepLR": ({"milestones": [2, 5, 9], "gamma": 0.3}, {"milestones": [2, 5, 9], "gamma": 0.3}),
    "ExponentialLR": ({"gamma": 0.9}, {"gamma": 0.9}),
    "CosineAnnealingLR": ({"T_max": 6, "eta_min": 0.001}, {"T_max": 6, "eta_min": 0.001}),
    "LambdaLR": ({"lr_lambda": lambda t: 1 / (1 + t)}, {"lr_lambda": lambda t: 1 / (1 + t)}),
}


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_lr_schedulers_give_torch_s_learning_rates(name):
    ours, theirs = pair()
    opt = st.optim.SGD([{"params": [ours[0]], "lr": 0.1}, {"params": [ours[1]]}], lr=0.02, momentum=0.9)
    ref = torch.optim.SGD([{"params": [theirs[0]], "lr": 0.1}, {"params": [theirs[1]]}], lr=0.02,
                          momentum=0.9)
    kw_ours, kw_torch = SCHEDULERS[name]
    sched = getattr(st.optim.lr_scheduler, name)(opt, **kw_ours)
    ref_sched = getattr(torch.optim.lr_scheduler, name)(ref, **kw_torch)
    for _ in range(16):  # past T_max: the cosine comes back up, as torch's
        np.testing.assert_allclose(sched.get_last_lr(), ref_sched.get_last_lr(), rtol=1e-12)
        run(opt, ref, ours, theirs, 1)
        sched.step()
        ref_sched.step()


def test_a_steepest_schedule_drives_an_optimizer():
    w = st.tensor([1.0], requires_grad=True)
    opt = st.optim.Adam([w], lr=0.5)
    sched = st.optim.lr_scheduler.ScheduleLR(opt, st.optim.warmup(0.1, 2))
    lrs = []
    for _ in range(4):
        lrs.append(opt.lr)
        sched.step()
    assert lrs == [0.05, 0.1, 0.1, 0.1]


# --- modules and functional forms ------------------------------------------------------------------
LOSSES = [("MSELoss", {}), ("L1Loss", {}), ("HuberLoss", {"delta": 0.5}), ("BCEWithLogitsLoss", {})]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,kw", LOSSES)
def test_loss_modules_match_torch(name, kw, reduction):
    rng = np.random.default_rng(0)
    p, y = rng.standard_normal((5, 3)), rng.random((5, 3))
    x, tx = st.tensor(p, requires_grad=True), torch.tensor(p, requires_grad=True)
    z = getattr(st.nn, name)(reduction=reduction, **kw)(x, y)
    tz = getattr(torch.nn, name)(reduction=reduction, **kw)(tx, torch.tensor(y))
    np.testing.assert_allclose(z.data, tz.detach().numpy(), rtol=1e-12)
    z.sum().backward()
    tz.sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)


def test_classification_loss_modules_match_torch():
    rng = np.random.default_rng(1)
    logits, labels, probs = rng.standard_normal((6, 4)), rng.integers(0, 4, 6), rng.random((6, 1))
    ce = st.nn.CrossEntropyLoss()(st.tensor(logits), labels)
    tce = torch.nn.CrossEntropyLoss()(torch.tensor(logits), torch.tensor(labels))
    bce = st.nn.BCELoss(reduction="sum")(st.tensor(probs), (probs > 0.5) * 1.0)
    tbce = torch.nn.BCELoss(reduction="sum")(torch.tensor(probs), torch.tensor((probs > 0.5) * 1.0))
    np.testing.assert_allclose([ce.item(), bce.item()], [tce.item(), tbce.item()], rtol=1e-12)
    with pytest.raises(ValueError, match="reduction must be one of"):
        st.nn.MSELoss(reduction="avg")


def test_functional_and_activation_modules_match_torch():
    import steepest.nn.functional as F

    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 4))
    x, tx = st.tensor(a), torch.tensor(a)
    pairs = [(F.softmax(x, dim=1), torch.nn.functional.softmax(tx, dim=1)),
             (F.log_softmax(x, dim=0), torch.nn.functional.log_softmax(tx, dim=0)),
             (st.nn.Softmax(dim=0)(x), torch.nn.Softmax(dim=0)(tx)),
             (st.nn.LogSoftmax(dim=1)(x), torch.nn.LogSoftmax(dim=1)(tx)),
             (st.nn.Tanh()(x), torch.nn.Tanh()(tx)), (st.nn.ReLU()(x), torch.nn.ReLU()(tx)),
             (F.relu(x), torch.nn.functional.relu(tx)), (F.sigmoid(x), torch.sigmoid(tx)),
             (F.mse_loss(x, a * 2), torch.nn.functional.mse_loss(tx, tx * 2))]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-15)
    assert F.dropout(x, 0.5, training=False) is x


# --- creation and randomness -------------------------------------------------------------------------
def test_creation_functions():
    assert st.zeros(2, 3).shape == st.zeros((2, 3)).shape == (2, 3) and st.ones(4).shape == (4,)
    assert st.zeros(2, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(st.arange(5).data, torch.arange(5).numpy())
    np.testing.assert_allclose(st.arange(0.0, 1.0, 0.25).data, [0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(st.linspace(0, 1, 5).data, torch.linspace(0, 1, 5).numpy(), rtol=1e-7)
    assert st.linspace(0, 1, steps=3).shape == (3,)
    np.testing.assert_array_equal(st.eye(3).data, np.eye(3))
    with pytest.raises(TypeError, match="shape must be ints"):
        st.zeros(2, "3")


def test_random_draws_take_a_seed_or_a_generator_and_leave_numpy_alone():
    before = np.random.get_state()[1].copy()
    a = st.randn(2, 3, seed=0)
    assert a.shape == (2, 3) and np.array_equal(a.data, st.randn((2, 3), seed=0).data)
    rng = np.random.default_rng(5)
    b, c = st.rand(4, seed=rng), st.rand(4, seed=rng)  # a Generator is used and advanced
    assert not np.array_equal(b.data, c.data) and ((0 <= b.data) & (b.data < 1)).all()
    assert st.randn(3, requires_grad=True, seed=1).requires_grad
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_from_numpy_shares_memory_as_torch_does():
    a = np.zeros(3)
    t = st.from_numpy(a)
    t += 1.0
    a[0] = 5.0
    np.testing.assert_array_equal(t.data, [5.0, 1.0, 1.0])
    np.testing.assert_array_equal(a, [5.0, 1.0, 1.0])
    assert not t.requires_grad
    with pytest.raises(TypeError, match="st.tensor"):
        st.from_numpy([1.0, 2.0])


# --- tensor methods with torch's names ------------------------------------------------------------------
def test_tensor_methods_with_torch_names():
    a = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    x, tx = st.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    pairs = [(x.clamp(-1.0, 2.0), tx.clamp(-1.0, 2.0)), (x.clamp(min=0.0), tx.clamp(min=0.0)),
             (x.pow(2), tx.pow(2)), (x.view(3, 2), tx.view(3, 2)), (x.view(-1), tx.view(-1)),
             (x.sum(dim=1), tx.sum(dim=1)), (x.sum(dim=0, keepdim=True), tx.sum(dim=0, keepdim=True)),
             (x.mean(dim=1, keepdim=True), tx.mean(dim=1, keepdim=True)),
             (x.softmax(dim=0), tx.softmax(dim=0)), (x.log_softmax(dim=1), tx.log_softmax(dim=1)),
             (x.max(), tx.max()), (x.logsumexp(dim=1), tx.logsumexp(dim=1))]
    total, ttotal = 0.0, 0.0
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
        total, ttotal = total + (ours * ours).sum(), ttotal + (theirs * theirs).sum()
    total.backward()
    ttotal.backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)
    assert x.argmax().item() == tx.argmax().item() == 4
    np.testing.assert_array_equal(x.argmin(dim=1).data, tx.argmin(dim=1).numpy())
    values, indices = x.max(dim=1)  # torch's (values, indices)
    tvalues, tindices = tx.max(dim=1)
    np.testing.assert_array_equal(values.data, tvalues.detach().numpy())
    np.testing.assert_array_equal(indices.data, tindices.numpy())
    assert x.min(dim=0, keepdim=True).values.shape == (1, 3)
    with pytest.raises(TypeError, match="both axis=0 and dim=1"):
        x.sum(axis=0, dim=1)


def test_graph_dot_is_at_the_top_level():
    x = st.tensor(2.0, requires_grad=True, name="x")
    y = x * x
    y.backward()
    assert st.graph_dot is st.viz.graph_dot and "digraph" in st.graph_dot(y)
