"""steepest.optim: the optimizers against torch.optim, flat buffers, state dicts, schedules, rules."""

import doctest
import importlib
import math
import os
import signal
import threading
import time

import numpy as np
import pytest

import steepest as st
from steepest import optim
from steepest.optim import rules, schedules

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (5,), (), (2, 1, 3)]

# (our class, our hyperparameters, torch class, torch hyperparameters)
CASES = {
    "gd": (optim.GD, {}, torch.optim.SGD, {}),
    "gd-decay": (optim.GD, {"weight_decay": 0.1}, torch.optim.SGD, {"weight_decay": 0.1}),
    "momentum": (optim.Momentum, {"momentum": 0.9}, torch.optim.SGD, {"momentum": 0.9}),
    "momentum-decay": (optim.Momentum, {"momentum": 0.5, "weight_decay": 0.01}, torch.optim.SGD,
                       {"momentum": 0.5, "weight_decay": 0.01}),
    "nesterov": (optim.Nesterov, {"momentum": 0.9}, torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "adagrad": (optim.Adagrad, {}, torch.optim.Adagrad, {}),
    "adagrad-init": (optim.Adagrad, {"initial_accumulator_value": 0.1, "eps": 1e-6, "weight_decay": 0.1},
                     torch.optim.Adagrad,
                     {"initial_accumulator_value": 0.1, "eps": 1e-6, "weight_decay": 0.1}),
    "rmsprop": (optim.RMSProp, {}, torch.optim.RMSprop, {}),
    "rmsprop-momentum": (optim.RMSProp, {"alpha": 0.9, "momentum": 0.8, "weight_decay": 0.01},
                         torch.optim.RMSprop, {"alpha": 0.9, "momentum": 0.8, "weight_decay": 0.01}),
    "adam": (optim.Adam, {}, torch.optim.Adam, {}),
    "adam-decay": (optim.Adam, {"beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.1},
                   torch.optim.Adam, {"betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
    "adamw": (optim.AdamW, {}, torch.optim.AdamW, {}),
    "adamw-decay": (optim.AdamW, {"weight_decay": 0.3}, torch.optim.AdamW, {"weight_decay": 0.3}),
}


def grad_of(x):
    """A gradient that depends on the point, so that the two runs only agree if their iterates do."""
    return 3.0 * np.cos(x) + x - 0.5


def start(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in SHAPES]


def run_both(case, steps=25, lrs=None, skip=None):
    ours_cls, ours_hp, torch_cls, torch_hp = CASES[case]
    arrays = start()
    ours = [st.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    lr = 0.05
    opt = ours_cls(ours, lr=lr, **ours_hp)
    ref = torch_cls(theirs, lr=lr, **torch_hp)
    for k in range(steps):
        if lrs is not None:
            opt.lr = ref.param_groups[0]["lr"] = lrs(k)
        for i, (p, q) in enumerate(zip(ours, theirs, strict=True)):
            none = skip is not None and skip(k, i)
            p.grad = None if none else st.tensor(grad_of(p.data))
            q.grad = None if none else torch.tensor(grad_of(q.detach().numpy()))
        opt.step()
        ref.step()
    return ours, theirs


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_iterates_as_torch_optim(case):
    ours, theirs = run_both(case)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=0, atol=1e-12)
        assert p.data.shape == q.shape


@pytest.mark.parametrize("case", ["momentum", "adam", "rmsprop-momentum", "adagrad"])
def test_same_iterates_as_torch_when_lr_changes_between_steps(case):
    ours, theirs = run_both(case, lrs=schedules.warmup(schedules.cosine(0.1, 20, 0.01), 5))
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("case", ["momentum", "adam", "adamw-decay", "adagrad"])
def test_parameters_without_gradient_are_skipped_like_torch(case):
    ours, theirs = run_both(case, skip=lambda k, i: (i == 1 and k < 4) or (i == 2 and k % 3 == 0))
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", ["momentum", "adam"])
def test_state_dict_round_trip_resumes_the_run(method):
    arrays = start(1)
    a = [st.tensor(x, requires_grad=True) for x in arrays]
    b = [st.tensor(x, requires_grad=True) for x in arrays]
    make = optim.OPTIMIZERS[method]
    opt_a = make(a, lr=0.03, weight_decay=0.01, **({"beta1": 0.8} if method == "adam" else {}))
    for _ in range(5):
        for p in a:
            p.grad = st.tensor(grad_of(p.data))
        opt_a.step()
    saved = opt_a.state_dict()
    names = {"adam": {"exp_avg", "exp_avg_sq"}, "momentum": {"momentum_buffer"}}[method]
    assert saved["method"] == method and saved["step"] == [5] * len(a) and set(saved["state"]) == names
    assert all(column[0].shape == SHAPES[0] for column in saved["state"].values())
    for p, q in zip(a, b, strict=True):
        q.data[...] = p.data
    opt_b = make(b, lr=1.0)  # other settings: the state brings its own
    opt_b.load_state_dict(saved)
    assert opt_b.lr == 0.03 and opt_b.hyperparameters["weight_decay"] == 0.01
    for _ in range(5):
        for opt, ps in ((opt_a, a), (opt_b, b)):
            for p in ps:
                p.grad = st.tensor(grad_of(p.data))
            opt.step()
    for p, q in zip(a, b, strict=True):
        if method == "adam":  # m is stored as m / (1 - b1): saving and loading round it once
            np.testing.assert_allclose(p.data, q.data, rtol=1e-15, atol=0)
        else:
            np.testing.assert_array_equal(p.data, q.data)
    name = sorted(names)[0]
    saved["state"][name][0][...] = 99.0  # the saved copy is not the optimizer's buffer
    assert not np.any(opt_a.state_dict()["state"][name][0] == 99.0)


def same_steps(opt, ref, ours, theirs, steps):
    for _ in range(steps):
        for p, q in zip(ours, theirs, strict=True):
            p.grad, q.grad = st.tensor(grad_of(p.data)), torch.tensor(grad_of(q.detach().numpy()))
        opt.step()
        ref.step()


@pytest.mark.parametrize("case", ["adam-decay", "adamw", "rmsprop-momentum", "adagrad-init"])
def test_state_dict_buffers_mean_what_torch_optim_s_do(case):
    ours_cls, ours_hp, torch_cls, torch_hp = CASES[case]
    ours = [st.tensor(a, requires_grad=True) for a in start()]
    theirs = [torch.tensor(a, requires_grad=True) for a in start()]
    opt, ref = ours_cls(ours, lr=0.05, **ours_hp), torch_cls(theirs, lr=0.05, **torch_hp)
    same_steps(opt, ref, ours, theirs, 8)
    saved = opt.state_dict()
    for i, q in enumerate(theirs):
        for name, column in saved["state"].items():
            np.testing.assert_allclose(column[i], ref.state[q][name].numpy(), rtol=1e-12, atol=1e-15)
    # and torch's state, loaded into a fresh optimizer, goes on as torch does
    mine = [st.tensor(q.detach().numpy().copy(), requires_grad=True) for q in theirs]
    fresh = ours_cls(mine, lr=0.05, **ours_hp)
    saved["state"] = {name: [ref.state[q][name].numpy().copy() for q in theirs] for name in saved["state"]}
    fresh.load_state_dict(saved)
    same_steps(fresh, ref, mine, theirs, 3)
    for p, q in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=0, atol=1e-12)


def test_load_state_dict_rejects_a_different_optimizer():
    p = st.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="adam"):
        optim.Momentum([p]).load_state_dict(optim.Adam([st.tensor([1.0], requires_grad=True)]).state_dict())


def test_parameters_live_in_one_flat_buffer_the_optimizer_owns():
    user = np.array([1.0, 2.0, 3.0])
    p = st.tensor(user, requires_grad=True)
    q = st.tensor(np.ones((2, 2)), requires_grad=True)
    opt = optim.GD([p, q], lr=0.5)
    flat = opt._groups[0].x
    assert np.shares_memory(p.data, flat) and np.shares_memory(q.data, flat)
    p.grad, q.grad = st.tensor([1.0, 1.0, 1.0]), st.tensor(np.ones((2, 2)))
    opt.step()
    np.testing.assert_array_equal(user, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(p.data, [0.5, 1.5, 2.5])
    p.data = np.array([10.0, 10.0, 10.0])  # replaced by the user: adopted again at the next step
    opt.step()
    np.testing.assert_array_equal(p.data, [9.5, 9.5, 9.5])
    assert np.shares_memory(p.data, flat)


def test_mixed_dtypes_get_one_buffer_each():
    p = st.tensor(np.ones(3, np.float32), requires_grad=True)
    q = st.tensor(np.ones(2), requires_grad=True)
    opt = optim.Adam([p, q], lr=0.1)
    p.grad, q.grad = st.tensor(np.ones(3, np.float32)), st.tensor(np.ones(2))
    opt.step()
    assert p.data.dtype == np.float32 and q.data.dtype == np.float64
    np.testing.assert_allclose(p.data, 0.9, rtol=1e-6)
    np.testing.assert_allclose(q.data, 0.9)


def test_training_loop_with_backward_and_zero_grad():
    x = st.tensor([3.0, -2.0], requires_grad=True)
    opt = optim.Momentum([x], lr=0.05, momentum=0.9)
    for _ in range(400):
        opt.zero_grad()
        loss = ((x - st.tensor([1.0, 1.0])) ** 2).sum()
        loss.backward()
        opt.step()
    assert x.grad is not None
    np.testing.assert_allclose(x.data, [1.0, 1.0], atol=1e-6)


@pytest.mark.parametrize("cls, kwargs, words", [
    (optim.GD, {"lr": 0.0}, ["GD", "lr", "0.0"]),
    (optim.Momentum, {"momentum": 1.0}, ["Momentum", "momentum", "[0, 1)"]),
    (optim.Adam, {"beta2": 1.0}, ["Adam", "beta2", "1.0"]),
    (optim.Adam, {"betas": (0.9, 1.5)}, ["beta2", "1.5"]),
    (optim.RMSProp, {"alpha": -0.1}, ["alpha", "-0.1"]),
    (optim.Adagrad, {"eps": -1.0}, ["eps"]),
    (optim.AdamW, {"weight_decay": -0.1}, ["weight_decay"]),
])
def test_hyperparameters_are_checked_when_built(cls, kwargs, words):
    with pytest.raises(ValueError) as err:
        cls([st.tensor([1.0], requires_grad=True)], **kwargs)
    for w in words:
        assert w in str(err.value)


def test_bad_parameter_lists():
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([])
    with pytest.raises(TypeError, match="not a Tensor"):
        optim.Adam([np.ones(3)])
    p = st.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="twice"):
        optim.Adam([p, p])
    with pytest.raises(ValueError, match="leaf"):
        optim.Adam([p * 2])
    opt = optim.GD([p], lr=0.1)
    opt.lr = -1.0
    p.grad = st.tensor([1.0])
    with pytest.raises(ValueError, match="lr"):
        opt.step()


def test_optimizers_registry_and_make_optimizer():
    assert list(optim.OPTIMIZERS) == ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw",
                                      "sgd"]
    p = st.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.make_optimizer("Adam", [p], lr=0.01, beta1=0.5)
    assert isinstance(opt, optim.Adam) and opt.lr == 0.01 and opt.hyperparameters["beta1"] == 0.5
    assert optim.make_optimizer(opt, [p]) is opt
    assert isinstance(optim.make_optimizer(optim.GD, [st.tensor([1.0], requires_grad=True)]), optim.GD)
    assert optim.make_optimizer("momentum", [st.tensor([1.0], requires_grad=True)]).lr == 0.1
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'.*gd.*adamw"):
        optim.make_optimizer("lbfgs", [p])
    with pytest.raises(ValueError, match="momentum"):
        optim.make_optimizer("adam", [st.tensor([1.0], requires_grad=True)], momentum=0.9)
    assert "Adam(lr=0.01" in repr(opt) and "2 parameters" in repr(opt)


# --- schedules ---------------------------------------------------------------------------------
def test_schedule_values():
    assert [schedules.constant(0.1)(t) for t in (0, 50)] == [0.1, 0.1]
    s = schedules.step_decay(1.0, step_size=2, gamma=0.5)
    assert [s(t) for t in range(6)] == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert schedules.exponential(2.0, 0.5)(3) == 0.25
    assert schedules.inverse_time(1.0, 0.5)(4) == pytest.approx(1 / 3)
    c = schedules.cosine(1.0, 10, min_lr=0.1)
    assert c(0) == 1.0 and c(5) == pytest.approx(0.55) and c(10) == pytest.approx(0.1) and c(99) == c(10)
    w = schedules.warmup(0.4, 4)
    assert [w(t) for t in range(6)] == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.4, 0.4])
    w = schedules.warmup(schedules.exponential(1.0, 0.5), 2)
    assert [w(t) for t in range(5)] == pytest.approx([0.5, 1.0, 1.0, 0.5, 0.25])
    assert optim.cosine is schedules.cosine and "cosine(lr=1.0" in repr(c)


