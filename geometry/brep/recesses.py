"""Recesses of a flat plate: pocket floors and steps below a skin, which a laser cannot cut.

A flat plate of thickness ``t`` whose faces do not all pair up as offset twins may still be a
laser-cut blank with milled recesses: its twin planes (the skins) all face one axis ``n``, and the
faces left over are recess floors (planes facing ``+n`` or ``-n`` strictly between the skins) and
the walls joining them to the skins (every vertex on a skin or a floor). A recess floor facing the
same way as a skin is ``depth`` below it; its volume is floor area x depth (prismatic recesses).

A wall that reaches the opposite skin is an outer contour of the plate beside a step: the laser
cuts it, so it stays among the cut faces; the other walls are milled with their floors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geometry.brep.topology import FaceInfo, Topology
from geometry.features import SurfaceKind
from geometry.tolerances import tol

#: above this share of the blank milled away, a plate is a machined part, not a laser-cut blank with recesses
MAX_MILLED_FRACTION = 0.5


@dataclass(frozen=True)
class Recesses:
    """The milled recesses of a flat plate."""

    #: recess floors (planes between the skins) and the walls milled with them
    face_ids: tuple[int, ...]
    #: walls beside a step that reach the opposite skin: outer contours the laser cuts
    contour_ids: tuple[int, ...]
    #: what those contours add to the cut length beyond area / t (they are lower than t beside the step) [mm]
    contour_extra_mm: float
    #: number of recess floors
    floors: int
    #: floor area x depth below the skin facing the same way, summed [mm3]
    volume_mm3: float
    #: floor areas [mm2], summed: the part of the flat outline the skins do not cover on their side
    floor_area_mm2: float


def plate_recesses(topo: Topology, twins: set[int], t: float) -> Recesses | None:
    """The recesses of a flat plate of thickness ``t`` with skins ``twins``; None when it has none or is not flat."""
    faces = topo.faces
    skins = [faces[i] for i in sorted(twins) if faces[i].kind is SurfaceKind.PLANE and faces[i].normal is not None]
    if not skins or len(skins) != len(twins):
        return None
    n = max(skins, key=lambda f: f.area_mm2).normal
    assert n is not None
    side = {f.index: _side(f, n) for f in skins}
    if any(s == 0 for s in side.values()):
        return None  # skins facing several ways: a bent or boxed part, not a plate
    skin_offset = {s: max(_offset(f) for f in skins if side[f.index] == s) for s in (1, -1) if s in side.values()}
    floors: list[tuple[FaceInfo, int, float]] = []
    for f in faces:
        if f.index in twins or f.kind is not SurfaceKind.PLANE or f.normal is None:
            continue
        s = _side(f, n)
        if s == 0 or s not in skin_offset:
            continue
        depth = skin_offset[s] - _offset(f)
        if tol.feature_length_mm < depth < t - tol.feature_length_mm:
            floors.append((f, s, depth))
    if not floors:
        return None
    floor_sides = {f.index: s for f, s, _ in floors}
    volume = sum(f.area_mm2 * depth for f, _, depth in floors)
    blank = (sum(f.area_mm2 for f in skins) + sum(f.area_mm2 for f, _, _ in floors)) / 2 * t
    if volume > MAX_MILLED_FRACTION * blank:
        return None  # mostly milled away: a machined part, not a blank with a few recesses
    on_floors = frozenset().union(*(f.vertices for f, _, _ in floors))
    reached = on_floors.union(*(faces[i].vertices for i in twins))
    walls = [f for f in faces if f.index not in twins and f.index not in floor_sides and f.vertices
             and f.vertices <= reached and f.vertices & on_floors]
    contours = {f.index for f in walls if _contour(topo, f, side, floor_sides)}
    extra = sum(_contour_length(topo, faces[c], n) - faces[c].area_mm2 / t for c in contours)
    return Recesses(
        face_ids=tuple(sorted([*floor_sides, *(f.index for f in walls if f.index not in contours)])),
        contour_ids=tuple(sorted(contours)),
        contour_extra_mm=extra,
        floors=len(floors),
        volume_mm3=volume,
        floor_area_mm2=sum(f.area_mm2 for f, _, _ in floors),
    )


def _side(face: FaceInfo, n: np.ndarray) -> int:
    """+1 / -1 when the plane faces along / against ``n``, 0 when it faces another way."""
    assert face.normal is not None
    c = float(face.normal @ n)
    return 1 if c > 1 - tol.parallel_cos_gap else -1 if c < -1 + tol.parallel_cos_gap else 0


def _offset(face: FaceInfo) -> float:
    """The plane's offset along its own outward normal [mm]."""
    assert face.normal is not None and face.origin is not None
    return float(face.normal @ face.origin)


def _contour_length(topo: Topology, wall: FaceInfo, n: np.ndarray) -> float:
    """Length of outline a wall beside a step runs [mm]: a plane's extent across ``n`` in its own plane (exact for
    a wall whose height changes along it), a curved wall's area over its height."""
    points = topo.face_points(wall.index)
    if wall.kind is SurfaceKind.PLANE and wall.normal is not None:
        along = np.cross(n, wall.normal)
        norm = float(np.linalg.norm(along))
        if norm > tol.zero_component:
            return float(np.ptp(points @ (along / norm)))
    height = float(np.ptp(points @ n))
    return wall.area_mm2 / height if height > tol.feature_length_mm else 0.0


def _contour(topo: Topology, wall: FaceInfo, skin_side: dict[int, int], floor_side: dict[int, int]) -> bool:
    """Whether a wall reaches a skin facing away from every floor it meets: an outer contour beside a step."""
    faces = topo.faces
    touching = list(topo.neighbours(wall.index))
    skins = {skin_side[i] for i in touching if i in skin_side and faces[i].vertices & wall.vertices}
    floors = {floor_side[i] for i in touching if i in floor_side}
    return bool(floors) and bool(skins - floors)


__all__ = ["MAX_MILLED_FRACTION", "Recesses", "plate_recesses"]
