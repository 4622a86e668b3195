"""`steepest demo`: every worked example of the seeds, reproduced end to end with steepest.

Each example is one function below: it computes what the seed computes by hand, checks the
numbers against the seed's, draws the figures, and returns a Section of the HTML page. The page
(index.html) and its figures land in one folder; the page has no scripts and loads nothing from
the network, so it can be opened straight from the disk or copied anywhere with its folder.

    python -m steepest demo --out steepest-demo     # or: make demo
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import steepest as st
from steepest.demo_page import write_page
from steepest.demo_tuning import choosing_lr, step_sizes

__all__ = ["run_demo", "Section", "EXAMPLES"]


@dataclass
class Section:
    """One worked example on the page."""

    key: str
    title: str
    intro: str = ""  # HTML
    checks: list[tuple[str, str, str, bool]] = field(default_factory=list)  # what, the seed, steepest, agree
    figures: list[tuple[str, str]] = field(default_factory=list)  # file (relative), caption
    texts: list[tuple[str, str]] = field(default_factory=list)  # heading, preformatted text
    code: str = ""
    error: str | None = None

    def check(self, what: str, seed: Any, got: Any, tol: float = 5e-3) -> None:
        """Compare a number (or numbers) steepest computed with the one the seed gives."""
        a, b = np.asarray(seed, dtype=float), np.asarray(got, dtype=float)
        agree = a.shape == b.shape and bool(np.allclose(a, b, atol=tol, rtol=0))
        self.checks.append((what, _num(seed), _num(got), agree))


class Context:
    """Where the figures go, and the small helpers every example uses."""

    def __init__(self, out: Path, quick: bool, log: Callable[[str], None]):
        self.out, self.quick, self.log = out, quick, log
        self.figdir = out / "figures"
        self.figdir.mkdir(parents=True, exist_ok=True)
        self.has_dot = shutil.which("dot") is not None

    def figure(self, fig: Any, name: str) -> str:
        from steepest.viz import save
        from steepest.viz._mpl import plt

        save(fig, self.figdir / f"{name}.png", dpi=90 if self.quick else 110)
        plt().close(fig)
        return f"figures/{name}.png"

    def graph(self, output: st.Tensor, name: str) -> str:
        """The computational graph as SVG (Graphviz), or its DOT source when `dot` is missing."""
        from steepest.viz import draw_graph

        target = self.figdir / f"{name}.{'svg' if self.has_dot else 'dot'}"
        draw_graph(output, target)
        return f"figures/{target.name}"


def _num(v: Any) -> str:
    a = np.asarray(v, dtype=float)
    items = [f"{x:.4f}".rstrip("0").rstrip(".") if abs(x) < 1e5 else f"{x:.3g}" for x in a.reshape(-1)]
    items = ["0" if s == "-0" else s for s in items]
    return items[0] if a.ndim == 0 else "(" + ", ".join(items) + ")"


def _named(**values: float) -> list[st.Tensor]:
    return [st.tensor(v, requires_grad=True, name=k) for k, v in values.items()]


def _name(t: st.Tensor, name: str) -> st.Tensor:
    t.name = name
    return t


# --- 1. descent on f(x) = x^2 + 5 sin x --------------------------------------------------------------
SEED_F = "x**2 + 5*sin(x)"


def descent_1d(ctx: Context) -> Section:
    import steepest.viz as sv

    s = Section("descent", "Gradient descent on f(x) = x² + 5 sin x, from x₀ = −5 and x₀ = 5")
    s.intro = ("The update x<sub>t+1</sub> = x<sub>t</sub> − η f′(x<sub>t</sub>) with η = 0.1, stopping "
               "when |f′(x)| &lt; 10⁻³. f′(x) = 2x + 5 cos x comes from the engine, not from a formula "
               "typed by hand. Both starts find the same minimum, at different speeds; each dashed line is "
               "the tangent at an iterate, with slope f′(x<sub>t</sub>): steep far away, flat at the "
               "bottom.")
    f = st.parse(SEED_F)
    runs = {x0: st.minimize(f, x0, method="gd", lr=0.1, tol=1e-3, max_iter=100) for x0 in (-5.0, 5.0)}
    for x0, r in runs.items():
        s.check(f"x* from x₀ = {x0:g}", -1.1106, r.x)
        s.check(f"f′(x*) from x₀ = {x0:g} (below 10⁻³)", 0.0, st.grad(f)(float(r.x)), tol=1e-3)
    s.check("f′(x) = 2x + 5 cos x at x = 5", 2 * 5 + 5 * math.cos(5), st.grad(f)(5.0), tol=1e-9)
    labels = [f"x₀ = {x0:g}" for x0 in runs]
    fig = sv.plot_descent_1d(f, list(runs.values()), labels=labels, ylabel="f(x) = x² + 5 sin x")
    s.figures.append((ctx.figure(fig, "descent_1d"), "The numbered iterates and their tangents."))
    s.texts.append(("Why each run stopped", "\n".join(f"x₀ = {x0:g}: {r.reason}" for x0, r in runs.items())))
    s.code = ('f = st.parse("x**2 + 5*sin(x)")\n'
              'res = st.minimize(f, -5.0, method="gd", lr=0.1, tol=1e-3)\n'
              'print(res.x, res.n_iter, res.reason)\nsv.plot_descent_1d(f, res)')
    return s


def learning_rates(ctx: Context) -> Section:
    import steepest.viz as sv

    s = Section("lr", "Learning rates: too small, about right, too large")
    s.intro = ("The same descent from x₀ = 5 with η = 0.01, 0.1 and 0.5. Too small crawls and runs out of "
               "iterations; too large overshoots the minimum, where f″(x*) ≈ 6.5 makes each step multiply "
               "the distance to x* by about |1 − 6.5 η| = 2.2: the iterates bounce from wall to wall.")
    f = st.parse(SEED_F)
    rates = (0.01, 0.1, 0.5)
    runs = [st.minimize(f, 5.0, method="gd", lr=lr, tol=1e-3, max_iter=40) for lr in rates]
    s.check("η = 0.1 converges to x*", -1.1106, runs[1].x)
    s.check("η = 0.01 has not converged in 40 steps", 0.0, float(runs[0].converged), tol=0)
    s.check("η = 0.5 has not converged in 40 steps", 0.0, float(runs[2].converged), tol=0)
    labels = [f"η = {lr:g}" for lr in rates]
    fig = sv.plot_descent_1d(f, runs, labels=labels, xlim=(-6.5, 6.5))
    s.figures.append((ctx.figure(fig, "learning_rates"), "The same start, three step sizes."))
    reasons = [f"η = {lr:g}: {r.reason}" for lr, r in zip(rates, runs, strict=True)]
    s.texts.append(("Why each run stopped", "\n".join(reasons)))
    s.code = ('for lr in (0.01, 0.1, 0.5):\n'
              '    res = st.minimize(f, 5.0, method="gd", lr=lr, tol=1e-3, max_iter=40)')
    return s


# --- 2. the gradient of 9 x1^2 + x2^2: directional derivative, level sets ----------------------------
def directional(ctx: Context) -> Section:
    import steepest.viz as sv

    s = Section("gradient", "The gradient of Φ(x₁, x₂) = 9x₁² + x₂²: direction, rate, level sets")
    s.intro = ("At x = (1, 2) the gradient is ∇Φ = (18x₁, 2x₂) = (18, 4). The rate of change along the "
               "unit vector u = (√3/2, 1/2) is the directional derivative D<sub>u</sub>Φ = ∇Φ · u = 9√3 + "
               "2. The fastest decrease is along −∇Φ(1, 2) = −(18, 4) (the seed's “−(18, 2)” drops the 4), "
               "and −∇Φ crosses each level set, an ellipse 9x₁² + x₂² = C, at a right angle. Plain descent "
               "with η = 0.1 zigzags: across the narrow x₁ direction each step overshoots.")
    phi = st.parse("9*x1**2 + x2**2")
    x, u = np.array([1.0, 2.0]), np.array([math.sqrt(3) / 2, 0.5])
    g = st.grad(phi)(x)
    s.check("∇Φ(1, 2)", [18.0, 4.0], g)
    s.check("D_uΦ(1, 2) = 9√3 + 2", 9 * math.sqrt(3) + 2, st.directional_derivative(phi, x, u), tol=1e-9)
    s.check("∇Φ · tangent of the level set (perpendicular)", 0.0, g @ np.array([-g[1], g[0]]), tol=1e-9)
    res = st.minimize(phi, x, method="gd", lr=0.1, tol=1e-3, max_iter=200)
    fig = sv.plot_contour(phi, res, labels=[f"gd η = 0.1 ({res.n_iter} steps)"], xlim=(-2.2, 2.2),
                          ylim=(-2.6, 2.6), title="level sets of Φ = 9x₁² + x₂²; −∇Φ (white) crosses them "
                                                 "at right angles",
                          xlabel="x₁", ylabel="x₂", zlabel="Φ(x₁, x₂)")
    ax = fig.axes[0]
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    for vec, color, text in ((g / np.linalg.norm(g), "#ffd92f", "∇Φ"), (u, "#ff7fbf", "u")):
        ax.annotate("", xy=(1 + 0.6 * vec[0], 2 + 0.6 * vec[1]), xytext=(1, 2), zorder=7,
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 2.4, "mutation_scale": 16})
        ax.annotate(text, (1 + 0.6 * vec[0], 2 + 0.6 * vec[1]), xytext=(4, -4 if text == "∇Φ" else 2),
                    textcoords="offset points", color=color, fontsize=12, weight="bold", zorder=8)
    s.figures.append((ctx.figure(fig, "gradient_level_sets"),
                      "Level sets of Φ, the descent path and −∇Φ (white) at the first iterates; "
                      "at (1, 2) the gradient direction (yellow) and u (pink)."))
    if not ctx.quick:
        fig = sv.plot_surface(phi, res, xlim=(-2.2, 2.2), ylim=(-2.6, 2.6), title="the surface z = Φ(x₁, x₂)",
                              xlabel="x₁", ylabel="x₂", zlabel="Φ")
        s.figures.append((ctx.figure(fig, "gradient_surface"), "The same descent on the surface."))
    s.code = ('phi = st.parse("9*x1**2 + x2**2")\n'
              'st.grad(phi)([1.0, 2.0])                                  # [18, 4]\n'
              'st.directional_derivative(phi, [1.0, 2.0], [3**0.5/2, 0.5])  # 9*sqrt(3) + 2')
    return s


# --- 3. slopes and partial derivatives, and three steps on xy -----------------------------------------
def partials(ctx: Context) -> Section:
    s = Section("partials", "Slopes and partial derivatives")
    s.intro = ("The slope of f(x) = 2x² at x = 1 is f′(1) = 4. For f(x, y) = xy at (4, −3): ∂f/∂x = y = "
               "−3, ∂f/∂y = x = 4, so nudging x by h changes f by about −3h. For f(x, y) = x + y both "
               "partials are 1 everywhere. For f(x, y) = 2x² + y² at (0.5, 0.5), where f = 0.75, the "
               "change Δz ≈ (∂f/∂x) Δx + (∂f/∂y) Δy = 4(0.5)(0.1) + 2(0.5)(0.1) = 0.3 predicts 1.05 at "
               "(0.6, 0.6); the true value is 1.08, and the gap shrinks like Δ².")
    s.check("f(x) = 2x²: f′(1)", 4.0, st.grad(st.parse("2*x**2"))(1.0))
    s.check("f = xy at (4, −3)", -12.0, st.parse("x*y")(4.0, -3.0))
    s.check("∇(xy) at (4, −3)", [-3.0, 4.0], st.grad(st.parse("x*y"))(np.array([4.0, -3.0])))
    s.check("∇(x + y) at (4, −3)", [1.0, 1.0], st.grad(st.parse("x + y"))(np.array([4.0, -3.0])))
    f = st.parse("2*x**2 + y**2")
    p, dp = np.array([0.5, 0.5]), np.array([0.1, 0.1])
    g = st.grad(f)(p)
    s.check("∇(2x² + y²) at (0.5, 0.5)", [2.0, 1.0], g)
    s.check("Δz ≈ ∇f · Δ", 0.3, g @ dp)
    s.check("z + Δz", 1.05, f(*p) + g @ dp)
    s.check("f(0.6, 0.6), the true value", 1.08, f(*(p + dp)))
    s.code = ('f = st.parse("2*x**2 + y**2")\ng = st.grad(f)([0.5, 0.5])          # [2, 1]\n'
              'f(0.5, 0.5) + g @ [0.1, 0.1]              # 1.05, against f(0.6, 0.6) = 1.08')
    return s


def xy_steps(ctx: Context) -> Section:
    import steepest.viz as sv

    s = Section("xy", "Three steps along the gradient of f(x, y) = xy, from (4, −3)")
    s.intro = ("The seed takes steps of h = 0.2 <em>along</em> the gradient, x ← x + h ∇f(x), to make f "
               "larger (gradient ascent): f goes −12 → −7.48 → −4.4992 → −2.4648. Descent would be the "
               "same with the sign flipped. On the map the level sets of xy are hyperbolas, and each step "
               "crosses them at a right angle.")
    f = st.parse("x*y")
    df = st.grad(f)
    path = [np.array([4.0, -3.0])]
    for _ in range(3):
        path.append(path[-1] + 0.2 * df(path[-1]))  # ascent: + h grad f
    path = np.array(path)
    for t, want in enumerate(([3.4, -2.2], [2.96, -1.52], [2.656, -0.928]), start=1):
        s.check(f"(x, y) after step {t}", want, path[t], tol=1e-9)
    for t, want in enumerate((-12.0, -7.48, -4.49), start=0):  # the seed rounds -4.4992 to -4.49
        s.check(f"f after {t} step{'s' if t != 1 else ''}", want, f(*path[t]), tol=1e-2)
    fig = sv.plot_contour(f, path, labels=["x ← x + 0.2 ∇f(x)"], gradient_arrows=False, xlim=(-1, 5),
                          ylim=(-4, 1), title="gradient ascent on f = xy: each step crosses the level sets",
                          zlabel="f(x, y) = xy")
    ax = fig.axes[0]
    for t, p in enumerate(path):  # dark on a white box: readable on every colour of the map
        ax.annotate(f"t = {t}: f = {_num(f(*p))}", (p[0], p[1]), xytext=(-10, -4), textcoords="offset points",
                    ha="right", color="#1d2330", fontsize=9, weight="bold", zorder=7,
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none",
                          "alpha": 0.85})
    s.figures.append((ctx.figure(fig, "xy_steps"), "Level sets of xy and the three steps from (4, −3)."))
    steps = [f"t = {t}: (x, y) = {_num(p)}, f = {_num(f(*p))}, ∇f = {_num(df(p))}"
             for t, p in enumerate(path)]
    s.texts.append(("The steps", "\n".join(steps)))
    s.code = 'f = st.parse("x*y"); df = st.grad(f)\nx = np.array([4.0, -3.0])\nfor _ in range(3):\n' \
             '    x = x + 0.2 * df(x)'
    return s


# --- 4. backpropagation by hand: the (x + y) z circuit and the two neurons -----------------------------
def circuit(ctx: Context) -> Section:
    s = Section("circuit", "Backpropagation through f(x, y, z) = (x + y) z")
    s.intro = ("With x = −2, y = 5, z = −4: the add gate computes q = 3, the multiply gate f = qz = −12. "
               "Backward, ∂f/∂q = z = −4 and ∂f/∂z = q = 3; the add gate's local gradients are 1, so the "
               "chain rule hands −4 × 1 = −4 to both x and y. Each box of the graph shows the value of the "
               "forward pass and the gradient of f with respect to it.")
    x, y, z = _named(x=-2.0, y=5.0, z=-4.0)
    q = _name(x + y, "q")
    f = _name(q * z, "f")
    grads = st.gradients(f, [x, y, z, q])
    s.check("f", -12.0, f.item())
    s.check("q = x + y", 3.0, q.item())
    s.check("(∂f/∂x, ∂f/∂y, ∂f/∂z)", [-4.0, -4.0, 3.0], [float(g) for g in grads[:3]])
    s.check("∂f/∂q", -4.0, float(grads[3]))
    s.figures.append((ctx.graph(f, "circuit_graph"), "The computational graph, values and gradients."))
    s.texts.append(("st.explain(f): the chain rule, step by step", st.explain(f)))
    s.code = ('x = st.tensor(-2.0, requires_grad=True, name="x")   # and y = 5, z = -4 alike\n'
              'q = x + y; q.name = "q"\nf = q * z\nf.backward()      # x.grad = -4, y.grad = -4, z.grad = 3\n'
              'print(st.explain(f)); st.draw_graph(f, "circuit.svg")')
    return s


def _neuron(activation: str) -> tuple[st.Tensor, dict[str, st.Tensor]]:
    """The seed's neuron: s = w x, z = s + b, a = act(z), e = y − a, J = e², with x = 5, y = 4, w = b = 1."""
    w, b = _named(w=1.0, b=1.0)
    x = st.tensor(5.0, name="x")
    y = st.tensor(4.0, name="y")
    s_ = _name(w * x, "s")
    z = _name(s_ + b, "z")
    a = _name(st.maximum(0.0, z) if activation == "relu" else st.sigmoid(z), "a")
    e = _name(y - a, "e")
    J = _name(e**2, "J")
    return J, {"w": w, "b": b, "z": z, "a": a, "e": e}


