"""Neural networks: modules and parameters, layers, activations, initialisers, losses, save and load.

    >>> import steepest as st
    >>> X, y = st.data.xor()
    >>> model = st.nn.MLP([2, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    >>> loss = st.nn.mse_loss(model(X), y.reshape(-1, 1))
    >>> loss.backward()                        # every parameter now has a .grad
"""

from steepest.nn import init
from steepest.nn.activations import (
    ACTIVATIONS,
    GELU,
    Identity,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
    gelu,
    get_activation,
    identity,
    leaky_relu,
    relu,
    sigmoid,
    softplus,
    tanh,
)
from steepest.nn.io import load, save
from steepest.nn.layers import MLP, Dropout, Linear, Sequential
from steepest.nn.losses import (
    LOSSES,
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    get_loss,
    huber_loss,
    l1_loss,
    mse_loss,
)
from steepest.nn.module import Module, Parameter

from steepest.nn import functional  # isort: skip  (after the modules it gathers)

__all__ = [
    "Module", "Parameter", "Linear", "Sequential", "MLP", "Dropout",
    "ReLU", "Tanh", "Sigmoid", "LeakyReLU", "Softplus", "GELU", "Identity", "Softmax", "LogSoftmax",
    "ACTIVATIONS", "get_activation",
    "relu", "tanh", "sigmoid", "leaky_relu", "softplus", "gelu", "identity",
    "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "cross_entropy", "LOSSES", "get_loss",
    "MSELoss", "L1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
    "functional", "init", "save", "load",
]
