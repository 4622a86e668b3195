"""Update rules: one implementation of each, on NumPy arrays, shared by `minimize` and the optimizers.

The shape is optax's (see STYLE.md): a rule is a chain of small transforms that turn the
gradient g into a direction d, and one function, `descend`, takes the step x <- x - lr d.
That is the only minus sign in the package. A transform is a pair of functions:

    state = transform.init(x)                 # buffers shaped like x (dict of arrays)
    d = transform.update(g, state, x, t)      # t = 1, 2, ... counts the updates; state changes in place

Transforms never write into g or x, keep their temporaries in the state (keys starting with
"_", left out of `state_dict`), and are elementwise except `clip_by_global_norm`, so the
optimizers can run one rule over all their parameters at once, as one flat array.

The optimizers and `minimize` take a step with `transform.step(g, state, x, t, lr)`: update,
then descend. On a large array every pass over it costs about the same, so a transform may
override `step` to save passes without changing the mathematics: scale_by_adam multiplies its
direction by lr and its bias corrections in one pass, in its own temporary. A buffer may also
be stored scaled (Adam keeps m / (1 - b1), so that m <- b1 m + g is two passes, not three):
`units[name]` times the stored array is the buffer by its usual meaning, which `state_dict` shows.

The momentum convention is PyTorch's (Polyak 1964; `torch.optim.SGD`):

    b <- mu b + g,    x <- x - lr b.

The seeds write heavy ball as v <- gamma v + eta grad J, x <- x - v. With gamma = mu and a
constant learning rate the iterates are identical: v = lr b (multiply the first line by lr).
They differ only when lr changes during the run: here a new lr rescales the whole buffer at
once, there it only weighs the newest gradient.

References:
    B. T. Polyak, Some methods of speeding up the convergence of iteration methods, 1964.
    Y. Nesterov, A method for solving a convex programming problem with rate O(1/k^2), 1983;
        I. Sutskever et al., On the importance of initialization and momentum in deep learning, 2013.
    J. Duchi, E. Hazan, Y. Singer, Adaptive subgradient methods (Adagrad), JMLR 2011.
    G. Hinton, Neural Networks for Machine Learning, lecture 6e (RMSProp), 2012.
    D. P. Kingma, J. Ba, Adam: a method for stochastic optimization, ICLR 2015.
    I. Loshchilov, F. Hutter, Decoupled weight decay regularization (AdamW), ICLR 2019.
"""

from __future__ import annotations

import inspect
import math
from collections import Counter
from typing import Any

import numpy as np

__all__ = [
    "Transform", "chain", "descend", "add_decayed_weights", "trace", "scale_by_adagrad", "scale_by_rms",
    "scale_by_adam", "clip_by_global_norm", "gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
    "adamw", "RULES", "make_rule", "state_buffers", "slice_state",
]


def descend(x: np.ndarray, d: np.ndarray, lr: float, scratch: np.ndarray | None = None) -> None:
    """x <- x - lr d, in place: the one minus sign of steepest descent (scratch may be d itself)."""
    if scratch is None:
        x -= lr * d
    else:
        np.multiply(d, lr, out=scratch)
        x -= scratch