def relu_neuron(ctx: Context) -> Section:
    s = Section("relu", "A ReLU neuron, one step of gradient descent")
    s.intro = ("The seed's neuron: s = wx, z = s + b, a = max(0, z), e = y − a, J = e², with x = 5, y = 4 "
               "and w = b = 1. Forward: z = 6, a = 6, e = −2, J = 4. Backward, the chain rule multiplies "
               "the local derivatives: ∂J/∂w = 2e · (−1) · [z &gt; 0] · 1 · x = 20 and ∂J/∂b = 2e · (−1) · "
               "1 = 4. One step with α = 0.01 gives w = 1 − 0.01 · 20 = 0.8 and b = 1 − 0.01 · 4 = 0.96, "
               "and the loss drops.")
    J, t = _neuron("relu")
    gw, gb = (float(g) for g in st.gradients(J, [t["w"], t["b"]]))
    s.check("(z, a, e, J)", [6.0, 6.0, -2.0, 4.0], [t[k].item() for k in "zae"] + [J.item()])
    s.check("(∂J/∂w, ∂J/∂b)", [20.0, 4.0], [gw, gb])
    w1, b1 = 1.0 - 0.01 * gw, 1.0 - 0.01 * gb
    s.check("(w, b) after one step, α = 0.01", [0.8, 0.96], [w1, b1])
    loss = st.parse("(y - max(0, w*x + b))**2")
    s.check("J after the step (down from 4)", (4 - (0.8 * 5 + 0.96)) ** 2, loss(b1, w1, 5.0, 4.0), 1e-9)
    s.figures.append((ctx.graph(J, "relu_graph"), "The graph: x and y are data (grey), w and b learn."))
    s.texts.append(("st.explain(J)", st.explain(J)))
    s.code = ('w = st.tensor(1.0, requires_grad=True, name="w")\n'
              'b = st.tensor(1.0, requires_grad=True, name="b")\n'
              'J = (4.0 - st.maximum(0.0, w * 5.0 + b)) ** 2\n'
              'J.backward()                 # w.grad = 20, b.grad = 4\n'
              'w.data -= 0.01 * w.grad.data; b.data -= 0.01 * b.grad.data   # 0.8, 0.96\n'
              '# or from the shell: steepest grad "(y - max(0, w*x + b))**2" --at b=1,w=1,x=5,y=4 --explain')
    return s


