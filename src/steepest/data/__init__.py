"""Datasets and data helpers: the seeds' gates, toy shapes, the 8x8 digits, splits, batches, CSV.

    >>> import steepest as st
    >>> X, y = st.data.xor()                    # the four corners, y = x1 XOR x2
    >>> X, y = st.data.moons(200, noise=0.1, seed=0)
    >>> X_train, X_test, y_train, y_test = st.data.train_test_split(X, y, test_size=0.25, seed=0)
"""

from steepest.data.datasets import and_, circles, digits, linear, moons, or_, spirals, xor
from steepest.data.loaders import batches, load_csv, train_test_split

__all__ = [
    "or_", "and_", "xor", "linear", "moons", "circles", "spirals", "digits",
    "train_test_split", "batches", "load_csv",
]
