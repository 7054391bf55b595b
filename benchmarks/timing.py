"""Timing helpers the benchmark scripts share (run as scripts, this folder is on their path)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeat: int, clock: Callable[[], float] = time.perf_counter) -> float:
    """The least time of ``repeat`` calls of ``fn`` [s], on ``clock`` (wall time by default; pass
    ``time.process_time`` for CPU time where the shared machine makes wall time noise)."""
    times = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return min(times)
