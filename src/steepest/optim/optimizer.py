"""The Optimizer base: an update rule from `rules.py` applied to parameters in place, by groups.

    opt = st.optim.Adam(model.parameters(), lr=1e-3)
    opt.zero_grad(); loss.backward(); opt.step()

As in torch.optim, `params` is a list of tensors or a list of param groups, dicts with "params"
and any settings of their own ({"params": head, "lr": 1e-2}); `opt.param_groups` is that list,
each dict holding all its settings, and changing one ("lr", or "momentum", ...) between steps
takes effect at the next step (a changed hyperparameter rebuilds that group's rule, its buffers
carried over). All parameters of one group and one dtype live in one flat array the optimizer
owns (`flat.py`); a large one is cut into chunks that run on several cores at once
(`set_num_threads`; elementwise rules only).

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
from steepest.optim.flat import FlatGroup
from steepest.optim.rules import check_lr, make_rule, slice_state, state_buffers
from steepest.tensor import Tensor

__all__ = ["Optimizer"]

# the group keys that are not the rule's settings (initial_lr is a scheduler's, as in torch)
_NOT_RULE = ("params", "lr", "initial_lr")


class Optimizer:
    """Base of the optimizers: a rule from `rules.py` applied to parameters in place.

    Attributes:
        param_groups: the list of groups, as torch.optim: dicts with "params", "lr" and the
            rule's settings; change them between steps.
        params: every parameter tensor, in order.
        lr: the first group's learning rate; setting it sets every group's (refused when the
            groups' learning rates differ: set param_groups[i]["lr"], or use lr_scheduler).
        hyperparameters: the first group's rule settings, as the rule names them.

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

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float, **hyperparameters: Any):
        who = type(self).__name__
        self.defaults = {"lr": check_lr(who, lr), **hyperparameters}
        self.param_groups = [self._group(g, k, who) for k, g in enumerate(_as_groups(params, who))]
        self.params = _as_params([p for g in self.param_groups for p in g["params"]], who)
        self._build()

    # --- groups and their rules ----------------------------------------------------------------
    def _group(self, g: dict, k: int, who: str) -> dict:
        self._check_keys(g, k, who)
        group = {"params": g["params"], **self.defaults, **{n: v for n, v in g.items() if n != "params"}}
        group["lr"] = check_lr(f"{who}, param group {k}", group["lr"])
        return group

    def _check_keys(self, g: dict, k: int, who: str) -> None:
        unknown = sorted(set(g) - set(_NOT_RULE) - set(self.defaults))
        if unknown:
            raise ValueError(f"{who}: param group {k} has unknown setting(s) {unknown}; "
                             f"{type(self).__name__}'s settings are {sorted(self.defaults)}")

    def _rule_settings(self, group: dict) -> tuple[str, dict[str, Any]]:
        """(method, hyperparameters) of the rule for a group; subclasses translate torch's names."""
        return self.method, {k: v for k, v in group.items() if k not in _NOT_RULE}

    def _make_rule(self, group: dict) -> Any:
        method, hp = self._rule_settings(group)
        try:
            return make_rule(method, **hp)
        except ValueError as err:
            raise ValueError(f"{type(self).__name__}: {str(err).split(': ', 1)[-1]}") from None

    @staticmethod
    def _settings(group: dict) -> dict:
        return {k: v for k, v in group.items() if k not in _NOT_RULE}

    def _build(self) -> None:
        self._rules = [self._make_rule(g) for g in self.param_groups]
        self._built = [self._settings(g) for g in self.param_groups]
        by_key: dict[tuple[int, np.dtype], list[int]] = {}
        i = 0
        for k, g in enumerate(self.param_groups):
            for p in g["params"]:
                by_key.setdefault((k, p.data.dtype), []).append(i)
                i += 1
        self._groups = [FlatGroup(self.params, index, self._rules[k], k) for (k, _), index in by_key.items()]
        self._steps = [0] * len(self.params)
        self._common_step: int | None = 0  # the step count when all parameters share it

    def _refresh(self) -> None:
        """Rebuild the rule of a group whose settings were changed in param_groups since the last step."""
        if len(self.param_groups) != len(self._built):
            raise ValueError(f"{type(self).__name__}.step: param_groups went from {len(self._built)} to "
                             f"{len(self.param_groups)} groups; build a new optimizer for new parameters")
        for k, group in enumerate(self.param_groups):
            if _unchanged(group, self._built[k]):
                continue
            settings = self._settings(group)
            self._check_keys(group, k, f"{type(self).__name__}.step")
            rule = self._make_rule(group)
            for grp in self._groups:
                if grp.pg == k:
                    grp.state = _carry(grp.state, self._rules[k], rule, grp.x)
            self._rules[k], self._built[k] = rule, settings

    @property
    def lr(self) -> float:
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        lrs = [g["lr"] for g in self.param_groups]
        if any(lr != lrs[0] for lr in lrs):
            raise ValueError(f"{type(self).__name__}.lr: the param groups have different learning rates "
                             f"{lrs}; set opt.param_groups[i]['lr'] for each, or use st.optim.lr_scheduler, "
                             "which scales every group from its own")
        for g in self.param_groups:
            g["lr"] = value

    @property
    def rule(self) -> Any:
        return self._rules[0]

    @rule.setter
    def rule(self, rule: Any) -> None:
        self._rules = [rule] * len(self._rules)

    @property
    def hyperparameters(self) -> dict[str, Any]:
        return dict(self._rules[0].hyperparameters)

    # --- stepping -------------------------------------------------------------------------------
    def zero_grad(self) -> None:
        """Forget the gradients (set every .grad to None, as torch's default)."""
        for p in self.params:
            p.grad = None

    def _lr(self, k: int) -> float:
        lr = self.param_groups[k]["lr"]
        if not lr >= 0:  # 0 is allowed between steps: a schedule may end there
            raise ValueError(f"{type(self).__name__}.step: lr must be >= 0, got {lr!r}")
        return lr

    def step(self) -> None:
        """One update of every parameter that has a gradient: x <- x - lr d(g)."""
        self._refresh()
        lrs = [self._lr(k) for k in range(len(self.param_groups))]
        params = self.params
        grads = [p.grad for p in params]
        if self._common_step is None or any(g is None for g in grads):
            return self._step_each(grads, lrs)
        t = self._common_step + 1
        self._common_step = t
        for grp in self._groups:
            rule, lr = self._rules[grp.pg], lrs[grp.pg]
            grp.sync(params)
            g = grp.gather(grads)
            pieces = parallel.chunks(g.size) if rule.elementwise else []
            if pieces:  # a large array: its chunks at once on several cores
                parallel.run(lambda sl, grp=grp, g=g, r=rule, lr=lr: grp.update(r, g, sl, t, lr), pieces)
            else:
                rule.step(g, grp.state, grp.x, t, lr, grp.scratch)
            mark_written(grp.x)  # a graph recorded before the step must not use the new values

    def _step_each(self, grads: list[Any], lrs: list[float]) -> None:
        """Parameter by parameter, skipping those without a gradient (each keeps its own step count)."""
        if self._common_step is not None:
            self._steps = [self._common_step] * len(self.params)
        for grp in self._groups:
            rule, lr = self._rules[grp.pg], lrs[grp.pg]
            grp.sync(self.params)
            for i, sl, view in zip(grp.index, grp.slices, grp.views, strict=True):
                if grads[i] is None:
                    continue
                self._steps[i] += 1
                g = np.asarray(grads[i].data, dtype=view.dtype).reshape(-1)
                rule.step(g, slice_state(grp.state, sl), grp.x[sl], self._steps[i], lr, grp.scratch[sl])
                mark_written(view)
        same = all(s == self._steps[0] for s in self._steps)
        self._common_step = self._steps[0] if same else None

    # --- saving and resuming --------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume: method, param groups (settings and parameter indices), step
        counts, and the rule's buffers per parameter (copies, shaped like the parameters, with
        torch.optim's meaning: Adam's exp_avg is m, though it is stored as m / (1 - b1)); "lr" and
        "hyperparameters" are the first group's."""
        steps = self._steps if self._common_step is None else [self._common_step] * len(self.params)
        state: dict[str, list[np.ndarray | None]] = {}
        for grp in self._groups:
            for name, (flat, unit) in state_buffers(grp.state, self._rules[grp.pg]).items():
                column = state.setdefault(name, [None] * len(self.params))
                for i, sl, view in zip(grp.index, grp.slices, grp.views, strict=True):
                    column[i] = np.multiply(flat[sl], unit).reshape(view.shape)  # a new array: a copy
        groups, start = [], 0
        for g in self.param_groups:
            n = len(g["params"])
            groups.append({**self._settings(g), "lr": g["lr"], "params": list(range(start, start + n))})
            start += n
        return {"method": self.method, "lr": self.lr, "hyperparameters": self.hyperparameters,
                "param_groups": groups, "step": list(steps), "state": state}

    def load_state_dict(self, d: dict[str, Any]) -> None:
        """Resume from `state_dict()`: the groups' settings, step counts and buffers (copied in)."""
        who = f"{type(self).__name__}.load_state_dict"
        if d.get("method") != self.method:
            raise ValueError(f"{who}: the state is for {d.get('method')!r}, "
                             f"this optimizer is {self.method!r}")
        if len(d["step"]) != len(self.params):
            raise ValueError(f"{who}: the state has {len(d['step'])} parameters, this optimizer "
                             f"{len(self.params)}")
        mine = self.state_dict()["param_groups"]
        saved = d.get("param_groups")
        if saved is None or [g["params"] for g in saved] != [g["params"] for g in mine]:
            raise ValueError(f"{who}: the state's param groups hold parameters "
                             f"{None if saved is None else [g['params'] for g in saved]}, this optimizer's "
                             f"{[g['params'] for g in mine]}")
        for grp in self._groups:
            grp.sync(self.params)
        for k, (group, s) in enumerate(zip(self.param_groups, saved, strict=True)):
            self._check_keys(s, k, who)
            group.update({n: v for n, v in s.items() if n != "params"})
        self._build()
        _load_buffers(self, d["state"], who)
        self._steps = [int(s) for s in d["step"]]
        same = all(s == self._steps[0] for s in self._steps)
        self._common_step = self._steps[0] if same else None

    def __repr__(self) -> str:
        hp = "".join(f", {k}={v!r}" for k, v in self.hyperparameters.items())
        n = sum(p.data.size for p in self.params)
        groups = f", {len(self.param_groups)} param groups" if len(self.param_groups) > 1 else ""
        sizes = f"{len(self.params)} tensors, {n:,} parameters{groups}"
        return f"{type(self).__name__}(lr={self.lr!r}{hp}; {sizes})"


