"""Features measured on the triangle mesh of a part (any format).

``mesh_features`` returns ``PartFeatures`` field values; ``geometry.extract``
merges them with the exact B-rep values where a STEP file gives those.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geometry.features import MeshInfo
from geometry.tolerances import tol


def mesh_features(vertices_mm: np.ndarray, faces: np.ndarray, from_brep: bool = False) -> dict[str, Any]:
    """PartFeatures fields measurable on a mesh.

    vertices_mm : (n, 3) float64 [mm]; faces : (m, 3) int64.
    """
    triangles = vertices_mm[faces]
    health = mesh_health(faces, triangles)
    bbox = tuple(float(x) for x in (vertices_mm.max(axis=0) - vertices_mm.min(axis=0)))
    cross = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    area = float(0.5 * np.linalg.norm(cross, axis=1).sum())
    out: dict[str, Any] = {
        "bbox_mm": bbox,
        "area_mm2": area,
        "mesh": MeshInfo(from_brep=from_brep, vertices=len(vertices_mm), **health),
        "unmeasured": {},
    }
    if health["watertight"]:
        volume, centroid = _volume_centroid(triangles)
        if volume < 0:  # inside-out mesh: every triangle wound the other way
            volume = -volume
        out["volume_mm3"] = volume
        out["centroid_mm"] = centroid
    else:
        reason = (
            f"mesh is not closed ({health['open_edges']} open edges): "
            "export a closed solid, or ask for a manual quote"
        )
        out["unmeasured"]["volume_mm3"] = reason
        out["unmeasured"]["centroid_mm"] = reason
    hull_volume, obb = _hull_and_box(vertices_mm)
    out["convex_hull_volume_mm3"] = hull_volume
    out["obb_mm"] = obb
    for name in ("min_wall_thickness_mm", "wall_thickness_p05_mm", "wall_thickness_p50_mm"):
        out["unmeasured"][name] = "wall-thickness analysis is not implemented yet"
    out["unmeasured"]["setups_3axis"] = "accessibility analysis is not implemented yet"
    out["unmeasured"]["unreachable_area_mm2"] = "accessibility analysis is not implemented yet"
    out["unmeasured"]["additive"] = "build-orientation analysis is not implemented yet"
    return out


def mesh_health(faces: np.ndarray, triangles: np.ndarray) -> dict[str, Any]:
    """Watertightness (each edge in exactly two faces, opposite directions), bodies, degenerate faces."""
    directed = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    undirected = np.sort(directed, axis=1)
    _, counts = np.unique(undirected, axis=0, return_counts=True)
    open_edges = int(np.count_nonzero(counts == 1))
    nonmanifold = int(np.count_nonzero(counts > 2))
    _, dcounts = np.unique(directed, axis=0, return_counts=True)
    consistent = bool(np.all(dcounts == 1))
    cross = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    degenerate = int(np.count_nonzero(0.5 * np.linalg.norm(cross, axis=1) < tol.degenerate_area_mm2))
    return {
        "triangles": len(faces),
        "watertight": open_edges == 0 and nonmanifold == 0 and consistent,
        "bodies": _bodies(faces),
        "open_edges": open_edges,
        "degenerate_faces": degenerate,
    }


def _bodies(faces: np.ndarray) -> int:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = int(faces.max()) + 1
    rows = np.concatenate([faces[:, 0], faces[:, 1]])
    cols = np.concatenate([faces[:, 1], faces[:, 2]])
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    used = np.zeros(n, dtype=bool)
    used[faces.ravel()] = True
    _, labels = connected_components(graph, directed=False)
    return int(len(np.unique(labels[used])))


def _volume_centroid(triangles: np.ndarray) -> tuple[float, tuple[float, float, float]]:
    a, b, c = triangles[:, 0], triangles[:, 1], triangles[:, 2]
    six_v = np.einsum("ij,ij->i", a, np.cross(b, c))
    volume = float(six_v.sum() / 6.0)
    if volume == 0:
        return 0.0, (float("nan"),) * 3  # type: ignore[return-value]
    centroid = (six_v[:, None] * (a + b + c)).sum(axis=0) / (24.0 * volume)
    return volume, tuple(float(x) for x in centroid)  # type: ignore[return-value]


def _hull_and_box(points: np.ndarray) -> tuple[float | None, tuple[float, float, float] | None]:
    """Convex-hull volume and a tight oriented box (best of the hull face-normal frames)."""
    from scipy.spatial import ConvexHull, QhullError

    try:
        hull = ConvexHull(points)
    except (QhullError, ValueError):
        return None, None
    hp = points[hull.vertices]
    best = None
    for normal in np.unique(np.round(hull.equations[:, :3], 9), axis=0):
        u = np.cross(normal, [1.0, 0.0, 0.0])
        if np.linalg.norm(u) < 1e-6:
            u = np.cross(normal, [0.0, 1.0, 0.0])
        u /= np.linalg.norm(u)
        v = np.cross(normal, u)
        h = hp @ normal
        p2 = np.column_stack([hp @ u, hp @ v])
        area, w, d = _min_area_rect(p2)
        vol = area * (h.max() - h.min())
        if best is None or vol < best[0]:
            best = (vol, sorted((w, d, float(h.max() - h.min())), reverse=True))
    assert best is not None
    return float(hull.volume), tuple(float(x) for x in best[1])  # type: ignore[return-value]


def _min_area_rect(p2: np.ndarray) -> tuple[float, float, float]:
    from scipy.spatial import ConvexHull, QhullError

    try:
        h2 = p2[ConvexHull(p2).vertices]
    except (QhullError, ValueError):
        ext = p2.max(axis=0) - p2.min(axis=0)
        return float(ext[0] * ext[1]), float(ext[0]), float(ext[1])
    edges = np.roll(h2, -1, axis=0) - h2
    angles = np.arctan2(edges[:, 1], edges[:, 0])
    best = (np.inf, 0.0, 0.0)
    for ang in np.unique(np.mod(angles, np.pi / 2)):
        c, s = np.cos(ang), np.sin(ang)
        r = h2 @ np.array([[c, -s], [s, c]])
        ext = r.max(axis=0) - r.min(axis=0)
        if ext[0] * ext[1] < best[0]:
            best = (float(ext[0] * ext[1]), float(ext[0]), float(ext[1]))
    return best
