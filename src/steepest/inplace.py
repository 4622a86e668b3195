"""In-place updates of tensors (`w -= lr * g`, `x.add_(y)`, `g.zero_()`), and how backward
notices that a value it needs was overwritten after it was recorded.

The rules are PyTorch's:

- the data is written into the tensor's own array, so views of it (an optimizer's flat
  buffer, a reshape) see the change and the dtype never changes (NumPy's same_kind casting:
  float32 -= float64 stays float32, an int tensor += 1.5 is refused);
- with grad mode on, a leaf that requires grad cannot be changed in place (that would
  rewrite the start of its own graph): do it inside `st.no_grad()`, as an optimizer does;
- with grad mode on, a tensor made by an op is changed in place as `h = h + r` would be, but
  keeps its identity: `h += residual` works. Two cases PyTorch handles with its view tracking
  are refused with a message instead: the tensor is a view of another one (a reshape, a slice),
  or it is a constant and the value written requires grad; do these out of place;
- a value a recorded graph still needs (an input of `mul`, the output of `exp`) that is
  overwritten in place makes the backward pass through it raise, instead of using the new value.

How the last point costs almost nothing: `Writes.epoch` counts in-place writes, and `record`
stamps every node with the epoch it was made in (one store). Each write logs which memory it
wrote, under the array that owns that memory (NumPy's `.base`), so views are covered. Backward
looks at the log only for a node whose stamp is older than the current epoch, and only at the
values that node's rules read (found once per primitive from its rules' code, keeping `x.shape`
apart from `x` itself). In a training loop every node is recorded after the optimizer's last
write, so the check is never made.
"""

from __future__ import annotations

import dis
import weakref
from typing import Any

import numpy as np

from steepest.tensor import Tensor, _data, is_grad_enabled

__all__ = ["Writes", "mark_written", "written_after", "check_node", "reads", "inplace", "fill_", "copy_",
           "setitem"]


class Writes:
    """The count of in-place writes so far; a node records it as its `_stamp`."""

    epoch = 0


_LOG: dict[int, _Entry] = {}  # id(owner array) -> what was written into it, and when
_MAX_RANGES = 64  # parts of one owner remembered one by one; beyond that, the whole owner counts


class _Entry:
    __slots__ = ("ref", "whole", "ranges")

    def __init__(self, ref: weakref.ref):
        self.ref = ref
        self.whole = -1  # epoch of the last write that may have touched any of the owner
        self.ranges: dict[tuple[int, int], int] = {}  # (first byte, end byte) -> epoch


def _owner(a: np.ndarray) -> np.ndarray:
    while isinstance(a.base, np.ndarray):  # NumPy collapses views to the array that owns the memory
        a = a.base
    return a


def _bounds(a: np.ndarray) -> tuple[int, int]:
    return np.lib.array_utils.byte_bounds(a)


def mark_written(a: np.ndarray) -> None:
    """Log that `a`'s memory was just overwritten (call it after every in-place write the
    engine or an optimizer makes into memory a graph may hold)."""
    Writes.epoch += 1
    epoch = Writes.epoch
    owner = _owner(a)
    key = id(owner)
    entry = _LOG.get(key)
    if entry is None or entry.ref() is not owner:
        entry = _LOG[key] = _Entry(weakref.ref(owner, lambda r, key=key: _forget(key, r)))
    if a.nbytes == owner.nbytes or len(entry.ranges) >= _MAX_RANGES:
        entry.whole = epoch
        entry.ranges.clear()
    else:
        entry.ranges[_bounds(a)] = epoch


def _forget(key: int, ref: weakref.ref) -> None:
    entry = _LOG.get(key)
    if entry is not None and entry.ref is ref:
        del _LOG[key]


def written_after(a: Any, stamp: int) -> bool:
    """True if some of the memory of the array `a` was overwritten after epoch `stamp`."""
    if not isinstance(a, np.ndarray):
        return False
    owner = _owner(a)
    entry = _LOG.get(id(owner))
    if entry is None or entry.ref() is not owner:
        return False
    if entry.whole > stamp:
        return True
    late = [r for r, e in entry.ranges.items() if e > stamp]
    if not late:
        return False
    lo, hi = _bounds(a)
    return any(w_lo < hi and lo < w_hi for w_lo, w_hi in late)


# --- what a primitive's rules read -------------------------------------------------------------
_SHAPE_ONLY = {"shape", "ndim", "dtype", "size"}  # reading these of an input is not reading its values
_READS: dict[int, tuple[frozenset[int], ...]] = {}


