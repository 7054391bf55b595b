"""How a one-shot command runs its process: without the cyclic garbage collector.

``microfab quote`` and ``microfab features`` are short processes that import
OCP, Numba and SciPy (millions of Python objects) and then measure and price
one file. The cyclic collector's passes over those objects found nothing to
free and cost ~0.3 s of CPU per cold quote (4 full and ~600 young collections
of a STEP quote); what these commands allocate in bulk are numpy arrays, which
reference counting frees. Long-running commands (``serve``, ``worker``,
batches) keep the collector: ``api.cli.main`` turns it off only for
``api.cli.parts.ONE_SHOT_COMMANDS``.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


def without_cyclic_gc(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``fn`` with the cyclic collector off, restoring its state afterwards (in-process callers, tests)."""

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return wrapper


__all__ = ["without_cyclic_gc"]
