"""Holes: concave cylinders and cones on one axis, grouped into drilled holes.

A hole is a run of coaxial concave cylinder (and cone) faces that go all the
way round (``tol.hole_min_span_rad``), touching end to end along the axis.
Each end of the run is open (the axis point there lies outside every face that
could close it) or closed (a flat bottom or a drill point). A wider cylinder
at the open end is a counterbore; a cone widening to the open end a
countersink. ``axis`` points from the bottom out of the hole (for a through
hole: towards the counterbore/countersink, else the canonical sense).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from geometry.brep.axes import as_tuple, axis_key, canonical
from geometry.brep.standards import TAP_DRILLS_MM, standard_drills_mm
from geometry.brep.topology import FaceInfo, Topology
from geometry.features import Hole, HoleAxisGroup, HoleKind, SurfaceKind
from geometry.tolerances import tol

_DRILLS = np.array(standard_drills_mm())


@dataclass
class _Segment:
    """Faces of one surface on the axis: a cylinder of one radius, or one cone, over [lo, hi]."""

    kind: SurfaceKind
    lo: float
    hi: float
    #: radius at lo and at hi [mm]
    r_lo: float
    r_hi: float
    span_rad: float
    face_ids: list[int] = field(default_factory=list)


def find_holes(topo: Topology, solid_of: Sequence[int] | None = None) -> list[Hole]:
    """Every hole of the shape, ordered by position.

    ``solid_of`` (face id -> index of its solid) keeps each hole inside one solid: coaxial
    holes of two solids (a bolt hole through a stack of plates) are two holes, each
    the one the solid alone has (``geometry.brep.components`` cuts them out by solid).
    """
    candidates = [
        f for f in topo.faces
        if f.kind in (SurfaceKind.CYLINDER, SurfaceKind.CONE) and f.concave and f.axis is not None
    ]
    holes: list[Hole] = []
    for axis_faces in _by_axis_line(candidates, solid_of):
        direction = canonical(axis_faces[0].axis)  # type: ignore[arg-type]
        ref = axis_faces[0].origin
        assert ref is not None
        for run in _runs(_segments(axis_faces, ref, direction)):
            hole = _hole_of(topo, run, ref, direction)
            if hole is not None:
                holes.append(hole)
    holes.sort(key=lambda h: (h.position_mm or (0.0, 0.0, 0.0)))
    return holes


def hole_axis_groups(holes: list[Hole]) -> list[HoleAxisGroup]:
    """Holes counted by the direction they are drilled from (each direction is a setup or an indexing)."""
    groups: list[tuple[np.ndarray, list[Hole]]] = []
    for hole in holes:
        axis = np.array(hole.axis)
        for g_axis, members in groups:
            if float(g_axis @ axis) > 1 - tol.parallel_cos_gap:
                members.append(hole)
                break
        else:
            groups.append((axis, [hole]))
    return [
        HoleAxisGroup(
            axis=as_tuple(axis),
            count=len(members),
            through=sum(h.through for h in members),
            diameters_mm=sorted({round(h.diameter_mm, 3) for h in members}),
        )
        for axis, members in sorted(groups, key=lambda g: -len(g[1]))
    ]


def _by_axis_line(faces: list[FaceInfo], solid_of: Sequence[int] | None) -> list[list[FaceInfo]]:
    groups: dict[tuple[float, ...], list[FaceInfo]] = {}
    for f in faces:
        key = axis_key(f.axis, f.origin)  # type: ignore[arg-type]
        groups.setdefault(key if solid_of is None else (solid_of[f.index], *key), []).append(f)
    return list(groups.values())


def _segments(faces: list[FaceInfo], ref: np.ndarray, direction: np.ndarray) -> list[_Segment]:
    """Faces on one axis merged into segments: same surface, same axial range; spans added."""
    segs: list[_Segment] = []
    for f in faces:
        lo, hi = f.axial_range(ref, direction)
        sign = 1.0 if float(f.axis @ direction) > 0 else -1.0
        r_at = (f.radius_at_v(f.uv[2]), f.radius_at_v(f.uv[3]))
        r_lo, r_hi = r_at if sign > 0 else r_at[::-1]
        for s in segs:
            if (
                s.kind is f.kind
                and abs(s.r_lo - r_lo) < tol.feature_length_mm
                and abs(s.r_hi - r_hi) < tol.feature_length_mm
                and abs(s.lo - lo) < tol.feature_length_mm
                and abs(s.hi - hi) < tol.feature_length_mm
            ):
                s.span_rad += f.u_span
                s.face_ids.append(f.index)
                break
        else:
            segs.append(_Segment(f.kind, lo, hi, r_lo, r_hi, f.u_span, [f.index]))
    return [s for s in segs if s.span_rad >= tol.hole_min_span_rad and s.hi - s.lo > tol.feature_length_mm]


def _runs(segs: list[_Segment]) -> list[list[_Segment]]:
    """Segments touching end to end along the axis."""
    runs: list[list[_Segment]] = []
    for s in sorted(segs, key=lambda s: s.lo):
        if runs and s.lo <= runs[-1][-1].hi + tol.feature_length_mm:
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


def _hole_of(topo: Topology, run: list[_Segment], ref: np.ndarray, direction: np.ndarray) -> Hole | None:
    cylinders = [s for s in run if s.kind is SurfaceKind.CYLINDER]
    if not cylinders:
        return None
    lo, hi = run[0].lo, run[-1].hi
    lo_closed = _end_closed(topo, run[0], ref, direction, lo, at_low_end=True)
    hi_closed = _end_closed(topo, run[-1], ref, direction, hi, at_low_end=False)
    if lo_closed and hi_closed:
        return None  # a closed cavity, not a hole a drill can make
    through = not lo_closed and not hi_closed
    drill = min(cylinders, key=lambda s: s.r_lo)
    # the open end a tool enters from: the wider end of a through hole, the open end of a blind one
    if through:
        r_low_end = max(run[0].r_lo, run[0].r_hi)
        r_high_end = max(run[-1].r_lo, run[-1].r_hi)
        if abs(r_low_end - r_high_end) < tol.feature_length_mm:
            enter_high = True
        else:
            enter_high = r_high_end > r_low_end
    else:
        enter_high = lo_closed
    axis = direction if enter_high else -direction
    if through and abs(max(run[0].r_lo, run[0].r_hi) - max(run[-1].r_lo, run[-1].r_hi)) < tol.feature_length_mm:
        axis = canonical(axis)
    ordered = run[::-1] if enter_high else run  # from the entrance inwards
    kind, cb_d, cb_depth, cs_angle = "plain", None, None, None
    entrance = ordered[0]
    if entrance.kind is SurfaceKind.CONE and (
        (entrance.r_hi > entrance.r_lo) == enter_high
    ):
        kind = "countersink"
        cs_angle = math.degrees(2 * abs(math.atan2(abs(entrance.r_hi - entrance.r_lo), entrance.hi - entrance.lo)))
    elif entrance.kind is SurfaceKind.CYLINDER and entrance.r_lo > drill.r_lo + tol.feature_length_mm:
        kind = "counterbore"
        cb_d, cb_depth = 2 * entrance.r_lo, entrance.hi - entrance.lo
    # depth: from the entrance to the end of the last cylinder (a drill point is not counted)
    if through:
        depth = hi - lo
    else:
        last_cyl = [s for s in ordered if s.kind is SurfaceKind.CYLINDER][-1]
        depth = (hi - last_cyl.lo) if enter_high else (last_cyl.hi - lo)
    diameter = 2 * drill.r_lo
    centre = ref + direction * (0.5 * (lo + hi))
    face_ids = tuple(sorted(i for s in run for i in s.face_ids))
    return Hole(
        diameter_mm=round(diameter, 6),
        depth_mm=round(depth, 6),
        through=through,
        axis=as_tuple(axis),
        position_mm=as_tuple(centre, 4),
        kind=HoleKind(kind),
        counterbore_diameter_mm=None if cb_d is None else round(cb_d, 6),
        counterbore_depth_mm=None if cb_depth is None else round(cb_depth, 6),
        countersink_angle_deg=None if cs_angle is None else round(cs_angle, 3),
        nearest_drill_mm=nearest_drill_mm(diameter),
        likely_tap=likely_tap(diameter),
        face_ids=face_ids,
    )


def _end_closed(topo: Topology, seg: _Segment, ref: np.ndarray, direction: np.ndarray, t: float, at_low_end: bool) -> bool:
    """Is the run closed at axial position ``t`` (a flat bottom, a drill point, a dome)?"""
    radius_there = seg.r_lo if at_low_end else seg.r_hi
    if seg.kind is SurfaceKind.CONE and radius_there < tol.feature_length_mm * 10:
        return True  # a drill point
    point = ref + direction * t
    rim = {
        v for fid in seg.face_ids for v in topo.faces[fid].vertices
        if abs(float((topo.vertex_points[v] - ref) @ direction) - t) < tol.feature_length_mm
    }
    for nb in {n for fid in seg.face_ids for n in topo.neighbours(fid)}:
        face = topo.faces[nb]
        if face.kind is SurfaceKind.PLANE:
            assert face.normal is not None and face.origin is not None
            if abs(float(face.normal @ direction)) < 1 - tol.parallel_cos_gap:
                continue
            if abs(float((point - face.origin) @ face.normal)) > tol.feature_length_mm:
                continue
            if rim & face.inner_vertices:
                continue  # the rim is a hole in this face: open (and no costly classification)
            if _point_on_face(topo.face_shapes[nb], point):
                return True
        elif face.kind is SurfaceKind.SPHERE and face.concave:
            return True
    return False


def _point_on_face(face: object, point: np.ndarray) -> bool:
    from OCP.BRepClass import BRepClass_FaceClassifier
    from OCP.gp import gp_Pnt
    from OCP.TopAbs import TopAbs_IN, TopAbs_ON

    classifier = BRepClass_FaceClassifier(face, gp_Pnt(*map(float, point)), tol.feature_length_mm)
    return classifier.State() in (TopAbs_IN, TopAbs_ON)


def nearest_drill_mm(diameter_mm: float) -> float | None:
    if diameter_mm < _DRILLS[0] / 2 or diameter_mm > _DRILLS[-1] * 1.5:
        return None
    return float(_DRILLS[np.argmin(np.abs(_DRILLS - diameter_mm))])


def likely_tap(diameter_mm: float) -> str | None:
    for thread, drill in TAP_DRILLS_MM.items():
        if abs(diameter_mm - drill) <= tol.tap_drill_mm:
            return thread
    return None
