"""Numba options for every kernel, in one place.

``JIT`` is for serial kernels, ``JIT_PARALLEL`` for kernels that split their
work with ``prange``. Fast-math is limited to flags that keep ``inf`` and
``nan`` meaningful (misses are ``inf``): no ``nnan``/``ninf``.

Numba's on-disk cache (``cache=True``) keys a kernel on its own source file
only: after editing ``bvh.py`` (whose ``trace`` the ray kernels call), delete
``geometry/kernels/__pycache__/*.nb?`` or the other modules keep running the
old tracer. Installed packages are not affected.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numba

#: fast-math flags that keep inf/nan semantics (ray misses are inf)
FASTMATH = {"nsz", "arcp", "contract", "reassoc"}

#: serial kernels: cached on disk so a second process pays no JIT time
JIT = {"cache": True, "nogil": True, "fastmath": FASTMATH, "error_model": "numpy"}

#: kernels parallel over chunks (``prange``); per-chunk buffers are reduced explicitly
JIT_PARALLEL = {**JIT, "parallel": True}

#: small helpers inlined into the kernels that call them (compiled with their caller)
JIT_INLINE = {"inline": "always"}

#: chunks per thread in chunked reductions (balances uneven chunks)
CHUNKS_PER_THREAD = 4


def n_chunks(n: int) -> int:
    """How many chunks to split ``n`` items into for a chunked parallel reduction (>= 1).

    Called by the wrappers and passed to the kernels (reading the thread count
    inside a kernel would stop Numba from caching it).
    """
    return max(1, min(int(n), CHUNKS_PER_THREAD * numba.get_num_threads()))


#: below this many work items (triangles, rays) a parallel kernel runs on the calling thread only:
#: waking the pool costs more than the work (milliseconds on a busy machine)
PARALLEL_MIN_ITEMS = 20_000


@contextmanager
def serial_below(n_items: int) -> Iterator[None]:
    """Run the kernels called inside on the calling thread alone when ``n_items`` is small.

    Numba's thread count is per calling thread, so this never affects another request.
    """
    if n_items >= PARALLEL_MIN_ITEMS:
        yield
        return
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def serial_for_small(size_param: str) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Decorate a public wrapper: its kernels run serially when the argument ``size_param`` is short."""

    def decorate(fn):  # type: ignore[no-untyped-def]
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            value = signature.bind_partial(*args, **kwargs).arguments.get(size_param)
            n = len(value) if hasattr(value, "__len__") else PARALLEL_MIN_ITEMS
            with serial_below(n):
                return fn(*args, **kwargs)

        return wrapper

    return decorate


@dataclass(frozen=True)
class KernelTolerances:
    """Tolerances of the ray-based kernels, relative to the part's bounding-box diagonal [-]."""

    #: a ray starting on a surface ignores hits closer than this (its own and adjacent faces)
    ray_start_rel: float = 1e-7
    #: a ray starting on a surface starts this far off it, along the outward normal
    ray_offset_rel: float = 1e-6
    #: accessibility rays start this far off the surface: they run along walls nearly parallel to the
    #: tool axis (hole walls, whose facets tilt by ~1e-3 after tessellation) and must clear the
    #: neighbouring facets; 1e-6 marked the walls of drilled holes in real STEP parts as undercuts
    access_offset_rel: float = 1e-4
    #: a face whose normal points this little against a direction still counts as facing it [-, cosine]
    facing_cos: float = 1e-6
    #: a triangle this close to the build plate is on the plate (additive)
    plate_rel: float = 1e-4


ktol = KernelTolerances()
