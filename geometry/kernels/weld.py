"""Vertex welding on integer grid keys: one hash pass instead of sorting rows.

``weld_keys`` gives each distinct key row its id in the same order and with
the same first occurrences as ``np.unique(keys, axis=0, return_index=True,
return_inverse=True)``, but hashes the n rows once (O(n)) and sorts only the
distinct rows (usually a sixth of an STL's rows), so a 3.9 M-row STL welds in
a fraction of the time of a row-wise sort.
"""

from __future__ import annotations

import numpy as np

from geometry.kernels._config import jit, jit_strict

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


@jit_strict
def _grid_weld_kernel(points: np.ndarray, step: float, shift: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_weld_kernel`` of the grid keys ``floor(points / step + shift)``, worked out point by point.

    points (n, 3) float32 or float64 -> (ids (n,), first (u,), keys (u, 3) int64 of each distinct cell).
    The arithmetic is numpy's (IEEE, in float64, no fast-math): the same cells as ``np.floor(points /
    step + shift)``, without the four (n, 3) temporaries numpy writes on the way.
    """
    n = points.shape[0]
    size = 16
    while size < 2 * n:
        size *= 2
    mask = size - 1
    table = np.full(size, -1, dtype=np.int64)
    cells = np.empty((n, 3), dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    ids = np.empty(n, dtype=np.int64)
    count = 0
    for i in range(n):
        kx = np.int64(np.floor(np.float64(points[i, 0]) / step + shift))
        ky = np.int64(np.floor(np.float64(points[i, 1]) / step + shift))
        kz = np.int64(np.floor(np.float64(points[i, 2]) / step + shift))
        h = ((kx & _LOW32) * _MIX_X) ^ ((ky & _LOW32) * _MIX_Y) ^ ((kz & _LOW32) * _MIX_Z)
        h ^= h >> 29
        slot = h & mask
        while True:
            j = table[slot]
            if j < 0:
                table[slot] = count
                cells[count, 0] = kx
                cells[count, 1] = ky
                cells[count, 2] = kz
                first[count] = i
                ids[i] = count
                count += 1
                break
            if cells[j, 0] == kx and cells[j, 1] == ky and cells[j, 2] == kz:
                ids[i] = j
                break
            slot = (slot + 1) & mask
    return ids, first[:count].copy(), cells[:count].copy()


def weld_points(points: np.ndarray, step: float, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``weld_keys(np.floor(points / step + shift).astype(np.int64))`` in one pass over ``points``.

    points : (n, 3) float32 or float64 (float32 is read as float64, as ``astype`` would). Returns
    ``first`` (u,) and ``inverse`` (n,) int64 exactly as ``weld_keys`` does for those keys.
    """
    if points.dtype not in (np.float32, np.float64):
        points = points.astype(np.float64)
    points = np.ascontiguousarray(points).reshape(-1, 3)
    if len(points) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    ids, first, distinct = _grid_weld_kernel(points, float(step), float(shift))
    return _lexicographic(ids, first, distinct)


def _lexicographic(ids: np.ndarray, first: np.ndarray, distinct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, inverse) with the distinct rows in lexicographic order, from first-occurrence ids."""
    order = np.lexsort((distinct[:, 2], distinct[:, 1], distinct[:, 0]))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return first[order], rank[ids]


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
    return _lexicographic(ids, first, keys[first])


__all__ = ["weld_keys", "weld_points"]
