"""One full training step (forward, loss, backward, update) of an MLP: steepest vs PyTorch eager vs
a hand-written NumPy forward/backward with the same math (the floor for any NumPy engine).

    python bench/train.py [--rounds 7] [--sizes small|all] [--threads N]

--threads N sets the BLAS threads (NumPy, hence steepest) and PyTorch's threads to N (default: the
libraries' defaults), which steadies the numbers on a shared machine.

Sizes (issue 5):
    2-8-1              batch 4,   float64, tanh hidden, sigmoid output, MSE
    64-128-10          batch 64,  float32, ReLU, cross-entropy
    784-512-512-10     batch 128, float32, ReLU, cross-entropy
    2048-2048-2048-10  batch 512, float32, ReLU, cross-entropy
All three run plain gradient descent (steepest.optim.GD, torch.optim.SGD, W -= lr dW in place).

Targets: steepest faster than PyTorch eager at the two small sizes; within 1.5x of the NumPy
floor at every size, within 1.1x at the largest. Timing is paired (bench/paired.py): each round
runs every implementation once over a short block, in rotating order, and a ratio is the median
over rounds of the within-round ratios (quartiles in brackets). The floor computes the loss
value too. Before timing, one step of each is checked to give the same loss and weights.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

if "--threads" in sys.argv:  # BLAS reads these when NumPy is first imported
    _n = sys.argv[sys.argv.index("--threads") + 1]
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n

import numpy as np  # noqa: E402
from paired import paired  # noqa: E402

import steepest as st  # noqa: E402

CASES = [
    # sizes, batch, dtype, hidden activation, output, loss
    ((2, 8, 1), 4, np.float64, "tanh", "sigmoid", "mse"),
    ((64, 128, 10), 64, np.float32, "relu", None, "cross_entropy"),
    ((784, 512, 512, 10), 128, np.float32, "relu", None, "cross_entropy"),
    ((2048, 2048, 2048, 10), 512, np.float32, "relu", None, "cross_entropy"),
]
TARGETS = {0: "< torch, < 1.5x numpy", 1: "< torch, < 1.5x numpy", 2: "< 1.5x numpy", 3: "< 1.1x numpy"}
LR = 0.01


def make_data(sizes, batch, dtype, loss, rng):
    X = rng.standard_normal((batch, sizes[0])).astype(dtype)
    if loss == "mse":
        y = (rng.random((batch, sizes[-1])) > 0.5).astype(dtype)
    else:
        y = rng.integers(0, sizes[-1], batch)
    return X, y


# --- steepest -----------------------------------------------------------------------------------------
def steepest_step(sizes, dtype, act, out_act, loss, X, y) -> tuple[Callable[[], float], list[np.ndarray]]:
    model = st.nn.MLP(list(sizes), activation=act, output_activation=out_act, seed=0, dtype=dtype)
    opt = st.optim.GD(model.parameters(), lr=LR)
    loss_fn = st.nn.get_loss(loss)

    def step() -> float:
        opt.zero_grad()
        value = loss_fn(model(X), y)
        value.backward()
        opt.step()
        return value.data

    return step, [p.data for p in model.parameters()]


# --- PyTorch eager --------------------------------------------------------------------------------------
def torch_step(weights, act, out_act, loss, X, y):
    import torch

    params = [torch.tensor(w, requires_grad=True) for w in weights]  # W (in, out), b (out,), ...
    Xt = torch.from_numpy(X)
    yt = torch.from_numpy(y)
    opt = torch.optim.SGD(params, lr=LR)
    hidden = torch.tanh if act == "tanh" else torch.relu
    n_layers = len(params) // 2

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        h = Xt
        for i in range(n_layers):
            h = h @ params[2 * i] + params[2 * i + 1]
            if i < n_layers - 1:
                h = hidden(h)
        if out_act == "sigmoid":
            h = torch.sigmoid(h)
        F = torch.nn.functional
        value = F.mse_loss(h, yt) if loss == "mse" else F.cross_entropy(h, yt)
        value.backward()
        opt.step()
        return value.detach().numpy()

    return step, params


# --- hand-written NumPy: the floor --------------------------------------------------------------------------
def numpy_step(weights, act, out_act, loss, X, y):
    params = [w.copy() for w in weights]
    n_layers = len(params) // 2
    n = len(X)
    rows = np.arange(n)

    def step() -> float:
        acts = [X]
        h = X
        for i in range(n_layers):
            h = h @ params[2 * i]  # (N, in) @ (in, out) -> (N, out)
            h += params[2 * i + 1]
            if i < n_layers - 1:
                h = np.tanh(h) if act == "tanh" else np.maximum(h, 0)
                acts.append(h)
        if loss == "mse":
            p = 1.0 / (1.0 + np.exp(-h)) if out_act == "sigmoid" else h
            d = p - y
            value = np.mean(d * d)
            dz = d * (2.0 / d.size)
            if out_act == "sigmoid":
                dz *= p * (1.0 - p)
        else:
            m = h.max(axis=1, keepdims=True)
            e = np.exp(h - m)
            s = e.sum(axis=1, keepdims=True)
            value = np.mean(np.log(s[:, 0]) + m[:, 0] - h[rows, y])
            dz = e / s
            dz[rows, y] -= 1.0
            dz /= n
        for i in reversed(range(n_layers)):
            W = params[2 * i]
            a = acts[i]
            dW = a.T @ dz
            db = dz.sum(axis=0)
            if i > 0:
                da = dz @ W.T
                dz = da * (1.0 - a * a) if act == "tanh" else da * (a > 0)
            W -= LR * dW
            params[2 * i + 1] -= LR * db
        return value

    return step, params


def check_same(steps, weight_lists, dtype) -> float:
    """One step of each; the largest relative difference in loss and updated weights."""
    losses = [float(s()) for s in steps]
    worst = max(abs(a - losses[0]) / max(abs(losses[0]), 1e-12) for a in losses)
    ref = [np.asarray(w) for w in weight_lists[0]]
    for ws in weight_lists[1:]:
        for a, b in zip(ref, ws, strict=True):
            b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
            worst = max(worst, float(np.max(np.abs(a - b)) / (np.max(np.abs(a)) + 1e-30)))
    tol = 1e-10 if dtype == np.float64 else 1e-4
    if worst > tol:
        raise AssertionError(f"the three implementations disagree: relative difference {worst:.2e}")
    return worst


def time_steps(step: Callable[[], float], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t0) / n


def steps_per_round(step: Callable[[], float]) -> int:
    """Enough steps for about 0.2 s."""
    t = time_steps(step, 3)
    return max(3, min(20000, int(0.2 / max(t, 1e-7))))


def run_case(index: int, rounds: int, block: float) -> dict:
    sizes, batch, dtype, act, out_act, loss = CASES[index]
    rng = np.random.default_rng(0)
    X, y = make_data(sizes, batch, dtype, loss, rng)
    st_step, st_weights = steepest_step(sizes, dtype, act, out_act, loss, X, y)
    init = [w.copy() for w in st_weights]
    th_step, th_weights = torch_step(init, act, out_act, loss, X, y)
    np_step, np_weights = numpy_step(init, act, out_act, loss, X, y)
    steps = {"steepest": st_step, "torch": th_step, "numpy": np_step}
    diff = check_same(list(steps.values()), [st_weights, th_weights, np_weights], dtype)
    timings = paired(steps, rounds=rounds, block=block * (4 if index == 3 else 1))
    return {"case": index, "sizes": sizes, "batch": batch, "dtype": np.dtype(dtype).name, "check": diff,
            "timings": timings}


def breakdown(index: int, repeats: int = 5) -> dict:
    """Where one steepest step goes: forward, loss, backward, optimizer update (best of `repeats`)."""
    sizes, batch, dtype, act, out_act, loss = CASES[index]
    X, y = make_data(sizes, batch, dtype, loss, np.random.default_rng(0))
    model = st.nn.MLP(list(sizes), activation=act, output_activation=out_act, seed=0, dtype=dtype)
    opt = st.optim.GD(model.parameters(), lr=LR)
    loss_fn = st.nn.get_loss(loss)
    out = model(X)
    value = loss_fn(out, y)
    nodes = _count_nodes(value)

    def backward():
        opt.zero_grad()
        loss_fn(out, y).backward()

    parts = {"forward": lambda: model(X), "loss": lambda: loss_fn(out, y),
             "loss+backward": backward, "update": opt.step}
    n = steps_per_round(lambda: model(X))
    best = {k: min(time_steps(f, n) for _ in range(repeats)) for k, f in parts.items()}
    best["backward"] = best.pop("loss+backward") - best["loss"]
    best["nodes"] = nodes
    return best


def _count_nodes(root) -> int:
    seen, stack = set(), [root]
    while stack:
        t = stack.pop()
        if id(t) in seen or not isinstance(t, st.Tensor) or t.is_leaf:
            continue
        seen.add(id(t))
        stack.extend(t._inputs)
    return len(seen)


def fmt_time(t: float) -> str:
    return f"{t * 1e6:9.1f} us" if t < 1e-2 else f"{t * 1e3:9.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--block", type=float, default=0.05, help="seconds per system per round")
    parser.add_argument("--sizes", choices=["small", "all"], default="all")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--breakdown", action="store_true", help="also time steepest's step in parts")
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    cases = range(2) if args.sizes == "small" else range(len(CASES))
    print(f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"steepest {st.__version__}; paired medians of {args.rounds} rounds [quartiles]\n")
    head = (f"{'MLP':<20}{'batch':>6}{'dtype':>9}{'steepest':>13}{'torch':>13}{'numpy':>13}"
            f"{'st/torch':>19}{'st/numpy':>19}  target")
    print(head)
    print("-" * len(head))
    for i in cases:
        r = run_case(i, args.rounds, args.block)
        tm = r["timings"]
        name = "-".join(str(n) for n in r["sizes"])
        vs_torch, vs_numpy = tm.ratio("steepest", "torch"), tm.ratio("steepest", "numpy")
        limit = 1.1 if i == 3 else 1.5
        ok = vs_numpy <= limit and (i > 1 or vs_torch < 1.0)
        cells = "".join(f"{fmt_time(tm.median(k)):>13}" for k in ("steepest", "torch", "numpy"))
        ratios = "".join(f"{tm.ratio('steepest', k):>8.2f} [{lo:.2f}-{hi:.2f}]"
                         for k, (lo, hi) in (("torch", tm.spread("steepest", "torch")),
                                             ("numpy", tm.spread("steepest", "numpy"))))
        print(f"{name:<20}{r['batch']:>6}{r['dtype']:>9}{cells}{ratios}  {TARGETS[i]}"
              f" {'ok' if ok else 'MISSED'}", flush=True)
    if args.breakdown:
        print("\nsteepest's step in parts (best of 5):")
        for i in cases:
            b = breakdown(i)
            name = "-".join(str(n) for n in CASES[i][0])
            keys = ("forward", "loss", "backward", "update")
            parts = ", ".join(f"{k} {fmt_time(b[k]).strip()}" for k in keys)
            print(f"  {name:<20} {b['nodes']} graph nodes: {parts}")


if __name__ == "__main__":
    main()