# --- checking hyperparameters ------------------------------------------------------------------
def _number(who: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{who}: {name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{who}: {name} must be finite, got {value!r}")
    return value


def check_unit(who: str, name: str, value: Any) -> float:
    """A hyperparameter in [0, 1), such as a momentum or a decay rate."""
    v = _number(who, name, value)
    if not 0.0 <= v < 1.0:
        raise ValueError(f"{who}: {name} must be in [0, 1), got {value!r}")
    return v


def check_nonneg(who: str, name: str, value: Any) -> float:
    v = _number(who, name, value)
    if v < 0.0:
        raise ValueError(f"{who}: {name} must be >= 0, got {value!r}")
    return v


def check_lr(who: str, value: Any) -> float:
    """A learning rate: a finite number > 0."""
    v = _number(who, "lr", value)
    if v <= 0.0:
        raise ValueError(f"{who}: lr must be > 0, got {value!r}; a learning rate is a positive step size")
    return v


# --- transforms ---------------------------------------------------------------------------------
class Transform:
    """A step of an update rule: `init(x) -> state`, `update(g, state, x, t) -> direction`, and
    `step(g, state, x, t, lr)`, which takes x <- x - lr d in place."""

    name = "transform"
    hyperparameters: dict[str, float] = {}
    elementwise = False  # True: each entry of d depends on the same entry of g, x, state only
    units: dict[str, float] = {}  # buffer name -> u: the buffer's value is u * the stored array
    temporary_direction = False  # True: update returns a temporary of the state's, free to overwrite

    def init(self, x: np.ndarray) -> Any:
        return {}

    def update(self, g: np.ndarray, state: Any, x: np.ndarray, t: int) -> np.ndarray:
        raise NotImplementedError

    def step(self, g: np.ndarray, state: Any, x: np.ndarray, t: int, lr: float,
             scratch: np.ndarray | None = None) -> None:
        """x <- x - lr d(g) in place, d from `update` (scaled in place when it is a temporary)."""
        d = self.update(g, state, x, t)
        descend(x, d, lr, d if self.temporary_direction else scratch)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        return f"{self.name}({args})"


class chain(Transform):
    """Transforms applied one after the other; its state is the tuple of theirs."""

    def __init__(self, *transforms: Transform, name: str = "chain", hyperparameters: dict | None = None):
        self.transforms = transforms
        self.elementwise = all(tr.elementwise for tr in transforms)
        self.name = name
        self.hyperparameters = dict(hyperparameters or {})

    def init(self, x: np.ndarray) -> tuple:
        return tuple(tr.init(x) for tr in self.transforms)

    def update(self, g, state, x, t):
        for tr, s in zip(self.transforms, state, strict=True):
            g = tr.update(g, s, x, t)
        return g

    def step(self, g, state, x, t, lr, scratch=None):  # the last transform takes the step
        if not self.transforms:
            return descend(x, g, lr, scratch)
        for tr, s in zip(self.transforms[:-1], state, strict=False):
            g = tr.update(g, s, x, t)
        self.transforms[-1].step(g, state[-1], x, t, lr, scratch)

    def __repr__(self) -> str:
        if self.name != "chain":
            return super().__repr__()
        return "chain(" + ", ".join(map(repr, self.transforms)) + ")"


class add_decayed_weights(Transform):
    """d = g + lambda x: L2 weight decay (coupled, as in torch.optim's weight_decay)."""

    name = "add_decayed_weights"
    elementwise = True

    def __init__(self, weight_decay: float = 0.0):
        self.weight_decay = check_nonneg(self.name, "weight_decay", weight_decay)
        self.hyperparameters = {"weight_decay": self.weight_decay}
        self.temporary_direction = bool(self.weight_decay)  # without decay, d is g itself

    def init(self, x):
        return {"_decayed": np.empty_like(x)} if self.weight_decay else {}

    def update(self, g, state, x, t):
        if not self.weight_decay:
            return g
        d = state["_decayed"]
        np.multiply(x, self.weight_decay, out=d)
        d += g
        return d


class trace(Transform):
    """Momentum (Polyak 1964): b <- mu b + g, d = b; with nesterov, d = g + mu b (Sutskever 2013).
    With dampening tau (torch.optim.SGD's): b <- mu b + (1 - tau) g after the first step, b = g on it."""

    name = "trace"
    elementwise = True

    def __init__(self, momentum: float = 0.9, nesterov: bool = False, dampening: float = 0.0):
        self.momentum = check_unit(self.name, "momentum", momentum)
        self.nesterov = bool(nesterov)
        self.dampening = _number(self.name, "dampening", dampening)
        if not 0.0 <= self.dampening <= 1.0:
            raise ValueError(f"{self.name}: dampening must be in [0, 1], got {dampening!r}")
        self.hyperparameters = {"momentum": self.momentum, "nesterov": self.nesterov}
        if self.dampening:
            self.hyperparameters["dampening"] = self.dampening
        self.temporary_direction = self.nesterov  # without it, d is the momentum buffer itself

    def init(self, x):
        state = {"momentum_buffer": np.zeros_like(x)}
        if self.nesterov:
            state["_nesterov"] = np.empty_like(x)
        if self.dampening:
            state["_dampened"] = np.empty_like(x)
        return state

    def update(self, g, state, x, t):
        b = state["momentum_buffer"]
        b *= self.momentum
        if self.dampening and t > 1:
            b += np.multiply(g, 1.0 - self.dampening, out=state["_dampened"])
        else:
            b += g
        if not self.nesterov:
            return b
        d = state["_nesterov"]
        np.multiply(b, self.momentum, out=d)
        d += g
        return d


class scale_by_adagrad(Transform):
    """Adagrad (Duchi et al. 2011): s <- s + g^2, d = g / (sqrt(s) + eps)."""

    name = "scale_by_adagrad"
    elementwise = True
    temporary_direction = True

    def __init__(self, eps: float = 1e-10, initial_accumulator_value: float = 0.0):
        self.eps = check_nonneg(self.name, "eps", eps)
        self.initial = check_nonneg(self.name, "initial_accumulator_value", initial_accumulator_value)
        self.hyperparameters = {"eps": self.eps, "initial_accumulator_value": self.initial}

    def init(self, x):
        return {"sum": np.full_like(x, self.initial), "_adagrad": np.empty_like(x)}

    def update(self, g, state, x, t):
        s, d = state["sum"], state["_adagrad"]
        np.multiply(g, g, out=d)
        s += d
        np.sqrt(s, out=d)
        d += self.eps
        np.divide(g, d, out=d)
        return d


class scale_by_rms(Transform):
    """RMSProp (Hinton 2012): r <- alpha r + (1 - alpha) g^2, d = g / (sqrt(r) + eps)."""

    name = "scale_by_rms"
    elementwise = True
    temporary_direction = True

    def __init__(self, alpha: float = 0.99, eps: float = 1e-8):
        self.alpha = check_unit(self.name, "alpha", alpha)
        self.eps = check_nonneg(self.name, "eps", eps)
        self.hyperparameters = {"alpha": self.alpha, "eps": self.eps}

    def init(self, x):
        return {"square_avg": np.zeros_like(x), "_rms": np.empty_like(x)}

    def update(self, g, state, x, t):
        r, d = state["square_avg"], state["_rms"]
        r *= self.alpha
        np.multiply(g, g, out=d)
        d *= 1.0 - self.alpha
        r += d
        np.sqrt(r, out=d)
        d += self.eps
        np.divide(g, d, out=d)
        return d


class scale_by_adam(Transform):
    """Adam (Kingma & Ba 2015), bias-corrected moments:

        m <- b1 m + (1 - b1) g,    v <- b2 v + (1 - b2) g^2,
        d = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).

    The moments are stored as M = m / (1 - b1) and V = v / (1 - b2), whose updates
    M <- b1 M + g and V <- b2 V + g^2 take a pass fewer each; state_dict shows m and v.
    """

    name = "scale_by_adam"
    elementwise = True
    temporary_direction = True

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.beta1 = check_unit(self.name, "beta1", beta1)
        self.beta2 = check_unit(self.name, "beta2", beta2)
        self.eps = check_nonneg(self.name, "eps", eps)
        self.hyperparameters = {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}
        self.units = {"exp_avg": 1.0 - self.beta1, "exp_avg_sq": 1.0 - self.beta2}

    def init(self, x):
        return {"exp_avg": np.zeros_like(x), "exp_avg_sq": np.zeros_like(x), "_adam": np.empty_like(x)}

    def _direction(self, g, state, t):
        """Updates the moments; returns (a, s) with the direction d = s a, a in the temporary."""
        b1, b2 = self.beta1, self.beta2
        m, v, d = state["exp_avg"], state["exp_avg_sq"], state["_adam"]
        m *= b1  # M <- b1 M + g
        m += g
        v *= b2  # V <- b2 V + g^2
        np.multiply(g, g, out=d)
        v += d
        # d = k1 M / (k2 sqrt(V) + eps) = (k1 / k2) M / (sqrt(V) + eps / k2),
        # with k1 = (1 - b1) / (1 - b1^t) and k2 = sqrt((1 - b2) / (1 - b2^t))
        k1 = (1.0 - b1) / (1.0 - b1**t)
        k2 = math.sqrt((1.0 - b2) / (1.0 - b2**t))
        np.sqrt(v, out=d)
        d += self.eps / k2
        np.divide(m, d, out=d)
        return d, k1 / k2

    def update(self, g, state, x, t):
        d, s = self._direction(g, state, t)
        d *= s
        return d

    def step(self, g, state, x, t, lr, scratch=None):
        d, s = self._direction(g, state, t)
        descend(x, d, lr * s, d)  # one pass multiplies d by lr and the bias corrections


class clip_by_global_norm(Transform):
    """d = g min(1, c / ||g||): the whole gradient rescaled so its norm is at most c."""

    name = "clip_by_global_norm"

    def __init__(self, max_norm: float):
        self.max_norm = _number(self.name, "max_norm", max_norm)
        if self.max_norm <= 0:
            raise ValueError(f"{self.name}: max_norm must be > 0, got {max_norm!r}")
        self.hyperparameters = {"max_norm": self.max_norm}

    def init(self, x):
        return {"_clip": np.empty_like(x)}

    def update(self, g, state, x, t):
        norm = math.sqrt(float(np.vdot(g, g)))
        if norm <= self.max_norm:
            return g
        d = state["_clip"]
        np.multiply(g, self.max_norm / norm, out=d)
        return d


# --- the named rules ----------------------------------------------------------------------------
def gd(weight_decay: float = 0.0) -> Transform:
    """Gradient descent (Cauchy 1847): x <- x - lr (g + lambda x)."""
    return chain(add_decayed_weights(weight_decay), name="gd", hyperparameters={"weight_decay": weight_decay})


def momentum(momentum: float = 0.9, weight_decay: float = 0.0, dampening: float = 0.0) -> Transform:
    """Heavy ball (Polyak 1964), PyTorch's convention: b <- mu b + g, x <- x - lr b
    (with torch.optim.SGD's dampening tau: b <- mu b + (1 - tau) g from the second step on)."""
    hyperparameters = {"momentum": momentum, "weight_decay": weight_decay}
    if dampening:
        hyperparameters["dampening"] = dampening
    return chain(add_decayed_weights(weight_decay), trace(momentum, dampening=dampening), name="momentum",
                 hyperparameters=hyperparameters)


def nesterov(momentum: float = 0.9, weight_decay: float = 0.0) -> Transform:
    """Nesterov (1983) in Sutskever's (2013) form, as torch.optim.SGD(nesterov=True):

    b <- mu b + g,  x <- x - lr (g + mu b); the gradient is taken at x, the look-ahead
    is folded into the step.
    """
    return chain(add_decayed_weights(weight_decay), trace(momentum, nesterov=True), name="nesterov",
                 hyperparameters={"momentum": momentum, "weight_decay": weight_decay})


def adagrad(eps: float = 1e-10, weight_decay: float = 0.0,
            initial_accumulator_value: float = 0.0) -> Transform:
    """Adagrad (Duchi et al. 2011): s <- s + g^2, x <- x - lr g / (sqrt(s) + eps).

    torch's lr_decay is the schedule `inverse_time(lr, lr_decay)` here.
    """
    return chain(add_decayed_weights(weight_decay), scale_by_adagrad(eps, initial_accumulator_value),
                 name="adagrad", hyperparameters={"eps": eps, "weight_decay": weight_decay,
                                                  "initial_accumulator_value": initial_accumulator_value})


def rmsprop(alpha: float = 0.99, eps: float = 1e-8, momentum: float = 0.0,
            weight_decay: float = 0.0) -> Transform:
    """RMSProp (Hinton 2012): r <- alpha r + (1 - alpha) g^2, x <- x - lr g / (sqrt(r) + eps).

    With momentum mu (as torch): b <- mu b + g / (sqrt(r) + eps), x <- x - lr b.
    """
    parts = [add_decayed_weights(weight_decay), scale_by_rms(alpha, eps)]
    if check_unit("rmsprop", "momentum", momentum):
        parts.append(trace(momentum))
    return chain(*parts, name="rmsprop",
                 hyperparameters={"alpha": alpha, "eps": eps, "momentum": momentum,
                                  "weight_decay": weight_decay})


def adam(beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8, weight_decay: float = 0.0) -> Transform:
    """Adam (Kingma & Ba 2015): x <- x - lr m_hat / (sqrt(v_hat) + eps), with g + lambda x as gradient."""
    return chain(add_decayed_weights(weight_decay), scale_by_adam(beta1, beta2, eps), name="adam",
                 hyperparameters={"beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay})


def adamw(beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 0.01) -> Transform:
    """AdamW (Loshchilov & Hutter 2019): x <- x - lr (m_hat / (sqrt(v_hat) + eps) + lambda x).

    The decay is decoupled from the moments: it is added after Adam's scaling, not to g.
    """
    return chain(scale_by_adam(beta1, beta2, eps), add_decayed_weights(weight_decay), name="adamw",
                 hyperparameters={"beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay})


RULES = {"gd": gd, "momentum": momentum, "nesterov": nesterov, "adagrad": adagrad, "rmsprop": rmsprop,
         "adam": adam, "adamw": adamw}


def make_rule(method: str | Transform, **hyperparameters: Any) -> Transform:
    """The named rule with its hyperparameters checked; a Transform passes through.

    Raises:
        ValueError: an unknown method (the known ones are listed), an unknown hyperparameter
            (the accepted ones are listed) or a value out of range (named, with the value).
    """
    if isinstance(method, Transform):
        if hyperparameters:
            raise ValueError(f"minimize: hyperparameters {sorted(hyperparameters)} were given with a "
                             f"ready-made rule {method!r}; set them when building the rule")
        return method
    factory = RULES.get(method.lower()) if isinstance(method, str) else None
    if factory is None:
        raise ValueError(f"unknown method {method!r}; known methods: {', '.join(RULES)}")
    accepted = list(inspect.signature(factory).parameters)
    unknown = [k for k in hyperparameters if k not in accepted]
    if unknown:
        raise ValueError(f"{method}: unknown hyperparameter{'s' * (len(unknown) > 1)} {', '.join(unknown)}; "
                         f"{method} takes {', '.join(accepted)}")
    try:
        return factory(**hyperparameters)
    except ValueError as err:  # name the method the user asked for, not the inner transform
        raise ValueError(f"{method}: {str(err).split(': ', 1)[-1]}") from None


# --- state helpers -------------------------------------------------------------------------------
def state_buffers(state: Any, rule: Transform | None = None) -> dict[str, tuple[np.ndarray, float]]:
    """The state's public buffers by name, as (stored array, unit): the buffer's value is
    unit * stored (units from `rule`; 1 without it). Temporaries are left out; names clash only
    across a chain, and are then prefixed with the position of their transform ("1.momentum_buffer")."""
    if isinstance(state, tuple):
        parts = getattr(rule, "transforms", (None,) * len(state))
        items = [(i, k, b) for i, (s, tr) in enumerate(zip(state, parts, strict=True))
                 for k, b in state_buffers(s, tr).items()]
        counts = Counter(k for _, k, _ in items)
        return {k if counts[k] == 1 else f"{i}.{k}": b for i, k, b in items}
    units = getattr(rule, "units", {})
    return {k: (v, units.get(k, 1.0)) for k, v in state.items() if not k.startswith("_")}


def slice_state(state: Any, index: slice) -> Any:
    """The same state restricted to x[index] (views, so updates write through)."""
    if isinstance(state, tuple):
        return tuple(slice_state(s, index) for s in state)
    return {k: v[index] for k, v in state.items()}
