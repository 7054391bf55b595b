"""Supporting planes: how far a mesh rises above each triangle's plane, read off its convex hull.

A ray that starts ``offset`` out along a triangle's unit normal n and runs along a direction d with
n.d >= 0 stays in the half-space n.p >= n.c + offset (c: the centroid). When every vertex x of the
mesh has n.x <= n.c + offset / 2 (the triangle's plane, raised a little, supports the whole mesh),
so does every point of every triangle (a convex combination of vertices): the ray cannot hit
anything, and the ray kernels skip it (``accessibility``, ``additive_orientation``: same answer,
no trace).

``plane_rise`` gives h(n) - n.c per triangle, h(n) = max n.x over the mesh's vertices, from the
convex hull of those vertices (``mesh_convex_hull``): a linear function's maximum over a convex
polytope is reached at a vertex, and a vertex no edge-neighbour improves on is that maximum, so a
climb along the hull's edges finds it. Neighbouring triangles in BVH order start from the vertex
the previous one reached, so a climb is a few steps.

The climb is exact only on a convex hull: ``hull_graph`` checks every hull edge (the far vertex of
each neighbouring facet on or behind a facet's plane, within ``tol.hull_flat_rel`` of the largest
coordinate: rounding of a flat edge) and every vertex (its facets wind once around it: one convex cone, not a self-overlapping
surface wound twice around it), and refuses the hull otherwise. A closed,
connected, consistently wound surface convex at every edge and vertex bounds a convex body. Qhull's hull holds every input
point within its rounding; ``mesh_convex_hull``'s own hull of a convex mesh is the mesh itself. A
refused hull means no ray is skipped.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numba
import numpy as np

from geometry.kernels._common import Frames
from geometry.kernels._config import jit, jit_parallel, jit_strict, n_chunks
from geometry.kernels.convex import corner_offsets
from geometry.kernels.hull import ConvexHull
from geometry.tolerances import tol

#: a ray is skipped when the mesh rises at most this share of the ray's clearance (how far along the
#: triangle's normal its first point lies: ``access_offset_rel``, or ``ray_start_rel`` x the cosine of a
#: support ray) above the triangle's plane: the rest is a margin far above rounding [-]
CLEARANCE_SHARE = 0.5


@dataclass(frozen=True, eq=False)
class HullGraph:
    """A convex hull's vertices and edges, checked convex (``hull_graph``).

    points : (h, 3) float64 [mm]; offsets : (h + 1,) int64 and neighbours : (offsets[-1],) int64, the
    vertices joined to vertex v by a hull edge are ``neighbours[offsets[v]:offsets[v + 1]]``.
    """

    points: np.ndarray
    offsets: np.ndarray
    neighbours: np.ndarray


def hull_graph(hull: ConvexHull) -> HullGraph | None:
    """The edge graph of ``hull``, or None when a hull edge is not convex (beyond rounding) or a facet
    has no neighbour across an edge: then no plane can be trusted to support the mesh."""
    pts = np.ascontiguousarray(hull.points, dtype=np.float64)
    simplices = np.ascontiguousarray(hull.simplices, dtype=np.int64)
    neighbors = np.ascontiguousarray(hull.neighbors, dtype=np.int64)
    normals = np.ascontiguousarray(hull.normals, dtype=np.float64)
    if len(simplices) < 4 or len(pts) < 4 or not np.isfinite(pts).all():
        return None
    flat_mm = tol.hull_flat_rel * float(np.abs(pts).max())
    if not _convex_edges_kernel(pts, simplices, neighbors, normals, flat_mm):
        return None
    if not _single_cones_kernel(pts, simplices, normals):
        return None
    # renumber the points along a Morton curve: a climb's steps then read nearby memory
    order = np.argsort(_morton_kernel(pts))
    rank = np.empty(len(pts), dtype=np.int64)
    rank[order] = np.arange(len(pts), dtype=np.int64)
    offsets, neighbours = _edge_graph_kernel(rank[simplices], len(pts))
    return HullGraph(np.ascontiguousarray(pts[order]), offsets, neighbours)


#: the rises computed per (frames, graph), kept while both live (two ray kernels share them)
_RISES: weakref.WeakKeyDictionary[Frames, tuple[weakref.ref[HullGraph], np.ndarray]] = weakref.WeakKeyDictionary()


def rise_for(graph: HullGraph, frames: Frames, order: np.ndarray) -> np.ndarray:
    """``plane_rise`` of the triangles of ``frames`` (``kernels._common.frames_for``), computed once per
    (frames, graph); order : (n,) int64, their BVH order."""
    kept = _RISES.get(frames)
    if kept is not None and kept[0]() is graph:
        return kept[1]
    rise = plane_rise(graph, frames.centroid_mm, frames.normal, order)
    _RISES[frames] = (weakref.ref(graph), rise)
    return rise


def plane_rise(graph: HullGraph, centroid_mm: np.ndarray, normal: np.ndarray, order: np.ndarray) -> np.ndarray:
    """(n,) float64 [mm]: the most any vertex of the hull rises above each triangle's plane, max over
    hull vertices x of n.x - n.c (``inf`` for a degenerate triangle, whose normal is zero).

    centroid_mm, normal : (n, 3) float64 (``kernels._common.Frames``); order : (n,) int64, the triangles
    in BVH order (neighbours one after another: each climb starts where the previous one ended).
    """
    return _rise_kernel(graph.points, graph.offsets, graph.neighbours, centroid_mm, normal, order,
                        n_chunks(len(order)))


@jit
def _convex_edges_kernel(pts: np.ndarray, simplices: np.ndarray, neighbors: np.ndarray, normals: np.ndarray,
                         flat_mm: float) -> bool:
    """Whether, for every facet f and each neighbour g (``neighbors[f, j]``: across the edge opposite
    vertex j), g's far vertex lies at most ``flat_mm`` above f's plane (unit ``normals[f]``)."""
    for f in range(simplices.shape[0]):
        a = simplices[f, 0]
        for j in range(3):
            g = neighbors[f, j]
            if g < 0 or g >= simplices.shape[0]:
                return False
            far = simplices[g, 0] + simplices[g, 1] + simplices[g, 2] - (
                simplices[f, 0] + simplices[f, 1] + simplices[f, 2] - simplices[f, j])
            if far < 0 or far >= pts.shape[0]:
                return False
            h = (normals[f, 0] * (pts[far, 0] - pts[a, 0]) + normals[f, 1] * (pts[far, 1] - pts[a, 1])
                 + normals[f, 2] * (pts[far, 2] - pts[a, 2]))
            if not h <= flat_mm:
                return False
    return True


@jit_strict
def _single_cones_kernel(pts: np.ndarray, simplices: np.ndarray, normals: np.ndarray) -> bool:
    """Whether the facets around every vertex v wind once around it: with m the sum of v's facet normals,
    each facet's normal has m.n > 0 (its corner at v turns the same way about m), and exactly one corner's
    sector [a, b) about m holds a fixed direction r (v's first edge seen): (a x r).m >= 0 > -(r x b).m.
    A surface wound twice around a vertex (a self-overlapping cone) has every edge convex but two such
    sectors. (x + s m) x y . m = x x y . m, so no projection onto the plane normal to m is needed. IEEE
    arithmetic (``jit_strict``): the corner whose first edge is r itself must give exactly 0 for (a x r).m."""
    n = pts.shape[0]
    m = np.zeros((n, 3))
    for f in range(simplices.shape[0]):
        for j in range(3):
            v = simplices[f, j]
            m[v, 0] += normals[f, 0]
            m[v, 1] += normals[f, 1]
            m[v, 2] += normals[f, 2]
    ref = np.zeros((n, 3))
    seen = np.zeros(n, dtype=np.bool_)
    hits = np.zeros(n, dtype=np.int64)
    for f in range(simplices.shape[0]):
        for j in range(3):
            v = simplices[f, j]
            p = simplices[f, (j + 1) % 3]
            q = simplices[f, (j + 2) % 3]
            mx, my, mz = m[v, 0], m[v, 1], m[v, 2]
            if not mx * normals[f, 0] + my * normals[f, 1] + mz * normals[f, 2] > 0.0:
                return False
            ax, ay, az = pts[p, 0] - pts[v, 0], pts[p, 1] - pts[v, 1], pts[p, 2] - pts[v, 2]
            bx, by, bz = pts[q, 0] - pts[v, 0], pts[q, 1] - pts[v, 1], pts[q, 2] - pts[v, 2]
            if not seen[v]:
                ref[v, 0], ref[v, 1], ref[v, 2], seen[v] = ax, ay, az, True
            rx, ry, rz = ref[v, 0], ref[v, 1], ref[v, 2]
            a_r = (ay * rz - az * ry) * mx + (az * rx - ax * rz) * my + (ax * ry - ay * rx) * mz
            r_b = (ry * bz - rz * by) * mx + (rz * bx - rx * bz) * my + (rx * by - ry * bx) * mz
            if a_r >= 0.0 and r_b > 0.0:
                hits[v] += 1
    for v in range(n):
        if seen[v] and hits[v] != 1:
            return False
    return True


@jit
def _morton_kernel(pts: np.ndarray) -> np.ndarray:
    """(h,) int64: each point's Morton code, 21 bits per axis of its place in the points' bounding box."""
    lo = np.empty(3)
    span = np.empty(3)
    for k in range(3):
        lo[k] = pts[:, k].min()
        span[k] = pts[:, k].max() - lo[k]
        if span[k] <= 0.0:
            span[k] = 1.0
    codes = np.zeros(pts.shape[0], dtype=np.int64)
    for i in range(pts.shape[0]):
        code = 0
        for k in range(3):
            cell = min(int((pts[i, k] - lo[k]) / span[k] * 2097151.0), 2097151)
            spread = 0
            for b in range(21):
                spread |= ((cell >> b) & 1) << (3 * b + k)
            code |= spread
        codes[i] = code
    return codes


@jit
def _edge_graph_kernel(simplices: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(offsets (n + 1,), neighbours): vertex b follows a for each directed facet edge a -> b (an outward
    wound closed hull has each edge once in each direction, so each neighbour is listed once)."""
    offsets = corner_offsets(simplices, n)
    fill = offsets[:-1].copy()
    neighbours = np.empty(offsets[n], dtype=np.int64)
    for f in range(simplices.shape[0]):
        for j in range(3):
            a = simplices[f, j]
            neighbours[fill[a]] = simplices[f, (j + 1) % 3]
            fill[a] += 1
    return offsets, neighbours


@jit_parallel
def _rise_kernel(pts: np.ndarray, offsets: np.ndarray, neighbours: np.ndarray, cen: np.ndarray, nrm: np.ndarray,
                 order: np.ndarray, nchunk: int) -> np.ndarray:
    """``plane_rise`` by climbing the hull's edges: from the vertex the last triangle reached, to a better
    neighbour while there is one (every step strictly raises n.x, so it ends)."""
    n = order.shape[0]
    rise = np.empty(n)
    for c in numba.prange(nchunk):
        v = 0
        for p in range(c * n // nchunk, (c + 1) * n // nchunk):
            i = order[p]
            nx, ny, nz = nrm[i, 0], nrm[i, 1], nrm[i, 2]
            if nx == 0.0 and ny == 0.0 and nz == 0.0:
                rise[i] = np.inf
                continue
            best = nx * pts[v, 0] + ny * pts[v, 1] + nz * pts[v, 2]
            moved = True
            while moved:
                moved = False
                for k in range(offsets[v], offsets[v + 1]):
                    u = neighbours[k]
                    h = nx * pts[u, 0] + ny * pts[u, 1] + nz * pts[u, 2]
                    if h > best:
                        best, v, moved = h, u, True
            rise[i] = best - (nx * cen[i, 0] + ny * cen[i, 1] + nz * cen[i, 2])
    return rise


__all__ = ["CLEARANCE_SHARE", "HullGraph", "hull_graph", "plane_rise", "rise_for"]
