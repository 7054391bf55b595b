"""How a one-shot command runs its process: without the cyclic garbage collector, and exits without teardown.

``microfab quote`` and ``microfab features`` are short processes that import
OCP, Numba and SciPy (millions of Python objects) and then measure and price
one file. The cyclic collector's passes over those objects found nothing to
free and cost ~0.3 s of CPU per cold quote (4 full and ~600 young collections
of a STEP quote); what these commands allocate in bulk are numpy arrays, which
reference counting frees. Long-running commands (``serve``, ``worker``,
batches) keep the collector: ``api.cli.main`` turns it off only for
``api.cli.parts.ONE_SHOT_COMMANDS``.

Once such a command has written its answer, the interpreter's normal exit
would free every object of OCP, Numba and SciPy one by one, run a last
collection and unload the modules: ~0.5 s of CPU for nothing, a quarter of a
cold STEP quote. ``exit_now`` flushes the standard streams and ends the
process at once (``os._exit``); ``atexit`` handlers do not run, and these
commands need none (their files are written and closed before they return,
their thread pools are shut down by ``with`` blocks, Numba writes its cache
when it compiles).
"""

from __future__ import annotations

import functools
import gc
import os
import sys
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


def exit_now(code: int) -> None:
    """Flush stdout and stderr and end the process with ``code`` without the interpreter's teardown."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said on it
            pass
    os._exit(code)


__all__ = ["exit_now", "without_cyclic_gc"]
