"""Optimization: update rules, model optimizers, learning-rate schedules, line searches, halting
conditions, and `minimize`.

    >>> import steepest as st
    >>> res = st.minimize(lambda x: (x ** 2).sum(), [3.0, -4.0], method="adam", lr=0.5, tol=1e-6)
    >>> res.converged
    True
"""

from steepest.optim import lbfgs, line_search, lr_scheduler, parallel, rules, schedules, steps, stopping
from steepest.optim.lbfgs import LBFGS
from steepest.optim.line_search import Armijo, StrongWolfe
from steepest.optim.lr_find import LRFind, lr_find
from steepest.optim.minimize import minimize
from steepest.optim.optimizers import (
    GD,
    OPTIMIZERS,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Momentum,
    Nesterov,
    Optimizer,
    RMSProp,
    RMSprop,
    make_optimizer,
)
from steepest.optim.parallel import get_num_threads, set_num_threads
from steepest.optim.result import Result
from steepest.optim.rules import RULES, make_rule
from steepest.optim.schedules import constant, cosine, exponential, inverse_time, step_decay, warmup
from steepest.optim.steps import BB, Polyak

__all__ = [
    "minimize", "Result", "Optimizer", "GD", "SGD", "Momentum", "Nesterov", "Adagrad", "RMSProp", "RMSprop",
    "Adam", "AdamW",
    "OPTIMIZERS", "make_optimizer", "RULES", "make_rule", "Armijo",
    "constant", "step_decay", "exponential", "inverse_time", "cosine", "warmup",
    "set_num_threads", "get_num_threads", "rules", "schedules", "stopping", "line_search", "parallel",
    "lr_scheduler", "StrongWolfe", "BB", "Polyak", "LBFGS", "lr_find", "LRFind", "steps", "lbfgs",
]
