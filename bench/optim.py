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
   Timings are the best of three runs; on a shared machine torch's threads suffer most from load.

Run: .venv/bin/python bench/optim.py [--quick]
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

import steepest as st

try:
    import torch
except ImportError:  # torch is a test-only dependency
    torch = None

QUICK = "--quick" in sys.argv


def best_of(fn, repeat: int = 5) -> float:
    """The smallest of `repeat` timings of fn() (seconds), the usual way to read through noise."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


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


def bench_minimize() -> list[tuple[str, float]]:
    n = 2000 if QUICK else 20000
    rows = [("plain Python loop, hand-written f'", best_of(lambda: plain_loop(n)) / n)]
    if torch is not None:
        rows.append(("PyTorch loop (autograd)", best_of(lambda: torch_loop(n), 3) / n))
    rows.append(("st.minimize (engine gradient)", best_of(lambda: steepest_minimize(n), 3) / n))
    return rows


# --- 2. Adam steps per second ---------------------------------------------------------------------
def adam_steps(shapes: list[tuple[int, ...]], dtype, steps: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ours = [st.tensor(a, requires_grad=True) for a in arrays]
    for p, g in zip(ours, grads, strict=True):
        p.grad = st.tensor(g)
    opt = st.optim.Adam(ours, lr=1e-3)
    opt.step()
    rates = {"steepest": steps / best_of(lambda: [opt.step() for _ in range(steps)], 3)}
    st.optim.set_num_threads(1)
    rates["steepest 1 thread"] = steps / best_of(lambda: [opt.step() for _ in range(steps)], 3)
    st.optim.set_num_threads(None)
    if torch is None:
        return rates
    threads = torch.get_num_threads()
    for label, kwargs, n_threads in (("torch", {}, threads), ("torch foreach", {"foreach": True}, threads),
                                     ("torch 1 thread", {}, 1)):
        theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
        for q, g in zip(theirs, grads, strict=True):
            q.grad = torch.tensor(g)
        ref = torch.optim.Adam(theirs, lr=1e-3, **kwargs)
        ref.step()
        torch.set_num_threads(n_threads)  # NumPy runs on one thread: the like-for-like comparison
        rates[label] = steps / best_of(lambda ref=ref: [ref.step() for _ in range(steps)], 3)
        torch.set_num_threads(threads)
    return rates


def main() -> None:
    print(f"numpy {np.__version__}" + (f", torch {torch.__version__} ({torch.get_num_threads()} threads)"
                                       if torch is not None else ", torch not installed"))
    print("\n1. minimize on f(x) = x^2 + 5 sin x, time per iteration")
    rows = bench_minimize()
    plain = rows[0][1]
    mine = rows[-1][1]
    for name, t in rows:
        print(f"   {name:38s} {t * 1e6:9.2f} us   x{t / plain:7.1f} plain   minimize x{mine / t:5.2f} of it")

    print("\n2. Adam steps per second (higher is better); ratio = steepest / torch")
    cases = [("1 tensor of 1M, float32", [(1_000_000,)], np.float32, 20 if QUICK else 100),
             ("1 tensor of 1M, float64", [(1_000_000,)], np.float64, 20 if QUICK else 100),
             ("100 tensors of 10x10, float32", [(10, 10)] * 100, np.float32, 200 if QUICK else 2000),
             ("100 tensors of 10x10, float64", [(10, 10)] * 100, np.float64, 200 if QUICK else 2000)]
    for name, shapes, dtype, steps in cases:
        rates = adam_steps(shapes, dtype, steps)
        print(f"   {name}: steepest {rates['steepest']:.0f}/s ({st.optim.get_num_threads()} threads), "
              f"{rates['steepest 1 thread']:.0f}/s (1 thread)")
        for label in ("torch", "torch foreach", "torch 1 thread"):
            if label in rates:
                mine = rates["steepest 1 thread" if label.endswith("1 thread") else "steepest"]
                print(f"      {label:16s} {rates[label]:9.0f}/s   ratio {mine / rates[label]:6.2f}")


if __name__ == "__main__":
    main()