def _unchanged(group: dict, built: dict) -> bool:
    """group's settings are still `built` (checked at every step, so by identity first: cheap)."""
    if len(group) - ("initial_lr" in group) != len(built) + 2:
        return False
    for name, value in built.items():
        now = group.get(name, _NOT_RULE)
        if now is not value and now != value:
            return False
    return True


def _load_buffers(opt: Optimizer, state: dict[str, list], who: str) -> None:
    """Copy saved buffers (by their torch meaning) into the optimizer's flat state."""
    used: set[str] = set()
    for grp in opt._groups:
        for name, (flat, unit) in state_buffers(grp.state, opt._rules[grp.pg]).items():
            used.add(name)
            column = state.get(name)
            for i, sl, view in zip(grp.index, grp.slices, grp.views, strict=True):
                value = None if column is None else column[i]
                if value is None:
                    raise ValueError(f"{who}: the state has no {name} for parameter {i}")
                value = np.asarray(value)
                if value.shape != view.shape:
                    raise ValueError(f"{who}: {name} of parameter {i} has shape {value.shape}, "
                                     f"the parameter {view.shape}")
                flat[sl] = value.reshape(-1) / unit
    if set(state) != used:
        raise ValueError(f"{who}: the state has buffers {sorted(state)}, expected {sorted(used)}")