def _rule_reads(rule: Any, n_inputs: int) -> frozenset[int]:
    """Which of (z, x_1, ..., x_n) a rule(g, z, x_1, ..., x_n, *params) reads the values of:
    0 stands for z, k for x_k. Anything it cannot tell counts as read."""
    everything = frozenset(range(n_inputs + 1))
    code = getattr(rule, "__code__", None)
    if code is None or code.co_flags & 0x0C or code.co_argcount < n_inputs + 2:  # *args, **kwargs
        return everything
    names = code.co_varnames[1:n_inputs + 2]
    used: set[int] = {names.index(n) for n in code.co_cellvars if n in names}
    instructions = list(dis.get_instructions(code))
    for ins, after in zip(instructions, instructions[1:] + [None], strict=True):
        if not ins.opname.startswith("LOAD_"):
            continue
        loaded = ins.argval if isinstance(ins.argval, tuple) else (ins.argval,)
        shape_only = len(loaded) == 1 and after is not None and after.opname == "LOAD_ATTR" \
            and after.argval in _SHAPE_ONLY
        used.update(names.index(n) for n in loaded if n in names and not shape_only)
    return frozenset(used)


def reads(op: Any, n_inputs: int) -> tuple[frozenset[int], ...]:
    """Per input of `op`, the positions (0 = output, k = input k) its vjp and jvp read."""
    found = _READS.get(id(op))
    if found is None or len(found) != n_inputs:
        if op.variadic:
            found = (frozenset(range(n_inputs + 1)),) * n_inputs
        else:
            found = tuple(_rule_reads(v, n_inputs) | _rule_reads(j, n_inputs)
                          for v, j in zip(op.vjps, op.jvps, strict=True))
        if not op.variadic:
            _READS[id(op)] = found  # ops live for the whole session: their ids are stable
    return found


def check_node(t: Tensor, who: str = "backward") -> None:
    """Raise if something `t`'s rules need was changed in place after `t` was recorded."""
    stamp, op, inputs = t._stamp, t._op, t._inputs
    for k, x in enumerate(inputs):
        if isinstance(x, Tensor) and x._op is not None and x._stamp > stamp:
            raise RuntimeError(
                f"{who}: input {k} of {op.name} (made by {x.op_name}) was changed by an in-place operation "
                f"after {op.name} used it, so its gradient cannot be sent back through the old value; "
                "compute out of place (h = h + r) or make the in-place change before using the tensor")
    per_input = reads(op, len(inputs))
    for k, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        for j in per_input[k]:
            value = t.data if j == 0 else _data(inputs[j - 1])
            if written_after(value, stamp):
                what = "its output" if j == 0 else f"its input {j - 1}"
                raise RuntimeError(
                    f"{who}: {op.name} needs the value of {what} (shape {np.shape(value)}), which was "
                    "overwritten by an in-place operation after it was recorded; compute out of place "
                    "(w = w - u), make the in-place change after backward, or recompute the graph")


# --- the in-place operations ----------------------------------------------------------------------
def _writable(t: Tensor, who: str) -> None:
    if not t.data.flags.writeable:
        raise ValueError(f"{who}: this tensor's data is read-only (a view such as broadcast_to's result "
                         "shares one value among many entries); make a copy first (x = st.tensor(x))")


def _cast_error(who: str, t: Tensor, result_dtype: Any) -> TypeError:
    return TypeError(f"{who}: cannot write a {np.dtype(result_dtype)} result into a {t.dtype} tensor in "
                     "place (NumPy's same_kind casting); write x = x + y for a new tensor, or convert "
                     "first with x.astype(...)")


def _shape_error(who: str, t: Tensor, shape: tuple) -> ValueError:
    return ValueError(f"{who}: the result has shape {shape} but the tensor has shape {t.shape}; an "
                      "in-place operation cannot change a tensor's shape (write x = x + y for a new tensor)")


def _check_shape(who: str, t: Tensor, b: Any) -> None:
    """b must broadcast to t's shape without growing it."""
    if not np.ndim(b):
        return
    try:
        shape = np.broadcast_shapes(t.shape, np.shape(b))
    except ValueError:
        shape = f"{np.shape(b)} (which does not broadcast with it)"
    if shape != t.shape:
        raise _shape_error(who, t, shape)


def _needs_graph(t: Tensor, other: Any, who: str) -> bool:
    """Whether the write must be recorded; raises where recording it in place is not possible."""
    if not (is_grad_enabled() and (t.requires_grad or (isinstance(other, Tensor) and other.requires_grad))):
        return False
    if t._op is None:
        if t.requires_grad:
            raise RuntimeError(f"{who}: a leaf that requires grad is used in an in-place operation; wrap "
                               "it in st.no_grad() (as an optimizer step does), or write x = x - u for a "
                               "new tensor")
        raise RuntimeError(f"{who}: the value written requires grad but this tensor is a constant; "
                           "recording that in place is not supported (its views would not know): write "
                           "c = c + y for a new tensor")
    if t.data.base is not None:
        raise RuntimeError(f"{who}: this tensor ({t.op_name} of shape {t.shape}) shares its memory with "
                           "another one (a view: reshape, transpose, a slice); changing it in place while "
                           "the graph is recorded is not supported: write x = x + y, or do it inside "
                           "st.no_grad()")
    return True


