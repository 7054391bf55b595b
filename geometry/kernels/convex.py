"""The convex hull of a closed mesh's vertices, without Qhull when the mesh is convex and smooth.

A closed, connected, consistently wound triangle mesh whose every edge is convex
(the far vertex of each neighbouring face lies on or behind a face's plane) bounds
a convex solid, so the hull of its vertices is the mesh itself: its volume and
area are the mesh's (exact but for ``tol.convex_slack_rel``: an edge concave by
less than ``slack = convex_slack_rel x diagonal`` passes, and the hull then exceeds
the mesh by at most ``area x slack``, e.g. 2e-9 of the volume of a sphere). Qhull's
worst case is exactly such a mesh (655 k cospherical vertices of a 1.3 M-triangle
sphere: 7.9 s); the test takes well under a second.

Only meshes with more than ``2 x HULL_SAMPLE_POINTS`` extreme vertices (a vertex
whose faces' normals span 3 dimensions) take this way: the oriented box search
ignores a hull that big (it samples), so no other result changes; any other mesh,
or one that fails a test, gets Qhull's hull as before (``convex_hull_volume``).
"""

from __future__ import annotations

import numpy as np

from geometry.kernels._config import jit
from geometry.kernels.hull import ConvexHull, convex_hull_volume
from geometry.kernels.obb import HULL_SAMPLE_POINTS
from geometry.tolerances import tol

#: faces whose planes every vertex is tested against first (a cheap rejection of non-convex meshes)
PROBE_FACES = 64


def mesh_convex_hull(vertices: np.ndarray, faces: np.ndarray) -> ConvexHull:
    """The convex hull of ``vertices`` : (n, 3) float64 [mm] of the closed mesh ``faces`` : (m, 3) int64.

    The mesh itself (``simplices`` = ``faces``, ``points`` = every vertex, some of them inside a
    flat facet) when it is convex with more than ``2 x HULL_SAMPLE_POINTS`` extreme vertices (see the
    module's docstring), else ``convex_hull_volume(vertices)`` (Qhull).
    """
    pts = np.ascontiguousarray(vertices, dtype=np.float64)
    tris = np.ascontiguousarray(faces, dtype=np.int64)
    own = _own_hull(pts, tris) if len(pts) > 2 * HULL_SAMPLE_POINTS and len(tris) >= 4 else None
    return own if own is not None else convex_hull_volume(pts)


def _own_hull(pts: np.ndarray, tris: np.ndarray) -> ConvexHull | None:
    """The mesh as its own hull, or None when it is not convex, closed and consistently wound."""
    if tris.min() < 0 or tris.max() >= len(pts):
        return None
    slack_mm = tol.convex_slack_rel * float(np.linalg.norm(pts.max(axis=0) - pts.min(axis=0)))
    probes = np.unique(np.linspace(0, len(tris) - 1, PROBE_FACES).astype(np.int64))
    if not _behind_probes_kernel(pts, tris, probes, slack_mm):
        return None
    face_of, offsets = _incidence_kernel(tris, len(pts))
    across = _across_kernel(tris, face_of, offsets)
    if across[0, 0] < 0:
        return None
    ok, volume, area, normals = _convex_kernel(pts, tris, across, slack_mm)
    if not ok or volume <= 0.0 or _extreme_count(face_of, offsets, normals) <= 2 * HULL_SAMPLE_POINTS:
        return None
    # ``across[f, j]`` is the face over edge (j, j+1), i.e. opposite vertex j+2 (Qhull's ``neighbors`` order)
    neighbors = np.ascontiguousarray(across[:, [1, 2, 0]])
    return ConvexHull(volume_mm3=volume, area_mm2=area, points=pts, simplices=tris, neighbors=neighbors,
                      normals=normals)


