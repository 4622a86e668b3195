"""The demo's sections on step sizes and on choosing the learning rate (`steepest demo`, see demo.py):
Rosenbrock raced by fixed, Armijo, Barzilai-Borwein, Polyak and L-BFGS steps, and lr_find and sweep."""

from __future__ import annotations

from typing import Any

import numpy as np

import steepest as st

__all__ = ["step_sizes", "choosing_lr"]


def step_sizes(ctx: Any) -> Any:
    import steepest.viz as sv
    from steepest.demo import Section

    s = Section("steps", "Step sizes that choose themselves: fixed, Armijo, Barzilai-Borwein, Polyak, L-BFGS")
    s.intro = (
        "Rosenbrock's valley f(x, y) = (1 − x)² + 100 (y − x²)² from (−1.5, 2), to ‖∇f‖ &lt; 10⁻⁶. A "
        "fixed step small enough to be stable in the steep walls crawls along the flat floor; Armijo's "
        "backtracking takes the longest step that lowers f enough but still follows −∇f; "
        'Barzilai-Borwein picks the step from the last two gradients (BB2, lr="bb", converges; '
        "BB1's longer step throws it out of the valley); Polyak's step (f − f*)/‖∇f‖² needs f* (0 "
        "here); L-BFGS bends −∇f with the curvature of its last ten steps and a strong Wolfe line "
        "search, and needs as many iterations as SciPy's L-BFGS-B (44 to ‖∇f‖ &lt; 10⁻⁸, "
        "tests/test_lbfgs.py)."
    )
    rosen = st.parse("(1 - x)**2 + 100*(y - x**2)**2")
    start, tol, budget = np.array([-1.5, 2.0]), 1e-6, 3000 if ctx.quick else 20000
    settings = {
        "gd, fixed lr 0.001": {"lr": 1e-3},
        "gd + Armijo": {"lr": 1.0, "line_search": "armijo"},
        "BB2 (lr='bb')": {"lr": "bb"},
        "BB1 (lr='bb1')": {"lr": "bb1"},
        "Polyak, f* = 0": {"lr": st.optim.Polyak(f_star=0.0)},
        "L-BFGS (m = 10)": {"method": "lbfgs"},
    }
    runs = {k: st.minimize(rosen, start, tol=tol, max_iter=budget, **kw) for k, kw in settings.items()}
    lbfgs = runs["L-BFGS (m = 10)"]
    s.check("L-BFGS reaches (1, 1)", [1.0, 1.0], lbfgs.x, 1e-5)
    s.check(
        "L-BFGS needs at most 66 iterations (1.5 × L-BFGS-B's 44) (1 = yes)",
        1.0,
        float(lbfgs.n_iter <= 66),
        0,
    )
    s.check("BB2 converges (1 = yes)", 1.0, float(runs["BB2 (lr='bb')"].converged), 0)
    s.check(
        "the fixed step has not converged in the budget (0 = no)",
        0.0,
        float(runs["gd, fixed lr 0.001"].converged),
        0,
    )
    fig = sv.plot_convergence(runs, tol=tol, title=f"Rosenbrock from (−1.5, 2): iterations to ‖∇f‖ < {tol:g}")
    s.figures.append(
        (
            ctx.figure(fig, "step_sizes"),
            "The gradient norm per iteration, and the iterations each "
            "needed (hatched: never, with the reason).",
        )
    )
    shown = {k: runs[k] for k in ("gd + Armijo", "BB2 (lr='bb')", "L-BFGS (m = 10)")}
    fig = sv.plot_race(rosen, shown, xlim=(-2, 2), ylim=(-1, 3))
    s.figures.append((ctx.figure(fig, "step_sizes_paths"), "Three of the paths on the level sets of f."))
    s.texts.append(("Why each run stopped", "\n".join(f"{k}: {r.reason}" for k, r in runs.items())))
    s.code = (
        'rosen = st.parse("(1 - x)**2 + 100*(y - x**2)**2")\n'
        'st.minimize(rosen, [-1.5, 2.0], lr="bb")            # also lr="polyak", line_search="wolfe"\n'
        'st.minimize(rosen, [-1.5, 2.0], method="lbfgs")     # res.status: "gtol"'
    )
    return s


def choosing_lr(ctx: Any) -> Any:
    import steepest.viz as sv
    from steepest.demo import Section

    s = Section("lrfind", "Choosing the learning rate: the range test over seeds, and a sweep")
    s.intro = (
        "st.lr_find raises the learning rate geometrically over 100 steps of training and records the "
        "loss, for three seeds (their minibatches and a small jitter of the weights differ); the curve is "
        "median-filtered and fitted locally in log lr, whose slope is dL/dlog lr. The suggestion is the "
        "steepest point of the first descent, the interval the rates that fall at least half as fast. "
        "Below, an MLP on the digits with Adam and minibatches of 64; the suggestion then trains it. "
        "st.sweep runs a grid of settings (XOR: learning rate × momentum) and keeps a journal, so a sweep "
        "that is stopped resumes where it stopped."
    )
    X, y = st.data.digits()
    X_tr, X_te, y_tr, y_te = st.data.train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    net = st.nn.MLP([64, 64, 10], activation="relu", seed=0, dtype="float32")
    found = st.lr_find(net, X_tr, y_tr, loss="cross_entropy", optimizer="adam", batch_size=64)
    st.fit(
        net,
        X_tr,
        y_tr,
        loss="cross_entropy",
        optimizer="adam",
        lr=found.suggestion,
        epochs=10 if ctx.quick else 25,
        batch_size=64,
        seed=0,
        progress=False,
    )
    with st.no_grad():
        acc = float(np.mean(net(X_te.astype(np.float32)).data.argmax(axis=1) == y_te))
    s.check("the seeds agree (1 = yes)", 1.0, float(found.agree), 0)
    s.check("held-out accuracy with the suggested lr is at least 95%", 1.0, float(acc >= 0.95), 0)
    s.figures.append(
        (ctx.figure(sv.plot_lr_find(found), "lr_find"), "Loss against lr, three seeds, the interval shaded.")
    )
    from steepest.tuning import train_trial

    grid = {
        "dataset": "xor",
        "hidden": "4",
        "optimizer": "momentum",
        "epochs": 100,
        "lr": [0.05, 0.2, 0.5, 1.0, 2.0],
        "momentum": [0.0, 0.5, 0.9],
    }
    result = st.sweep(train_trial, grid, journal=None)
    s.figures.append(
        (
            ctx.figure(result.plot(), "sweep"),
            "Final training loss of XOR after 100 epochs, learning rate × momentum.",
        )
    )
    s.texts.append(("lr_find", found.summary() + f"\nheld-out accuracy after training with it: {acc:.3f}"))
    s.texts.append(("st.sweep", result.summary()))
    s.code = (
        'found = st.lr_find(net, X_tr, y_tr, loss="cross_entropy", optimizer="adam", batch_size=64)\n'
        "found.suggestion, found.interval, found.spread; found.plot()\n"
        'result = st.sweep(train, {"lr": [0.05, 0.5, 2], "momentum": [0, 0.9]}, executor="processes")\n'
        "# or: steepest lr-find digits --batch-size 64;  steepest sweep xor --lr 0.1,1 --momentum 0,0.9"
    )
    return s
