"""Cost of the function transforms: steepest vs PyTorch eager vs the hand-written derivative.

1. `st.grad(f)(x)` per call, f = x^2 + 5 sin x at a float (the seeds' descent takes one such call per
   step), against torch.autograd.grad on a fresh tensor and against 2x + 5 cos x written by hand.
2. The Hessian-vector product of f(x) = sum(x^4) + sum(x[1:] x[:-1]) + sum(tanh(x)) with 1,000
   parameters: `st.hvp` against forming `st.hessian` and multiplying, and against torch.func's
   forward-over-reverse hvp.

Each timing is the best of several repeats, all measured in this one run; the ratios are what to read.

    python bench/transforms.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import steepest as st


def best_time(fn, number: int, repeat: int) -> float:
    """Seconds per call: the best of `repeat` runs of `number` calls."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def seed_f(x):
    return x ** 2 + 5 * st.sin(x)


def grad_per_call(repeat: int) -> dict[str, float]:
    import torch

    grad_f = st.grad(seed_f)

    def torch_grad():
        x = torch.tensor(-5.0, dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(x ** 2 + 5 * torch.sin(x), x)
        return g.item()

    def by_hand():
        x = -5.0
        return 2 * x + 5 * math.cos(x)

    assert abs(grad_f(-5.0) - by_hand()) < 1e-12 and abs(torch_grad() - by_hand()) < 1e-12
    n = 2000
    return {"steepest": best_time(lambda: grad_f(-5.0), n, repeat),
            "pytorch": best_time(torch_grad, n, repeat),
            "by hand": best_time(by_hand, n * 10, repeat)}


def hvp_1000(repeat: int) -> dict[str, float]:
    import torch

    def f(x):
        return (x ** 4).sum() + (x[1:] * x[:-1]).sum() + st.tanh(x).sum()

    def tf(x):
        return (x ** 4).sum() + (x[1:] * x[:-1]).sum() + torch.tanh(x).sum()

    rng = np.random.default_rng(0)
    x, v = rng.standard_normal(1000), rng.standard_normal(1000)
    tx, tv = torch.tensor(x), torch.tensor(v)

    def torch_hvp():
        return torch.func.jvp(torch.func.grad(tf), (tx,), (tv,))[1]

    expected = st.hessian(f)(x) @ v
    assert np.allclose(st.hvp(f, x, v), expected) and np.allclose(torch_hvp().numpy(), expected)
    return {"st.hvp": best_time(lambda: st.hvp(f, x, v), 50, repeat),
            "st.hessian @ v": best_time(lambda: st.hessian(f)(x) @ v, 1, max(2, repeat // 3)),
            "torch.func hvp": best_time(torch_hvp, 50, repeat)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    t = grad_per_call(args.repeat)
    print("st.grad of x^2 + 5 sin x at a float, per call")
    print(f"  {'':<12}{'us/call':>10}")
    for name, seconds in t.items():
        print(f"  {name:<12}{seconds * 1e6:>10.2f}")
    print(f"  steepest / pytorch = {t['steepest'] / t['pytorch']:.2f}   "
          f"steepest / by hand = {t['steepest'] / t['by hand']:.0f}")

    h = hvp_1000(args.repeat)
    print("\nHessian-vector product, 1,000 parameters")
    print(f"  {'':<16}{'ms/call':>10}")
    for name, seconds in h.items():
        print(f"  {name:<16}{seconds * 1e3:>10.3f}")
    print(f"  forming the Hessian / st.hvp = {h['st.hessian @ v'] / h['st.hvp']:.0f}   "
          f"st.hvp / torch.func hvp = {h['st.hvp'] / h['torch.func hvp']:.2f}")


if __name__ == "__main__":
    main()
