"""Pytrees, as JAX has them: dicts, lists and tuples of arrays, taken apart into their leaves
and put back together, so that st.grad(f)(params) answers in the shape of `params`.

A dict is a tree; so is a list or tuple that holds an array, a Tensor, None or another tree.
A (nested) list of plain numbers stays what it always was in steepest: one array
(st.grad(f)([1.0, 2.0]) is an ndarray). None is an empty subtree (no leaf).

    >>> leaves, tree = flatten({"w": [1.0, 2.0], "b": (3.0, None)})
    >>> leaves
    [[1.0, 2.0], 3.0]
    >>> unflatten(tree, ["W", "B"])
    {'w': 'W', 'b': ('B', None)}
"""

from __future__ import annotations

from typing import Any

import numpy as np

from steepest.tensor import Tensor

__all__ = ["is_tree", "flatten", "unflatten", "tree_name"]

_LEAF = "leaf"


def is_tree(x: Any) -> bool:
    """True for a container whose entries are the leaves (not for one array written as a list)."""
    if isinstance(x, dict):
        return True
    if isinstance(x, (list, tuple)):
        return any(item is None or isinstance(item, (np.ndarray, Tensor, dict)) or is_tree(item)
                   for item in x)
    return False


def flatten(x: Any) -> tuple[list[Any], Any]:
    """(leaves, tree): the leaves in order (dict entries in their order) and what rebuilds x."""
    leaves: list[Any] = []
    return leaves, _flatten(x, leaves)


def _flatten(x: Any, leaves: list[Any]) -> Any:
    if x is None:
        return None
    if not is_tree(x):
        leaves.append(x)
        return _LEAF
    if isinstance(x, dict):
        return (dict, list(x), [_flatten(v, leaves) for v in x.values()])
    return (type(x), None, [_flatten(v, leaves) for v in x])


def unflatten(tree: Any, leaves: list[Any]) -> Any:
    """The structure `tree` (from flatten) with `leaves` in place of the old ones."""
    it = iter(leaves)
    out = _unflatten(tree, it)
    if next(it, _LEAF) is not _LEAF:
        raise ValueError("unflatten: more leaves than the tree holds")
    return out


def _unflatten(tree: Any, it: Any) -> Any:
    if tree is None:
        return None
    if tree == _LEAF:
        return next(it)
    kind, keys, children = tree
    values = [_unflatten(c, it) for c in children]
    if kind is dict:
        return dict(zip(keys, values, strict=True))
    if hasattr(kind, "_fields"):  # a namedtuple
        return kind(*values)
    return kind(values)


def tree_name(tree: Any) -> str:
    """'a dict', 'a list', ... for messages."""
    return "a leaf" if tree == _LEAF else "None" if tree is None else f"a {tree[0].__name__}"