def _across_edges(tris: np.ndarray, n: int) -> np.ndarray | None:
    """(m, 3) int64: the face across edge (j, j+1) of each face, when every directed edge has exactly one
    reverse twin (closed, manifold, consistently wound), else None. n : the vertex count."""
    face_of, offsets = _incidence_kernel(tris, n)
    across = _across_kernel(tris, face_of, offsets)
    return None if across[0, 0] < 0 else across


@jit
def _across_kernel(tris: np.ndarray, face_of: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``_across_edges`` from each vertex's faces (``_incidence_kernel``): the twin of edge (a, b) is the one
    face of b holding edge (b, a). None found is an open edge; two, a directed edge used twice (wound
    against, or non-manifold): row 0 is then -1."""
    m = tris.shape[0]
    across = np.empty((m, 3), dtype=np.int64)
    for f in range(m):
        for j in range(3):
            a = tris[f, j]
            b = tris[f, (j + 1) % 3]
            found = -1
            for k in range(offsets[b], offsets[b + 1]):
                g = face_of[k]
                for q in range(3):
                    if tris[g, q] == b and tris[g, (q + 1) % 3] == a:
                        if found >= 0:
                            return np.full((m, 3), -1, dtype=np.int64)
                        found = g
            if found < 0:
                return np.full((m, 3), -1, dtype=np.int64)
            across[f, j] = found
    return across


@jit
def _behind_probes_kernel(pts: np.ndarray, tris: np.ndarray, probes: np.ndarray, slack_mm: float) -> bool:
    """Whether every point lies on or behind (within ``slack_mm``) the plane of each probe face."""
    for k in range(probes.shape[0]):
        f = probes[k]
        a, b, c = pts[tris[f, 0]], pts[tris[f, 1]], pts[tris[f, 2]]
        nx = (b[1] - a[1]) * (c[2] - a[2]) - (b[2] - a[2]) * (c[1] - a[1])
        ny = (b[2] - a[2]) * (c[0] - a[0]) - (b[0] - a[0]) * (c[2] - a[2])
        nz = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        limit = slack_mm * np.sqrt(nx * nx + ny * ny + nz * nz)
        for i in range(pts.shape[0]):
            if nx * (pts[i, 0] - a[0]) + ny * (pts[i, 1] - a[1]) + nz * (pts[i, 2] - a[2]) > limit:
                return False
    return True


@jit
def _convex_kernel(pts: np.ndarray, tris: np.ndarray, across: np.ndarray,
                   slack_mm: float) -> tuple[bool, float, float, np.ndarray]:
    """(every edge convex and the mesh connected, signed volume [mm3], area [mm2], unit face normals (m, 3))."""
    m = tris.shape[0]
    normals = np.empty((m, 3))
    volume = 0.0
    area = 0.0
    for f in range(m):
        a, b, c = pts[tris[f, 0]], pts[tris[f, 1]], pts[tris[f, 2]]
        nx = (b[1] - a[1]) * (c[2] - a[2]) - (b[2] - a[2]) * (c[1] - a[1])
        ny = (b[2] - a[2]) * (c[0] - a[0]) - (b[0] - a[0]) * (c[2] - a[2])
        nz = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        length = np.sqrt(nx * nx + ny * ny + nz * nz)
        if length == 0.0:
            return False, 0.0, 0.0, normals  # a degenerate face: no plane to test, let Qhull decide
        normals[f, 0], normals[f, 1], normals[f, 2] = nx / length, ny / length, nz / length
        area += 0.5 * length
        volume += (a[0] * nx + a[1] * ny + a[2] * nz) / 6.0
        for j in range(3):
            g = across[f, j]
            far = tris[g, 0] + tris[g, 1] + tris[g, 2] - tris[f, j] - tris[f, (j + 1) % 3]
            p = pts[far]
            if nx * (p[0] - a[0]) + ny * (p[1] - a[1]) + nz * (p[2] - a[2]) > slack_mm * length:
                return False, 0.0, 0.0, normals
    # one connected surface (two convex bodies are not their hull): walk the faces from face 0
    seen = np.zeros(m, dtype=np.bool_)
    stack = np.empty(m, dtype=np.int64)
    stack[0], seen[0], top, reached = 0, True, 1, 1
    while top:
        top -= 1
        f = stack[top]
        for j in range(3):
            g = across[f, j]
            if not seen[g]:
                seen[g] = True
                stack[top] = g
                top += 1
                reached += 1
    return reached == m, volume, area, normals


def _extreme_count(face_of: np.ndarray, offsets: np.ndarray, normals: np.ndarray) -> int:
    """How many vertices are corners of the solid: their faces' normals span three dimensions (each vertex's
    faces: ``_incidence_kernel``)."""
    return int(_extreme_kernel(face_of, offsets, normals, tol.convex_corner_sin))


@jit
def corner_offsets(tris: np.ndarray, n: int) -> np.ndarray:
    """(n + 1,) int64: vertex v's slots in a per-vertex list of triangle corners are offsets[v]:offsets[v + 1]
    (the counting half of a counting sort of the corners of ``tris`` (m, 3) by vertex)."""
    offsets = np.zeros(n + 1, dtype=np.int64)
    for f in range(tris.shape[0]):
        for j in range(3):
            offsets[tris[f, j] + 1] += 1
    for v in range(n):
        offsets[v + 1] += offsets[v]
    return offsets


@jit
def _incidence_kernel(tris: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The faces of each vertex by a counting sort (stable: ascending face): (face_of (3m,), offsets (n + 1,))."""
    offsets = corner_offsets(tris, n)
    fill = offsets[:-1].copy()
    face_of = np.empty(3 * tris.shape[0], dtype=np.int64)
    for f in range(tris.shape[0]):
        for j in range(3):
            v = tris[f, j]
            face_of[fill[v]] = f
            fill[v] += 1
    return face_of, offsets