@pytest.mark.parametrize("make", [
    lambda: schedules.constant(0), lambda: schedules.step_decay(0.1, 0),
    lambda: schedules.exponential(0.1, 1.5),
    lambda: schedules.cosine(0.1, 10, min_lr=0.5), lambda: schedules.warmup(0.1, 0),
    lambda: schedules.inverse_time(0.1, -1),
])
def test_bad_schedules_raise(make):
    with pytest.raises(ValueError):
        make()


def test_a_schedule_that_goes_negative_is_caught_by_minimize():
    with pytest.raises(ValueError, match="schedule"):
        st.minimize(lambda x: x**2, 1.0, lr=lambda t: 0.1 - 0.05 * t, tol=0.0, max_iter=10)
    res = st.minimize(lambda x: x**2, 1.0, lr=schedules.cosine(0.1, 3), tol=0.0, max_iter=5)
    assert list(res.lrs[3:]) == [0.0, 0.0] and res.path[-1] == res.path[-2]


# --- rules -------------------------------------------------------------------------------------
def test_rules_never_write_into_g_or_x_and_keep_state():
    for name in rules.RULES:
        rule = rules.make_rule(name)
        x, g = np.array([1.0, -2.0]), np.array([0.5, 0.25])
        x_before, g_before = x.copy(), g.copy()
        state = rule.init(x)
        d = rule.update(g, state, x, 1)
        assert d.shape == x.shape and np.all(np.isfinite(d))
        np.testing.assert_array_equal(x, x_before)
        np.testing.assert_array_equal(g, g_before)
        assert np.all(d * g > 0), name  # a first step always goes downhill


