"""Model optimizers: the update rules of `rules.py` over parameter tensors, with torch.optim's names.

    opt = st.optim.Adam(model.parameters(), lr=1e-3)
    opt.zero_grad(); loss.backward(); opt.step()

`Optimizer` (optimizer.py) holds the param groups, the flat buffers and the state; the classes
here only name a rule and its settings. `SGD` and `RMSprop` are torch.optim's spellings: SGD
maps momentum / nesterov onto GD, Momentum and Nesterov (the same rules, not a second copy),
and RMSprop is RMSProp itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from steepest.optim.optimizer import Optimizer
from steepest.tensor import Tensor

__all__ = ["Optimizer", "GD", "SGD", "Momentum", "Nesterov", "Adagrad", "RMSProp", "RMSprop", "Adam", "AdamW",
           "OPTIMIZERS", "make_optimizer"]

Params = Iterable[Tensor] | Iterable[dict]


class GD(Optimizer):
    """Gradient descent: x <- x - lr (g + lambda x) (torch.optim.SGD without momentum)."""

    method = "gd"

    def __init__(self, params: Params, lr: float = 0.01, weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay=weight_decay)


class SGD(Optimizer):
    """torch.optim.SGD: gradient descent, with momentum mu, dampening tau and Nesterov as torch has them,

        g <- g + lambda x;   b <- mu b + (1 - tau) g  (b = g on the first step);
        x <- x - lr b,  or with nesterov  x <- x - lr (g + mu b).

    The rule is GD's, Momentum's or Nesterov's, by the settings of each param group (so a group
    may have momentum and another not). lr defaults to 0.001, as torch's.
    """

    method = "sgd"

    def __init__(self, params: Params, lr: float = 0.001, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(params, lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                         nesterov=nesterov)

    def _rule_settings(self, group: dict) -> tuple[str, dict[str, Any]]:
        mu, tau, decay = group["momentum"], group["dampening"], group["weight_decay"]
        if group["nesterov"]:
            if not mu or tau:
                raise ValueError(f"SGD: nesterov=True needs a momentum > 0 and dampening 0, "
                                 f"got momentum={mu!r}, dampening={tau!r}")
            return "nesterov", {"momentum": mu, "weight_decay": decay}
        if not mu:
            return "gd", {"weight_decay": decay}  # dampening acts on the momentum buffer: none here
        return "momentum", {"momentum": mu, "weight_decay": decay, "dampening": tau}


class Momentum(Optimizer):
    """Heavy-ball momentum (Polyak 1964), PyTorch's convention (torch.optim.SGD(momentum=mu)):

        b <- mu b + (g + lambda x),    x <- x - lr b.

    The seeds' v <- gamma v + eta g, x <- x - v gives the same iterates with gamma = mu and
    v = lr b while lr is constant.
    """

    method = "momentum"

    def __init__(self, params: Params, lr: float = 0.01, momentum: float = 0.9,
                 weight_decay: float = 0.0):
        super().__init__(params, lr, momentum=momentum, weight_decay=weight_decay)


class Nesterov(Optimizer):
    """Nesterov momentum (Nesterov 1983; Sutskever et al. 2013), as torch.optim.SGD(nesterov=True):

        b <- mu b + g,    x <- x - lr (g + mu b).
    """

    method = "nesterov"

    def __init__(self, params: Params, lr: float = 0.01, momentum: float = 0.9,
                 weight_decay: float = 0.0):
        super().__init__(params, lr, momentum=momentum, weight_decay=weight_decay)


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer 2011), as torch.optim.Adagrad (lr_decay=0):

        s <- s + g^2,    x <- x - lr g / (sqrt(s) + eps).
    """

    method = "adagrad"

    def __init__(self, params: Params, lr: float = 0.01, eps: float = 1e-10,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0):
        super().__init__(params, lr, eps=eps, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value)


