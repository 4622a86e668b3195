"""Model optimizers: the update rules of `rules.py` over a list of parameter tensors.

    opt = st.optim.Adam(model.parameters(), lr=1e-3)
    opt.zero_grad(); loss.backward(); opt.step()

All parameters of one dtype live in one flat array the optimizer owns: each parameter's
`.data` becomes a view into it (its values copied, never the caller's array). A step then
gathers the gradients into one flat array and runs the rule once over everything, so
a hundred small tensors cost about what one big tensor costs; a large flat array is cut
into chunks that run on several cores at once (`set_num_threads`; elementwise rules only).
If a parameter's `.data` is replaced by another array, the next step notices and copies it
back into the flat array.

Like torch.optim, a parameter whose `.grad` is None is skipped (no decay, no momentum, and
its step count does not advance); such steps run the rule parameter by parameter (so a
`clip_by_global_norm` in a custom rule then clips each parameter by its own norm).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from steepest.inplace import mark_written
from steepest.optim import parallel
from steepest.optim.rules import check_lr, make_rule, slice_state, state_buffers
from steepest.tensor import Tensor

__all__ = ["Optimizer", "GD", "Momentum", "Nesterov", "Adagrad", "RMSProp", "Adam", "AdamW", "OPTIMIZERS",
           "make_optimizer"]


class _Group:
    """The parameters of one dtype: a flat array, their views into it, and the rule's state."""

    __slots__ = ("index", "slices", "x", "views", "grad", "state", "scratch")

    def __init__(self, params: list[Tensor], index: list[int], rule: Any):
        self.index = index
        sizes = [params[i].data.size for i in index]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        self.slices = [slice(a, b) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
        dtype = params[index[0]].data.dtype
        self.x = np.empty(offsets[-1], dtype)
        self.views: list[np.ndarray] = []
        for i, sl in zip(index, self.slices, strict=True):
            self.x[sl] = params[i].data.reshape(-1)
            self.views.append(self.x[sl].reshape(params[i].data.shape))
            params[i].data = self.views[-1]
        self.grad = np.empty_like(self.x) if len(index) > 1 else None
        self.state = rule.init(self.x)
        self.scratch = np.empty_like(self.x)

    def sync(self, params: list[Tensor]) -> None:
        """Re-adopt parameters whose .data was replaced since the last step."""
        for i, view in zip(self.index, self.views, strict=True):
            data = params[i].data
            if data is not view:
                if data.shape != view.shape:
                    raise ValueError(f"optimizer: parameter {i} changed shape from {view.shape} to "
                                     f"{data.shape}; build a new optimizer for the new parameters")
                view[...] = data
                params[i].data = view

    def update(self, rule: Any, g: np.ndarray, sl: slice, t: int, lr: float) -> None:
        """One step of the entries x[sl] (views, so the state and x are written through)."""
        rule.step(g[sl], slice_state(self.state, sl), self.x[sl], t, lr, self.scratch[sl])

    def gather(self, grads: list[Any]) -> np.ndarray:
        """The gradients as one flat array (no copy for a single contiguous parameter)."""
        if self.grad is None:
            g = grads[self.index[0]].data
            if g.shape != self.views[0].shape:
                raise ValueError(f"optimizer.step: the gradient has shape {g.shape}, the parameter "
                                 f"{self.views[0].shape}")
            return g.reshape(-1) if g.dtype == self.x.dtype else g.astype(self.x.dtype).reshape(-1)
        arrays = [grads[i].data.reshape(-1) for i in self.index]
        try:
            np.concatenate(arrays, out=self.grad)
        except ValueError:
            shapes = [grads[i].data.shape for i in self.index]
            raise ValueError(f"optimizer.step: gradients of shapes {shapes} do not match the parameters' "
                             f"{[v.shape for v in self.views]}") from None
        return self.grad


class Optimizer:
    """Base of the optimizers: a rule from `rules.py` applied to parameters in place.

    Attributes:
        params: the list of parameter tensors.
        lr: the learning rate (a float > 0; set it between steps to follow a schedule).
        hyperparameters: the rule's settings, as given.

    Example:
        >>> import steepest as st
        >>> w = st.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = st.optim.Momentum([w], lr=0.1, momentum=0.9)
        >>> for t in range(3):
        ...     opt.zero_grad()
        ...     (w ** 2).sum().backward()          # grad = 2 w
        ...     opt.step()                          # b <- 0.9 b + 2 w;  w <- w - 0.1 b
        >>> w.data
        array([ 0.062, -0.124])
    """

    method = ""

    def __init__(self, params: Iterable[Tensor], lr: float, **hyperparameters: Any):
        who = type(self).__name__
        self.params = _as_params(params, who)
        self.lr = check_lr(who, lr)
        self._setup(hyperparameters)

    def _setup(self, hyperparameters: dict[str, Any]) -> None:
        who = type(self).__name__
        try:
            self.rule = make_rule(self.method, **hyperparameters)
        except ValueError as err:
            raise ValueError(f"{who}: {str(err).split(': ', 1)[-1]}") from None
        self.hyperparameters = dict(self.rule.hyperparameters)
        by_dtype: dict[np.dtype, list[int]] = {}
        for i, p in enumerate(self.params):
            by_dtype.setdefault(p.data.dtype, []).append(i)
        self._groups = [_Group(self.params, index, self.rule) for index in by_dtype.values()]
        self._steps = [0] * len(self.params)
        self._common_step: int | None = 0  # the step count when all parameters share it

    def zero_grad(self) -> None:
        """Forget the gradients (set every .grad to None, as torch's default)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """One update of every parameter that has a gradient: x <- x - lr d(g)."""
        lr = self.lr
        if not lr >= 0:  # 0 is allowed between steps: a schedule may end there
            raise ValueError(f"{type(self).__name__}.step: lr must be >= 0, got {lr!r}")
        params, rule = self.params, self.rule
        grads = [p.grad for p in params]
        if self._common_step is None or any(g is None for g in grads):
            return self._step_each(grads, lr)
        t = self._common_step + 1
        self._common_step = t
        for grp in self._groups:
            grp.sync(params)
            g = grp.gather(grads)
            pieces = parallel.chunks(g.size) if rule.elementwise else []
            if pieces:  # a large array: its chunks at once on several cores
                parallel.run(lambda sl, grp=grp, g=g: grp.update(rule, g, sl, t, lr), pieces)
            else:
                rule.step(g, grp.state, grp.x, t, lr, grp.scratch)
            mark_written(grp.x)  # a graph recorded before the step must not use the new values

    def _step_each(self, grads: list[Any], lr: float) -> None:
        """Parameter by parameter, skipping those without a gradient (each keeps its own step count)."""
        if self._common_step is not None:
            self._steps = [self._common_step] * len(self.params)
        for grp in self._groups:
            grp.sync(self.params)
            for i, sl, view in zip(grp.index, grp.slices, grp.views, strict=True):
                if grads[i] is None:
                    continue
                self._steps[i] += 1
                g = np.asarray(grads[i].data, dtype=view.dtype).reshape(-1)
                self.rule.step(g, slice_state(grp.state, sl), grp.x[sl], self._steps[i], lr, grp.scratch[sl])
                mark_written(view)
        same = all(s == self._steps[0] for s in self._steps)
        self._common_step = self._steps[0] if same else None

    # --- saving and resuming --------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume: method, lr, hyperparameters, step counts, and the rule's
        buffers per parameter (copies, shaped like the parameters, with torch.optim's meaning:
        Adam's exp_avg is m, though it is stored as m / (1 - b1))."""
        steps = self._steps if self._common_step is None else [self._common_step] * len(self.params)
        state: dict[str, list[np.ndarray]] = {}
        for grp in self._groups:
            for name, (flat, unit) in state_buffers(grp.state, self.rule).items():
                column = state.setdefault(name, [None] * len(self.params))
                for i, sl, view in zip(grp.index, grp.slices, grp.views, strict=True):
                    column[i] = np.multiply(flat[sl], unit).reshape(view.shape)  # a new array: a copy
        return {"method": self.method, "lr": self.lr, "hyperparameters": dict(self.hyperparameters),
                "step": list(steps), "state": state}

    def load_state_dict(self, d: dict[str, Any]) -> None:
        """Resume from `state_dict()`: lr, hyperparameters, step counts and buffers (copied in)."""
        who = f"{type(self).__name__}.load_state_dict"
        if d.get("method") != self.method:
            raise ValueError(f"{who}: the state is for {d.get('method')!r}, "
                             f"this optimizer is {self.method!r}")
        if len(d["step"]) != len(self.params):
            raise ValueError(f"{who}: the state has {len(d['step'])} parameters, this optimizer "
                             f"{len(self.params)}")
        for grp in self._groups:
            grp.sync(self.params)
        self.lr = check_lr(who, d["lr"])
        self._setup(dict(d["hyperparameters"]))
        for grp in self._groups:
            buffers = state_buffers(grp.state, self.rule)
            if set(buffers) != set(d["state"]):
                raise ValueError(f"{who}: the state has buffers {sorted(d['state'])}, "
                                 f"expected {sorted(buffers)}")
            for name, (flat, unit) in buffers.items():
                for i, sl, view in zip(grp.index, grp.slices, grp.views, strict=True):
                    value = np.asarray(d["state"][name][i])
                    if value.shape != view.shape:
                        raise ValueError(f"{who}: {name} of parameter {i} has shape {value.shape}, "
                                         f"the parameter {view.shape}")
                    flat[sl] = value.reshape(-1) / unit
        self._steps = [int(s) for s in d["step"]]
        same = all(s == self._steps[0] for s in self._steps)
        self._common_step = self._steps[0] if same else None

    def __repr__(self) -> str:
        hp = "".join(f", {k}={v!r}" for k, v in self.hyperparameters.items())
        n = sum(p.data.size for p in self.params)
        return f"{type(self).__name__}(lr={self.lr!r}{hp}; {len(self.params)} tensors, {n:,} parameters)"


def _as_params(params: Iterable[Tensor], who: str) -> list[Tensor]:
    if isinstance(params, Tensor):
        params = [params]
    params = list(params)
    if not params:
        raise ValueError(f"{who}: got an empty list of parameters")
    seen: set[int] = set()
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{who}: parameter {i} is a {type(p).__name__}, not a Tensor; pass "
                            "model.parameters() or tensors made with st.tensor(..., requires_grad=True)")
        if p.data.dtype.kind != "f":
            raise TypeError(f"{who}: parameter {i} has dtype {p.data.dtype}; "
                            "only float tensors can be optimized")
        if not p.is_leaf:
            raise ValueError(f"{who}: parameter {i} was made by an operation ({p.op_name}); "
                             "optimize leaf tensors")
        if id(p) in seen:
            raise ValueError(f"{who}: parameter {i} appears twice in the list")
        seen.add(id(p))
    return params