@pytest.mark.parametrize("name", sorted(rules.RULES))
def test_a_rules_step_is_x_minus_lr_times_its_update(name):
    """`step` may take shortcuts (Adam folds lr into its own pass); it must still be x - lr d."""
    rng = np.random.default_rng(2)
    x0 = rng.standard_normal(50)
    rule = rules.make_rule(name, **({"weight_decay": 0.1} if name != "gd" else {}))
    by_update, by_step = x0.copy(), x0.copy()
    s_update, s_step = rule.init(x0), rule.init(x0)
    for t in range(1, 6):
        g1, g2 = grad_of(by_update), grad_of(by_step)
        by_update -= 0.05 * rule.update(g1, s_update, by_update, t)
        rule.step(g2, s_step, by_step, t, 0.05)
        np.testing.assert_allclose(by_step, by_update, rtol=1e-14, atol=1e-15)


def test_chain_of_transforms_is_a_rule():
    rule = rules.chain(rules.clip_by_global_norm(1.0), rules.trace(0.5))
    res = st.minimize(lambda x: (x**2).sum(), [30.0, 40.0], method=rule, lr=0.5, max_iter=3, tol=0.0)
    # first step: g = (60, 80), clipped to norm 1 -> (0.6, 0.8); momentum buffer = that
    np.testing.assert_allclose(res.path[1], [29.7, 39.6])
    assert set(rules.state_buffers(rule.init(np.zeros(2)), rule)) == {"momentum_buffer"}
    with pytest.raises(ValueError, match="ready-made"):
        st.minimize(lambda x: (x**2).sum(), [1.0], method=rule, momentum=0.9)


