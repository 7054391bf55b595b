"""Minimum-volume oriented bounding box.

Search over the hull's face directions: for every candidate direction the
hull's silhouette seen along it gives the outline, whose minimum-area
rectangle (one side on an outline edge) with the height along the direction
gives a box. This is exact over boxes with a face flush with a hull face (the
optimum for most machined parts; O'Rourke's edge-edge case is not searched).
The best frames are then measured on all the points, so the box always
contains every point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from geometry.kernels._config import jit, jit_parallel, serial_for_small
from geometry.kernels._validate import as_points
from geometry.kernels.hull import ConvexHull, convex_hull_volume
from geometry.kernels.rectangle import hull_2d, min_area_rect
from geometry.tolerances import tol

#: above this many points the hull for the direction search is built on a subsample
#: (extents are still measured on every point)
HULL_SAMPLE_POINTS = 20_000
#: at most this many hull face directions are searched (largest total area first)
MAX_CANDIDATES = 512
#: this many best frames are re-measured on all the points
REMEASURE = 8


@dataclass(frozen=True)
class OrientedBox:
    #: extents along the box axes, descending [mm]
    extents_mm: tuple[float, float, float]
    #: rows: the box axes (unit vectors) in the order of ``extents_mm``
    rotation: tuple[tuple[float, float, float], ...]
    center_mm: tuple[float, float, float]
    volume_mm3: float


@serial_for_small("points")
def oriented_bounding_box(points: np.ndarray, hull: ConvexHull | None = None) -> OrientedBox:
    """The minimum-volume box around ``points`` : (n, 3) float64 [mm] (n >= 4, not flat).

    ``hull`` : the convex hull of ``points`` if already computed (``convex_hull_volume``).
    """
    pts = as_points(points, min_count=4)
    if hull is not None and len(hull.points) > HULL_SAMPLE_POINTS:
        hull = None  # a huge hull (a smooth part): search the directions of a sampled one
    if hull is None:
        hull = convex_hull_volume(_sample(pts) if len(pts) > HULL_SAMPLE_POINTS else pts)
    normals = _candidate_normals(hull)
    frames = _frames_kernel(hull.points, hull.simplices, hull.neighbors, hull.normals, normals)
    extra = np.stack([np.eye(3), _pca_frame(hull.points)])
    frames = np.concatenate([frames, extra])
    lo, hi = _extents_kernel(hull.points, frames)
    best = np.argsort(np.prod(hi - lo, axis=1), kind="stable")[:REMEASURE]
    frames = np.ascontiguousarray(frames[best])
    lo, hi = _extents_kernel(pts, frames)  # every point, not only the (sampled) hull's
    k = int(np.argmin(np.prod(hi - lo, axis=1)))
    rot, lo, hi = frames[k], lo[k], hi[k]
    vol = float(np.prod(hi - lo))
    ext = hi - lo
    order = np.argsort(-ext, kind="stable")
    center = ((lo + hi) / 2) @ rot
    return OrientedBox(
        extents_mm=(float(ext[order[0]]), float(ext[order[1]]), float(ext[order[2]])),
        rotation=tuple((float(rot[i, 0]), float(rot[i, 1]), float(rot[i, 2])) for i in order),
        center_mm=(float(center[0]), float(center[1]), float(center[2])),
        volume_mm3=vol,
    )


def _sample(pts: np.ndarray) -> np.ndarray:
    """A subsample of a big point set keeping its extremes along 13 directions."""
    step = int(np.ceil(len(pts) / HULL_SAMPLE_POINTS))
    dirs = np.array(
        [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, -1, 0], [1, 0, 1], [1, 0, -1],
         [0, 1, 1], [0, 1, -1], [1, 1, 1], [1, 1, -1], [1, -1, 1], [-1, 1, 1]], dtype=np.float64
    )
    extremes = _extremes_kernel(pts, dirs)
    return np.concatenate([pts[::step], pts[extremes]])


def _candidate_normals(hull: ConvexHull) -> np.ndarray:
    """Distinct hull face normals (coplanar faces merged), largest total area first, at most MAX_CANDIDATES."""
    p = hull.points[hull.simplices]
    area = 0.5 * np.linalg.norm(np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]), axis=1)
    keys = np.round(hull.normals, tol.normal_merge_digits)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    group_area = np.bincount(inverse.reshape(-1), weights=area, minlength=len(uniq))
    order = np.argsort(-group_area, kind="stable")[:MAX_CANDIDATES]
    normals = uniq[order]
    return np.ascontiguousarray(normals / np.linalg.norm(normals, axis=1)[:, None])


def _pca_frame(pts: np.ndarray) -> np.ndarray:
    centered = pts - pts.mean(axis=0)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    if np.linalg.det(vt) < 0:
        vt[2] *= -1
    return vt


@jit_parallel
def _extents_kernel(points: np.ndarray, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least and greatest coordinate [mm] of ``points`` (h, 3) along each axis of each frame (k, 3, 3): (k, 3) twice."""
    k = frames.shape[0]
    lo = np.full((k, 3), np.inf)
    hi = np.full((k, 3), -np.inf)
    for f in numba.prange(k):
        for i in range(points.shape[0]):
            for a in range(3):
                x = points[i, 0] * frames[f, a, 0] + points[i, 1] * frames[f, a, 1] + points[i, 2] * frames[f, a, 2]
                if x < lo[f, a]:
                    lo[f, a] = x
                if x > hi[f, a]:
                    hi[f, a] = x
    return lo, hi