class GD(Optimizer):
    """Gradient descent: x <- x - lr (g + lambda x) (torch.optim.SGD without momentum)."""

    method = "gd"

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay=weight_decay)


class Momentum(Optimizer):
    """Heavy-ball momentum (Polyak 1964), PyTorch's convention (torch.optim.SGD(momentum=mu)):

        b <- mu b + (g + lambda x),    x <- x - lr b.

    The seeds' v <- gamma v + eta g, x <- x - v gives the same iterates with gamma = mu and
    v = lr b while lr is constant.
    """

    method = "momentum"

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, momentum: float = 0.9,
                 weight_decay: float = 0.0):
        super().__init__(params, lr, momentum=momentum, weight_decay=weight_decay)


class Nesterov(Optimizer):
    """Nesterov momentum (Nesterov 1983; Sutskever et al. 2013), as torch.optim.SGD(nesterov=True):

        b <- mu b + g,    x <- x - lr (g + mu b).
    """

    method = "nesterov"

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, momentum: float = 0.9,
                 weight_decay: float = 0.0):
        super().__init__(params, lr, momentum=momentum, weight_decay=weight_decay)


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer 2011), as torch.optim.Adagrad (lr_decay=0):

        s <- s + g^2,    x <- x - lr g / (sqrt(s) + eps).
    """

    method = "adagrad"

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, eps: float = 1e-10,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0):
        super().__init__(params, lr, eps=eps, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value)


class RMSProp(Optimizer):
    """RMSProp (Hinton, Neural Networks for Machine Learning, lecture 6e, 2012), as torch.optim.RMSprop:

        r <- alpha r + (1 - alpha) g^2,    x <- x - lr g / (sqrt(r) + eps)
        (with momentum mu: b <- mu b + g / (sqrt(r) + eps), x <- x - lr b).
    """

    method = "rmsprop"

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr, alpha=alpha, eps=eps, momentum=momentum, weight_decay=weight_decay)


class Adam(Optimizer):
    """Adam (Kingma & Ba, ICLR 2015), as torch.optim.Adam (amsgrad=False):

        m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
        x <- x - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps),   with g + lambda x for g.
    `betas=(b1, b2)` is accepted as torch spells it.
    """

    method = "adam"

    def __init__(self, params: Iterable[Tensor], lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0, betas: tuple[float, float] | None = None):
        beta1, beta2 = betas if betas is not None else (beta1, beta2)
        super().__init__(params, lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay)


class AdamW(Optimizer):
    """AdamW (Loshchilov & Hutter, ICLR 2019), as torch.optim.AdamW: Adam with decoupled decay,

        x <- x - lr (m_hat / (sqrt(v_hat) + eps) + lambda x).
    """

    method = "adamw"

    def __init__(self, params: Iterable[Tensor], lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.01, betas: tuple[float, float] | None = None):
        beta1, beta2 = betas if betas is not None else (beta1, beta2)
        super().__init__(params, lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "gd": GD, "momentum": Momentum, "nesterov": Nesterov,
    "adagrad": Adagrad, "rmsprop": RMSProp, "adam": Adam, "adamw": AdamW,
}


def make_optimizer(name_or_optimizer: str | Optimizer | type[Optimizer], params: Iterable[Tensor],
                   lr: float = 0.1, **options: Any) -> Optimizer:
    """An optimizer by name ("adam", ...) over `params`; an Optimizer object passes through unchanged.

        >>> import steepest as st
        >>> make_optimizer("adam", [st.tensor([1.0], requires_grad=True)], lr=0.01)
        Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.0; 1 tensors, 1 parameters)

    Raises:
        ValueError: an unknown name (the known ones are listed) or a bad hyperparameter.
    """
    if isinstance(name_or_optimizer, Optimizer):
        return name_or_optimizer
    if isinstance(name_or_optimizer, type) and issubclass(name_or_optimizer, Optimizer):
        return name_or_optimizer(params, lr=lr, **options)
    cls = OPTIMIZERS.get(name_or_optimizer.lower()) if isinstance(name_or_optimizer, str) else None
    if cls is None:
        known = ", ".join(OPTIMIZERS)
        raise ValueError(f"unknown optimizer {name_or_optimizer!r}; known optimizers: {known}")
    try:
        return cls(params, lr=lr, **options)
    except TypeError as err:
        raise ValueError(f"{cls.__name__}: {err}") from None