def sigmoid_neuron(ctx: Context) -> Section:
    s = Section("sigmoid", "The same neuron with a sigmoid: a(1 − a) in the chain")
    s.intro = ("With a = σ(z) the seed's chain becomes ∂J/∂w = 2e · (−1) · a(1 − a) · 1 · x. At z = 6 the "
               "sigmoid is saturated: a = 0.9975, so a(1 − a) = 0.0025 and the gradient is about 270 times "
               "smaller than the ReLU neuron's, although the error is larger. This is the vanishing "
               "gradient of a saturated sigmoid.")
    J, t = _neuron("sigmoid")
    gw, gb = (float(g) for g in st.gradients(J, [t["w"], t["b"]]))
    a = 1 / (1 + math.exp(-6.0))
    e = 4.0 - a
    s.check("a = σ(6)", a, t["a"].item(), 1e-9)
    s.check("J = (y − a)²", e**2, J.item(), 1e-9)
    s.check("∂J/∂w = 2e(−1)a(1−a)x", 2 * e * -1 * a * (1 - a) * 5, gw, 1e-9)
    s.check("∂J/∂b = 2e(−1)a(1−a)", 2 * e * -1 * a * (1 - a), gb, 1e-9)
    s.figures.append((ctx.graph(J, "sigmoid_graph"), "The sigmoid neuron's graph."))
    s.texts.append(("st.explain(J)", st.explain(J)))
    s.code = "J = (4.0 - st.sigmoid(w * 5.0 + b)) ** 2\nJ.backward()"
    return s


