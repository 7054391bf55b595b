"""Convex hull through scipy's Qhull (wrapped, not rewritten)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geometry.errors import GeometryError
from geometry.kernels._validate import as_points

#: Qhull options: triangulated output ("Qt"); scipy's defaults ("Qbb Qc Qz") misreport
#: the volume of large cospherical point sets
QHULL_OPTIONS = "Qt"


@dataclass(frozen=True, eq=False)
class ConvexHull:
    """points : (h, 3) float64 [mm] hull vertices; simplices : (f, 3) int64 into ``points``, outward;
    neighbors : (f, 3) int64, the face opposite each vertex; normals : (f, 3) float64 outward unit."""

    volume_mm3: float
    area_mm2: float
    points: np.ndarray
    simplices: np.ndarray
    neighbors: np.ndarray
    normals: np.ndarray


def convex_hull_volume(points: np.ndarray) -> ConvexHull:
    """The convex hull of ``points`` : (n, 3) float64 [mm] with its volume and area.

    Raises ``GeometryError`` when the points are flat (no volume) or too few.
    """
    from scipy.spatial import ConvexHull as _Qhull
    from scipy.spatial import QhullError

    pts = as_points(points, min_count=4)
    try:
        hull = _Qhull(pts, qhull_options=QHULL_OPTIONS)
    except (QhullError, ValueError) as err:
        raise GeometryError(
            "the part is flat or degenerate (its points span no volume): export a solid", count=len(pts)
        ) from err
    used = np.asarray(hull.vertices, dtype=np.int64)
    remap = np.full(len(pts), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    simplices = remap[hull.simplices]
    neighbors = np.asarray(hull.neighbors, dtype=np.int64)
    normals = np.asarray(hull.equations[:, :3], dtype=np.float64)
    # Qhull orders a facet's vertices arbitrarily: wind them outward (swap two; their opposite neighbours follow)
    p = pts[used][simplices]
    inward = np.einsum("ij,ij->i", np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]), normals) < 0
    simplices[inward] = simplices[inward][:, [0, 2, 1]]
    neighbors[inward] = neighbors[inward][:, [0, 2, 1]]
    return ConvexHull(
        volume_mm3=float(hull.volume),
        area_mm2=float(hull.area),
        points=np.ascontiguousarray(pts[used]),
        simplices=np.ascontiguousarray(simplices),
        neighbors=np.ascontiguousarray(neighbors),
        normals=np.ascontiguousarray(normals),
    )