@pytest.mark.parametrize("name", ["steepest.optim", "steepest.optim.schedules", "steepest.optim.line_search",
                                  "steepest.optim.stopping", "steepest.optim.minimize",
                                  "steepest.optim.optimizers", "steepest.optim.optimizer",
                                  "steepest.optim.parallel"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0


def test_gd_on_the_seed_matches_the_closed_form_step():
    x = st.tensor(-5.0, requires_grad=True)
    opt = optim.GD([x], lr=0.1)
    (x**2 + 5 * st.sin(x)).backward()
    opt.step()
    assert x.item() == pytest.approx(-5.0 - 0.1 * (-10 + 5 * math.cos(-5.0)), abs=1e-15)


# --- large arrays: chunks on several threads --------------------------------------------------------
@pytest.fixture
def threads():
    """Set the optimizers' thread count for one test; the default comes back afterwards."""
    yield optim.set_num_threads
    optim.set_num_threads(None)


def steps_on_a_large_array(case, n_threads, size=3 * optim.parallel.MIN_CHUNK + 7, steps=4):
    optim.set_num_threads(n_threads)
    ours_cls, ours_hp, _, _ = CASES[case]
    rng = np.random.default_rng(1)
    big = st.tensor(rng.standard_normal(size), requires_grad=True)
    small = st.tensor([1.0, 2.0], requires_grad=True)
    opt = ours_cls([big, small], lr=0.05, **ours_hp)
    for _ in range(steps):
        for p in (big, small):
            p.grad = st.tensor(grad_of(p.data))
        opt.step()
    return big.data, small.data, opt.state_dict()


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_step_in_chunks_on_threads_is_bit_for_bit_the_step_on_one(case, threads, monkeypatch):
    one = steps_on_a_large_array(case, 1)
    calls = []
    monkeypatch.setattr(optim.parallel, "run", lambda fn, pieces: calls.append(len(pieces)) or
                        [fn(sl) for sl in pieces])
    many = steps_on_a_large_array(case, 3)
    assert calls == [3] * 4  # the update really was cut into three chunks, at every step
    np.testing.assert_array_equal(one[0], many[0])
    np.testing.assert_array_equal(one[1], many[1])
    for name, column in one[2]["state"].items():
        for a, b in zip(column, many[2]["state"][name], strict=True):
            np.testing.assert_array_equal(a, b)


def test_threads_really_run_and_agree(threads):
    np.testing.assert_array_equal(steps_on_a_large_array("adam", 1)[0], steps_on_a_large_array("adam", 4)[0])


def test_rules_that_are_not_elementwise_are_never_cut(threads, monkeypatch):
    monkeypatch.setattr(optim.parallel, "run", lambda fn, pieces: pytest.fail("a global-norm rule was cut"))
    threads(4)
    rule = rules.chain(rules.clip_by_global_norm(1.0), rules.trace(0.5))
    assert not rule.elementwise and rules.adam().elementwise
    x = st.tensor(np.full(4 * optim.parallel.MIN_CHUNK, 3.0), requires_grad=True)
    opt = optim.Momentum([x], lr=1.0, momentum=0.5)
    opt.rule = rule
    opt._groups[0].state = rule.init(opt._groups[0].x)
    x.grad = st.tensor(np.ones(x.shape))
    opt.step()
    np.testing.assert_allclose(x.data, 3.0 - 1.0 / math.sqrt(x.size))  # clipped by the norm of the whole


def test_small_arrays_stay_on_the_calling_thread_and_bad_counts_are_refused(threads):
    threads(8)
    assert optim.parallel.chunks(optim.parallel.MIN_CHUNK * 2 - 1) == []
    assert optim.parallel.chunks(optim.parallel.MIN_CHUNK * 2) == [slice(0, optim.parallel.MIN_CHUNK),
                                                                   slice(optim.parallel.MIN_CHUNK,
                                                                         2 * optim.parallel.MIN_CHUNK)]
    assert optim.get_num_threads() == 8
    for bad in (0, -1, 2.5, True, "2"):
        with pytest.raises(ValueError, match="set_num_threads"):
            optim.set_num_threads(bad)


@pytest.mark.parametrize("bad", [0, 2])  # the calling thread's chunk, a pool thread's chunk
def test_an_error_in_a_chunk_reaches_the_caller_after_every_chunk_ran(threads, bad):
    threads(3)
    pieces = optim.parallel.chunks(3 * optim.parallel.MIN_CHUNK)
    done = []

    def work(piece):
        time.sleep(0.01 * (pieces.index(piece) != bad))  # the others finish after the error
        if pieces.index(piece) == bad:
            raise ZeroDivisionError(f"chunk {bad}")
        done.append(piece)

    with pytest.raises(ZeroDivisionError, match=f"chunk {bad}"):
        optim.parallel.run(work, pieces)
    assert len(pieces) == 3 and sorted(p.start for p in done) == sorted(p.start for i, p in enumerate(pieces)
                                                                        if i != bad)


def test_the_callers_piece_grows_while_it_waits_for_the_pool_and_shrinks_back(threads, monkeypatch):
    threads(2)
    monkeypatch.setattr(optim.parallel, "_lead", 0.0)
    size = 4 * optim.parallel.MIN_CHUNK
    halves = optim.parallel.chunks(size)
    caller = threading.current_thread()

    def slow(who):  # the caller's piece or the pool's takes longer
        def work(piece):
            if (threading.current_thread() is caller) == (who == "caller"):
                time.sleep(0.002)
        return work

    for _ in range(5):
        optim.parallel.run(slow("pool"), optim.parallel.chunks(size))
    first, second = optim.parallel.chunks(size)
    assert first.start == 0 and first.stop == second.start and second.stop == size
    assert first.stop - first.start > second.stop - second.start >= optim.parallel.MIN_CHUNK
    for _ in range(60):  # the lead shrinks ten times slower than it grows
        optim.parallel.run(slow("caller"), optim.parallel.chunks(size))
    assert optim.parallel.chunks(size) == halves


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_a_forked_child_steps_with_a_pool_of_its_own(threads):
    threads(2)
    big = 2 * optim.parallel.MIN_CHUNK
    optim.parallel.run(lambda sl: None, optim.parallel.chunks(big))  # the parent's pool exists
    pid = os.fork()
    if pid == 0:  # the child: a step must not wait forever on the parent's (absent) threads
        signal.alarm(30)  # if it does, the child dies and the test fails instead of hanging
        x = st.tensor(np.ones(big), requires_grad=True)
        opt = optim.Adam([x], lr=0.5)
        x.grad = st.tensor(np.ones(big))
        opt.step()
        os._exit(0 if np.allclose(x.data, 0.5) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