# --- 5. linear regression -------------------------------------------------------------------------------
def linear_regression(ctx: Context) -> Section:
    from steepest.viz._mpl import plt, readable

    s = Section("regression", "Linear regression: J(w, b) = (1/n) Σ (yᵢ − (w xᵢ + b))²")
    s.intro = ("Twenty noisy points around y = 3x + 1. The seed's gradient, ∂J/∂w = −(2/n) Σ xᵢ(yᵢ − ŷᵢ) "
               "and ∂J/∂b = −(2/n) Σ (yᵢ − ŷᵢ), is what the engine returns; descent with α = 0.1 walks "
               "down the bowl of J to the least-squares line, and each step lowers J, as ΔJ = −α‖∇J‖² "
               "promises.")
    rng = np.random.default_rng(0)
    xs = rng.uniform(0, 2, 20)
    ys = 3 * xs + 1 + rng.normal(0, 0.3, 20)

    def J(w: Any, b: Any) -> Any:
        if isinstance(w, np.ndarray) and w.ndim:  # a grid of (w, b) for the contour map
            return ((ys - (w[..., None] * xs + b[..., None])) ** 2).mean(axis=-1)
        return st.mean((ys - (w * xs + b)) ** 2)

    w0, b0 = 0.0, 0.0
    by_hand = [-2 * np.mean(xs * (ys - (w0 * xs + b0))), -2 * np.mean(ys - (w0 * xs + b0))]
    s.check("∇J(0, 0): engine against the seed's formula", by_hand, st.grad(J, argnums=(0, 1))(w0, b0), 1e-9)
    res = st.minimize(lambda p: J(p[0], p[1]), np.array([w0, b0]), method="gd", lr=0.1, tol=1e-4,
                      max_iter=2000)
    exact = np.polyfit(xs, ys, 1)
    s.check("(w, b) against least squares", exact, res.x, 1e-3)
    s.check("J never goes up (max ΔJ ≤ 0)", 0.0, max(0.0, float(np.max(np.diff(res.values)))), 1e-12)
    fig, (ax1, ax2, ax3) = plt().subplots(1, 3, figsize=(13, 4.4), gridspec_kw={"width_ratios": [1.2, 1, 1]})
    from steepest.viz.descent import draw_contour

    draw_contour(ax1, J, [np.asarray(res.path)], [f"gd α = 0.1 ({res.n_iter} steps)"], (-0.5, 4.0),
                 (-1.0, 2.5), True, 25, 120, xlabel="w", ylabel="b")
    ax1.set_title("J(w, b) and the descent path", fontsize=10)
    ax2.scatter(xs, ys, color="#1f4e79", s=22, label="data", zorder=3)
    grid = np.linspace(0, 2, 50)
    for t, shade in ((0, "#c8c8c8"), (3, "#9e9e9e"), (10, "#6e6e6e")):
        wt, bt = res.path[min(t, len(res.path) - 1)]
        ax2.plot(grid, wt * grid + bt, color=shade, lw=1.2, ls="--", label=f"after {t} steps")
    ax2.plot(grid, res.x[0] * grid + res.x[1], color="#d62728", lw=2,
             label=f"ŷ = {res.x[0]:.2f} x + {res.x[1]:.2f} ({res.n_iter} steps)")
    ax2.legend(loc="lower right", fontsize=8)  # the data rise to the upper right
    ax2.set_xlabel("x")
    ax2.set_ylabel("y")
    ax2.set_title("the line after 0, 3, 10 steps and at the end", fontsize=10)
    ax2.grid(alpha=0.3)
    ax3.semilogy(np.arange(len(res.values)), res.values, color="#1f4e79", lw=1.8)
    ax3.set_xlabel("step t")
    ax3.set_ylabel("J(w_t, b_t)")
    ax3.set_title("J goes down at every step", fontsize=10)
    ax3.grid(alpha=0.3, which="both")
    readable(fig)  # shown page-wide: no text smaller than 8 pt
    fig.tight_layout()
    s.figures.append((ctx.figure(fig, "linear_regression"), "Descent in (w, b), the line, J per step."))
    s.code = ('J = lambda w, b: st.mean((ys - (w * xs + b)) ** 2)\n'
              'res = st.minimize(lambda p: J(p[0], p[1]), [0.0, 0.0], method="gd", lr=0.1)')
    return s