def inplace(t: Tensor, who: str, ufunc: Any, op: Any, other: Any) -> Tensor:
    """t <- op(t, other) written into t's array: `ufunc` on the arrays when no graph is
    recorded, the differentiable `op` (then copied in, t taking over its node) when one is."""
    _writable(t, who)
    if _needs_graph(t, other, who):
        return _through_graph(t, who, op, other)
    b = other.data if isinstance(other, Tensor) else other
    _check_shape(who, t, b)
    try:
        ufunc(t.data, b, out=t.data)  # casting="same_kind", NumPy's default for out=
    except TypeError:
        raise _cast_error(who, t, np.result_type(t.data, b)) from None
    mark_written(t.data)
    return t


def _through_graph(t: Tensor, who: str, op: Any, other: Any) -> Tensor:
    """The recorded in-place op: r = op(old, other), where `old` takes over t's former place in the
    graph; r's values are copied into t's array and t becomes r's node."""
    old = object.__new__(Tensor)
    old.data, old.grad, old.requires_grad, old.name = t.data, None, True, t.name
    old._op, old._inputs, old._params, old._stamp = t._op, t._inputs, t._params, t._stamp
    Writes.epoch += 1  # r is younger than every consumer of t so far: check_node tells them apart
    r = op(old, other)
    if r.shape != t.shape:
        raise _shape_error(who, t, r.shape)
    if not np.can_cast(r.dtype, t.dtype, "same_kind"):
        raise _cast_error(who, t, r.dtype)
    if _old_value_needed(old, r):
        old.data = old.data.copy()  # the graph keeps the value from before the write
    np.copyto(t.data, r.data, casting="same_kind")
    mark_written(t.data)
    t.requires_grad, t._op, t._inputs, t._params = r.requires_grad, r._op, r._inputs, r._params
    t._stamp = r._stamp
    return t


def _old_value_needed(old: Tensor, r: Tensor) -> bool:
    """Whether a rule will read old's values: old's own (if it reads its output) or r's."""
    if any(0 in s for s in reads(old._op, len(old._inputs))):
        return True
    per_input = reads(r._op, len(r._inputs))
    k_old = next(k for k, x in enumerate(r._inputs) if x is old) + 1
    return any(k_old in per_input[k] for k, x in enumerate(r._inputs)
               if isinstance(x, Tensor) and x.requires_grad)


def fill_(t: Tensor, value: Any, who: str = "fill_") -> Tensor:
    """Every entry of t <- value (a number, or an array or tensor broadcast to t's shape)."""
    _writable(t, who)
    if _needs_graph(t, value, who):
        from steepest.ops.elementwise import where

        mask = np.zeros(t.shape, bool)  # where(False, old, value): the gradient goes to value only
        return _through_graph(t, who, lambda old, v: where(mask, old, v), value)
    v = value.data if isinstance(value, Tensor) else value
    _check_shape(who, t, v)
    try:
        np.copyto(t.data, v, casting="same_kind")
    except TypeError:
        raise _cast_error(who, t, np.result_type(v)) from None
    mark_written(t.data)
    return t


def copy_(t: Tensor, src: Any) -> Tensor:
    """t's entries <- src's (broadcast to t's shape); as PyTorch, the gradient flows to src."""
    return fill_(t, src, "copy_")


def setitem(t: Tensor, index: Any, value: Any) -> None:
    """t[index] = value, written into t's array (as PyTorch under no_grad: w[0] = 1.0, x[mask] = 0)."""
    who = "t[index] = value"
    _writable(t, who)
    if _needs_graph(t, value, who):
        raise RuntimeError(f"{who}: assigning into a tensor while its graph is recorded is not supported; "
                           "build the new tensor with st.where(mask, value, t) or st.concatenate, or assign "
                           "inside st.no_grad()")
    v = value.data if isinstance(value, Tensor) else value
    v = v if np.isscalar(v) or isinstance(v, np.ndarray) else np.asarray(v)
    if not np.can_cast(np.result_type(v), t.dtype, "same_kind"):  # NumPy's setitem would truncate
        raise _cast_error(who, t, np.result_type(v))
    try:
        t.data[index] = v
    except (ValueError, IndexError) as err:
        raise type(err)(f"{who}: {err} (tensor of shape {t.shape})") from None
    mark_written(t.data)
