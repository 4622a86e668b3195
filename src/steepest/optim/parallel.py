"""An elementwise update over a large flat array, in chunks that run on several cores at once.

NumPy's ufuncs release the GIL while they loop over a large array, so the chunks of one
update (Adam's ten passes over the parameters, say) can run in threads side by side, as
torch.optim's kernels use every core. Only large arrays gain: below `MIN_CHUNK` elements per
thread, starting the work costs more than it saves, and small models stay on one thread.

    >>> import steepest as st
    >>> st.optim.set_num_threads(1)      # every update on the calling thread
    >>> st.optim.get_num_threads()
    1
    >>> st.optim.set_num_threads(None)   # back to the default: the cores this process may use
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

__all__ = ["MIN_CHUNK", "set_num_threads", "get_num_threads", "chunks", "run"]

MIN_CHUNK = 1 << 17
"""The fewest elements (131,072) worth handing to a thread of their own."""

_MAX_DEFAULT = 8


def _default_threads() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(_MAX_DEFAULT, cores))


_threads = _default_threads()
_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()  # guards _pool and _threads; _lead is only a hint, and races on it are harmless

# A pool thread starts its piece late (waking a thread takes tens of microseconds), so the caller's
# piece is made longer by this fraction, learned as the runs go. A caller that finishes first must
# sleep and be woken again, which costs more than a pool thread idling a little: so the lead grows
# ten times faster than it shrinks, and the caller is the last to finish about nine runs in ten.
_lead = 0.0
_LEAD_UP, _LEAD_DOWN, _LEAD_MAX = 0.01, 0.001, 0.25


def _forget_pool() -> None:
    """Threads do not survive fork(): a child process starts a pool of its own when it needs one
    (and a lock of its own: the parent's may have been held by a thread that is gone)."""
    global _pool, _lock
    _pool = None
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def set_num_threads(n: int | None) -> None:
    """How many threads an optimizer step may use on large parameter arrays (None: the default,
    the cores this process may run on, at most 8). 1 keeps every update on the calling thread."""
    global _threads, _pool
    if n is None:
        n = _default_threads()
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: n must be a whole number >= 1 or None, got {n!r}")
    with _lock:  # a step in another thread submits under the lock, so never to a pool shut down here
        old = _pool if n != _threads else None
        if old is not None:
            _pool = None
        _threads = n
    if old is not None:
        old.shutdown(wait=True)  # the pieces already handed to it finish first


def get_num_threads() -> int:
    """The number of threads an optimizer step may use."""
    return _threads


def chunks(size: int) -> list[slice]:
    """Slices of range(size), one per thread, each at least MIN_CHUNK long; [] when one thread
    should do it all. The first, the calling thread's, is longer by the learned `_lead`."""
    k = min(_threads, size // MIN_CHUNK)
    if k < 2:
        return []
    first = round(size * (1 + _lead) / (k + _lead))  # weights 1 + lead, 1, ..., 1
    first = min(first, size - (k - 1) * MIN_CHUNK)
    bounds = [0] + [first + (size - first) * i // (k - 1) for i in range(k)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def run(fn: Callable[[slice], object], pieces: list[slice]) -> None:
    """fn(piece) for every piece at once: the first on the calling thread, the others on the pool's
    threads; every piece finishes before the first error (in the order of the pieces) is raised."""
    global _pool, _lead
    if len(pieces) < 2:  # nothing to share
        for piece in pieces:
            fn(piece)
        return
    with _lock:  # threads stepping at once share one pool; set_num_threads swaps it under the lock
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, _threads - 1), thread_name_prefix="steepest-optim")
        futures = [_pool.submit(_timed, fn, piece) for piece in pieces[1:]]
    try:
        fn(pieces[0])  # the caller works too: waking one thread fewer saves tens of microseconds
        mine = time.perf_counter()
    finally:
        wait(futures)
    theirs = max([future.result() for future in futures])  # raises the first error of theirs
    step = _LEAD_UP if theirs > mine else -_LEAD_DOWN  # the caller waited: give it more next time
    _lead = min(_LEAD_MAX, max(0.0, _lead + step))


def _timed(fn: Callable[[slice], object], piece: slice) -> float:
    fn(piece)
    return time.perf_counter()
