"""Saving and loading models: one .npz file, read without pickle.

The file holds one array per parameter, under its dotted name ("layers.0.weight"), and the
architecture as JSON text under "__architecture__" (a plain unicode array, so
`np.load(path, allow_pickle=False)` reads everything). Nothing in the file is executed on load.

    >>> model = st.nn.MLP([2, 8, 1], activation="tanh", seed=0)
    >>> path = model.save("xor.npz")          # doctest: +SKIP
    >>> same = st.nn.load(path)                # rebuilt from the JSON   # doctest: +SKIP
    >>> model.load(path)                       # or into an existing model   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from steepest.nn import activations, layers
from steepest.nn.module import Module

__all__ = ["save", "load", "load_into", "architecture", "build"]

ARCH_KEY = "__architecture__"
FORMAT = "steepest-model"
VERSION = 1

_BUILDERS: dict[str, type[Module]] = {
    "Linear": layers.Linear, "MLP": layers.MLP, "Dropout": layers.Dropout,
    "ReLU": activations.ReLU, "Tanh": activations.Tanh, "Sigmoid": activations.Sigmoid,
    "LeakyReLU": activations.LeakyReLU, "Softplus": activations.Softplus, "GELU": activations.GELU,
    "Identity": activations.Identity,
}


def architecture(model: Module) -> dict[str, Any]:
    """The model as a JSON-ready dict: class, constructor arguments (None if unknown) and children."""
    if type(model) is layers.Sequential:
        return {"class": "Sequential", "layers": [architecture(layer) for layer in model.layers]}
    return {"class": type(model).__name__, "config": model.config()}


def build(arch: dict[str, Any]) -> Module:
    """A fresh model from `architecture(model)` (its weights are then loaded separately)."""
    name = arch.get("class")
    if name == "Sequential":
        return layers.Sequential(*[build(a) for a in arch["layers"]])
    cls = _BUILDERS.get(name)
    if cls is None or arch.get("config") is None:
        raise ValueError(f"load: the file holds a {name} whose architecture cannot be rebuilt from JSON "
                         "(a custom module); build the model yourself and call model.load(path)")
    config = dict(arch["config"])
    if cls in (layers.Linear, layers.MLP):
        config["seed"] = 0  # the weights are overwritten; a fixed seed avoids drawing fresh entropy
    return cls(**config)


def _npz_path(path: str | os.PathLike, reading: bool) -> str:
    p = os.fspath(path)
    if reading and not os.path.exists(p) and os.path.exists(p + ".npz"):
        return p + ".npz"
    if not reading and not p.endswith(".npz"):
        return p + ".npz"
    return p


def save(model: Module, path: str | os.PathLike) -> str:
    """Write the parameters and the architecture of `model` to `path` (".npz" is added if missing).

    Returns:
        The path written.
    """
    if not isinstance(model, Module):
        raise TypeError(f"save: expected a steepest.nn.Module, got {type(model).__name__}")
    p = _npz_path(path, reading=False)
    state = model.state_dict()
    shapes = {name: {"shape": list(a.shape), "dtype": a.dtype.name} for name, a in state.items()}
    header = {"format": FORMAT, "version": VERSION, "model": architecture(model), "parameters": shapes}
    with open(p, "wb") as f:
        np.savez(f, **{ARCH_KEY: np.array(json.dumps(header))}, **state)
    return p


def _read(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    p = _npz_path(path, reading=True)
    if not os.path.exists(p):
        raise FileNotFoundError(f"load: no such file {p!r}")
    with np.load(p, allow_pickle=False) as f:
        arrays = {name: f[name] for name in f.files}
    if ARCH_KEY not in arrays:
        raise ValueError(f"load: {p!r} was not written by steepest's save (no {ARCH_KEY} entry)")
    header = json.loads(str(arrays.pop(ARCH_KEY)))
    if header.get("format") != FORMAT or header.get("version", 0) > VERSION:
        raise ValueError(f"load: {p!r} has format {header.get('format')} version {header.get('version')}; "
                         f"this steepest reads {FORMAT} up to version {VERSION}")
    return header, arrays


def load_into(model: Module, path: str | os.PathLike) -> None:
    """Copy the weights saved at `path` into `model`, in place.

    Raises:
        KeyError: when the file and the model name different parameters (all differences listed).
        ValueError: when a parameter's shape differs, naming it and both shapes.
    """
    _, arrays = _read(path)
    params = dict(model.named_parameters())
    missing = sorted(set(params) - set(arrays))
    unexpected = sorted(set(arrays) - set(params))
    if missing or unexpected:
        raise KeyError(f"load: the model and the file {os.fspath(path)!r} hold different parameters: "
                       f"missing from the file {missing}, not in the model {unexpected}")
    for name, p in params.items():
        if arrays[name].shape != p.data.shape:
            raise ValueError(f"load: parameter {name!r} has shape {arrays[name].shape} in the file "
                             f"{os.fspath(path)!r} but shape {p.data.shape} in the model")
    model.load_state_dict(arrays)


def load(path: str | os.PathLike) -> Module:
    """Rebuild a model saved with `save` (built-in layers, Sequential and MLP) and load its weights."""
    header, _ = _read(path)
    model = build(header["model"])
    load_into(model, path)
    return model
