"""The descent methods this installation of steepest has, found by asking steepest itself.

The lists are not written here: the update rules come from `steepest.optim.rules.RULES` (with
the hyperparameters their signatures name), and a method, line search or adaptive step that
`minimize` accepts but that is not a plain rule (L-BFGS, Wolfe line searches, Barzilai-Borwein
steps, when steepest has them) is found by offering its name to `minimize` on a parabola. So a
method added to steepest appears on the page without a change here.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

__all__ = ["methods", "method_names", "line_searches", "adaptive_steps", "SLIDERS", "CANDIDATES"]

# hyperparameters the page gives a slider: (low, high, step)
SLIDERS: dict[str, tuple[float, float, float]] = {
    "momentum": (0.0, 0.99, 0.01), "beta1": (0.0, 0.999, 0.001), "beta2": (0.9, 0.9999, 0.0001),
    "alpha": (0.5, 0.999, 0.001),
}
# names offered to minimize in case this steepest has them (more are harmless: refused ones are left out)
CANDIDATES = {"method": ("lbfgs", "l-bfgs", "bfgs", "newton", "cg"),
              "line_search": ("armijo", "wolfe", "strong_wolfe", "backtracking"),
              "lr": ("bb", "polyak")}


def _accepts(**settings: Any) -> bool:
    """Does minimize run with these settings (on x^2 from 1, for one step)?"""
    from steepest import minimize

    try:
        minimize(lambda x: x * x, 1.0, max_iter=1, **settings)
    except (ValueError, TypeError, KeyError, NotImplementedError):
        return False
    return True


@functools.cache
def methods() -> tuple[dict[str, Any], ...]:
    """[{"name": "momentum", "hyperparameters": {"momentum": 0.9}}, ...]: every rule, then the extras."""
    from steepest.optim.rules import RULES

    found = []
    for name, factory in RULES.items():
        params = inspect.signature(factory).parameters
        hyper = {k: p.default for k, p in params.items() if k in SLIDERS}
        found.append({"name": name, "hyperparameters": hyper, "line_search": True})
    for name in CANDIDATES["method"]:
        if name not in RULES and _accepts(method=name):
            found.append({"name": name, "hyperparameters": {}, "line_search": False})
    return tuple(found)


@functools.cache
def line_searches() -> tuple[str, ...]:
    """Line-search names minimize accepts, e.g. ("armijo",)."""
    seen: list[str] = []
    for name in CANDIDATES["line_search"]:
        if _accepts(line_search=name):
            seen.append(name)
    return tuple(n for n in seen if n != "backtracking" or "armijo" not in seen)


@functools.cache
def adaptive_steps() -> tuple[str, ...]:
    """Step-size names minimize accepts as lr (e.g. "bb" for Barzilai-Borwein), when it has them."""
    return tuple(name for name in CANDIDATES["lr"] if _accepts(lr=name))


def method_names() -> tuple[str, ...]:
    return tuple(m["name"] for m in methods())
