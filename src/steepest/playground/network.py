"""The network lab's model: a checked configuration, the data and features it implies, an st.nn.MLP,
its training objective (data loss + an L1/L2 penalty written with steepest ops), and the snapshots
the page draws (every neuron's output over the plane, the weights, losses, accuracy, confusion).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import steepest as st
from steepest.playground import datasets
from steepest.playground._json import rounded
from steepest.playground.fields import BadRequest, choice, integer, number

__all__ = ["FEATURES", "ACTIVATIONS", "REGULARIZERS", "Config", "Problem", "read_config", "build", "snapshot",
           "features", "grid", "input_maps",
           "metrics", "penalty", "NEURON_GRID", "OUTPUT_GRID"]

# name -> (label, the feature from the points X of shape (n, 2))
FEATURES: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "x1": ("X1", lambda X: X[:, 0]), "x2": ("X2", lambda X: X[:, 1]),
    "x1sq": ("X1²", lambda X: X[:, 0] ** 2), "x2sq": ("X2²", lambda X: X[:, 1] ** 2),
    "x1x2": ("X1X2", lambda X: X[:, 0] * X[:, 1]),
    "sinx1": ("sin(X1)", lambda X: np.sin(X[:, 0])), "sinx2": ("sin(X2)", lambda X: np.sin(X[:, 1])),
}
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
REGULARIZERS = ("none", "l1", "l2")
MAX_LAYERS, MAX_NEURONS = 6, 8
NEURON_GRID, OUTPUT_GRID = 20, 48


@dataclass
class Config:
    dataset: str = "circle"
    upload: str | None = None
    noise: int = 0
    train_pct: int = 50
    batch_size: int = 10
    seed: int = 0
    classes: int = 2
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    optimizer: str = "gd"
    lr: float = 0.03
    regularization: str = "none"
    reg_rate: float = 0.0
    patience: int = 0  # early stopping after this many epochs without a better test loss; 0: off
    max_epochs: int = 5000


def read_config(body: dict) -> Config:
    """A Config from the page's JSON, every field checked (BadRequest names the first bad one)."""
    base = Config()
    names = [*datasets.DATASETS, "csv"]
    features = body.get("features", list(base.features))
    if not isinstance(features, list) or not features or any(f not in FEATURES for f in features):
        raise BadRequest(f"features must be a non-empty list from {', '.join(FEATURES)}; got {features!r}")
    hidden = body.get("hidden", list(base.hidden))
    if not isinstance(hidden, list) or len(hidden) > MAX_LAYERS or any(
            isinstance(h, bool) or not isinstance(h, int) or not 1 <= h <= MAX_NEURONS for h in hidden):
        raise BadRequest(f"hidden must list up to {MAX_LAYERS} layer widths of 1 to {MAX_NEURONS}; "
                         f"got {hidden!r}")
    upload = body.get("upload")
    if upload is not None and not isinstance(upload, str):
        raise BadRequest(f"upload must be the id the CSV upload returned, got {upload!r}")
    return Config(
        dataset=choice(body, "dataset", names, base.dataset), upload=upload,
        noise=integer(body, "noise", base.noise, 0, 50),
        train_pct=integer(body, "train_pct", base.train_pct, 10, 90),
        batch_size=integer(body, "batch_size", base.batch_size, 1, 30),
        seed=integer(body, "seed", base.seed, 0, 2**31 - 1),
        classes=integer(body, "classes", base.classes, 2, 6),
        features=tuple(dict.fromkeys(features)), hidden=tuple(hidden),
        activation=choice(body, "activation", ACTIVATIONS, base.activation),
        optimizer=choice(body, "optimizer", list(st.optim.OPTIMIZERS), base.optimizer),
        lr=number(body, "lr", base.lr, 0.0, 10.0, open_lo=True),
        regularization=choice(body, "regularization", REGULARIZERS, base.regularization),
        reg_rate=number(body, "reg_rate", base.reg_rate, 0.0, 10.0),
        patience=integer(body, "patience", base.patience, 0, 10_000),
        max_epochs=integer(body, "max_epochs", base.max_epochs, 1, 1_000_000))


