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


@dataclass(frozen=True)
class KernelTolerances:
    """Tolerances of the ray-based kernels, relative to the part's bounding-box diagonal [-]."""

    #: a ray starting on a surface ignores hits closer than this (its own and adjacent faces)
    ray_start_rel: float = 1e-7
    #: a ray starting on a surface starts this far off it, along the outward normal
    ray_offset_rel: float = 1e-6
    #: a face whose normal points this little against a direction still counts as facing it [-, cosine]
    facing_cos: float = 1e-6
    #: a triangle this close to the build plate is on the plate (additive)
    plate_rel: float = 1e-4


ktol = KernelTolerances()
