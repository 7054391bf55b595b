"""Union-find on a flat parent array, shared by the kernels that group triangles or vertices.

The root of a set is always its lowest member, so the labels a caller numbers by first appearance are
the same whatever order the unions came in (``health`` bodies, ``shells``, ``regions``).
"""

from __future__ import annotations

import numpy as np

from geometry.kernels._config import jit

__all__ = ["find", "link"]


@jit
def find(parent: np.ndarray, x: int) -> int:  # pragma: no cover - compiled
    """The root of ``x``, halving the path on the way (parent: (n,) int64, modified)."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@jit
def link(parent: np.ndarray, a: int, b: int) -> int:  # pragma: no cover - compiled
    """Join the sets of roots ``a`` and ``b`` under the lower one, and return it."""
    if a < b:
        parent[b] = a
        return a
    if b < a:
        parent[a] = b
        return b
    return a
