"""The `steepest` command: gradients, descents, races, training and the demo from the shell.

    steepest grad "(x+y)*z" --at x=-2,y=5,z=-4 --explain
    steepest minimize "x**2 + 5*sin(x)" --x0 -5 --lr 0.1 --plot descent.png
    steepest compare "x**2 + 10*y**2" --x0 -2,1 --methods gd,momentum,nesterov,adam --plot race.png
    steepest train xor --hidden 8 --epochs 2000 --plot xor.png
    steepest lr-find digits --batch-size 64 --plot lr.png
    steepest sweep xor --lr 0.1,0.5,2 --momentum 0,0.9 --executor processes --plot sweep.png
    steepest demo --out steepest-demo

Everything heavy (NumPy work, matplotlib, the optimizers, the networks) is imported inside the
command that needs it, so `steepest --help` answers at once. A formula that does not parse exits
with status 2 and a caret under the column; other bad input exits with status 1 and one line.
Ctrl-C prints what a command has so far (the iterations of a descent, the epochs of a training,
and the model that --save names) and exits with status 130.
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import click

__all__ = ["cli", "main"]

METHODS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
MINIMIZERS = (*METHODS, "lbfgs")  # minimize and compare also know L-BFGS (it is not an optimizer for fit)
STEP_NAMES = ("bb", "bb1", "bb2", "polyak")
DATASETS = ("or", "and", "xor", "linear", "moons", "circles", "spirals", "digits")
ACTIVATIONS = ("tanh", "relu", "sigmoid")
_ROWS = 12  # iterations shown at each end of a long table
INTERRUPTED = 130  # the exit status of a command stopped by Ctrl-C (128 + SIGINT), as shells use

_HELP = {"help_option_names": ["-h", "--help"]}
# an expression may start with "-": take an unknown "-x**2" as the argument, not as an option
_EXPR_COMMAND = {"ignore_unknown_options": True, **_HELP}


class Failure(click.ClickException):
    """A clear one-line (or caret-pointed) error with the exit status to leave with."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.exit_code = code

    def show(self, file: Any = None) -> None:
        click.echo(f"steepest: {self.format_message()}", err=True)


# what bad input raises, deep down: shown as one line, not a traceback
_USER_ERRORS = (ValueError, TypeError, LookupError, ArithmeticError, OSError, RuntimeError, ImportError)


def suffix(*allowed: str) -> Callable:
    """A click callback that refuses a file name with the wrong extension before any work is done."""
    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is not None and os.path.splitext(value)[1].lower().lstrip(".") not in allowed:
            endings = ", ".join(f".{a}" for a in allowed)
            raise click.BadParameter(f"{value!r}: the file must end in {endings}")
        return value

    return check


IMAGE = suffix("png", "svg", "pdf")


def friendly(command: Callable) -> Callable:
    """Turn the errors a person can cause into a message and an exit status, not a traceback.

    Set STEEPEST_DEBUG=1 to see the traceback anyway.
    """
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from steepest.expr import ExprError

        try:
            with warnings.catch_warnings():  # NumPy's overflow/invalid warnings: results say it (nan, reason)
                warnings.simplefilter("ignore", RuntimeWarning)
                return command(*args, **kwargs)
        except (Failure, click.ClickException, click.exceptions.Exit, BrokenPipeError):
            raise
        except KeyboardInterrupt:  # outside a descent or a training, which keep what they have
            raise Failure("interrupted", INTERRUPTED) from None
        except ExprError as err:
            raise Failure(f"bad expression, {err}\n{err.pointer()}", 2) from None
        except _USER_ERRORS as err:
            if os.environ.get("STEEPEST_DEBUG"):
                raise
            text = err.args[0] if isinstance(err, KeyError) and err.args else err  # KeyError quotes its text
            raise Failure(f"{type(err).__name__}: {text}") from None

    return run


# --- reading the command line ------------------------------------------------------------------
def expression(text: str, variables: str | None = None) -> Any:
    """The parsed formula (ExprError, exit 2, when it does not parse)."""
    from steepest.expr import parse

    names = [v.strip() for v in variables.split(",") if v.strip()] if variables else None
    f = parse(text, variables=names)
    if not f.variables:
        raise Failure(f"{text!r} has no variables: nothing to differentiate or minimize")
    return f


