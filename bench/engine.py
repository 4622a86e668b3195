"""Per-op cost of small ops: steepest vs PyTorch eager vs hand-written NumPy (the floor).

A chain of elementwise ops (sin, mul, add, exp, tanh, repeated) is run forward, summed and
sent backward, on a 10-element and a 1M-element float64 array. Timing is paired
(bench/paired.py): each round runs every system once over a short block, in rotating order;
the table prints the median microseconds per op (forward + backward) and the median of the
within-round ratios.

    python bench/engine.py [--ops 50] [--rounds 15]

Targets (issue): at 10 elements steepest <= PyTorch eager; at 1M elements steepest <= 1.2x NumPy.

Two NumPy references: `numpy` keeps only what backward needs (the floor); `kept` also keeps
every intermediate value, as steepest's graph does (a node is the Tensor the user sees, so its
value stays readable and drawable). At 1M elements the gap between the two is first-touch page
faults of the extra arrays, not Python work; st/kept measures the engine's own overhead.

On Linux the 1M row is then measured again in a child process in which glibc keeps freed
memory for reuse (MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ set high, for every column
alike): that row shows the engine against NumPy with the page faults taken out. A user with
large arrays can set the same two variables (they cost memory held, not returned to the OS).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from functools import partial

import numpy as np
from paired import paired

import steepest as st

# the chain cycles through these; each is one op forward and one vjp backward
KINDS = ("sin", "mul", "add", "exp", "tanh")


def chain_steepest(x0: np.ndarray, n_ops: int) -> np.ndarray:
    x = st.tensor(x0, requires_grad=True)
    y = x
    for k in range(n_ops):
        kind = KINDS[k % len(KINDS)]
        if kind == "sin":
            y = st.sin(y)
        elif kind == "mul":
            y = y * 0.9
        elif kind == "add":
            y = y + 0.1
        elif kind == "exp":
            y = st.exp(y * 0.1)  # two ops: keeps values bounded
        else:
            y = st.tanh(y)
    y.sum().backward()
    return x.grad.data


def chain_torch(x0, n_ops: int):
    import torch

    x = torch.tensor(x0, requires_grad=True)
    y = x
    for k in range(n_ops):
        kind = KINDS[k % len(KINDS)]
        if kind == "sin":
            y = torch.sin(y)
        elif kind == "mul":
            y = y * 0.9
        elif kind == "add":
            y = y + 0.1
        elif kind == "exp":
            y = torch.exp(y * 0.1)
        else:
            y = torch.tanh(y)
    y.sum().backward()
    return x.grad.numpy()


def chain_numpy(x0: np.ndarray, n_ops: int) -> np.ndarray:
    """The floor: the same forward and backward written by hand with NumPy, keeping what backward needs."""
    saved = []
    y = x0
    for k in range(n_ops):
        kind = KINDS[k % len(KINDS)]
        if kind == "sin":
            saved.append(y)
            y = np.sin(y)
        elif kind == "mul":
            y = y * 0.9
        elif kind == "add":
            y = y + 0.1
        elif kind == "exp":
            y = np.exp(y * 0.1)
            saved.append(y)
        else:
            y = np.tanh(y)
            saved.append(y)
    _ = y.sum()
    g = np.ones_like(y)
    for k in reversed(range(n_ops)):
        kind = KINDS[k % len(KINDS)]
        if kind == "sin":
            g = g * np.cos(saved.pop())
        elif kind == "mul":
            g = g * 0.9
        elif kind == "add":
            pass
        elif kind == "exp":
            g = g * saved.pop() * 0.1
        else:
            z = saved.pop()
            g = g * (1 - z * z)
    return g


def chain_numpy_kept(x0: np.ndarray, n_ops: int) -> np.ndarray:
    """The same by hand, but keeping every intermediate value alive until the backward pass is
    over, as a recorded graph does (each node's value stays readable: printed, drawn by viz).
    Against this, st/kept is the engine's own overhead; kept/numpy is the price of the values."""
    kept = [x0]
    y = x0
    for k in range(n_ops):
        kind = KINDS[k % len(KINDS)]
        if kind == "sin":
            y = np.sin(y)
        elif kind == "mul":
            y = y * 0.9
        elif kind == "add":
            y = y + 0.1
        elif kind == "exp":
            kept.append(y * 0.1)
            y = np.exp(kept[-1])
        else:
            y = np.tanh(y)
        kept.append(y)
    _ = y.sum()
    g = np.ones_like(y)
    for k in reversed(range(n_ops)):
        kind = KINDS[k % len(KINDS)]
        z = kept.pop()
        if kind == "sin":
            g = g * np.cos(kept[-1])
        elif kind == "mul":
            g = g * 0.9
        elif kind == "exp":
            kept.pop()
            g = g * z * 0.1
        elif kind == "tanh":
            g = g * (1 - z * z)
    return g


def count_ops(n_ops: int) -> int:
    """Primitive ops in the chain (exp costs two: the scale and the exp), plus the final sum."""
    return sum(2 if KINDS[k % len(KINDS)] == "exp" else 1 for k in range(n_ops)) + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=50, help="length of the chain (default 50)")
    parser.add_argument("--rounds", type=int, default=15, help="paired rounds (default 15)")
    parser.add_argument("--large-only", action="store_true", help="only the 1M row, no header")
    args = parser.parse_args()
    try:
        import torch

        torch.set_num_threads(1)
        has_torch = True
    except ImportError:
        has_torch = False

    n_prims = count_ops(args.ops)
    rng = np.random.default_rng(0)
    sizes = (1_000_000,) if args.large_only else (10, 1_000_000)
    if not args.large_only:
        print(f"chain of {args.ops} elementwise steps = {n_prims} primitive ops, float64, forward + "
              f"backward; paired medians of {args.rounds} rounds")
        print(f"{'size':>9} {'numpy us/op':>12} {'kept us/op':>11} {'torch us/op':>12} "
              f"{'steepest us/op':>15} {'st/torch':>9} {'st/numpy':>9} {'st/kept':>8}")
    for size in sizes:
        x0 = rng.standard_normal(size)
        ref = chain_numpy(x0, args.ops)
        np.testing.assert_allclose(chain_steepest(x0, args.ops), ref, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(chain_numpy_kept(x0, args.ops), ref, rtol=1e-12, atol=1e-14)
        systems = {"numpy": partial(chain_numpy, x0, args.ops),
                   "kept": partial(chain_numpy_kept, x0, args.ops),
                   "steepest": partial(chain_steepest, x0, args.ops)}
        if has_torch:
            np.testing.assert_allclose(chain_torch(x0, args.ops), ref, rtol=1e-10, atol=1e-12)
            systems["torch"] = partial(chain_torch, x0, args.ops)
        tm = paired(systems, rounds=args.rounds, block=0.05 if size < 1000 else 0.3)
        us = {k: tm.median(k) / n_prims * 1e6 for k in systems}
        if has_torch:
            th, ratio = f"{us['torch']:12.2f}", f"{tm.ratio('steepest', 'torch'):9.2f}"
        else:
            th, ratio = f"{'n/a':>12}", f"{'n/a':>9}"
        print(f"{size:>9} {us['numpy']:12.2f} {us['kept']:11.2f} {th} {us['steepest']:15.2f} {ratio} "
              f"{tm.ratio('steepest', 'numpy'):9.2f} {tm.ratio('steepest', 'kept'):8.2f}")
    if args.large_only:
        return
    if sys.platform.startswith("linux"):
        print("glibc keeping freed memory (MALLOC_MMAP_THRESHOLD_ = MALLOC_TRIM_THRESHOLD_ = 1 GiB), "
              "all columns:")
        env = dict(os.environ, MALLOC_MMAP_THRESHOLD_=str(1 << 30), MALLOC_TRIM_THRESHOLD_=str(1 << 30))
        subprocess.run([sys.executable, __file__, "--large-only", "--ops", str(args.ops),
                        "--rounds", str(args.rounds)], env=env, check=True)
    print("targets: st/torch <= 1 at 10 elements; st/numpy <= 1.2 at 1M elements")
    print("kept = hand-written NumPy holding every intermediate value, as the recorded graph does")


if __name__ == "__main__":
    main()
