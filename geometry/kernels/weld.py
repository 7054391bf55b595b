"""Vertex welding on integer grid keys: one hash pass instead of sorting rows.

``weld_keys`` gives each distinct key row its id in the same order and with
the same first occurrences as ``np.unique(keys, axis=0, return_index=True,
return_inverse=True)``, but hashes the n rows once (O(n)) and sorts only the
distinct rows (usually a sixth of an STL's rows), so a 3.9 M-row STL welds in
a fraction of the time of a row-wise sort.
"""

from __future__ import annotations

import numpy as np

from geometry.kernels._config import jit

#: odd 31-bit multipliers of the key hash: a 32-bit key part times one stays below 2**63 (no overflow,
#: also when the kernel runs as plain Python under NUMBA_DISABLE_JIT)
_MIX_X = 0x5BD1E995
_MIX_Y = 0x1B873593
_MIX_Z = 0x27D4EB2F
_LOW32 = 0xFFFFFFFF


@jit
def _weld_kernel(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """keys (n, 3) int64 -> (ids (n,) int64 in first-occurrence order, first (u,) int64 row of each id)."""
    n = keys.shape[0]
    size = 16
    while size < 2 * n:
        size *= 2
    mask = size - 1
    table = np.full(size, -1, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    ids = np.empty(n, dtype=np.int64)
    count = 0
    for i in range(n):
        kx = keys[i, 0]
        ky = keys[i, 1]
        kz = keys[i, 2]
        h = ((kx & _LOW32) * _MIX_X) ^ ((ky & _LOW32) * _MIX_Y) ^ ((kz & _LOW32) * _MIX_Z)
        h ^= h >> 29
        slot = h & mask
        while True:
            j = table[slot]
            if j < 0:
                table[slot] = count
                first[count] = i
                ids[i] = count
                count += 1
                break
            f = first[j]
            if keys[f, 0] == kx and keys[f, 1] == ky and keys[f, 2] == kz:
                ids[i] = j
                break
            slot = (slot + 1) & mask
    return ids, first[:count].copy()


def weld_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``keys`` (n, 3) int64, as ``np.unique(axis=0)`` orders them.

    Returns ``first`` (u,) int64, the index of each distinct row's first occurrence, in
    lexicographic order of the rows, and ``inverse`` (n,) int64, the position in ``first`` of
    each row's distinct row: ``keys[first][inverse] == keys``.
    """
    keys = np.ascontiguousarray(keys, dtype=np.int64).reshape(-1, 3)
    if len(keys) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    ids, first = _weld_kernel(keys)
    distinct = keys[first]
    order = np.lexsort((distinct[:, 2], distinct[:, 1], distinct[:, 0]))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return first[order], rank[ids]


__all__ = ["weld_keys"]