def point(spec: str | None, names: Sequence[str], option: str, default: float | None = None) -> list[float]:
    """Values of the variables from "1,2" (in order) or "x=1,y=2" (by name); `default` fills the rest."""
    if spec is None:
        if default is None:
            raise Failure(f"{option} is required: give a value for each of {', '.join(names)}, "
                          f"e.g. {option} {','.join(f'{v}=1' for v in names)}")
        return [default] * len(names)
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    try:
        if all("=" in p for p in parts):
            given = {k.strip(): float(v) for k, v in (p.split("=", 1) for p in parts)}
            unknown = sorted(set(given) - set(names))
            if unknown:
                raise Failure(f"{option}: {unknown[0]!r} is not a variable of the expression "
                              f"(variables: {', '.join(names) or 'none'})")
            missing = [v for v in names if v not in given and default is None]
            if missing:
                raise Failure(f"{option}: no value for {', '.join(missing)}")
            return [given.get(v, default) for v in names]
        values = [float(p) for p in parts]
    except ValueError:
        raise Failure(f"{option}: expected numbers like 1,2 or x=1,y=2, got {spec!r}") from None
    if len(values) != len(names):
        raise Failure(f"{option}: the expression has {len(names)} variable(s) ({', '.join(names)}), "
                      f"got {len(values)} value(s)")
    return values


def as_start(values: list[float]) -> Any:
    """A float for a function of one variable, an array for several."""
    import numpy as np

    return values[0] if len(values) == 1 else np.array(values, dtype=float)


def num(v: Any, digits: int = 6, brackets: str = "[]") -> str:
    """A number the way a person reads it: 3, -0.1966, 2.4e+12, [1.5, -2]."""
    import numpy as np

    a = np.asarray(getattr(v, "data", v), dtype=float)
    text = [str(int(x)) if x.is_integer() and abs(x) < 1e15 else f"{x:.{digits}g}"
            for x in a.reshape(-1).tolist()]
    return text[0] if a.ndim == 0 else brackets[0] + ", ".join(text) + brackets[1]


def _flat(v: Any) -> list[float]:
    import numpy as np

    return np.asarray(getattr(v, "data", v), dtype=float).reshape(-1).tolist()


def jsonable(v: Any) -> Any:
    """Plain JSON: arrays as lists, numbers as floats, inf and nan as null."""
    import numpy as np

    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [jsonable(x) for x in v]
    if hasattr(v, "data") and not isinstance(v, dict | bytes):
        v = v.data
    if isinstance(v, np.ndarray):
        return jsonable(v.tolist())
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v) if math.isfinite(v) else None
    return v


def emit_json(obj: dict) -> None:
    click.echo(json.dumps(jsonable(obj), indent=2))