def _carry(state: Any, old_rule: Any, new_rule: Any, x: np.ndarray) -> Any:
    """The new rule's state for x, with the buffers both rules keep carried over (by their meaning)."""
    new_state = new_rule.init(x)
    old = state_buffers(state, old_rule)
    for name, (flat, unit) in state_buffers(new_state, new_rule).items():
        if name in old:
            old_flat, old_unit = old[name]
            np.multiply(old_flat, old_unit / unit, out=flat)
    return new_state


def _as_groups(params: Any, who: str) -> list[dict]:
    """The param groups: a list of tensors is one group; a list of dicts is the groups themselves."""
    if isinstance(params, Tensor):
        params = [params]
    params = list(params)
    if params and all(isinstance(g, dict) for g in params):
        groups = []
        for k, g in enumerate(params):
            if "params" not in g:
                raise ValueError(f"{who}: param group {k} has no 'params'; pass dicts such as "
                                 "{'params': model.parameters(), 'lr': 0.01}")
            ps = g["params"]
            groups.append({**g, "params": [ps] if isinstance(ps, Tensor) else list(ps)})
        return groups
    if any(isinstance(g, dict) for g in params):
        raise TypeError(f"{who}: pass a list of tensors or a list of param groups (dicts), not a mixture")
    return [{"params": params}]


def _as_params(params: list[Tensor], who: str) -> list[Tensor]:
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
