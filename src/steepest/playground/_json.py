"""Plain JSON for the page: arrays as lists, NumPy numbers as Python numbers, inf and nan as null.

JSON has no inf or nan, and `json.dumps` would write them as bare `NaN`, which browsers refuse;
a value that is not finite (a diverged run, log of a negative number) is sent as null and the
page shows it as a gap or a dash.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

__all__ = ["clean", "dumps", "rounded"]


def clean(v: Any) -> Any:
    """`v` with every array, NumPy scalar and non-finite float made plain JSON."""
    if isinstance(v, dict):
        return {str(k): clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [clean(x) for x in v]
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "f":
            return clean_floats(v)
        return v.tolist()
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v) if math.isfinite(v) else None
    return v


def clean_floats(a: np.ndarray) -> Any:
    """A float array as nested lists with None where it is not finite."""
    if np.all(np.isfinite(a)):
        return a.tolist()
    out = a.astype(object)
    out[~np.isfinite(a)] = None
    return out.tolist()


def rounded(a: Any, digits: int = 4) -> Any:
    """A float array rounded for display (heatmaps): a tenth of the bytes, none of the meaning."""
    return clean_floats(np.round(np.asarray(a, dtype=float), digits))


def dumps(v: Any) -> str:
    return json.dumps(clean(v), separators=(",", ":"), allow_nan=False)
