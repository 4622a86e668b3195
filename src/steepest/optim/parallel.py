"""An elementwise update over a large flat array, in chunks that run on several cores at once.

NumPy's ufuncs release the GIL while they loop over a large array, so the chunks of one
update (Adam's dozen passes over the parameters, say) can run in threads side by side, as
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


def _forget_pool() -> None:
    """Threads do not survive fork(): a child process starts a pool of its own when it needs one."""
    global _pool
    _pool = None


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
    if n != _threads and _pool is not None:
        _pool.shutdown(wait=True)
        _pool = None
    _threads = n


def get_num_threads() -> int:
    """The number of threads an optimizer step may use."""
    return _threads


def chunks(size: int) -> list[slice]:
    """Equal slices of range(size), one per thread, each at least MIN_CHUNK long; [] when one
    thread should do it all."""
    k = min(_threads, size // MIN_CHUNK)
    if k < 2:
        return []
    bounds = [size * i // k for i in range(k + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def run(fn: Callable[[slice], object], pieces: list[slice]) -> None:
    """fn(piece) for every piece, at once on the pool's threads; the first error is raised here."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_threads, thread_name_prefix="steepest-optim")
    futures = [_pool.submit(fn, piece) for piece in pieces]
    wait(futures)  # every chunk finishes before anything is raised or returned
    for future in futures:
        future.result()
