"""Slow, obviously correct numpy twins of the kernels (stumpy's ``tests/naive.py``)."""

from __future__ import annotations

import itertools

import numpy as np


def mass_properties(tri: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
    """(volume, area, centroid, inertia about the centroid) by signed tetrahedra from the origin."""
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    area = 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1).sum()
    det = np.einsum("ij,ij->i", a, np.cross(b, c))  # 6 x signed tetra volume
    volume = det.sum() / 6
    centroid = (det[:, None] * (a + b + c)).sum(axis=0) / 24 / volume
    # second moment of the tetra (0, a, b, c): det/120 * (sum v v^T + (sum v)(sum v)^T)
    s = a + b + c
    second = np.zeros((3, 3))
    for i in range(len(tri)):
        m = np.outer(a[i], a[i]) + np.outer(b[i], b[i]) + np.outer(c[i], c[i]) + np.outer(s[i], s[i])
        second += det[i] / 120 * m
    inertia_origin = np.trace(second) * np.eye(3) - second
    shift = volume * (centroid @ centroid * np.eye(3) - np.outer(centroid, centroid))
    return float(volume), float(area), centroid, inertia_origin - shift


def ray_triangle(o: np.ndarray, d: np.ndarray, tri: np.ndarray) -> np.ndarray:
    """Distance along ``d`` (unit) from ``o`` to every triangle (m,), inf where missed.

    Solves o + t d = p0 + u (p1 - p0) + v (p2 - p0) for every triangle at once (Cramer's rule by LAPACK).
    """
    m = np.stack([tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0], np.broadcast_to(-d, (len(tri), 3))], axis=2)
    ok = np.abs(np.linalg.det(m)) > 1e-14
    out = np.full(len(tri), np.inf)
    if ok.any():
        uvt = np.linalg.solve(m[ok], (o - tri[ok, 0])[:, :, None])[:, :, 0]
        u, v, t = uvt.T
        hit = (u >= -1e-9) & (v >= -1e-9) & (u + v <= 1 + 1e-9) & (t > 0)
        idx = np.flatnonzero(ok)[hit]
        out[idx] = t[hit]
    return out


