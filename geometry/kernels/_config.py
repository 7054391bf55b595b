"""Numba options for every kernel, in one place.

``JIT`` is for serial kernels, ``JIT_PARALLEL`` for kernels that split their
work with ``prange``; kernels are decorated with ``@jit``, ``@jit_parallel`` or
``@jit_inline``, typed wrappers of ``numba.njit`` that keep the kernel's own
signature for type checkers (a Numba dispatcher is called like the function).
Kernels read their tolerances from ``geometry.tolerances.tol``. Fast-math is limited to flags that keep ``inf`` and
``nan`` meaningful (misses are ``inf``): no ``nnan``/``ninf``.

Numba's on-disk cache (``cache=True``) keys a kernel on its own source file
only: a kernel that calls another file's (``bvh.trace``, ``packets``) would
keep running the old callee after that file alone changed (a ``git pull`` that
touches one file). So the cache lives in a folder named by the hash of every
kernel source (``kernel_cache_dir``): any change to any kernel file gives a new,
empty folder. A ``NUMBA_CACHE_DIR`` set in the environment is used as it is.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast

import numba

#: the kernel sources whose hash names the cache folder
KERNELS_DIR = Path(__file__).resolve().parent
#: the cache folders live here, one per hash (``warm_up`` removes the others)
CACHE_ROOT = KERNELS_DIR / "__pycache__"


def kernel_cache_dir() -> Path:
    """The Numba cache folder of this exact set of kernel sources: ``__pycache__/numba-<sha256 of them>``."""
    digest = hashlib.sha256()
    for path in sorted(KERNELS_DIR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return CACHE_ROOT / f"numba-{digest.hexdigest()[:16]}"


def prune_stale_caches() -> int:
    """Remove the cache folders of earlier kernel sources (``numba-*`` beside the current one) and the
    index and data files Numba kept in ``__pycache__`` itself before these folders; how many folders."""
    import shutil

    current = kernel_cache_dir()
    stale = [path for path in CACHE_ROOT.glob("numba-*") if path.is_dir() and path != current]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    for old in (*CACHE_ROOT.glob("*.nbi"), *CACHE_ROOT.glob("*.nbc")):
        old.unlink(missing_ok=True)
    return len(stale)


if not os.environ.get("NUMBA_CACHE_DIR"):
    # set before any kernel is decorated (every kernel module imports this one first), in the environment too:
    # Numba re-reads its configuration from it when a NUMBA_ variable changes, and child processes (parse and
    # Dask workers) inherit it; a folder that cannot be written makes Numba fall back to its own locations
    os.environ["NUMBA_CACHE_DIR"] = str(kernel_cache_dir())
    _numba_config: Any = numba.config
    _numba_config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]

#: fast-math flags that keep inf/nan semantics (ray misses are inf)
FASTMATH = {"nsz", "arcp", "contract", "reassoc"}

#: serial kernels: cached on disk so a second process pays no JIT time
JIT: dict[str, Any] = {"cache": True, "nogil": True, "fastmath": FASTMATH, "error_model": "numpy"}

#: kernels parallel over chunks (``prange``); per-chunk buffers are reduced explicitly
JIT_PARALLEL: dict[str, Any] = {**JIT, "parallel": True}

#: kernels whose decisions must match numpy's own arithmetic bit for bit (IEEE order, no fused multiply-add):
#: a fused ``a*b - c*d`` of a degenerate triangle's parallel edges leaves a rounding residue for a normal
JIT_STRICT: dict[str, Any] = {**JIT, "fastmath": False}

#: parallel kernels whose sums must keep their written order (no reassociation, hence no vectorised
#: reduction that would add in another order), e.g. totals that must not move in the last digit
JIT_PARALLEL_ORDERED: dict[str, Any] = {**JIT_PARALLEL, "fastmath": FASTMATH - {"reassoc"}}

#: small helpers inlined into the kernels that call them (compiled with their caller)
JIT_INLINE: dict[str, Any] = {"inline": "always"}

_Kernel = TypeVar("_Kernel", bound=Callable[..., Any])
_P = ParamSpec("_P")
_R = TypeVar("_R")


def use_fork_safe_threads() -> bool:
    """Run the parallel kernels on Numba's TBB threading layer, whose thread pool survives a fork, so that a
    process that ran them may fork workers that run them too; False (nothing changed) when TBB is missing
    (the OpenMP and workqueue layers must not have started threads in a process that forks)."""
    try:
        importlib.import_module("numba.np.ufunc.tbbpool")  # loads libtbb: the layer is usable
    except ImportError:
        return False
    config: Any = numba.config
    config.THREADING_LAYER = "tbb"
    return True


def _compile(options: dict[str, Any], fn: _Kernel) -> _Kernel:
    # a Numba dispatcher is called like the function it compiles: type it as that function
    return cast(_Kernel, numba.njit(**options)(fn))


def jit(fn: _Kernel) -> _Kernel:
    """Compile a serial kernel with ``JIT``; type checkers see ``fn``'s own signature."""
    return _compile(JIT, fn)


def jit_parallel(fn: _Kernel) -> _Kernel:
    """Compile a kernel that splits its work with ``numba.prange``, with ``JIT_PARALLEL``."""
    return _compile(JIT_PARALLEL, fn)


def jit_parallel_ordered(fn: _Kernel) -> _Kernel:
    """Compile a parallel kernel with ``JIT_PARALLEL_ORDERED`` (fast-math, but sums in their written order)."""
    return _compile(JIT_PARALLEL_ORDERED, fn)


def jit_strict(fn: _Kernel) -> _Kernel:
    """Compile a serial kernel with ``JIT_STRICT`` (IEEE arithmetic, no fast-math)."""
    return _compile(JIT_STRICT, fn)


def jit_inline(fn: _Kernel) -> _Kernel:
    """Compile a small helper that Numba inlines into the kernels calling it, with ``JIT_INLINE``."""
    return _compile(JIT_INLINE, fn)

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


def serial_for_small(size_param: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorate a public wrapper: its kernels run serially when the argument ``size_param`` is short."""

    def decorate(fn: Callable[_P, _R]) -> Callable[_P, _R]:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            value = signature.bind_partial(*args, **kwargs).arguments.get(size_param)
            n = len(value) if value is not None and hasattr(value, "__len__") else PARALLEL_MIN_ITEMS
            with serial_below(n):
                return fn(*args, **kwargs)

        return wrapper

    return decorate
