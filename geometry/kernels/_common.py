"""Helpers shared by the ray-based kernels: per-triangle geometry and BVH reuse."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numba
import numpy as np

from geometry.kernels._config import jit, jit_parallel
from geometry.kernels.bvh import BVH, build_bvh
from geometry.tolerances import tol


def bvh_for(tri: np.ndarray, bvh: BVH | None) -> BVH:
    """``bvh`` when it was built on these triangles, else a new one."""
    if bvh is not None and bvh.n_triangles == tri.shape[0]:
        return bvh
    return build_bvh(tri)


def inverse_order(bvh: BVH) -> np.ndarray:
    """(n,) int64: the BVH-order index of each original triangle."""
    inv = np.empty_like(bvh.order)
    inv[bvh.order] = np.arange(len(bvh.order), dtype=np.int64)
    return inv


@dataclass(frozen=True, eq=False)
class Frames:
    """Per-triangle values every ray kernel starts from, in the original order.

    centroid_mm : (n, 3) float64 [mm]; normal : (n, 3) float64 unit (zero on degenerate faces);
    area_mm2 : (n,) float64 [mm2]; bvh_index : (n,) int64, each triangle's index in BVH order.
    """

    centroid_mm: np.ndarray
    normal: np.ndarray
    area_mm2: np.ndarray
    bvh_index: np.ndarray


#: the frames of the triangles a BVH was used with, kept while the BVH lives (three ray kernels share them)
_FRAMES: weakref.WeakKeyDictionary[BVH, tuple[weakref.ref[np.ndarray], Frames]] = weakref.WeakKeyDictionary()


def frames_for(tri: np.ndarray, bvh: BVH) -> Frames:
    """The ``Frames`` of ``tri`` (n, 3, 3) float64 [mm], ``bvh`` built on them: computed once per (array, BVH)."""
    kept = _FRAMES.get(bvh)
    if kept is not None and kept[0]() is tri:
        return kept[1]
    cen, nrm, area = centroid_normal_area_kernel(tri)
    frames = Frames(cen, nrm, area, inverse_order(bvh))
    _FRAMES[bvh] = (weakref.ref(tri), frames)
    return frames


def diagonal(tri: np.ndarray) -> float:
    """Bounding-box diagonal of triangles (n, 3, 3) [mm], never 0."""
    ext = tri.max(axis=(0, 1)) - tri.min(axis=(0, 1))
    return max(float(np.linalg.norm(ext)), tol.tiny)


def gather_triangles(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """``vertices[faces]`` : (m, 3, 3) float64 [mm] (vertices : (n, 3) float64, faces : (m, 3) int64 within
    range), copied by a parallel kernel: numpy's fancy indexing of a big mesh takes one core ~0.1 s."""
    v = np.ascontiguousarray(vertices, dtype=np.float64)
    f = np.ascontiguousarray(faces, dtype=np.int64)
    if len(f) and (f.min() < 0 or f.max() >= len(v)):
        return v[f]  # numpy's own IndexError
    return _gather_kernel(v, f)


@jit_parallel
def _gather_kernel(v: np.ndarray, f: np.ndarray) -> np.ndarray:
    """(m, 3, 3): the corners of each face."""
    out = np.empty((f.shape[0], 3, 3))
    for i in numba.prange(f.shape[0]):
        for j in range(3):
            a = f[i, j]
            out[i, j, 0] = v[a, 0]
            out[i, j, 1] = v[a, 1]
            out[i, j, 2] = v[a, 2]
    return out


@jit
def least_by_group(groups: np.ndarray, values: np.ndarray, least: np.ndarray) -> None:
    """``np.minimum.at(least, groups, values)`` in one compiled loop (numpy's ``ufunc.at`` takes ~50 ms on a
    million values): groups : (k,) int64 within ``least``'s range; values : (k,) float64; a NaN stays."""
    for j in range(groups.shape[0]):
        g = groups[j]
        v = values[j]
        if v < least[g] or v != v:
            least[g] = v


@jit_parallel
def centroid_normal_area_kernel(tri: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centroids (n, 3) [mm], unit normals (n, 3) (zero for degenerate faces), areas (n,) [mm2]."""
    n = tri.shape[0]
    cen = np.empty((n, 3))
    nrm = np.empty((n, 3))
    area = np.empty(n)
    for i in numba.prange(n):
        e1x = tri[i, 1, 0] - tri[i, 0, 0]
        e1y = tri[i, 1, 1] - tri[i, 0, 1]
        e1z = tri[i, 1, 2] - tri[i, 0, 2]
        e2x = tri[i, 2, 0] - tri[i, 0, 0]
        e2y = tri[i, 2, 1] - tri[i, 0, 1]
        e2z = tri[i, 2, 2] - tri[i, 0, 2]
        nx = e1y * e2z - e1z * e2y
        ny = e1z * e2x - e1x * e2z
        nz = e1x * e2y - e1y * e2x
        s = np.sqrt(nx * nx + ny * ny + nz * nz)
        area[i] = 0.5 * s
        if s > 0.0:
            nrm[i, 0] = nx / s
            nrm[i, 1] = ny / s
            nrm[i, 2] = nz / s
        else:
            nrm[i, 0] = 0.0
            nrm[i, 1] = 0.0
            nrm[i, 2] = 0.0
        for k in range(3):
            cen[i, k] = (tri[i, 0, k] + tri[i, 1, k] + tri[i, 2, k]) / 3.0
    return cen, nrm, area