# --- 6. OR and XOR learned by gradient descent ---------------------------------------------------------
def or_xor(ctx: Context) -> Section:
    import steepest.viz as sv
    from steepest.viz._mpl import plt, readable

    s = Section("orxor", "OR and XOR, learned by gradient descent")
    s.intro = ("The seeds' earlier examples set the weights of OR and XOR networks by hand; here gradient "
               "descent finds them. One sigmoid neuron learns OR, a linearly separable function. No single "
               "line separates XOR, so one neuron cannot learn it; an MLP with a hidden layer of four tanh "
               "units can.")
    epochs = 600 if ctx.quick else 2000
    cases = [("OR, one neuron", st.data.or_(), [2, 1]), ("XOR, one neuron", st.data.xor(), [2, 1]),
             ("XOR, MLP 2-4-1", st.data.xor(), [2, 4, 1])]
    fig, axes = plt().subplots(2, 3, figsize=(13, 8.4), gridspec_kw={"height_ratios": [1.25, 1]})
    for k, (label, (X, y), sizes) in enumerate(cases):
        model = st.nn.MLP(sizes, activation="tanh", output_activation="sigmoid", seed=1)
        hist = st.fit(model, X, y, loss="bce", optimizer="momentum", lr=0.5, epochs=epochs, progress=False)
        acc = hist.accuracy[-1]
        ax = axes[0][k]
        sv.plot_decision_boundary(model, X, y, ax=ax, title=f"{label}: accuracy {100 * acc:.0f}%")
        if sizes == [2, 1] and label.startswith("XOR"):  # the best one neuron can do: 0.5 everywhere
            s.check(f"{label}: loss stuck at ln 2 (output 0.5 everywhere)", math.log(2), hist.loss[-1], 1e-3)
            ax.text(0.5, 0.5, "output ≈ 0.5 everywhere:\nno line separates XOR", transform=ax.transAxes,
                    ha="center", va="center", fontsize=12, bbox={"facecolor": "white", "alpha": 0.85})
        else:
            s.check(f"{label}: training accuracy", 1.0, acc, tol=0)
        sv.plot_loss(hist, ax=axes[1][k], title=f"{label}: loss", log=True)  # one scale for the three
    readable(fig)
    fig.tight_layout()
    s.figures.append((ctx.figure(fig, "or_xor"), "Decision boundaries (top), loss per epoch (bottom)."))
    s.code = ('X, y = st.data.xor()\n'
              'model = st.nn.MLP([2, 4, 1], activation="tanh", output_activation="sigmoid")\n'
              'hist = st.fit(model, X, y, loss="bce", optimizer="momentum", lr=0.5, epochs=2000)\n'
              '# or: steepest train xor --hidden 4 --epochs 2000 --plot xor.png')
    return s


