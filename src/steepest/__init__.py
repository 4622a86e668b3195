"""steepest: gradient descent and backpropagation done properly, on NumPy.

    >>> import steepest as st
    >>> x = st.tensor([1.0, 2.0], requires_grad=True)
    >>> (x ** 2).sum().backward()
    >>> x.grad
    tensor([2., 4.])
"""

from steepest.tensor import ConcretizationError, Tensor, is_grad_enabled, tensor  # isort: skip  (ops need Tensor first)
from steepest import data, nn, optim
from steepest.autodiff import backward, enable_grad, gradients, no_grad, tangents
from steepest.check import GradientCheckError, check_grad
from steepest.expr import ExprError, parse
from steepest.jax_api import jacfwd, jacrev, vmap
from steepest.ops import OPS
from steepest.ops.creation import (
    arange,
    eye,
    from_numpy,
    full,
    linspace,
    ones,
    ones_like,
    rand,
    randn,
    zeros,
    zeros_like,
)
from steepest.ops.elementwise import abs_ as abs  # noqa: A001
from steepest.ops.elementwise import (
    add,
    astype,
    clip,
    cos,
    div,
    exp,
    log,
    maximum,
    minimum,
    mul,
    neg,
    power,
    relu,
    sigmoid,
    sin,
    sqrt,
    sub,
    tan,
    tanh,
    where,
)
from steepest.ops.linalg import dot, matmul, outer
from steepest.ops.reduce import log_softmax, logsumexp, mean, softmax
from steepest.ops.reduce import max_ as max  # noqa: A001
from steepest.ops.reduce import min_ as min  # noqa: A001
from steepest.ops.reduce import sum_ as sum  # noqa: A001
from steepest.ops.shape import (
    broadcast_to,
    concatenate,
    expand_dims,
    getitem,
    reshape,
    squeeze,
    stack,
    swapaxes,
    transpose,
)
from steepest.optim.lr_find import LRFind, lr_find
from steepest.optim.minimize import Result, minimize
from steepest.sweep import SweepResult, sweep
from steepest.train import EarlyStopping, History, fit
from steepest.transforms import directional_derivative, grad, hessian, hvp, jacobian, jvp, value_and_grad, vjp
from steepest.viz.graph import draw_graph, explain, graph_dot, show_graph  # viz loads matplotlib lazily

__version__ = "0.1.0"

__all__ = [
    "Tensor", "tensor", "is_grad_enabled", "backward", "gradients", "tangents", "no_grad", "enable_grad",
    "OPS", "zeros", "ones", "full", "zeros_like", "ones_like", "arange", "linspace", "eye", "randn", "rand",
    "from_numpy",
    "add", "sub", "mul", "div", "power", "neg", "exp", "log", "sin", "cos", "tan", "tanh", "sigmoid",
    "relu", "abs", "sqrt", "maximum", "minimum", "where", "clip", "astype",
    "matmul", "dot", "outer", "sum", "mean", "max", "min", "logsumexp", "softmax", "log_softmax",
    "reshape", "transpose", "swapaxes", "broadcast_to", "squeeze", "expand_dims", "getitem",
    "concatenate", "stack",
    "explain", "draw_graph", "show_graph", "graph_dot",
    "optim", "minimize", "Result", "lr_find", "LRFind",
    "nn", "data", "fit", "History", "EarlyStopping", "sweep", "SweepResult",
    "parse", "ExprError",
    "grad", "value_and_grad", "vjp", "jvp", "directional_derivative", "jacobian", "hessian", "hvp",
    "jacfwd", "jacrev", "vmap",
    "check_grad", "GradientCheckError", "ConcretizationError",
]
