"""Convex hull and minimum-area rectangle of 2-D points (rotating-calipers style, one side on a hull edge).

``hull_2d`` and ``min_area_rect`` are ``@njit`` kernels that ``obb`` calls inside its own
kernel for every candidate direction; ``min_area_rectangle`` is the checked wrapper the B-rep
recognisers call on a planar face's outline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geometry.errors import GeometryError
from geometry.kernels._config import jit

__all__ = ["Rectangle", "hull_2d", "min_area_rect", "min_area_rectangle"]


@dataclass(frozen=True)
class Rectangle:
    """The smallest-area rectangle around a set of 2-D points."""

    #: sides, larger first [mm]
    sides_mm: tuple[float, float]
    #: unit direction (cos, sin) of the side that lies on a hull edge [-]
    direction: tuple[float, float]

    @property
    def area_mm2(self) -> float:
        return self.sides_mm[0] * self.sides_mm[1]


def min_area_rectangle(xy: np.ndarray) -> Rectangle:
    """The minimum-area rectangle around ``xy`` : (n, 2) float64 [mm] (n >= 1, finite).

    Fewer than three distinct non-collinear points: a degenerate rectangle whose larger side is
    the points' largest extent along x or y and whose smaller side is 0.
    """
    pts = np.ascontiguousarray(xy, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
        raise GeometryError(f"expected (n, 2) points, got shape {pts.shape}")
    if not np.all(np.isfinite(pts)):
        raise GeometryError("points are not finite")
    ring = hull_2d(pts)
    if len(ring) < 3:
        return Rectangle((float(np.ptp(pts, axis=0).max()), 0.0), (1.0, 0.0))
    _, c, s = min_area_rect(pts, ring)
    hull = pts[ring]
    w = float(np.ptp(hull @ np.array([c, s])))
    h = float(np.ptp(hull @ np.array([-s, c])))
    return Rectangle((max(w, h), min(w, h)), (float(c), float(s)))


@jit
def hull_2d(xy: np.ndarray) -> np.ndarray:
    """Convex hull of 2-D points (k, 2): indices counter-clockwise, collinear points dropped (Andrew)."""
    k = xy.shape[0]
    order = np.argsort(xy[:, 0], kind="mergesort")
    # ties on x: sort by y (insertion sort on the short runs)
    i = 0
    while i < k:
        j = i + 1
        while j < k and xy[order[j], 0] == xy[order[i], 0]:
            j += 1
        for a in range(i + 1, j):
            cur = order[a]
            b = a - 1
            while b >= i and xy[order[b], 1] > xy[cur, 1]:
                order[b + 1] = order[b]
                b -= 1
            order[b + 1] = cur
        i = j
    out = np.empty(2 * k + 1, dtype=np.int64)
    m = 0
    for idx in range(k):
        p = order[idx]
        while m >= 2 and _cross(xy, out[m - 2], out[m - 1], p) <= 0.0:
            m -= 1
        out[m] = p
        m += 1
    lower = m + 1
    for idx in range(k - 2, -1, -1):
        p = order[idx]
        while m >= lower and _cross(xy, out[m - 2], out[m - 1], p) <= 0.0:
            m -= 1
        out[m] = p
        m += 1
    return out[: max(m - 1, 1)].copy()


@jit
def _cross(xy: np.ndarray, o: int, a: int, b: int) -> float:  # pragma: no cover - inlined
    return float((xy[a, 0] - xy[o, 0]) * (xy[b, 1] - xy[o, 1]) - (xy[a, 1] - xy[o, 1]) * (xy[b, 0] - xy[o, 0]))


@jit
def min_area_rect(xy: np.ndarray, ring: np.ndarray) -> tuple[float, float, float]:
    """Minimum-area rectangle around the convex polygon ``xy[ring]`` (CCW): (area, unit side direction cos, sin).

    One side lies on a polygon edge; every edge is tried against every vertex.
    """
    h = ring.shape[0]
    best = np.inf
    bc = 1.0
    bs = 0.0
    for i in range(h):
        p = ring[i]
        q = ring[(i + 1) % h]
        ex = xy[q, 0] - xy[p, 0]
        ey = xy[q, 1] - xy[p, 1]
        s = np.sqrt(ex * ex + ey * ey)
        if s == 0.0:
            continue
        ex /= s
        ey /= s
        lo_u = np.inf
        hi_u = -np.inf
        lo_v = np.inf
        hi_v = -np.inf
        for j in range(h):
            r = ring[j]
            u = xy[r, 0] * ex + xy[r, 1] * ey
            v = -xy[r, 0] * ey + xy[r, 1] * ex
            lo_u = min(lo_u, u)
            hi_u = max(hi_u, u)
            lo_v = min(lo_v, v)
            hi_v = max(hi_v, v)
        area = (hi_u - lo_u) * (hi_v - lo_v)
        if area < best:
            best = area
            bc = ex
            bs = ey
    return best, bc, bs