# --- 7. momentum against plain descent -------------------------------------------------------------------
def momentum(ctx: Context) -> Section:
    import steepest.viz as sv

    s = Section("momentum", "Momentum against plain gradient descent")
    s.intro = ("Momentum keeps a running average of past gradients and steps along it. On a long narrow "
               "valley (left) the zigzag across the valley cancels out while the steps along it add up, so "
               "it arrives in far fewer iterations. On f(x) = x² + 10 sin x from x₀ = 6 (below), plain "
               "descent settles in the nearest local minimum; with momentum the ball rolls over the hump "
               "into the deeper one.")
    valley = st.parse("x**2 + 10*y**2")
    start = np.array([-4.0, 1.0])
    runs = {"gd": st.minimize(valley, start, method="gd", lr=0.02, tol=1e-3, max_iter=500)}
    for m in ("momentum", "nesterov"):
        runs[m] = st.minimize(valley, start, method=m, lr=0.02, momentum=0.7, tol=1e-3, max_iter=500)
    runs["adam"] = st.minimize(valley, start, method="adam", lr=0.3, tol=1e-3, max_iter=500)
    fewer = float(runs["momentum"].n_iter < runs["gd"].n_iter)
    s.check("momentum needs fewer iterations than gd (1 = yes)", 1.0, fewer, 0)
    fig = sv.plot_race(valley, runs, xlim=(-4.5, 1.5), ylim=(-1.5, 1.5))
    s.figures.append((ctx.figure(fig, "momentum_race"), "Four optimizers from one start on x² + 10y²."))
    bumpy = st.parse("x**2 + 10*sin(x)")
    gd = st.minimize(bumpy, 6.0, method="gd", lr=0.02, tol=1e-3, max_iter=300)
    mom = st.minimize(bumpy, 6.0, method="momentum", lr=0.02, momentum=0.9, tol=1e-3, max_iter=300)
    s.check("gd stops in the local minimum near x = 3.8", 3.837, gd.x, 0.01)
    s.check("momentum reaches the global minimum near x = −1.31", -1.306, mom.x, 0.01)
    fig = sv.plot_descent_1d(bumpy, [gd, mom], labels=["gd", "momentum 0.9"], xlim=(-5, 7), tangents=False)
    s.figures.append((ctx.figure(fig, "momentum_local_min"), "Plain descent stops in a local minimum; "
                                                              "momentum carries on to the global one."))
    if not ctx.quick:
        from steepest.viz import animate_descent

        animate_descent(valley, runs["momentum"], ctx.figdir / "momentum.gif", progress=False, max_frames=60)
        s.figures.append(("figures/momentum.gif", "Momentum on the valley, one frame per iteration."))
    s.code = ('runs = {"gd": st.minimize(valley, [-4.0, 1.0], method="gd", lr=0.02)}\n'
              'for m in ("momentum", "nesterov"):\n'
              '    runs[m] = st.minimize(valley, [-4.0, 1.0], method=m, lr=0.02, momentum=0.7)\n'
              'sv.plot_race(valley, runs)\n'
              '# or: steepest compare "x**2 + 10*y**2" --x0 -4,1 --lr 0.02 --momentum 0.7 --plot race.png')
    return s