@jit
def _extreme_kernel(face_of: np.ndarray, offsets: np.ndarray, normals: np.ndarray, corner_sin: float) -> int:
    """Vertices whose incident faces (``face_of[offsets[v]:offsets[v + 1]]``) have normals in no one plane."""
    count = 0
    for v in range(offsets.shape[0] - 1):
        lo, hi = offsets[v], offsets[v + 1]
        if hi - lo < 3:
            continue
        f0 = face_of[lo]
        n0x, n0y, n0z = normals[f0, 0], normals[f0, 1], normals[f0, 2]
        # the incident normal furthest from the first, then any normal off the plane of those two
        best, far = 2.0, -1
        for k in range(lo + 1, hi):
            g = face_of[k]
            d = n0x * normals[g, 0] + n0y * normals[g, 1] + n0z * normals[g, 2]
            if d < best:
                best, far = d, g
        if far < 0:
            continue
        ax = n0y * normals[far, 2] - n0z * normals[far, 1]
        ay = n0z * normals[far, 0] - n0x * normals[far, 2]
        az = n0x * normals[far, 1] - n0y * normals[far, 0]
        sin = np.sqrt(ax * ax + ay * ay + az * az)
        if sin <= corner_sin:
            continue  # every face of the vertex in one plane: inside a flat facet
        for k in range(lo, hi):
            g = face_of[k]
            if abs(ax * normals[g, 0] + ay * normals[g, 1] + az * normals[g, 2]) > corner_sin * sin:
                count += 1
                break
    return count


def warm(vertices: np.ndarray, faces: np.ndarray) -> None:
    """Run the kernels once on a small closed convex mesh (``warm_up``: the size gate keeps them from it)."""
    across = _across_edges(faces, len(vertices))
    assert across is not None, "warm up with a closed mesh"
    slack_mm = tol.convex_slack_rel
    _behind_probes_kernel(vertices, faces, np.arange(len(faces), dtype=np.int64), slack_mm)
    _, _, _, normals = _convex_kernel(vertices, faces, across, slack_mm)
    _extreme_count(*_incidence_kernel(faces, len(vertices)), normals)


__all__ = ["PROBE_FACES", "corner_offsets", "mesh_convex_hull", "warm"]
