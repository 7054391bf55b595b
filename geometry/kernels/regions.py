"""Crease-split regions of a triangle mesh: one hashed pass over the edges and a union-find.

Two triangles that share an edge belong to one region when the angle between their
normals is under the crease angle; a region is a connected set of such triangles (a
mesh's stand-in for B-rep faces: the flat sides, cylinders and fillets of an STL).
Each edge is hashed once (as ``weld.py`` hashes grid keys); when a triangle meets an
edge already seen, it is paired with the edge's last owner, the same pairs a stable
sort of the edge keys makes, so a non-manifold edge chains its triangles in index order.
Regions are numbered in the order of their lowest triangle index, as
``scipy.sparse.csgraph.connected_components`` numbers them.
"""

from __future__ import annotations

import numpy as np

from geometry.kernels._config import jit_strict
from geometry.kernels._validate import as_faces, as_points
from geometry.kernels.union_find import find, link

__all__ = ["crease_regions"]

#: odd 31-bit multipliers of the edge hash (products stay below 2**63, also without the JIT)
_MIX_A = 0x5BD1E995
_MIX_B = 0x27D4EB2F
_LOW32 = 0xFFFFFFFF


def crease_regions(vertices_mm: np.ndarray, faces: np.ndarray, crease_deg: float) -> np.ndarray:
    """(m,) int64 region of each triangle, numbered by the lowest triangle of each region.

    vertices_mm : (n, 3) float64 [mm]; faces : (m, 3) int64; crease_deg : triangles across an edge
    whose normals differ by less than this [deg] join one region. A triangle of no area has a zero normal
    (under a crease angle of 90 deg it joins none).
    """
    if len(faces) == 0:
        return np.zeros(0, dtype=np.int64)
    v = as_points(vertices_mm)
    f = as_faces(faces, len(v))
    return _regions_kernel(v, f, float(np.cos(np.radians(crease_deg))))


@jit_strict
def _unit_normals(v: np.ndarray, f: np.ndarray) -> np.ndarray:
    """(m, 3) float64 unit normal of each triangle, zero for a triangle of no area; IEEE arithmetic, as
    ``np.cross`` computes it (a fused multiply-add would give two equal edges a residue for a normal)."""
    m = f.shape[0]
    out = np.zeros((m, 3))
    for t in range(m):
        a = f[t, 0]
        b = f[t, 1]
        c = f[t, 2]
        e1x = v[b, 0] - v[a, 0]
        e1y = v[b, 1] - v[a, 1]
        e1z = v[b, 2] - v[a, 2]
        e2x = v[c, 0] - v[a, 0]
        e2y = v[c, 1] - v[a, 1]
        e2z = v[c, 2] - v[a, 2]
        nx = e1y * e2z - e1z * e2y
        ny = e1z * e2x - e1x * e2z
        nz = e1x * e2y - e1y * e2x
        s = np.sqrt(nx * nx + ny * ny + nz * nz)
        if s > 0.0:
            out[t, 0] = nx / s
            out[t, 1] = ny / s
            out[t, 2] = nz / s
    return out



@jit_strict
def _regions_kernel(v: np.ndarray, f: np.ndarray, cos_limit: float) -> np.ndarray:
    """(m,) int64 region labels; the union-find keeps the lowest triangle of a region as its root."""
    m = f.shape[0]
    nrm = _unit_normals(v, f)
    size = 16
    while size < 4 * m:  # about 1.5 m distinct edges: a table at most ~40 % full
        size *= 2
    mask = size - 1
    keys_lo = np.full(size, -1, dtype=np.int64)
    keys_hi = np.empty(size, dtype=np.int64)
    owner = np.empty(size, dtype=np.int64)
    parent = np.arange(m)
    for t in range(m):
        for j in range(3):
            p = f[t, j]
            q = f[t, (j + 1) % 3]
            lo = min(p, q)
            hi = max(p, q)
            h = ((lo & _LOW32) * _MIX_A) ^ ((hi & _LOW32) * _MIX_B)
            h ^= h >> 29
            slot = h & mask
            while keys_lo[slot] >= 0 and (keys_lo[slot] != lo or keys_hi[slot] != hi):
                slot = (slot + 1) & mask
            if keys_lo[slot] < 0:
                keys_lo[slot] = lo
                keys_hi[slot] = hi
                owner[slot] = t
                continue
            s = owner[slot]
            owner[slot] = t
            dot = nrm[s, 0] * nrm[t, 0] + nrm[s, 1] * nrm[t, 1] + nrm[s, 2] * nrm[t, 2]
            if dot >= cos_limit:
                link(parent, find(parent, s), find(parent, t))
    labels = np.empty(m, dtype=np.int64)
    count = 0
    for t in range(m):
        r = find(parent, t)
        if r == t:
            labels[t] = count
            count += 1
        else:
            labels[t] = labels[r]
    return labels
