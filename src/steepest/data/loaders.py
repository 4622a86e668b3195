"""Splitting data, iterating over minibatches, and reading a CSV file into (X, y)."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from steepest.nn.init import Seed, as_generator

__all__ = ["train_test_split", "batches", "load_csv"]


def _as_array(name: str, a: Any) -> np.ndarray:
    a = a.data if hasattr(a, "data") and not isinstance(a, np.ndarray) else a
    a = np.asarray(a)
    if a.ndim == 0:
        raise ValueError(f"{name}: expected an array of examples, got a scalar")
    return a


def train_test_split(X: Any, y: Any, test_size: float = 0.25, seed: Seed = None, shuffle: bool = True,
                     stratify: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split (X, y) into a training part and a held-out test part.

    Args:
        X, y: arrays with the same number of rows.
        test_size: the fraction of rows held out (0 < test_size < 1), or their number (an int).
        seed: None, an int or an np.random.Generator for the shuffle.
        shuffle: shuffle before splitting (otherwise the last rows are the test part).
        stratify: keep each class's share of y the same in both parts (y holds class labels).

    Returns:
        X_train, X_test, y_train, y_test.

    Example:
        >>> X, y = st.data.digits()
        >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
    """
    X, y = _as_array("train_test_split", X), _as_array("train_test_split", y)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"train_test_split: X has {n} rows but y has {len(y)}")
    n_test = int(test_size) if isinstance(test_size, (int, np.integer)) else int(round(float(test_size) * n))
    if not (isinstance(test_size, (int, np.integer)) or 0 < float(test_size) < 1) or not 0 < n_test < n:
        raise ValueError(f"train_test_split: test_size={test_size} leaves {n_test} of {n} rows for the test "
                         "part; give a fraction in (0, 1) or a count in [1, n - 1]")
    rng = as_generator(seed)
    if stratify:
        test = _stratified_test_rows(y, n_test, rng, shuffle)
    else:
        order = rng.permutation(n) if shuffle else np.arange(n)
        test = order[n - n_test:]
    mask = np.zeros(n, bool)
    mask[test] = True
    train_rows, test_rows = np.flatnonzero(~mask), np.flatnonzero(mask)
    if shuffle:
        train_rows, test_rows = rng.permutation(train_rows), rng.permutation(test_rows)
    return X[train_rows], X[test_rows], y[train_rows], y[test_rows]


def _stratified_test_rows(y: np.ndarray, n_test: int, rng: np.random.Generator, shuffle: bool) -> np.ndarray:
    classes, inverse = np.unique(y, return_inverse=True)
    counts = np.bincount(inverse)
    share = counts * n_test / len(y)
    take = np.floor(share).astype(int)
    for k in np.argsort(-(share - take))[: n_test - take.sum()]:  # largest remainders get the rest
        take[k] += 1
    rows = []
    for k in range(len(classes)):
        members = np.flatnonzero(inverse == k)
        if shuffle:
            members = rng.permutation(members)
        rows.append(members[len(members) - take[k]:])
    return np.concatenate(rows)


def batches(X: Any, y: Any = None, batch_size: int = 32, shuffle: bool = True,
            seed: Seed = None) -> Iterator[tuple[np.ndarray, np.ndarray] | np.ndarray]:
    """Minibatches of the rows of X (and y): one pass over the data, the last batch possibly smaller.

    Example:
        >>> X, y = np.zeros((40, 2)), np.arange(40)
        >>> [len(yb) for _, yb in batches(X, y, batch_size=16, seed=0)]
        [16, 16, 8]
    """
    X = _as_array("batches", X)
    if y is not None:
        y = _as_array("batches", y)
        if len(y) != len(X):
            raise ValueError(f"batches: X has {len(X)} rows but y has {len(y)}")
    if int(batch_size) < 1:
        raise ValueError(f"batches: batch_size must be positive, got {batch_size}")
    n = len(X)
    b = int(batch_size)
    order = as_generator(seed).permutation(n) if shuffle else None
    for start in range(0, n, b):
        rows = slice(start, start + b) if order is None else order[start:start + b]
        yield X[rows] if y is None else (X[rows], y[rows])


def load_csv(path: str | os.PathLike, target: str | int = -1, features: Sequence[str | int] | None = None,
             delimiter: str = ",", header: bool | None = None,
             dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Read a CSV file of numbers into (X, y).

    Args:
        path: the file.
        target: the column of y, by header name or by position (negative counts from the end).
        features: the columns of X (default: every other column).
        delimiter: the field separator.
        header: whether the first row names the columns (default: guessed, true when it is not all numbers).
        dtype: dtype of X and y.

    Raises:
        KeyError: when a named column is missing (the columns that exist are listed).
        ValueError: when a value is not a number (the row, column and value are named).
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:  # -sig: a byte-order mark is not a name
            rows = [r for r in csv.reader(f, delimiter=delimiter) if r and any(c.strip() for c in r)]
    except UnicodeDecodeError as err:
        raise ValueError(f"load_csv: {os.fspath(path)!r} is not UTF-8 text (byte {err.object[err.start]:#x} "
                         f"at offset {err.start}); save it as UTF-8") from None
    if not rows:
        raise ValueError(f"load_csv: {os.fspath(path)!r} holds no rows")
    if header is None:
        header = not all(_is_number(c) for c in rows[0])
    names = [c.strip() for c in rows[0]] if header else [str(i) for i in range(len(rows[0]))]
    body = rows[1:] if header else rows
    if not body:
        raise ValueError(f"load_csv: {os.fspath(path)!r} has a header row ({', '.join(names)}) but no data "
                         "rows under it")
    t = _column(path, names, target, header)
    cols = [c for c in range(len(names)) if c != t] if features is None else \
        [_column(path, names, c, header) for c in features]
    if not cols:
        only = f"its only column, {names[t]!r}, is the target" if len(names) == 1 else \
            "features=[] names none"
        raise ValueError(f"load_csv: {os.fspath(path)!r} leaves no feature columns for X: {only}; "
                         "X needs at least one column besides the target")
    table = np.empty((len(body), len(names)), dtype=dtype)
    for i, row in enumerate(body):
        if len(row) != len(names):
            raise ValueError(f"load_csv: data row {i + 1} of {os.fspath(path)!r} has {len(row)} fields, "
                             f"the header has {len(names)}")
        for j in set(cols) | {t}:
            try:
                table[i, j] = float(row[j])
            except ValueError:
                raise ValueError(f"load_csv: column {names[j]!r} is not numeric: data row {i + 1} holds "
                                 f"{row[j]!r}; encode it as numbers or leave it out with features=[...]"
                                 ) from None
    return table[:, cols], table[:, t]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _column(path: Any, names: list[str], key: str | int, header: bool) -> int:
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        if not -len(names) <= key < len(names):
            raise KeyError(f"load_csv: column {key} is out of range; {os.fspath(path)!r} has "
                           f"{len(names)} columns")
        return int(key) % len(names)
    if key not in names:
        known = names if header else f"no header, so columns are numbered 0..{len(names) - 1}"
        raise KeyError(f"load_csv: no column {key!r} in {os.fspath(path)!r}; the columns are {known}")
    return names.index(key)