def features(X: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """The input columns of the network, one per chosen feature: (n, 2) -> (n, len(names))."""
    return np.column_stack([FEATURES[n][1](X) for n in names])


def penalty(model: Any, kind: str, rate: float) -> Any:
    """rate * sum |w| (L1) or rate * sum w^2 / 2 (L2) over the weights (not the biases), as a Tensor."""
    if kind == "none" or rate == 0:
        return 0.0
    total = None
    for layer in model.layers:
        if isinstance(layer, st.nn.Linear):
            w = layer.weight
            term = st.sum(st.abs(w)) if kind == "l1" else 0.5 * st.sum(w * w)  # ||W||_1 or ||W||^2 / 2
            total = term if total is None else total + term
    return rate * total


@dataclass
class Problem:
    """Everything a run needs, built once per configuration."""

    config: Config
    data: datasets.Dataset
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    model: Any
    data_loss: Callable[[Any, Any], Any]
    objective: Callable[[Any, Any], Any]

    @property
    def outputs(self) -> int:
        return self.data.classes if self.data.classes > 2 else 1


def _data_loss(task: str, classes: int) -> Callable[[Any, Any], Any]:
    if task == "regression":
        return st.nn.mse_loss
    if classes > 2:  # fit hands the labels over as floats (the loss is a function of ours): make them ints
        return lambda pred, target: st.nn.cross_entropy(pred, np.asarray(target).astype(np.int64).ravel())
    return st.nn.binary_cross_entropy_with_logits


def build(config: Config, data: datasets.Dataset) -> Problem:
    """Split the data, build the MLP (seeded) and its objective."""
    stratify = data.task == "classification"
    X_tr, X_te, y_tr, y_te = st.data.train_test_split(data.X, data.y, test_size=1 - config.train_pct / 100,
                                                      seed=config.seed, stratify=stratify)
    outputs = data.classes if data.classes > 2 else 1
    sizes = [len(config.features), *config.hidden, outputs]
    model = st.nn.MLP(sizes, activation=config.activation, seed=config.seed)
    data_loss = _data_loss(data.task, data.classes)

    def objective(pred: Any, target: Any) -> Any:  # what gradient descent minimises
        return data_loss(pred, target) + penalty(model, config.regularization, config.reg_rate)

    return Problem(config, data, X_tr, y_tr, X_te, y_te, model, data_loss, objective)


def grid(domain: float, n: int) -> np.ndarray:
    """n x n points over [-domain, domain]^2, row by row from the bottom (as plotly draws z[i][j])."""
    ticks = np.linspace(-domain, domain, n)
    gx, gy = np.meshgrid(ticks, ticks)
    return np.column_stack([gx.ravel(), gy.ravel()])


def _layer_outputs(model: Any, F: np.ndarray) -> list[np.ndarray]:
    """The output of every hidden activation and of the last layer, for inputs F (no graph kept)."""
    outs, x = [], st.tensor(F)
    with st.no_grad():
        for i, layer in enumerate(model.layers):
            x = layer(x)
            if not isinstance(layer, st.nn.Linear) or i == len(model.layers) - 1:
                outs.append(x.data)
    return outs


def _display(problem: Problem, z: np.ndarray) -> dict[str, Any]:
    """The output heatmap: 2 sigmoid(z) - 1 for two classes, the winning class and its probability for
    more, the value itself for regression."""
    if problem.data.task == "regression":
        return {"value": z[:, 0]}
    if problem.outputs == 1:
        return {"value": 2 * st.sigmoid(z[:, 0]).data - 1}
    p = st.softmax(z, axis=1).data
    return {"value": p.max(axis=1), "label": p.argmax(axis=1)}


def _tiles(problem: Problem, z: np.ndarray) -> list[np.ndarray]:
    """The output neurons' tiles in [-1, 1]: 2 sigmoid(z) - 1, 2 p_c - 1 for each class, or the value."""
    if problem.data.task == "regression":
        return [z[:, 0]]
    if problem.outputs == 1:
        return [2 * st.sigmoid(z[:, 0]).data - 1]
    p = st.softmax(z, axis=1).data
    return [2 * p[:, c] - 1 for c in range(p.shape[1])]


def input_maps(config: Config, domain: float) -> list[Any]:
    """Each chosen feature over the plane, scaled into [-1, 1] for its heatmap."""
    F = features(grid(domain, NEURON_GRID), config.features)
    return [rounded(F[:, j] / (np.abs(F[:, j]).max() or 1.0), 3) for j in range(F.shape[1])]


def snapshot(problem: Problem) -> dict[str, Any]:
    """What the page draws of the network now: neuron heatmaps, output heatmap, weights and biases."""
    model, cfg, domain = problem.model, problem.config, problem.data.domain
    *hidden, last = _layer_outputs(model, features(grid(domain, NEURON_GRID), cfg.features))
    out = _layer_outputs(model, features(grid(domain, OUTPUT_GRID), cfg.features))[-1]
    shown = {k: rounded(v, 3) if k == "value" else v for k, v in _display(problem, out).items()}
    linears = [layer for layer in model.layers if isinstance(layer, st.nn.Linear)]
    return {"neurons": [[rounded(h[:, j], 3) for j in range(h.shape[1])] for h in hidden], "output": shown,
            "output_tiles": [rounded(t, 3) for t in _tiles(problem, last)],
            "weights": [rounded(layer.weight.data, 4) for layer in linears],
            "biases": [rounded(layer.bias.data, 4) for layer in linears]}


def _predict(problem: Problem, X: np.ndarray) -> np.ndarray:
    z = _layer_outputs(problem.model, features(X, problem.config.features))[-1]
    if problem.outputs > 1:
        return z.argmax(axis=1)
    return (z[:, 0] > 0).astype(np.int64)  # a logit above 0 is a probability above 1/2


def _parts(problem: Problem) -> tuple:
    return ("train", problem.X_train, problem.y_train), ("test", problem.X_test, problem.y_test)


def metrics(problem: Problem) -> dict[str, Any]:
    """Data loss on both parts, the penalty, and for classification accuracy and the test confusion matrix."""
    out: dict[str, Any] = {}
    with st.no_grad():
        for part, X, y in _parts(problem):
            z = st.tensor(_layer_outputs(problem.model, features(X, problem.config.features))[-1])
            target = y if problem.outputs > 1 else y.reshape(-1, 1).astype(float)
            out[f"{part}_loss"] = float(problem.data_loss(z, target).data)
        cfg = problem.config
        out["penalty"] = float(getattr(penalty(problem.model, cfg.regularization, cfg.reg_rate), "data", 0.0))
    if problem.data.task == "classification":
        k = problem.data.classes
        for part, X, y in _parts(problem):
            pred = _predict(problem, X)
            out[f"{part}_accuracy"] = float(np.mean(pred == y))
            if part == "test":
                confusion = np.zeros((k, k), dtype=np.int64)  # rows: true class, columns: predicted
                np.add.at(confusion, (y, pred), 1)
                out["confusion"] = confusion
    return out