def need(module: str, name: str, what: str) -> Any:
    """steepest.<module>.<name>, or a clear error saying that part of steepest is missing."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise Failure(f"{what} needs {module}.{name}, which this installation of steepest does not have "
                      "yet") from None


def write_figure(fig: Any, filename: str) -> None:
    from steepest.viz import save
    from steepest.viz._mpl import plt

    save(fig, filename)
    plt().close(fig)
    click.echo(f"wrote {filename}", err=True)


# --- the commands --------------------------------------------------------------------------------
@click.group(context_settings=_HELP)
@click.version_option(package_name="steepest", prog_name="steepest")
def cli() -> None:
    """steepest: gradients, gradient descent and backpropagation, seen from the shell.

    Formulas are Python syntax over numbers and variables with + - * / ** (not ^), sin cos tan exp
    log sqrt abs tanh sigmoid relu max min, pi and e; variables are taken alphabetically. Quote them.
    """


@cli.command(context_settings=_EXPR_COMMAND, short_help="Value and partial derivatives at a point.")
@click.argument("expr")
@click.option("--at", "at", metavar="POINT", help="Where: x=-2,y=5,z=-4 (or -2,5,-4 in variable order).")
@click.option("--vars", "variables", metavar="NAMES", help="Variable order, e.g. w,x,b (default: abc...).")
@click.option("--explain", is_flag=True, help="Print the forward and backward pass step by step.")
@click.option("--graph", metavar="FILE", callback=suffix("png", "svg", "pdf", "dot", "gv"),
              help="Draw the computational graph (.png .svg .pdf, or .dot).")
@click.option("--json", "as_json", is_flag=True, help='Print {"value": v, "grad": {"x": ..., ...}}.')
@friendly
def grad(expr: str, at: str | None, variables: str | None, explain: bool, graph: str | None,
         as_json: bool) -> None:
    """The value of EXPR and every partial derivative at a point, by backpropagation.

    \b
    steepest grad "(x+y)*z" --at x=-2,y=5,z=-4 --explain
    steepest grad "(y - max(0, w*x + b))**2" --at b=1,w=1,x=5,y=4 --graph neuron.svg
    """
    import steepest as st

    f = expression(expr, variables)
    values = point(at, f.variables, "--at")
    leaves = [st.tensor(v, requires_grad=True, name=n) for v, n in zip(values, f.variables, strict=True)]
    out = f(*leaves)
    out.name = "f"
    grads = st.gradients(out, leaves) if out.requires_grad else [0.0] * len(leaves)
    partials = {n: float(g) for n, g in zip(f.variables, grads, strict=True)}
    result = {"value": float(out.item()), "grad": partials}
    if graph:
        st.draw_graph(out, graph)
        click.echo(f"wrote {graph}", err=True)
    if as_json:
        emit_json(result)
        return
    if explain:
        click.echo(st.explain(out) + "\n")
    args = ", ".join(f.variables)
    click.echo(f"f({args}) = {f.text}")
    if values:
        click.echo("at " + ", ".join(f"{n} = {num(v)}" for n, v in zip(f.variables, values, strict=True)))
    width = max([len(f"df/d{n}") for n in f.variables] + [5])
    click.echo(f"{'value':<{width}}  {num(result['value'])}")
    for n, g in result["grad"].items():
        click.echo(f"{'df/d' + n:<{width}}  {num(g)}")
    if not all(math.isfinite(v) for v in (result["value"], *partials.values())):
        click.echo("note: not finite here: the point is outside a function's domain (log, sqrt) "
                   "or divides by 0")


def step_size(text: str) -> float | str:
    """--lr: a number, or the name of a step size that chooses itself."""
    if text.lower() in STEP_NAMES:
        return text.lower()
    try:
        return float(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is neither a number nor one of {', '.join(STEP_NAMES)}") from None


def optimizer_options(command: Callable) -> Callable:
    """--lr --momentum --tol --max-iter --line-search, shared by minimize and compare."""
    options = [
        click.option("--lr", type=step_size, metavar="LR", help="Learning rate (step size) eta, or a step "
                     f"that chooses itself: {', '.join(STEP_NAMES)}."),
        click.option("--momentum", type=float, help="Momentum coefficient (momentum, nesterov)."),
        click.option("--tol", type=float, help="Stop when the gradient norm is below this."),
        click.option("--max-iter", type=int, help="Stop after this many iterations."),
        click.option("--line-search", type=click.Choice(["armijo", "wolfe"]),
                     help="Backtracking (Armijo) or strong Wolfe steps."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def settings(lr: float | str | None, momentum: float | None, tol: float | None, max_iter: int | None,
             line_search: str | None, keep_path: str | None = None) -> dict:
    given = {"lr": lr, "momentum": momentum, "tol": tol, "max_iter": max_iter, "line_search": line_search,
             "keep_path": keep_spec(keep_path)}
    return {k: v for k, v in given.items() if v is not None}


def keep_spec(text: str | None) -> Any:
    """--keep-path: "auto", "all", "every:K" or "last:N", as minimize's keep_path."""
    if text is None or text in ("auto", "all"):
        return text
    kind, _, n = text.partition(":")
    if kind in ("every", "last") and n.isdigit() and int(n) >= 1:
        return kind, int(n)
    raise Failure(f"--keep-path: expected auto, all, every:K or last:N (K, N >= 1), got {text!r}")


def run_minimize(f: Any, x0: list[float], method: str, opts: dict) -> Any:
    minimize = need("steepest", "minimize", "steepest minimize")
    return minimize(f, as_start(x0), method=method, **opts)


def _rows(res: Any, f: Any) -> list[tuple[int, Any, float, float | None]]:
    """(t, x_t, f(x_t), |grad f(x_t)|) for every iterate of a Result."""
    import numpy as np

    path = np.asarray(res.path, dtype=float)
    values = [] if getattr(res, "values", None) is None else list(res.values)
    norms = [] if getattr(res, "grad_norms", None) is None else list(res.grad_norms)
    iters = getattr(res, "iters", None)
    iters = range(len(path)) if iters is None else [int(k) for k in iters]  # thinned paths skip some t
    rows = []
    for i, (t, x) in enumerate(zip(iters, path, strict=True)):
        fx = values[i] if i < len(values) else float(f(x) if np.ndim(x) == 0 else f(*np.atleast_1d(x)))
        rows.append((t, x, fx, norms[i] if i < len(norms) else None))
    return rows


