"""minimize(f, x0): gradient descent and its family on a function of one array, with honest stops.

The loop is the seeds' loop, x_{t+1} = x_t - eta_t d_t with d_t the rule's direction (the
gradient itself for "gd", H g for "lbfgs"), instrumented: every iterate, value, gradient norm
and step size is kept, every evaluation of f is counted, and the run ends with a sentence that
says why and a short code for it (res.status).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from steepest.autodiff import gradients
from steepest.optim.lbfgs import LBFGS
from steepest.optim.line_search import as_line_search
from steepest.optim.result import KeptPath, Result
from steepest.optim.rules import RULES, Transform, _number, descend, make_rule
from steepest.optim.schedules import as_schedule
from steepest.optim.steps import StepSize, as_step_size
from steepest.optim.stopping import (
    Callback,
    Condition,
    Divergence,
    FTol,
    GradTol,
    MaxIter,
    Progress,
    TimeLimit,
    XTol,
    _plural,
)
from steepest.tensor import Tensor

__all__ = ["minimize", "Result"]


def minimize(f: Callable[[Tensor], Any], x0: Any, method: str | Transform = "gd",
             lr: float | str | StepSize | Callable[[int], float] | None = None, tol: float = 1e-6,
             max_iter: int = 1000, *,
             line_search: Any = None, ftol: float | None = None, xtol: float | None = None,
             time_limit: float | None = None, callback: Callable[[Progress], Any] | None = None,
             stop: Condition | Iterable[Condition] | None = None,
             schedule: Callable[[int], float] | None = None, keep_path: Any = "auto",
             **hyperparameters: Any) -> Result:
    """Minimise f from x0 by gradient descent or one of its variants.

    Args:
        f: takes the point (a Tensor of x0's shape) and returns a scalar Tensor; written with
            steepest operations (st.sin, x ** 2, ...) so that its gradient can be taken.
        x0: the starting point: a number, a list or an ndarray (never modified).
        method: "gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "lbfgs" (L-BFGS,
            `steepest.optim.lbfgs`; memory=m pairs, 10 by default; a strong Wolfe line search unless
            line_search says otherwise), or a rule built from `steepest.optim.rules` transforms.
        lr: the learning rate: a number > 0 (default 0.1; 1 for lbfgs), a schedule t -> lr_t
            (`steepest.optim.schedules`), or a step size that chooses itself (`steepest.optim.steps`):
            "bb" (Barzilai-Borwein, "bb2" the short variant) or "polyak", or such an object
            (BB(...), Polyak(f_star=...)). With a line search, the first step tried at each iteration.
        tol: stop (converged) when the gradient norm is < tol, at x0 or after any update.
        max_iter: the most updates to make.
        line_search: None, "armijo" or an `Armijo(...)`: backtrack along the rule's direction until
            f falls enough; "wolfe" or a `StrongWolfe(...)`: bracket and zoom until the strong Wolfe
            conditions hold (each trial counted in n_fev, and in n_gev when it takes the gradient).
        ftol, xtol: stop (converged) when f or x changes by at most this much in a step, relative
            to max(1, |f|) or max(1, ||x||).
        time_limit: seconds of wall-clock time allowed.
        callback: called as callback(progress) after every update (`stopping.Progress`: n_iter, x,
            fun, grad, grad_norm, lr); returning True stops the run.
        stop: more halting conditions (`steepest.optim.stopping`), one or a list.
        schedule: a learning-rate schedule, the same as passing it as lr (it takes precedence).
        keep_path: which iterates the Result keeps in path, values, grad_norms and lrs (x0 and the
            last always): "auto" (the default) keeps every one up to 10,000 (and 64 MiB), then
            thins them evenly, so a run of any length holds a bounded path; "all" keeps every
            one; ("every", k) every k-th; ("last", n) the last n. `res.iters` numbers them.
        **hyperparameters: the method's own: momentum, beta1, beta2, eps, alpha, weight_decay, ...

    Returns:
        A `Result` (x, fun, grad, n_iter, n_fev, n_gev, converged, reason, status, path, values,
        grad_norms, lrs, iters, interrupted). status is one of "gtol", "ftol", "xtol", "max_iter",
        "time_limit", "callback", "stop", "diverged", "line_search", "interrupted".
        Ctrl-C (KeyboardInterrupt) during the run does not lose it: as `fit`
        returns its History, minimize returns the Result at the last finished iterate, with reason
        "interrupted after k iterations ..." and interrupted=True (the interrupt is not re-raised).

    Raises:
        ValueError: an unknown method (the known ones listed), or a bad hyperparameter, named with its value.

    Example:
        >>> import steepest as st
        >>> res = st.minimize(lambda x: x**2 + 5 * st.sin(x), -5.0, lr=0.1, tol=1e-3)
        >>> round(res.x, 4), res.n_iter, res.converged
        (-1.1106, 12, True)
    """
    rule = _rule(method, hyperparameters)
    quasi_newton = isinstance(rule, LBFGS)
    if lr is None:
        lr = 1.0 if quasi_newton else 0.1
    lr_at = _StepSizes(lr if schedule is None else schedule)
    search = as_line_search("wolfe" if quasi_newton and line_search is None else line_search)
    if quasi_newton and search is None:
        raise ValueError("minimize: lbfgs needs a line search (line_search='wolfe', the default, "
                         "or 'armijo')")
    conditions = _conditions(tol, ftol, xtol, max_iter, time_limit, callback, stop)
    xt, scalar = _start(x0)
    kept = KeptPath(keep_path, xt.data)
    x = xt.data
    state = rule.init(x)
    fun, g = _value_and_grad(f, xt)
    counts = [1, 1]  # evaluations of f and of its gradient
    x_seen = x.view()
    x_seen.flags.writeable = False
    p = Progress(x_seen, fun, g, _norm(g))
    last = ((0, x.copy(), fun, p.grad_norm, math.nan), g)  # the last finished iterate: (row, gradient)
    kept.add(last[0])
    for c in conditions:
        c.start(p)
    trial = Tensor(x, requires_grad=True) if search is not None else None
    interrupted = False
    try:
        stopped = _first(conditions, p)
        while stopped is None:
            k = p.n_iter
            lr_k, fun, g, failure = _update(f, rule, lr_at, search, xt, trial, state, p, counts)
            if g is not None:  # x moved (a failed line search may still keep the best point it found)
                gn = _norm(g)
                row = (k + 1, x.copy(), fun, gn, lr_k)
                p.prev_fun, p.prev_x = p.fun, last[0][1]
                p.n_iter, p.fun, p.grad, p.lr, p.grad_norm = k + 1, fun, g, lr_k, gn
                last = row, g  # one assignment: an interrupt finds the old pair or the new, never half
                kept.add(row)
            if failure is not None:
                stopped = failure, False, "line_search"
                break
            stopped = _first(conditions, p)
    except KeyboardInterrupt:
        n, _, value, norm, _ = last[0]
        stopped = (f"interrupted after {_plural(n)} (KeyboardInterrupt): gradient norm {norm:.1e}, "
                   f"f = {value:.6g}", False, "interrupted")
        interrupted = True
    return _result(stopped, last, kept, scalar, counts, rule.name, interrupted)


def _rule(method: Any, hyperparameters: dict[str, Any]) -> Transform:
    if isinstance(method, str) and method.lower() == "lbfgs":
        unknown = sorted(set(hyperparameters) - {"memory"})
        if unknown:
            raise ValueError(f"lbfgs: unknown hyperparameter {', '.join(unknown)}; lbfgs takes memory")
        return LBFGS(**hyperparameters)
    if isinstance(method, str) and method.lower() not in RULES:
        raise ValueError(f"unknown method {method!r}; known methods: {', '.join([*RULES, 'lbfgs'])}")
    return make_rule(method, **hyperparameters)


class _StepSizes:
    """lr_at(k, progress): a step size that chooses itself (a fresh copy, so the user's object keeps
    no history), or a schedule of k (a number is a constant schedule)."""

    def __init__(self, lr: Any):
        self.adaptive = as_step_size(lr)
        self.source = self.adaptive if self.adaptive is not None else as_schedule(lr)

    def __call__(self, k: int, p: Progress) -> float:
        if self.adaptive is not None:
            return self.adaptive.step(k, p.x, p.fun, p.grad)
        return self.source(k)


def _update(f, rule, lr_at, search, xt, trial, state, p, counts):
    """One update from p's point: (lr used, f, gradient, None); when the line search fails, the
    gradient is None if x did not move, and the last item is the reason to stop. A rule with a
    memory (lbfgs) is first restarted from the gradient direction, as L-BFGS-B does."""
    k = p.n_iter
    lr_k = lr_at(k, p)
    if not lr_k >= 0 or not math.isfinite(lr_k):  # 0 is allowed: cosine ends there
        what = "step size" if lr_at.adaptive is not None else "learning-rate schedule"
        raise ValueError(f"minimize: the {what} {lr_at.source!r} gave lr={lr_k!r} at step {k}; "
                         "a learning rate must be a finite number >= 0")
    if search is None:
        rule.step(p.grad, state, xt.data, k + 1, lr_k)
        fun, g = _value_and_grad(f, xt)
        counts[0] += 1
        counts[1] += 1
        return lr_k, fun, g, None
    while True:
        d = rule.update(p.grad, state, xt.data, k + 1)
        t, fun, g, failure = _line_step(f, search, xt, trial, p.fun, p.grad, d, lr_k, counts)
        if failure is None:
            return t, fun, g, None
        if not (hasattr(rule, "has_memory") and rule.has_memory(state)):
            break
        rule.reset(state)
        if g is not None:  # moved to the best point found: go on from there with a fresh memory
            return t, fun, g, None
    if g is None:
        failure += (f", after {_plural(k)}, gradient norm {p.grad_norm:.1e}: x is a minimum to the "
                    "precision of f, or f is not smooth there")
    else:
        failure += f", after {_plural(k + 1)}, gradient norm {_norm(g):.1e}"
    return t, fun, g, failure


def _result(stopped, last, kept, scalar, counts, method, interrupted) -> Result:
    reason, converged, status = stopped
    (n_iter, x, fun, _, _), g = last
    iters, path, values, norms, lrs = kept.arrays(last[0])
    return Result(x=float(x) if scalar else x, fun=fun, grad=float(g) if scalar else np.array(g),
                  n_iter=n_iter, n_fev=counts[0], n_gev=counts[1], converged=converged, reason=reason,
                  path=path, values=values, grad_norms=norms, lrs=lrs, method=method, iters=iters,
                  interrupted=interrupted, status=status)


def _first(conditions: list[Condition], p: Progress) -> tuple[str, bool, str] | None:
    for c in conditions:
        reason = c.check(p)
        if reason is not None:
            return reason, c.converged, getattr(c, "last_code", c.code)
    return None


def _conditions(tol, ftol, xtol, max_iter, time_limit, callback, stop) -> list[Condition]:
    """The halting conditions in the order they are asked: divergence first, the budget last."""
    tol = _nonneg("tol", tol)
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise ValueError(f"minimize: max_iter must be an integer >= 0, got {max_iter!r}")
    conditions: list[Condition] = [Divergence(), GradTol(tol)]
    if ftol is not None:
        conditions.append(FTol(_nonneg("ftol", ftol)))
    if xtol is not None:
        conditions.append(XTol(_nonneg("xtol", xtol)))
    if callback is not None:
        if not callable(callback):
            raise ValueError(f"minimize: callback must be callable, got {callback!r}")
        conditions.append(Callback(callback))
    if stop is not None:
        extra = [stop] if isinstance(stop, Condition) else list(stop)
        for c in extra:
            if not isinstance(c, Condition):
                raise ValueError(f"minimize: stop= takes conditions from steepest.optim.stopping, got {c!r}")
        conditions.extend(extra)
    if time_limit is not None:
        seconds = _number("minimize", "time_limit", time_limit)
        if seconds <= 0:
            raise ValueError(f"minimize: time_limit must be > 0 seconds, got {time_limit!r}")
        conditions.append(TimeLimit(seconds))
    conditions.append(MaxIter(int(max_iter)))
    return conditions


def _nonneg(name: str, value: Any) -> float:
    v = _number("minimize", name, value)
    if v < 0:
        raise ValueError(f"minimize: {name} must be >= 0, got {value!r}")
    return v


def _start(x0: Any) -> tuple[Tensor, bool]:
    """A Tensor owning a float copy of x0, and whether x0 was a plain number."""
    scalar = isinstance(x0, (int, float, np.integer, np.floating)) and not isinstance(x0, bool)
    data = x0.data if isinstance(x0, Tensor) else x0
    try:
        array = np.array(data, copy=True)
    except (TypeError, ValueError) as err:
        raise ValueError(f"minimize: x0 must be a number, a list of numbers or an ndarray ({err})") from None
    if array.dtype.kind in "biu":
        array = array.astype(np.float64)
    if array.dtype.kind != "f":
        raise ValueError(f"minimize: x0 must hold real numbers, got dtype {array.dtype}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"minimize: x0 must be finite, got {x0!r}")
    return Tensor(array, requires_grad=True), scalar


def _value_and_grad(f: Callable, xt: Tensor) -> tuple[float, np.ndarray]:
    """f(xt) as a float and its gradient with respect to xt, from one forward and one backward pass."""
    y = f(xt)
    if not isinstance(y, Tensor):
        try:
            return float(y), np.zeros_like(xt.data)  # f does not depend on x through steepest ops
        except (TypeError, ValueError):
            raise ValueError(f"minimize: f must return a scalar Tensor, got {type(y).__name__}") from None
    if y.data.size != 1:
        raise ValueError(f"minimize: f must return a scalar, got shape {y.shape}; "
                         "reduce it (.sum(), .mean())")
    if not y.requires_grad:
        return y.data.item(), np.zeros_like(xt.data)
    return y.data.item(), gradients(y, [xt])[0]


def _norm(g: np.ndarray) -> float:
    return math.sqrt(float(np.vdot(g, g)))


def _line_step(f, search, xt, trial, fun, g, d, lr, counts):
    """One step along -d with the line search: (t, f, gradient, None), or on failure (t, f, gradient
    or None when x did not move, the reason). Every evaluation is counted in counts."""
    x, point = xt.data, trial.data
    slope = float(np.vdot(g, d))
    if not slope > 0:  # the rule's direction (momentum, say) is not downhill here: use -g for this step
        d, slope = g, float(np.vdot(g, g))
    with_grad = getattr(search, "uses_gradient", False)
    last: list[Any] = [None, None]  # the last step tried and its gradient (with_grad) or output

    def evaluate(t: float) -> float:
        np.copyto(point, x)
        descend(point, d, t)
        y = f(trial)
        counts[0] += 1
        last[:] = [t, _grad_at(y, trial, counts) if with_grad else y]
        return float(y.data.item() if isinstance(y, Tensor) else y)

    if with_grad:
        t, value, trials, note = search(lambda t: (evaluate(t), -float(np.vdot(last[1], d))), fun, slope, lr)
    else:
        t, value, trials = search(evaluate, fun, slope, lr)
        note = None
    if t is None:
        return lr, fun, None, (f"line search found no decrease along the direction in "
                               f"{_plural(trials, 'trial')} (last step {last[0]:.1e})")
    if last[0] != t:  # a line search that did not end on the step it accepts
        value = evaluate(t)
    np.copyto(x, point)
    grad = last[1] if with_grad else _grad_at(last[1], trial, counts)
    return t, value, grad, None if note is None else f"line search failed: {note}"


def _grad_at(y: Any, trial: Tensor, counts: list[int]) -> np.ndarray:
    counts[1] += 1
    if isinstance(y, Tensor) and y.requires_grad:
        return gradients(y, [trial])[0]
    return np.zeros_like(trial.data)