class RMSProp(Optimizer):
    """RMSProp (Hinton, Neural Networks for Machine Learning, lecture 6e, 2012), as torch.optim.RMSprop:

        r <- alpha r + (1 - alpha) g^2,    x <- x - lr g / (sqrt(r) + eps)
        (with momentum mu: b <- mu b + g / (sqrt(r) + eps), x <- x - lr b).
    """

    method = "rmsprop"

    def __init__(self, params: Params, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr, alpha=alpha, eps=eps, momentum=momentum, weight_decay=weight_decay)


class Adam(Optimizer):
    """Adam (Kingma & Ba, ICLR 2015), as torch.optim.Adam (amsgrad=False):

        m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
        x <- x - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps),   with g + lambda x for g.
    `betas=(b1, b2)` is accepted as torch spells it.
    """

    method = "adam"

    def __init__(self, params: Params, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0, betas: tuple[float, float] | None = None):
        betas = tuple(betas) if betas is not None else (beta1, beta2)
        super().__init__(params, lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def _rule_settings(self, group: dict) -> tuple[str, dict[str, Any]]:
        return _with_betas(self, group)


class AdamW(Optimizer):
    """AdamW (Loshchilov & Hutter, ICLR 2019), as torch.optim.AdamW: Adam with decoupled decay,

        x <- x - lr (m_hat / (sqrt(v_hat) + eps) + lambda x).
    """

    method = "adamw"

    def __init__(self, params: Params, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.01, betas: tuple[float, float] | None = None):
        betas = tuple(betas) if betas is not None else (beta1, beta2)
        super().__init__(params, lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def _rule_settings(self, group: dict) -> tuple[str, dict[str, Any]]:
        return _with_betas(self, group)


def _with_betas(opt: Optimizer, group: dict) -> tuple[str, dict[str, Any]]:
    """A group's settings with torch's betas=(b1, b2) as the rule's beta1, beta2."""
    method, hp = Optimizer._rule_settings(opt, group)
    betas = hp.pop("betas")
    try:
        hp["beta1"], hp["beta2"] = betas
    except (TypeError, ValueError):
        raise ValueError(f"{type(opt).__name__}: betas must be a pair (beta1, beta2), "
                         f"got {betas!r}") from None
    return method, hp


RMSprop = RMSProp  # torch.optim's spelling: the same class

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "gd": GD, "momentum": Momentum, "nesterov": Nesterov,
    "adagrad": Adagrad, "rmsprop": RMSProp, "adam": Adam, "adamw": AdamW, "sgd": SGD,
}


def make_optimizer(name_or_optimizer: str | Optimizer | type[Optimizer], params: Params,
                   lr: float | None = None, **options: Any) -> Optimizer:
    """An optimizer over `params` from a name ("adam", ...) or a class (st.optim.Adam), with
    `lr` (0.1 when not given) and `options`; a ready Optimizer passes through unchanged.

        >>> import steepest as st
        >>> make_optimizer("adam", [st.tensor([1.0], requires_grad=True)], lr=0.01)
        Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.0; 1 tensors, 1 parameters)

    Raises:
        ValueError: an unknown name (the known ones are listed), a bad or unknown hyperparameter,
            or lr / options given with a ready optimizer (they would be ignored: set them when
            building it).
    """
    if isinstance(name_or_optimizer, Optimizer):
        given = ([f"lr={lr!r}"] if lr is not None else []) + sorted(options)
        if given:
            raise ValueError(f"{', '.join(given)} given with a ready optimizer {name_or_optimizer!r}; "
                             "they would be ignored: set them when building it, or pass the class "
                             f"(st.optim.{type(name_or_optimizer).__name__}) or its name instead")
        return name_or_optimizer
    if isinstance(name_or_optimizer, type) and issubclass(name_or_optimizer, Optimizer):
        cls = name_or_optimizer
    else:
        cls = OPTIMIZERS.get(name_or_optimizer.lower()) if isinstance(name_or_optimizer, str) else None
    if cls is None:
        known = ", ".join(OPTIMIZERS)
        raise ValueError(f"unknown optimizer {name_or_optimizer!r}; known optimizers: {known} "
                         "(or pass an optimizer class or object)")
    try:
        return cls(params, lr=0.1 if lr is None else lr, **options)
    except TypeError as err:
        raise ValueError(f"{cls.__name__}: {err}") from None
