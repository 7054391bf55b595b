"""Turning: is the part (mostly) a body of revolution about one axis, and what else does it carry?

The main axis is the axis line carrying the most area of convex surfaces of
revolution (cylinders, cones, tori, spheres centred on it). The part is a
turning candidate when its outer envelope is round about that axis (no vertex
further from the axis than its largest convex coaxial surface) and the faces
that belong to a lathe profile (coaxial surfaces of revolution, planes
perpendicular to the axis, centred on it: discs and rings) carry most of the area. Everything else is a
secondary feature a lathe alone cannot make: cross holes, flats, holes on a
bolt circle, off-axis features.
"""

from __future__ import annotations

import numpy as np

from geometry.brep.axes import as_tuple, canonical, same_line
from geometry.brep.topology import FaceInfo, Topology
from geometry.features import Hole, SurfaceKind, Turning
from geometry.tolerances import tol

_REVOLUTION = (SurfaceKind.CYLINDER, SurfaceKind.CONE, SurfaceKind.TORUS, SurfaceKind.SPHERE)


def find_turning(topo: Topology, holes: list[Hole]) -> tuple[Turning | None, str | None]:
    """``(Turning, None)`` for a turning candidate, else ``(None, reason)``."""
    axes: list[tuple[np.ndarray, np.ndarray, float]] = []  # direction, point, convex area
    for f in topo.faces:
        if f.kind not in (SurfaceKind.CYLINDER, SurfaceKind.CONE) or f.concave is not False:
            continue
        for i, (d, p, area) in enumerate(axes):
            if same_line(d, p, f.axis, f.origin):  # type: ignore[arg-type]
                axes[i] = (d, p, area + f.area_mm2)
                break
        else:
            axes.append((canonical(f.axis), f.origin, f.area_mm2))  # type: ignore[arg-type]
    if not axes:
        return None, "no convex cylinder or cone"
    direction, point, _ = max(axes, key=lambda a: a[2])
    on_axis = [f for f in topo.faces if _on_axis(f, direction, point)]
    total = sum(f.area_mm2 for f in topo.faces)
    share = sum(f.area_mm2 for f in on_axis) / total if total > 0 else 0.0
    rel = topo.vertex_points - point
    axial = rel @ direction
    radial = np.linalg.norm(rel - np.outer(axial, direction), axis=1)
    envelope = max(
        (_max_radius(f) for f in on_axis if f.kind in _REVOLUTION and f.concave is False), default=0.0
    )
    if envelope <= 0 or (len(radial) and float(radial.max()) > envelope + tol.feature_length_mm * 10):
        return None, "the outer envelope is not round about one axis"
    if share < tol.turning_min_axial_share:
        return None, f"only {share:.0%} of the area is coaxial with the main axis"
    lateral = [f for f in topo.faces if f.kind is not SurfaceKind.PLANE or abs(float(f.normal @ direction)) < 1 - tol.parallel_cos_gap]
    lateral_area = sum(f.area_mm2 for f in lateral)
    on_ids = {f.index for f in on_axis}
    round_share = sum(f.area_mm2 for f in lateral if f.index in on_ids) / lateral_area if lateral_area > 0 else 0.0
    if round_share < tol.turning_min_round_side_share:
        return None, f"only {round_share:.0%} of the side faces are round about the main axis"
    lo, hi = float(axial.min()), float(axial.max())
    for f in on_axis:  # spheres and tori bulge beyond their vertices
        if f.kind in (SurfaceKind.SPHERE, SurfaceKind.TORUS) and f.origin is not None:
            c = float((f.origin - point) @ direction)
            r = f.radius_mm if f.kind is SurfaceKind.SPHERE else f.minor_radius_mm
            lo, hi = min(lo, c - r), max(hi, c + r)
    secondary = _secondary(topo, [f for f in topo.faces if f.index not in on_ids], holes, direction, point)
    return (
        Turning(
            axis=as_tuple(direction),
            max_diameter_mm=round(2 * envelope, 6),
            length_mm=round(hi - lo, 6),
            secondary_features=secondary,
        ),
        None,
    )


def _on_axis(f: FaceInfo, direction: np.ndarray, point: np.ndarray) -> bool:
    if f.kind is SurfaceKind.PLANE:  # a disc or ring centred on the axis
        if abs(float(f.normal @ direction)) < 1 - tol.parallel_cos_gap:
            return False
        rel = f.centroid - point
        # an off-centre hole moves a ring's centroid a little; a face beside the axis is far off
        allowed = tol.feature_length_mm * 10 + 0.1 * float(np.sqrt(f.area_mm2 / np.pi))
        return float(np.linalg.norm(rel - (rel @ direction) * direction)) < allowed
    if f.kind in (SurfaceKind.CYLINDER, SurfaceKind.CONE, SurfaceKind.TORUS):
        return same_line(direction, point, f.axis, f.origin)  # type: ignore[arg-type]
    if f.kind is SurfaceKind.SPHERE:
        rel = f.origin - point
        return float(np.linalg.norm(rel - (rel @ direction) * direction)) < tol.feature_length_mm
    return False


def _max_radius(f: FaceInfo) -> float:
    if f.kind is SurfaceKind.CONE:
        return max(f.radius_at_v(f.uv[2]), f.radius_at_v(f.uv[3]))
    if f.kind is SurfaceKind.TORUS:
        return f.radius_mm + f.minor_radius_mm
    return f.radius_mm


def _secondary(
    topo: Topology, off_axis: list[FaceInfo], holes: list[Hole], direction: np.ndarray, point: np.ndarray
) -> list[str]:
    out: list[str] = []
    hole_faces = {i: h for h in holes for i in h.face_ids}
    seen: set[int] = set()
    parallel_holes: list[Hole] = []
    for f in off_axis:
        hole = hole_faces.get(f.index)
        if hole is None or id(hole) in seen:
            continue
        seen.add(id(hole))
        axis = np.array(hole.axis)
        if abs(float(axis @ direction)) > 1 - tol.parallel_cos_gap:
            parallel_holes.append(hole)
        else:
            out.append(f"cross hole Ø{hole.diameter_mm:g} mm")
    out.extend(_bolt_circles(parallel_holes, direction, point))
    flats = [
        f for f in off_axis
        if f.kind is SurfaceKind.PLANE and abs(float(f.normal @ direction)) < tol.perpendicular_cos
    ]
    if flats:
        out.append(f"{len(flats)} flat{'s' if len(flats) > 1 else ''} parallel to the axis")
    others = [f for f in off_axis if f.index not in hole_faces and f not in flats]
    if others:
        out.append(f"{len(others)} other off-axis face{'s' if len(others) > 1 else ''} (milled features)")
    return out


def _bolt_circles(holes: list[Hole], direction: np.ndarray, point: np.ndarray) -> list[str]:
    groups: dict[tuple[float, float], int] = {}
    for h in holes:
        if h.position_mm is None:
            continue
        rel = np.array(h.position_mm) - point
        r = float(np.linalg.norm(rel - (rel @ direction) * direction))
        key = (round(h.diameter_mm, 3), round(2 * r, 2))
        groups[key] = groups.get(key, 0) + 1
    out = []
    for (d, pcd), n in sorted(groups.items()):
        if pcd < tol.feature_length_mm * 10:
            continue
        if n >= 3:
            out.append(f"bolt circle: {n} holes Ø{d:g} mm on Ø{pcd:g} mm")
        else:
            out.append(f"{n} off-axis hole{'s' if n > 1 else ''} Ø{d:g} mm")
    return out