def print_table(rows: list, names: Sequence[str], show_all: bool) -> None:
    x_head = names[0] if len(names) == 1 else "(" + ", ".join(names) + ")"
    table = [("t", x_head, "f", "|grad|")]
    hidden = 0 if show_all or len(rows) <= 2 * _ROWS + 1 else len(rows) - 2 * _ROWS
    shown = rows if not hidden else rows[:_ROWS] + [None] + rows[-_ROWS:]
    for r in shown:
        table.append(("...", f"({hidden} more; --all to list them)", "", "") if r is None else
                     (str(r[0]), num(r[1], brackets="()"), num(r[2]), "" if r[3] is None else f"{r[3]:.3e}"))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        click.echo("  ".join(cell.rjust(w) if i != 1 else cell.ljust(w)
                             for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())


def plot_result(f: Any, results: dict, filename: str, title: str) -> None:
    """1 variable: the curve with its iterates; 2: the contour map (a race when several); else f(x_t)."""
    import steepest.viz as sv

    first = next(iter(results.values()))
    dims = len(f.variables)
    if dims == 1:
        fig = sv.plot_descent_1d(f, list(results.values()), labels=list(results), title=title)
    elif dims == 2 and len(results) == 1:
        fig = sv.plot_contour(f, first, labels=list(results), title=title)
    elif dims == 2:
        fig = sv.plot_race(f, results, title=title)
    else:
        fig = sv.plot_loss({k: list(v.values) for k, v in results.items()}, title=f"{title}: f(x_t)")
        fig.axes[0].set_xlabel("iteration t")
        fig.axes[0].set_ylabel("f(x_t)")
    write_figure(fig, filename)


@cli.command(context_settings=_EXPR_COMMAND, short_help="Gradient descent on a formula, step by step.")
@click.argument("expr")
@click.option("--x0", metavar="POINT", help="Start: 1,2 or x=1,y=2 (default 1 for each variable).")
@click.option("--vars", "variables", metavar="NAMES", help="Variable order (default: alphabetical).")
@click.option("--method", type=click.Choice(MINIMIZERS), default="gd", show_default=True)
@optimizer_options
@click.option("--plot", metavar="FILE", callback=IMAGE, help="Draw the descent (.png .svg .pdf).")
@click.option("--animate", metavar="FILE.gif", callback=suffix("gif"), help="Write the descent as a GIF.")
@click.option("--all", "show_all", is_flag=True, help="List every iteration, not the first and last few.")
@click.option("--keep-path", metavar="WHICH", help="Iterates kept: auto (default: all, thinned past 10,000), "
              "all, every:K or last:N.")
@click.option("--json", "as_json", is_flag=True, help="Print {x, fun, n_iter, converged, reason, path}.")
@friendly
def minimize(expr: str, x0: str | None, variables: str | None, method: str, lr: float | str | None,
             momentum: float | None, tol: float | None, max_iter: int | None, line_search: str | None,
             plot: str | None, animate: str | None, show_all: bool, keep_path: str | None,
             as_json: bool) -> None:
    """Minimize EXPR by gradient descent; print each iteration and why it stopped.

    \b
    steepest minimize "x**2 + 5*sin(x)" --x0 -5 --lr 0.1 --plot descent.png
    steepest minimize "9*x1**2 + x2**2" --x0 1,2 --method momentum --lr 0.02
    """
    f = expression(expr, variables)
    start = point(x0, f.variables, "--x0", default=1.0)
    res = run_minimize(f, start, method, settings(lr, momentum, tol, max_iter, line_search, keep_path))
    if getattr(res, "interrupted", False):  # Ctrl-C: the table so far, no figures, status 130
        plot = animate = None
    if plot:
        plot_result(f, {method: res}, plot, f"{method} on {f.text}")
    if animate:
        if len(f.variables) > 2:
            raise Failure("--animate draws functions of one or two variables")
        from steepest.viz import animate_descent

        animate_descent(f, res, animate, progress=not as_json)
        click.echo(f"wrote {animate}", err=True)
    if as_json:
        emit_json({"variables": list(f.variables), "x": _flat(res.x), "fun": float(res.fun),
                   "n_iter": int(res.n_iter), "converged": bool(res.converged), "reason": str(res.reason),
                   "status": getattr(res, "status", ""), "path": [_flat(p) for p in res.path],
                   "iters": [int(k) for k in getattr(res, "iters", range(len(res.path)))]})
    else:
        click.echo(f"minimize f({', '.join(f.variables)}) = {f.text}   method {method}")
        print_table(_rows(res, f), f.variables, show_all)
        if len(res.path) != res.n_iter + 1:
            click.echo(f"(the path keeps {len(res.path)} of the {res.n_iter + 1} iterates; --keep-path all "
                       "keeps every one)")
        click.echo(f"{'converged' if res.converged else 'stopped'}: {res.reason}")
        click.echo(f"x = {num(res.x)}, f(x) = {num(res.fun)}")
    if getattr(res, "interrupted", False):
        raise click.exceptions.Exit(INTERRUPTED)


@cli.command(context_settings=_EXPR_COMMAND, short_help="Race optimizers on one formula.")
@click.argument("expr")
@click.option("--x0", metavar="POINT", help="Start for every method: 1,2 or x=1,y=2 (default 1 each).")
@click.option("--vars", "variables", metavar="NAMES", help="Variable order (default: alphabetical).")
@click.option("--methods", default="gd,momentum,nesterov,adam", show_default=True,
              help=f"Comma-separated, from: {', '.join(MINIMIZERS)}.")
@optimizer_options
@click.option("--plot", metavar="FILE", callback=IMAGE, help="Draw the race (.png .svg .pdf).")
@click.option("--json", "as_json", is_flag=True, help="Print x, fun, n_iter, converged, reason per method.")
@friendly
def compare(expr: str, x0: str | None, variables: str | None, methods: str, lr: float | str | None,
            momentum: float | None, tol: float | None, max_iter: int | None, line_search: str | None,
            plot: str | None, as_json: bool) -> None:
    """Race several optimizers on EXPR from one start; a table of the iterations each needed.

    \b
    steepest compare "x**2 + 10*y**2" --x0 -2,1 --methods gd,momentum,nesterov,adam --plot race.png
    """
    f = expression(expr, variables)
    start = point(x0, f.variables, "--x0", default=1.0)
    chosen = [m.strip() for m in methods.split(",") if m.strip()]
    bad = [m for m in chosen if m not in MINIMIZERS]
    if bad or not chosen:
        raise Failure(f"--methods: unknown method {bad[0]!r}; choose from {', '.join(MINIMIZERS)}" if bad
                      else "--methods: name at least one method")
    opts = settings(lr, momentum, tol, max_iter, line_search)
    results = {}
    for m in chosen:
        results[m] = run_minimize(f, start, m, opts)
        if getattr(results[m], "interrupted", False):  # Ctrl-C: the methods run so far, status 130
            plot = None
            break
    if plot:
        plot_result(f, results, plot, f"race on {f.text}")
    if as_json:
        emit_json({m: {"x": _flat(r.x), "fun": float(r.fun), "n_iter": int(r.n_iter),
                       "converged": bool(r.converged), "reason": str(r.reason)} for m, r in results.items()})
    else:
        print_race(f, start, results)
    if any(getattr(r, "interrupted", False) for r in results.values()):
        raise click.exceptions.Exit(INTERRUPTED)


def print_race(f: Any, start: list[float], results: dict) -> None:
    origin = num(as_start(start), brackets="()")
    click.echo(f"compare on f({', '.join(f.variables)}) = {f.text}, from {origin}")
    table = [("method", "iterations", "converged", "f(x)", "x")]
    table += [(m, str(r.n_iter), "yes" if r.converged else "no", num(r.fun), num(r.x))
              for m, r in results.items()]
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    for row in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    for m, r in results.items():
        click.echo(f"  {m}: {r.reason}")


@cli.command(context_settings=_HELP, short_help="Train a small network on a dataset.")
@click.argument("dataset")
@click.option("--target", metavar="COL", help="For a CSV file: the column to predict (default: the last).")
@click.option("--hidden", default="8", show_default=True, help="Hidden layer sizes, e.g. 8,8 (0: none).")
@click.option("--activation", default="tanh", show_default=True,
              type=click.Choice(["tanh", "relu", "sigmoid"]), help="Hidden-layer activation.")
@click.option("--optimizer", default="adam", show_default=True, type=click.Choice(METHODS))
@click.option("--lr", type=float, default=0.05, show_default=True, help="Learning rate.")
@click.option("--epochs", type=int, default=500, show_default=True)
@click.option("--batch-size", type=int, help="Minibatch size (default: the whole set).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the data and the weights.")
@click.option("--plot", metavar="FILE", callback=IMAGE,
              help="Draw the loss curve (and the decision boundary for 2-D data).")
@click.option("--save", "save_to", metavar="FILE", help="Save the trained model's parameters.")
@click.option("--json", "as_json", is_flag=True, help="Print {loss, accuracy, epochs}.")
@friendly
def train(dataset: str, target: str | None, hidden: str, activation: str, optimizer: str, lr: float,
          epochs: int, batch_size: int | None, seed: int, plot: str | None, save_to: str | None,
          as_json: bool) -> None:
    """Train a small network (an MLP) on DATASET: a built-in set or a CSV file.

    \b
    Built-in sets: or, and, xor, linear, moons, circles, spirals, digits.
    steepest train xor --hidden 8 --epochs 2000 --plot xor.png
    steepest train data.csv --target label --hidden 16,16 --epochs 300
    """
    X, y = load_dataset(dataset, target, seed)
    sizes = [int(h) for h in hidden.replace(" ", "").split(",") if h and int(h) > 0]
    model, loss = build_model(X, y, sizes, activation, seed)
    fit = need("steepest", "fit", "steepest train")
    hist = fit(model, X, y, loss=loss, optimizer=optimizer, lr=lr, epochs=epochs, batch_size=batch_size,
               seed=seed, progress=not as_json)
    interrupted = getattr(hist, "interrupted", False)
    if save_to:  # first: Ctrl-C in the figure below must not cost the model
        save_model(model, save_to)
    losses = [] if getattr(hist, "loss", None) is None else list(hist.loss)
    acc = [] if getattr(hist, "accuracy", None) is None else list(hist.accuracy)
    summary = {"loss": losses[-1] if losses else None, "accuracy": acc[-1] if acc else None,
               "epochs": len(losses), "stopped_reason": getattr(hist, "stopped_reason", None)}
    if plot and not interrupted:
        plot_training(model, X, y, hist, plot, f"{dataset}: MLP {'-'.join(map(str, sizes)) or 'linear'}")
    if as_json:
        emit_json(summary)
    else:
        print_training(X, y, sizes, dataset, loss, optimizer, lr, summary)
    if interrupted:
        raise click.exceptions.Exit(INTERRUPTED)


def print_training(X: Any, y: Any, sizes: list[int], dataset: str, loss: str, optimizer: str, lr: float,
                   summary: dict) -> None:
    click.echo(f"trained an MLP {[X.shape[1], *sizes, model_outputs(y)]} on {dataset} ({len(X)} examples, "
               f"loss {loss}, {optimizer} lr {lr})")
    click.echo(f"epochs {summary['epochs']}, final loss {num(summary['loss'])}"
               + (f", accuracy {100 * summary['accuracy']:.1f}%" if summary["accuracy"] is not None else ""))
    if summary["stopped_reason"]:
        click.echo(f"stopped: {summary['stopped_reason']}")


def load_dataset(name: str, target: str | None, seed: int) -> tuple[Any, Any]:
    """(X, y) from a built-in set (by name) or a CSV file (by path)."""
    import inspect

    import numpy as np

    data = need("steepest", "data", "steepest train")
    if name.lower().endswith(".csv") or os.path.sep in name or os.path.exists(name):
        if not os.path.exists(name):
            raise Failure(f"no such file: {name}")
        X, y = data.load_csv(name, target=target) if target else data.load_csv(name)
    else:
        key = name.lower().rstrip("_")
        if key not in DATASETS:
            raise Failure(f"unknown dataset {name!r}: use one of {', '.join(DATASETS)}, or a .csv file")
        if target:
            raise Failure("--target is for CSV files; the built-in sets know their target")
        make = getattr(data, key + "_" if key in ("or", "and") else key)
        takes_seed = "seed" in inspect.signature(make).parameters
        X, y = make(seed=seed) if takes_seed else make()
    return np.asarray(getattr(X, "data", X), dtype=float), np.asarray(getattr(y, "data", y))


def model_outputs(y: Any) -> int:
    """How many outputs the network needs: one per class for three or more classes, else one."""
    import numpy as np

    if y.ndim == 2:
        return y.shape[1]
    labels = np.unique(y)
    is_classes = np.all(labels == np.round(labels)) and len(labels) > 2 and len(labels) <= 100
    return len(labels) if is_classes else 1


def build_model(X: Any, y: Any, sizes: list[int], activation: str, seed: int) -> tuple[Any, str]:
    """An MLP shaped for the task and the loss that goes with it."""
    import numpy as np

    nn = need("steepest", "nn", "steepest train")
    n_out = model_outputs(y)
    binary = y.ndim == 1 and set(np.unique(y).tolist()) <= {0.0, 1.0}
    if n_out > 1:
        out_act, loss = None, "cross_entropy"  # softmax lives in the loss, on the logits
    elif binary:
        out_act, loss = "sigmoid", "bce"
    else:
        out_act, loss = None, "mse"
    model = nn.MLP([X.shape[1], *sizes, n_out], activation=activation, output_activation=out_act, seed=seed)
    return model, loss


def plot_training(model: Any, X: Any, y: Any, hist: Any, filename: str, title: str) -> None:
    import steepest.viz as sv
    from steepest.viz._mpl import plt

    two_d, one_d = X.shape[1] == 2 and y.ndim == 1, X.shape[1] == 1 and model_outputs(y) == 1
    fig, axes = plt().subplots(1, 2 if two_d or one_d else 1, figsize=(11.5 if two_d or one_d else 6.4, 4.6),
                               squeeze=False)
    sv.plot_loss(hist, ax=axes[0][0], title=f"{title}: loss")
    if two_d:
        sv.plot_decision_boundary(model, X, y, ax=axes[0][1])
    elif one_d:  # one input: the data and the function the network learned
        import numpy as np

        import steepest as st

        ax = axes[0][1]
        grid = np.linspace(X.min(), X.max(), 200).reshape(-1, 1)
        with st.no_grad():
            pred = np.asarray(model(grid).data).reshape(-1)
        ax.scatter(X[:, 0], y.reshape(-1), s=14, color="#1f4e79", label="data")
        ax.plot(grid[:, 0], pred, color="#d62728", lw=2, label="the network")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        ax.set_title("the data and the learned function", fontsize=10)
    fig.tight_layout()
    write_figure(fig, filename)


def save_model(model: Any, filename: str) -> None:
    nn = need("steepest", "nn", "steepest train --save")
    saver = getattr(nn, "save", None)
    if saver is not None:
        written = saver(model, filename)
    elif hasattr(model, "save"):
        written = model.save(filename)
    else:
        raise Failure("--save: this installation of steepest cannot save models yet")
    click.echo(f"wrote {written or filename}", err=True)  # the real name: "m" is written as m.npz


@cli.command("lr-find", context_settings=_EXPR_COMMAND, short_help="The learning-rate range test.")
@click.argument("target")
@click.option("--x0", metavar="POINT", help="For a formula: the start, 1,2 or x=1,y=2 (default 1 each).")
@click.option("--vars", "variables", metavar="NAMES", help="For a formula: variable order.")
@click.option("--method", type=click.Choice(METHODS), default="gd", show_default=True, help="For a formula.")
@click.option("--optimizer", type=click.Choice(METHODS), default="adam", show_default=True,
              help="For a dataset.")
@click.option("--hidden", default="8", show_default=True, help="For a dataset: hidden sizes, e.g. 16,16.")
@click.option("--activation", default="tanh", show_default=True, type=click.Choice(ACTIVATIONS))
@click.option("--momentum", type=float, help="Momentum coefficient (momentum, nesterov).")
@click.option("--batch-size", type=int, help="For a dataset: a minibatch per step (default: the whole set).")
@click.option("--lr-min", type=float, default=1e-6, show_default=True)
@click.option("--lr-max", type=float, default=10.0, show_default=True)
@click.option("--steps", type=int, default=100, show_default=True, help="Rates tried per run.")
@click.option("--seeds", type=int, default=3, show_default=True, help="Runs, each with its own minibatches.")
@click.option("--seed", type=int, default=0, show_default=True, help="The first run's seed (and the data's).")
@click.option("--plot", metavar="FILE", callback=IMAGE, help="Loss against lr, the interval shaded.")
@click.option("--json", "as_json", is_flag=True, help="Print {suggestion, interval, spread, agree, ...}.")
@friendly
def lr_find_command(target: str, x0: str | None, variables: str | None, method: str, optimizer: str,
                    hidden: str, activation: str, momentum: float | None, batch_size: int | None,
                    lr_min: float, lr_max: float, steps: int, seeds: int, seed: int, plot: str | None,
                    as_json: bool) -> None:
    """The range test on TARGET, a dataset (as `steepest train` would train it) or a formula.

    \b
    steepest lr-find digits --optimizer adam --batch-size 64 --plot lr.png
    steepest lr-find "x**2 + 5*sin(x)" --x0 -5
    """
    from steepest.tuning import find_lr

    found, what = find_lr(target, x0=x0, variables=variables, method=method, optimizer=optimizer,
                          hidden=hidden, activation=activation, momentum=momentum, batch_size=batch_size,
                          seed=seed, lr_min=lr_min, lr_max=lr_max, steps=steps, seeds=seeds)
    if plot:
        write_figure(found.plot(title=f"range test: {what}"), plot)
    if as_json:
        emit_json({"suggestion": found.suggestion, "interval": list(found.interval), "spread": found.spread,
                   "agree": found.agree, "suggestions": found.suggestions, "reasons": found.reasons})
        return
    click.echo(f"lr-find: {what}")
    click.echo(found.summary())
    for k, reason in enumerate(found.reasons):
        click.echo(f"  seed {seed + k}: {reason}")


@cli.command(context_settings=_HELP, short_help="Grid or random search of training settings (resumable).")
@click.argument("dataset")
@click.option("--lr", default="0.01,0.1,1", show_default=True, help="Learning rates, comma-separated.")
@click.option("--momentum", help="Momenta, e.g. 0,0.9 (used by momentum and nesterov).")
@click.option("--hidden", multiple=True, help="Hidden sizes, one option per architecture: --hidden 8 "
              "--hidden 16,16 (default 8).")
@click.option("--optimizer", default="momentum", show_default=True,
              help=f"Comma-separated, from: {', '.join(METHODS)}.")
@click.option("--seeds", default="0", show_default=True, help="Seeds of the weights, comma-separated.")
@click.option("--epochs", type=int, default=200, show_default=True)
@click.option("--activation", default="tanh", show_default=True, type=click.Choice(ACTIVATIONS))
@click.option("--batch-size", type=int, help="Minibatch size (default: the whole set).")
@click.option("--random", "random", type=int, metavar="N", help="Random search of N trials: lr log-uniform "
              "and momentum uniform between the smallest and largest given, the rest chosen among the "
              "values.")
@click.option("--executor", type=click.Choice(["serial", "processes", "dask"]), default="serial",
              show_default=True)
@click.option("--scheduler", metavar="ADDRESS",
              help="A Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies dask).")
@click.option("--workers", type=int, help="Processes (or LocalCluster workers) to use.")
@click.option("--journal", default="sweep.jsonl", show_default=True, metavar="FILE",
              help="Record of finished trials; the same command with it resumes ('' for none).")
@click.option("--plot", metavar="FILE", callback=IMAGE, help="Heatmap of the final loss over --x and --y.")
@click.option("--x", "x_axis", default="lr", show_default=True, help="The heatmap's x setting.")
@click.option("--y", "y_axis", default="momentum", show_default=True, help="The heatmap's y setting.")
@click.option("--json", "as_json", is_flag=True, help="Print every trial and the best.")
@friendly
def sweep(dataset: str, lr: str, momentum: str | None, hidden: tuple[str, ...], optimizer: str, seeds: str,
          epochs: int, activation: str, batch_size: int | None, random: int | None, executor: str,
          scheduler: str | None, workers: int | None, journal: str, plot: str | None, x_axis: str,
          y_axis: str, as_json: bool) -> None:
    """Train an MLP on DATASET for every combination of the settings (or N random ones); a table of every
    trial's loss, accuracy, epochs and stop reason, and the best settings.

    \b
    steepest sweep xor --lr 0.1,0.5,2 --momentum 0,0.9 --hidden 4 --hidden 8 --plot sweep.png
    steepest sweep moons --optimizer adam --lr 0.001,0.1 --random 20 --executor processes
    steepest sweep digits --scheduler tcp://10.0.0.5:8786 --lr 0.001,0.003,0.01 --batch-size 64
    """
    from steepest.tuning import numbers, run_sweep, sweep_space

    fixed = {"dataset": dataset, "epochs": epochs, "activation": activation, "batch_size": batch_size}
    optimizers = [m.strip() for m in optimizer.split(",") if m.strip()]
    space = sweep_space(numbers(lr, "--lr"), numbers(momentum, "--momentum"), list(hidden) or ["8"],
                        optimizers, numbers(seeds, "--seeds", int), fixed, random)
    try:
        result = run_sweep(space, executor, scheduler, workers, journal or None, random, seed=0)
    except KeyboardInterrupt:
        where = f"; the finished trials are in {journal}: run the same command to resume" if journal else ""
        raise Failure(f"interrupted{where}", INTERRUPTED) from None
    errors = [t["result"]["reason"] for t in result.trials if t["result"].get("error")]
    if len(errors) == len(result.trials):
        raise Failure(f"every trial failed; the first with {errors[0]}")
    if plot:
        write_figure(result.plot(x=x_axis, y=y_axis), plot)
    if as_json:
        emit_json({"trials": result.rows(), "best": result.best_config, "n_run": result.n_run,
                   "n_resumed": result.n_resumed})
        return
    click.echo(result.table())
    click.echo(result.summary())


@cli.command(context_settings=_HELP, short_help="Every worked example: figures and an HTML page.")
@click.option("--out", "out", default="steepest-demo", show_default=True, metavar="DIR",
              help="Folder for the figures and index.html.")
@click.option("--quick", is_flag=True, help="Fewer epochs and smaller figures (for tests).")
@friendly
def demo(out: str, quick: bool) -> None:
    """Every worked example of the seeds, end to end: figures and one HTML page that walks through them."""
    from steepest.demo import run_demo

    page = run_demo(out, quick=quick, log=lambda line: click.echo(line, err=True))
    click.echo(f"open {page}")


@cli.command(context_settings=_HELP, short_help="A local web page: descent, networks and backprop to touch.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (127.0.0.1: this "
              "machine only).")
@click.option("--port", type=int, default=8765, show_default=True, help="Port (0: any free one).")
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
@friendly
def playground(host: str, port: int, no_browser: bool) -> None:
    """Serve the playground (descent lab, network lab, graph lab) until Ctrl-C; every number by steepest."""
    from steepest.playground import serve

    try:
        serve(host, port, open_browser=not no_browser, echo=lambda line: click.echo(line, err=True))
    except ModuleNotFoundError as err:  # Starlette, uvicorn, websockets or plotly
        raise Failure(f"steepest playground needs its extra: pip install 'steepest[playground]' "
                      f"({err})") from None


def main(argv: Sequence[str] | None = None) -> None:
    """The console script `steepest` (and `python -m steepest`)."""
    try:
        cli.main(args=list(argv) if argv is not None else sys.argv[1:], prog_name="steepest")
    except BrokenPipeError:  # `steepest ... | head`: the reader left; leave quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
