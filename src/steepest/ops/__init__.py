"""The primitives, one module per family; `OPS` maps each primitive's name to its rules."""

from steepest.ops import creation, elementwise, linalg, reduce, shape  # noqa: F401  (registers every op)
from steepest.ops.core import OPS, Op

__all__ = ["OPS", "Op"]
