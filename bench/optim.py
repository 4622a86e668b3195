"""Benchmark of steepest.optim: minimize's per-iteration overhead and Adam steps per second.

1. minimize on the seed's f(x) = x^2 + 5 sin x (gradient by the engine), against the seed's
   plain Python loop with the hand-written derivative and against the same loop in PyTorch
   (autograd for the gradient). Time per iteration, with tol=0 so that every run makes the
   same number of updates.
2. Adam steps per second on one 1M-parameter tensor and on 100 small tensors (10 x 10),
   against torch.optim.Adam (its default implementation on CPU, foreach=True, and on one thread),
   with the gradients already in place, so only the optimizer step is timed. steepest runs at
   its default thread count (st.optim.get_num_threads(): a large array is cut into chunks, one per
   core) against torch's default, and on one thread against torch on one thread.
   Timing is paired (bench/paired.py): each round runs every system once, in rotating order, and a
   ratio is the median over rounds of the within-round ratios (quartiles in brackets).

Run: .venv/bin/python bench/optim.py [--quick]
"""

from __future__ import annotations

import math
import sys

import numpy as np
from paired import paired

import steepest as st

try:
    import torch
except ImportError:  # torch is a test-only dependency
    torch = None

QUICK = "--quick" in sys.argv


# --- 1. minimize overhead per iteration -----------------------------------------------------------
def plain_loop(n: int, x: float = -5.0, lr: float = 0.1) -> float:
    """The seed's loop with its derivative taken once per step: x <- x - eta (2x + 5 cos x)."""
    g = 2 * x + 5 * math.cos(x)
    for _ in range(n):
        x = x - lr * g
        g = 2 * x + 5 * math.cos(x)
        if abs(g) < 0.0:  # the seed's test, with tol = 0 so that every run makes n updates
            break
    return x


def torch_loop(n: int, x0: float = -5.0, lr: float = 0.1) -> float:
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    for _ in range(n):
        y = x**2 + 5 * torch.sin(x)
        (g,) = torch.autograd.grad(y, [x])
        if abs(g.item()) < 0.0:
            break
        with torch.no_grad():
            x -= lr * g
    return x.item()


def steepest_minimize(n: int) -> float:
    return st.minimize(lambda x: x**2 + 5 * st.sin(x), -5.0, lr=0.1, tol=0.0, max_iter=n).x


def bench_minimize():
    n = 200 if QUICK else 2000
    systems = {"plain Python loop, hand-written f'": lambda: plain_loop(n)}
    if torch is not None:
        systems["PyTorch loop (autograd)"] = lambda: torch_loop(n)
    systems["st.minimize (engine gradient)"] = lambda: steepest_minimize(n)
    return paired(systems, rounds=7 if QUICK else 15, block=0.1), n


# --- 2. Adam steps per second ---------------------------------------------------------------------
def _with_threads(step, ours: int | None, theirs: int | None, steps: int):
    """`steps` calls of step() with steepest's and torch's thread counts set for the block."""

    def block():
        if ours is not None:
            st.optim.set_num_threads(ours)
        if theirs is not None:
            before = torch.get_num_threads()
            torch.set_num_threads(theirs)
        for _ in range(steps):
            step()
        if ours is not None:
            st.optim.set_num_threads(None)
        if theirs is not None:
            torch.set_num_threads(before)

    return block


def adam_steps(shapes: list[tuple[int, ...]], dtype, steps: int):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ours = [st.tensor(a, requires_grad=True) for a in arrays]
    for p, g in zip(ours, grads, strict=True):
        p.grad = st.tensor(g)
    opt = st.optim.Adam(ours, lr=1e-3)
    opt.step()
    systems = {"steepest": _with_threads(opt.step, None, None, steps),
               "steepest 1 thread": _with_threads(opt.step, 1, None, steps)}
    if torch is not None:
        threads = torch.get_num_threads()
        variants = (("torch", {}, threads), ("torch foreach", {"foreach": True}, threads),
                    ("torch 1 thread", {}, 1))
        for label, kwargs, n_threads in variants:
            theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
            for q, g in zip(theirs, grads, strict=True):
                q.grad = torch.tensor(g)
            ref = torch.optim.Adam(theirs, lr=1e-3, **kwargs)
            ref.step()
            # NumPy runs on one thread: torch on one thread is the like-for-like comparison
            systems[label] = _with_threads(ref.step, None, n_threads, steps)
    return paired(systems, rounds=5 if QUICK else 11, block=0.2)


def main() -> None:
    print(f"numpy {np.__version__}" + (f", torch {torch.__version__} ({torch.get_num_threads()} threads)"
                                       if torch is not None else ", torch not installed"))
    print("\n1. minimize on f(x) = x^2 + 5 sin x, time per iteration (paired medians)")
    tm, n = bench_minimize()
    names = list(tm.times)
    plain, mine = names[0], names[-1]
    for name in names:
        lo, hi = tm.spread(mine, name)
        print(f"   {name:38s} {tm.median(name) / n * 1e6:9.2f} us   x{tm.ratio(name, plain):7.1f} plain   "
              f"minimize x{tm.ratio(mine, name):5.2f} of it [{lo:.2f}-{hi:.2f}]")

    print("\n2. Adam steps per second (higher is better); ratio = steepest / torch steps per second")
    cases = [("1 tensor of 1M, float32", [(1_000_000,)], np.float32, 10 if QUICK else 20),
             ("1 tensor of 1M, float64", [(1_000_000,)], np.float64, 10 if QUICK else 20),
             ("100 tensors of 10x10, float32", [(10, 10)] * 100, np.float32, 100 if QUICK else 200),
             ("100 tensors of 10x10, float64", [(10, 10)] * 100, np.float64, 100 if QUICK else 200)]
    for name, shapes, dtype, steps in cases:
        tm = adam_steps(shapes, dtype, steps)
        rate = {k: steps / tm.median(k) for k in tm.times}
        print(f"   {name}: steepest {rate['steepest']:.0f}/s ({st.optim.get_num_threads()} threads), "
              f"{rate['steepest 1 thread']:.0f}/s (1 thread)")
        for label in ("torch", "torch foreach", "torch 1 thread"):
            if label in rate:
                mine = "steepest 1 thread" if label.endswith("1 thread") else "steepest"
                lo, hi = tm.spread(label, mine)  # time ratio theirs / ours = rate ratio ours / theirs
                print(f"      {label:16s} {rate[label]:9.0f}/s   ratio {tm.ratio(label, mine):6.2f} "
                      f"[{lo:.2f}-{hi:.2f}]")


if __name__ == "__main__":
    main()