EXAMPLES: list[Callable[[Context], Section]] = [
    descent_1d, learning_rates, directional, partials, xy_steps, circuit, relu_neuron, sigmoid_neuron,
    linear_regression, or_xor, momentum, step_sizes, choosing_lr,
]


def run_demo(out: str | Path = "steepest-demo", *, quick: bool = False,
             log: Callable[[str], None] = print) -> Path:
    """Run every example, write the figures and index.html under `out`, return the page's path.

    An example that fails is reported on the page and in the log; the others still run.
    Raises RuntimeError at the end if any example failed or any number disagreed with its seed.
    """
    from steepest.viz._mpl import plt

    plt()  # headless when there is no display, before any figure
    out = Path(out)
    ctx = Context(out, quick, log)
    start = time.perf_counter()
    sections = []
    for example in EXAMPLES:
        t0 = time.perf_counter()
        try:
            section = example(ctx)
        except Exception as err:  # noqa: BLE001 - one broken example must not hide the others
            section = Section(example.__name__, example.__name__.replace("_", " "),
                              error=f"{type(err).__name__}: {err}")
        sections.append(section)
        ok = sum(c[3] for c in section.checks)
        state = f"FAILED ({section.error})" if section.error else f"{ok}/{len(section.checks)} checks"
        log(f"  {section.title}: {state}, {time.perf_counter() - t0:.1f} s")
    page = write_page(out, sections, time.perf_counter() - start)
    n_ok = sum(c[3] for s in sections for c in s.checks)
    log(f"{n_ok} of {sum(len(s.checks) for s in sections)} checks pass; {len(sections)} examples; "
        f"figures in {ctx.figdir}")
    bad = [c[0] for s in sections for c in s.checks if not c[3]] + [s.title for s in sections if s.error]
    if bad:
        raise RuntimeError(f"the demo wrote {page}, but these disagree with the seeds or failed: "
                           f"{'; '.join(bad)}")
    return page.resolve()
