"""The outline of a planar face: its smallest-area rectangle (a pocket's opening, a sheet's flat box)."""

from __future__ import annotations

import numpy as np

from geometry.brep.topology import Topology

__all__ = ["min_area_rectangle", "planar_extent"]

#: points sampled along each boundary edge of a face
EDGE_SAMPLES = 9


def planar_extent(topo: Topology, face_id: int, points: np.ndarray, normal: np.ndarray) -> tuple[float, float]:
    """Sides of the smallest-area rectangle around a planar face [mm], larger first."""
    pts = _boundary_samples(topo, face_id, points)
    if len(pts) < 3:
        return (0.0, 0.0)
    return min_area_rectangle(pts, normal)


def min_area_rectangle(points: np.ndarray, normal: np.ndarray) -> tuple[float, float]:
    """Sides [mm], larger first, of the smallest rectangle around ``points`` (n, 3) projected on the plane."""
    from geometry.kernels.rectangle import min_area_rectangle as rectangle_2d

    helper = np.array([1.0, 0.0, 0.0]) if abs(normal[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = np.cross(normal, helper)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(normal, e1)
    return rectangle_2d(np.column_stack([points @ e1, points @ e2])).sides_mm


def _boundary_samples(topo: Topology, face_id: int, points: np.ndarray) -> np.ndarray:
    from OCP.BRepAdaptor import BRepAdaptor_Curve

    samples = [points]
    for e in topo.face_edges[face_id]:
        try:
            curve = BRepAdaptor_Curve(topo.edge_shapes[e])
            t0, t1 = curve.FirstParameter(), curve.LastParameter()
            ts = np.linspace(t0, t1, EDGE_SAMPLES)
            samples.append(np.array([curve.Value(float(t)).Coord() for t in ts]))
        except Exception:  # noqa: BLE001
            continue
    return np.concatenate(samples)