@jit_parallel
def _extremes_kernel(points: np.ndarray, dirs: np.ndarray) -> np.ndarray:
    """Indices (2k,) of the points with the least, then the greatest, projection on each direction (k, 3)."""
    k = dirs.shape[0]
    out = np.empty(2 * k, dtype=np.int64)
    for d in numba.prange(k):
        lo = np.inf
        hi = -np.inf
        ilo = 0
        ihi = 0
        for i in range(points.shape[0]):
            x = points[i, 0] * dirs[d, 0] + points[i, 1] * dirs[d, 1] + points[i, 2] * dirs[d, 2]
            if x < lo:
                lo = x
                ilo = i
            if x > hi:
                hi = x
                ihi = i
        out[d] = ilo
        out[k + d] = ihi
    return out


@jit
def _basis(n: np.ndarray) -> tuple[float, float, float, float, float, float]:  # pragma: no cover - small helper
    """Two unit vectors completing ``n`` to a right-handed frame."""
    if abs(n[0]) < 0.9:
        ax, ay, az = 1.0, 0.0, 0.0
    else:
        ax, ay, az = 0.0, 1.0, 0.0
    ux = n[1] * az - n[2] * ay
    uy = n[2] * ax - n[0] * az
    uz = n[0] * ay - n[1] * ax
    s = np.sqrt(ux * ux + uy * uy + uz * uz)
    ux /= s
    uy /= s
    uz /= s
    vx = n[1] * uz - n[2] * uy
    vy = n[2] * ux - n[0] * uz
    vz = n[0] * uy - n[1] * ux
    return ux, uy, uz, vx, vy, vz


@jit_parallel
def _frames_kernel(
    points: np.ndarray, simplices: np.ndarray, neighbors: np.ndarray, face_normals: np.ndarray, normals: np.ndarray
) -> np.ndarray:
    """For each candidate direction (k, 3): the frame (k, 3, 3) of its best flush box, rows = box axes.

    points (h, 3), simplices (f, 3), neighbors (f, 3), face_normals (f, 3): the hull (``ConvexHull``).
    """
    k = normals.shape[0]
    nf = simplices.shape[0]
    frames = np.empty((k, 3, 3))
    for c in numba.prange(k):
        n = normals[c]
        ux, uy, uz, vx, vy, vz = _basis(n)
        side = np.empty(nf)
        for f in range(nf):
            side[f] = face_normals[f, 0] * n[0] + face_normals[f, 1] * n[1] + face_normals[f, 2] * n[2]
        # silhouette: edges between a face looking along n and one looking away
        mark = np.zeros(points.shape[0], dtype=np.bool_)
        count = 0
        for f in range(nf):
            if side[f] < 0.0:
                continue
            for j in range(3):
                g = neighbors[f, j]
                if side[g] < 0.0:
                    for a in range(3):
                        if a != j:
                            vtx = simplices[f, a]
                            if not mark[vtx]:
                                mark[vtx] = True
                                count += 1
        if count < 3:
            mark[:] = True
            count = points.shape[0]
        xy = np.empty((count, 2))
        m = 0
        for i in range(points.shape[0]):
            if mark[i]:
                xy[m, 0] = points[i, 0] * ux + points[i, 1] * uy + points[i, 2] * uz
                xy[m, 1] = points[i, 0] * vx + points[i, 1] * vy + points[i, 2] * vz
                m += 1
        ring = hull_2d(xy)
        _, cs, sn = min_area_rect(xy, ring)
        # box axes: a = cs*u + sn*v, b = -sn*u + cs*v, n
        frames[c, 0, 0] = cs * ux + sn * vx
        frames[c, 0, 1] = cs * uy + sn * vy
        frames[c, 0, 2] = cs * uz + sn * vz
        frames[c, 1, 0] = -sn * ux + cs * vx
        frames[c, 1, 1] = -sn * uy + cs * vy
        frames[c, 1, 2] = -sn * uz + cs * vz
        frames[c, 2, 0] = n[0]
        frames[c, 2, 1] = n[1]
        frames[c, 2, 2] = n[2]
    return frames
