"""Threads: grad mode, the transforms' nesting and the optimizers' pool belong to each thread.

Each test forces the interleaving that broke the shared state (barriers, events, a tiny switch
interval), so that it fails every time on an engine whose grad mode is one process-wide flag.
"""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

import steepest as st
from steepest.optim import parallel


@pytest.fixture
def fast_switching():
    """Threads swap every microsecond or so: every race gets its chance."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def _in_threads(*targets, timeout=120.0):
    """Run each target in a thread of its own; re-raise the first error (with its thread)."""
    errors: list[BaseException] = []

    def guard(fn):
        try:
            fn()
        except BaseException as err:  # noqa: BLE001 - handed back to the test
            errors.append(err)

    threads = [threading.Thread(target=guard, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "a thread did not finish"
    if errors:
        raise errors[0]


def _train(seed: int, manual: bool) -> dict[str, np.ndarray]:
    """A small model trained by fit (with validation: a no_grad block every epoch) or by hand."""
    X, y = st.data.xor()
    model = st.nn.MLP([2, 6, 1], activation="tanh", output_activation="sigmoid", seed=seed)
    if manual:
        opt = st.optim.Adam(model.parameters(), lr=0.05)
        target = y.reshape(-1, 1)
        for _ in range(40):
            opt.zero_grad()
            st.nn.mse_loss(model(X), target).backward()
            opt.step()
            with st.no_grad():
                model(X)
    else:
        st.fit(model, X, y, loss="mse", optimizer="momentum", lr=0.5, epochs=40, progress=False,
               validation_data=(X, y))
    return model.state_dict()


def test_four_threads_train_four_models_bit_for_bit(fast_switching):
    jobs = [(seed, seed % 2 == 1) for seed in range(4)]
    alone = [_train(seed, manual) for seed, manual in jobs]
    for _trial in range(3):
        start = threading.Barrier(len(jobs))
        got: dict[int, dict[str, np.ndarray]] = {}

        def job(i, seed, manual, start=start, got=got):
            start.wait()
            got[i] = _train(seed, manual)

        _in_threads(*[lambda i=i, s=s, m=m: job(i, s, m) for i, (s, m) in enumerate(jobs)])
        for i, expected in enumerate(alone):
            for name, w in expected.items():
                assert got[i][name].tobytes() == w.tobytes(), f"model {i}, {name} differs"
    assert st.is_grad_enabled()


def test_overlapping_no_grad_blocks_leave_grad_mode_on():
    # A enters, B enters, A leaves, B leaves: with one shared flag B would put back A's "off"
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a():
        with st.no_grad():
            a_in.set()
            b_in.wait(10)
            seen["a inside"] = st.is_grad_enabled()
        a_out.set()
        seen["a after"] = st.is_grad_enabled()

    def b():
        a_in.wait(10)
        with st.no_grad():
            b_in.set()
            a_out.wait(10)
            seen["b inside"] = st.is_grad_enabled()
        seen["b after"] = st.is_grad_enabled()

    _in_threads(a, b)
    assert seen == {"a inside": False, "a after": True, "b inside": False, "b after": True}
    assert st.is_grad_enabled()
    x = st.tensor([1.0, 2.0], requires_grad=True)
    assert (x * 2).requires_grad


def test_one_no_grad_object_entered_by_two_threads():
    block = st.no_grad()
    inside, done = threading.Barrier(2), threading.Barrier(2)

    def user():
        with block:
            inside.wait(10)
            assert not st.is_grad_enabled()
            done.wait(10)
        assert st.is_grad_enabled()

    _in_threads(user, user)
    with block:
        with block:  # re-entered by one thread
            assert not st.is_grad_enabled()
        assert not st.is_grad_enabled()
    assert st.is_grad_enabled()


def test_no_grad_in_one_thread_leaves_another_recording():
    entered, release = threading.Event(), threading.Event()

    def other():
        with st.no_grad():
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    try:
        assert entered.wait(10)
        x = st.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        assert y.requires_grad and st.is_grad_enabled()
        y.backward()
        np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])
    finally:
        release.set()
        thread.join(10)


def test_two_threads_calling_grad_each_get_plain_results():
    inside, release = threading.Event(), threading.Event()
    results = {}

    def slow(x):
        inside.set()  # this thread's transform is evaluating f now
        release.wait(10)
        return x * x

    def first():
        results["first"] = st.grad(slow)(3.0)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert inside.wait(10)
        results["second"] = st.grad(lambda x: x ** 3)(2.0)
    finally:
        release.set()
        thread.join(10)
    assert type(results["second"]) is float and results["second"] == 12.0
    assert type(results["first"]) is float and results["first"] == 6.0


def test_set_num_threads_while_another_thread_steps():
    n = 4 * parallel.MIN_CHUNK  # large enough for the update to be cut into chunks
    w = st.tensor(np.zeros(n), requires_grad=True)
    opt = st.optim.Adam([w], lr=0.01)
    w.grad = st.tensor(np.ones(n))
    stop = threading.Event()
    steps = []
    before = st.optim.get_num_threads()

    def stepper():
        try:
            while not stop.is_set():
                opt.step()
                steps.append(1)
        finally:
            stop.set()

    def switcher():
        try:
            for k in range(300):
                if stop.is_set():
                    break
                st.optim.set_num_threads(2 + k % 3)
        finally:
            stop.set()

    try:
        _in_threads(stepper, switcher)
    finally:
        st.optim.set_num_threads(before)
    assert steps
    # every step moved every element the same way, whatever the number of threads
    assert np.all(w.data == w.data[0]) and w.data[0] < 0


def test_a_step_while_set_num_threads_shuts_the_old_pool_down():
    # the order that broke: a step's pieces hold the pool, set_num_threads waits for it to shut
    # down, and another thread's step starts meanwhile: it must get a working pool, not the dying one
    before = st.optim.get_num_threads()
    st.optim.set_num_threads(2)
    release, caller_done = threading.Event(), threading.Event()
    pieces = [slice(0, 1), slice(1, 2)]
    written = np.zeros(2)

    def held(piece):  # the pool's piece waits; the caller's piece returns at once
        if piece.start == 1:
            release.wait(10)
        written[piece] += 1

    first = threading.Thread(target=parallel.run, args=(held, pieces))
    first.start()
    try:
        for _ in range(1000):
            if parallel._pool is not None:
                break
            threading.Event().wait(0.005)
        pool = parallel._pool
        switch = threading.Thread(target=st.optim.set_num_threads, args=(3,))
        switch.start()
        for _ in range(1000):  # until the old pool has been told to shut down
            if pool._shutdown:
                break
            threading.Event().wait(0.005)
        assert pool._shutdown
        parallel.run(lambda piece: written.__setitem__(piece, written[piece] + 10), pieces)
        caller_done.set()
    finally:
        release.set()
        first.join(10)
        switch.join(10)
        st.optim.set_num_threads(before)
    assert caller_done.is_set()
    np.testing.assert_array_equal(written, [11.0, 11.0])