def raycast(tri: np.ndarray, origins: np.ndarray, directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = directions / np.linalg.norm(directions, axis=1)[:, None]
    dist = np.full(len(origins), np.inf)
    hit = np.full(len(origins), -1)
    for r in range(len(origins)):
        t = ray_triangle(origins[r], d[r], tri)
        if np.isfinite(t).any():
            hit[r] = int(np.argmin(t))
            dist[r] = t[hit[r]]
    return dist, hit


def normals(tri: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centroids, unit normals, areas."""
    cr = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    area = 0.5 * np.linalg.norm(cr, axis=1)
    return tri.mean(axis=1), cr / np.linalg.norm(cr, axis=1)[:, None], area


def wall_thickness(tri: np.ndarray) -> np.ndarray:
    """Per triangle: distance along -normal to the nearest face the ray leaves the solid through."""
    cen, nrm, _ = normals(tri)
    out = np.full(len(tri), np.inf)
    for i in range(len(tri)):
        t = ray_triangle(cen[i], -nrm[i], tri)
        t[i] = np.inf
        t[nrm @ -nrm[i] <= 0] = np.inf  # only faces whose outward normal is along the ray
        out[i] = t.min()
    return out


AXES = np.array([[0, 0, 1], [0, 0, -1], [1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0]], dtype=float)
NAMES = ("+Z", "-Z", "+X", "-X", "+Y", "-Y")


def visible(tri: np.ndarray, offset: float) -> np.ndarray:
    """(n, 6): faces the axis (or is parallel to it) and the ray from just outside the centroid escapes."""
    cen, nrm, _ = normals(tri)
    out = np.zeros((len(tri), 6), dtype=bool)
    for i in range(len(tri)):
        for k, axis in enumerate(AXES):
            if nrm[i] @ axis < -1e-6:
                continue
            t = ray_triangle(cen[i] + offset * nrm[i], axis, tri)
            t[i] = np.inf
            out[i, k] = not np.isfinite(t).any()
    return out


def minimal_setups(vis: np.ndarray) -> tuple[str, ...]:
    need = vis[vis.any(axis=1)]
    for size in range(1, 7):
        for combo in itertools.combinations(range(6), size):
            if need[:, list(combo)].any(axis=1).all():
                return tuple(NAMES[k] for k in combo)
    return ()


def overhang(tri: np.ndarray, up: np.ndarray, cos_limit: float, plate_tol: float) -> np.ndarray:
    """(n,) bool: the triangles that face down more steeply than ``cos_limit`` and are not on the plate."""
    _, nrm, area = normals(tri)
    heights = tri @ up
    return (nrm @ up < -cos_limit) & (area > 0) & (heights.min(axis=1) - heights.min() > plate_tol)


def support(tri: np.ndarray, up: np.ndarray, cos_limit: float, plate_tol: float) -> tuple[float, float, float]:
    """(overhang area, support volume, build height) for build direction ``up``."""
    cen, nrm, area = normals(tri)
    heights = tri @ up
    plate = heights.min()
    over = vol = 0.0
    mask = overhang(tri, up, cos_limit, plate_tol)
    for i in range(len(tri)):
        dot = nrm[i] @ up
        if not mask[i]:
            continue
        over += area[i]
        t = ray_triangle(cen[i], -up, tri)
        t[i] = np.inf
        drop = t.min() if np.isfinite(t).any() else cen[i] @ up - plate
        vol += area[i] * -dot * drop
    return over, vol, heights.max() - plate


def health(faces: np.ndarray) -> tuple[int, int, int, int]:
    """(open edges, non-manifold edges, inconsistent edges, bodies) with dicts and a flood fill."""
    uses: dict[tuple[int, int], list[bool]] = {}
    for f in faces:
        for k in range(3):
            a, b = int(f[k]), int(f[(k + 1) % 3])
            uses.setdefault((min(a, b), max(a, b)), []).append(a < b)
    open_ = sum(1 for u in uses.values() if len(u) == 1)
    nonman = sum(1 for u in uses.values() if len(u) > 2)
    incons = sum(1 for u in uses.values() if len(u) == 2 and u[0] == u[1])
    adj: dict[int, set[int]] = {}
    for f in faces:
        for a in f:
            adj.setdefault(int(a), set()).update(int(x) for x in f)
    seen: set[int] = set()
    bodies = 0
    for start in adj:
        if start in seen:
            continue
        bodies += 1
        todo = [start]
        while todo:
            x = todo.pop()
            if x in seen:
                continue
            seen.add(x)
            todo.extend(adj[x] - seen)
    return open_, nonman, incons, bodies


def obb_volume(points: np.ndarray) -> float:
    """Least box volume over boxes flush with a hull face, one side on an outline edge (scipy hulls, loops)."""
    from scipy.spatial import ConvexHull

    hull = ConvexHull(points, qhull_options="Qt")
    best = np.inf
    for eq in hull.equations:
        n = eq[:3] / np.linalg.norm(eq[:3])
        u = np.cross(n, [1.0, 0, 0] if abs(n[0]) < 0.9 else [0, 1.0, 0])
        u /= np.linalg.norm(u)
        v = np.cross(n, u)
        p2 = np.column_stack([points @ u, points @ v])
        h2 = p2[ConvexHull(p2).vertices]
        height = np.ptp(points @ n)
        for i in range(len(h2)):
            e = h2[(i + 1) % len(h2)] - h2[i]
            e /= np.linalg.norm(e)
            w = np.ptp(h2 @ e) * np.ptp(h2 @ np.array([-e[1], e[0]]))
            best = min(best, w * height)
    return float(best)


def convex_closed_mesh(vertices: np.ndarray, faces: np.ndarray, slack_mm: float) -> bool:
    """Closed, consistently wound, connected, and every neighbouring face's far vertex on or behind each face's
    plane (within ``slack_mm``): loops over a dict of directed edges."""
    owner: dict[tuple[int, int], int] = {}
    for f, tri in enumerate(faces.tolist()):
        for j in range(3):
            edge = (tri[j], tri[(j + 1) % 3])
            if edge in owner:
                return False
            owner[edge] = f
    if any((b, a) not in owner for a, b in owner):
        return False
    for tri in faces.tolist():
        a, b, c = vertices[tri]
        normal = np.cross(b - a, c - a)
        for j in range(3):
            other = faces[owner[(tri[(j + 1) % 3], tri[j])]].tolist()
            far = next(v for v in other if v not in (tri[j], tri[(j + 1) % 3]))
            if normal @ (vertices[far] - a) > slack_mm * np.linalg.norm(normal):
                return False
    seen, todo = {0}, [0]
    while todo:
        f = todo.pop()
        tri = faces[f].tolist()
        for j in range(3):
            g = owner[(tri[(j + 1) % 3], tri[j])]
            if g not in seen:
                seen.add(g)
                todo.append(g)
    return len(seen) == len(faces)


def crease_regions(vertices: np.ndarray, faces: np.ndarray, crease_deg: float) -> np.ndarray:
    """Region labels by scipy's connected components over the edges a stable sort of edge keys pairs up."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    m = len(faces)
    tri = vertices[faces]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    length = np.linalg.norm(normals, axis=1)
    normals /= np.where(length > 0, length, 1.0)[:, None]
    edges = np.sort(faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    keys = edges[:, 0] * (int(faces.max()) + 1) + edges[:, 1]
    owner = np.repeat(np.arange(m), 3)
    order = np.argsort(keys, kind="stable")
    same = keys[order][1:] == keys[order][:-1]
    a, b = owner[order][:-1][same], owner[order][1:][same]
    smooth = np.einsum("ij,ij->i", normals[a], normals[b]) >= np.cos(np.radians(crease_deg))
    graph = coo_matrix((np.ones(int(smooth.sum()), dtype=np.int8), (a[smooth], b[smooth])), shape=(m, m))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)
