"""Cost of the function transforms: steepest vs PyTorch eager vs the hand-written derivative.

1. `st.grad(f)(x)` per call, f = x^2 + 5 sin x at a float (the seeds' descent takes one such call per
   step), against torch.autograd.grad on a fresh tensor and against 2x + 5 cos x written by hand.
2. The Hessian-vector product of f(x) = sum(x^4) + sum(x[1:] x[:-1]) + sum(tanh(x)) with 1,000
   parameters: `st.hvp` against forming `st.hessian` and multiplying, and against torch.func's
   forward-over-reverse hvp.

Timing is paired (bench/paired.py): each round runs every system once over a short block, in
rotating order, and a ratio is the median over rounds of the within-round ratios.

    python bench/transforms.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from paired import paired

import steepest as st


def seed_f(x):
    return x ** 2 + 5 * st.sin(x)


def grad_per_call(rounds: int):
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
    systems = {"steepest": lambda: grad_f(-5.0), "pytorch": torch_grad, "by hand": by_hand}
    return paired(systems, rounds=rounds)


def hvp_1000(rounds: int):
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
    against_torch = paired({"st.hvp": lambda: st.hvp(f, x, v), "torch.func hvp": torch_hvp}, rounds=rounds)
    against_hessian = paired({"st.hvp": lambda: st.hvp(f, x, v),
                              "st.hessian @ v": lambda: st.hessian(f)(x) @ v}, rounds=3, block=0.02)
    return against_torch, against_hessian


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    t = grad_per_call(args.rounds)
    print(f"st.grad of x^2 + 5 sin x at a float, per call (paired medians of {args.rounds} rounds)")
    print(f"  {'':<12}{'us/call':>10}")
    for name in t.times:
        print(f"  {name:<12}{t.median(name) * 1e6:>10.2f}")
    lo, hi = t.spread("steepest", "pytorch")
    print(f"  steepest / pytorch = {t.ratio('steepest', 'pytorch'):.2f} [{lo:.2f}-{hi:.2f}]   "
          f"steepest / by hand = {t.ratio('steepest', 'by hand'):.0f}")

    h, full = hvp_1000(args.rounds)
    print("\nHessian-vector product, 1,000 parameters")
    print(f"  {'':<16}{'ms/call':>10}")
    for name in h.times:
        print(f"  {name:<16}{h.median(name) * 1e3:>10.3f}")
    print(f"  {'st.hessian @ v':<16}{full.median('st.hessian @ v') * 1e3:>10.3f}")
    lo, hi = h.spread("st.hvp", "torch.func hvp")
    print(f"  forming the Hessian / st.hvp = {full.ratio('st.hessian @ v', 'st.hvp'):.0f}   "
          f"st.hvp / torch.func hvp = {h.ratio('st.hvp', 'torch.func hvp'):.2f} [{lo:.2f}-{hi:.2f}]")


if __name__ == "__main__":
    main()
