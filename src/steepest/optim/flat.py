"""The flat buffer behind an optimizer: the parameters of one group and one dtype, as one array.

Each parameter's `.data` becomes a view into the buffer (its values copied, never the caller's
array), so a step runs the rule once over everything and a hundred small tensors cost about
what one big tensor costs. A parameter whose `.data` was replaced by another array is copied
back in at the next step (`sync`); an in-place write (`w -= u` in st.no_grad()) needs nothing,
since it writes into the view.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from steepest.optim.rules import slice_state
from steepest.tensor import Tensor

__all__ = ["FlatGroup"]


class FlatGroup:
    """The parameters params[i] for i in `index` (one dtype, one param group `pg`): a flat array,
    their views into it, and the rule's state."""

    __slots__ = ("index", "slices", "x", "views", "grad", "state", "scratch", "pg")

    def __init__(self, params: list[Tensor], index: list[int], rule: Any, pg: int = 0):
        self.index = index
        self.pg = pg
        sizes = [params[i].data.size for i in index]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist()
        self.slices = [slice(a, b) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
        dtype = params[index[0]].data.dtype
        self.x = np.empty(offsets[-1], dtype)
        self.views: list[np.ndarray] = []
        for i, sl in zip(index, self.slices, strict=True):
            self.x[sl] = params[i].data.reshape(-1)
            self.views.append(self.x[sl].reshape(params[i].data.shape))
            params[i].data = self.views[-1]
        self.grad = np.empty_like(self.x) if len(index) > 1 else None
        self.state = rule.init(self.x)
        self.scratch = np.empty_like(self.x)

    def sync(self, params: list[Tensor]) -> None:
        """Re-adopt parameters whose .data was replaced since the last step."""
        for i, view in zip(self.index, self.views, strict=True):
            data = params[i].data
            if data is not view:
                if data.shape != view.shape:
                    raise ValueError(f"optimizer: parameter {i} changed shape from {view.shape} to "
                                     f"{data.shape}; build a new optimizer for the new parameters")
                view[...] = data
                params[i].data = view

    def update(self, rule: Any, g: np.ndarray, sl: slice, t: int, lr: float) -> None:
        """One step of the entries x[sl] (views, so the state and x are written through)."""
        rule.step(g[sl], slice_state(self.state, sl), self.x[sl], t, lr, self.scratch[sl])

    def gather(self, grads: list[Any]) -> np.ndarray:
        """The gradients as one flat array (no copy for a single contiguous parameter)."""
        if self.grad is None:
            g = grads[self.index[0]].data
            if g.shape != self.views[0].shape:
                raise ValueError(f"optimizer.step: the gradient has shape {g.shape}, the parameter "
                                 f"{self.views[0].shape}")
            return g.reshape(-1) if g.dtype == self.x.dtype else g.astype(self.x.dtype).reshape(-1)
        arrays = [grads[i].data.reshape(-1) for i in self.index]
        try:
            np.concatenate(arrays, out=self.grad)
        except ValueError:
            shapes = [grads[i].data.shape for i in self.index]
            raise ValueError(f"optimizer.step: gradients of shapes {shapes} do not match the parameters' "
                             f"{[v.shape for v in self.views]}") from None
        return self.grad
