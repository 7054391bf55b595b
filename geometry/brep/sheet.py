"""Sheet metal: constant thickness, bends and the flat pattern.

A part is sheet of thickness ``t`` when its faces pair up as offset twins at
``t`` (antiparallel planes ``t`` apart; coaxial cylinders of radii ``r`` and
``r + t``) and every other face is an edge face (all its vertices lie on twin
faces: the cut edges, hole walls and bend sides), and ``t`` is thin next to the
part (``tol.sheet_max_thickness_ratio``). A flat plate of constant thickness is
a laser-cut candidate with zero bends.

Bends are the coaxial cylinder twins: ``inner_radius_mm`` = ``r``, the angle
the inner cylinder sweeps, the length along its axis. Their flanges are the
twin planes next to the bend's cylinders and tangent to them: each gives a
tangent line (where the flat flange leaves the bend), a direction across the
bend into the flange, and the flange's length from that line to its farthest
point; ``flange_length_mm`` is the shorter of the two sides. The flat pattern
unfolds with the K-factor ``k``: each bend contributes its bend allowance
``angle * (r + k t)``; flat faces keep their size. Implemented for parts
whose bends are all parallel (L, U, Z, hat and channel sections, any flat
part); other parts give a reason instead.
"""

from __future__ import annotations

import math

import numpy as np

from geometry.brep.axes import as_tuple, axis_key, canonical, same_line
from geometry.brep.planar import planar_extent
from geometry.brep.recesses import Recesses, plate_recesses
from geometry.brep.standards import DEFAULT_K_FACTOR
from geometry.brep.topology import FaceInfo, Topology
from geometry.features import Bend, SheetMetal, SurfaceKind
from geometry.tolerances import tol


def find_sheet_metal(topo: Topology, k_factor: float = DEFAULT_K_FACTOR) -> tuple[SheetMetal | None, str | None]:
    """``(SheetMetal, None)`` for a sheet part, else ``(None, reason)``."""
    faces = topo.faces
    total = sum(f.area_mm2 for f in faces)
    if total <= 0 or not faces:
        return None, "no faces"
    planes = [f for f in faces if f.kind is SurfaceKind.PLANE]
    cylinders = [f for f in faces if f.kind is SurfaceKind.CYLINDER and f.concave is not None]
    extents = np.sort(np.ptp(topo.vertex_points, axis=0))[::-1] if len(topo.vertex_points) else np.zeros(3)
    plane_gaps = _plane_gaps(planes)
    coaxial = _coaxial_pairs(cylinders)
    best: tuple[float, float, set[int], list[tuple[FaceInfo, FaceInfo]], Recesses | None] | None = None
    for t in _candidate_thicknesses(plane_gaps, coaxial):
        if t > tol.sheet_max_thickness_ratio * extents[1]:
            continue
        twins, bend_pairs = _twins_at(t, planes, plane_gaps, coaxial)
        if not twins:
            continue
        twin_vertices = frozenset().union(*(faces[i].vertices for i in twins))
        edge_faces = {f.index for f in faces if f.index not in twins and f.vertices and f.vertices <= twin_vertices}
        share = sum(faces[i].area_mm2 for i in twins | edge_faces) / total
        # a flat plate with pockets or steps: a laser-cut blank, milled after (geometry.brep.recesses)
        recess = plate_recesses(topo, twins, t) if not bend_pairs else None
        if recess is not None:
            share += sum(faces[i].area_mm2 for i in {*recess.face_ids, *recess.contour_ids} - edge_faces) / total
        if share < tol.sheet_min_twin_share:
            continue
        twin_area = sum(faces[i].area_mm2 for i in twins)
        if best is None or twin_area > best[1]:
            best = (t, twin_area, twins, bend_pairs, recess)
    if best is None:
        return None, "faces do not pair up as offset twins at one thin thickness"
    t, _, twins, bend_pairs, recess = best
    bends, reason = _bends(topo, bend_pairs, t, twins)
    if reason:
        return None, reason
    return _flat_pattern(topo, t, twins, bends, k_factor, recess)


def _plane_gaps(planes: list[FaceInfo]) -> np.ndarray:
    """(p, p) distances between antiparallel planes [mm] (material between them when > 0); NaN elsewhere."""
    if len(planes) < 2:
        return np.full((len(planes), len(planes)), np.nan)
    normals = np.array([f.normal for f in planes])
    offsets = np.array([float(f.normal @ f.origin) for f in planes])  # type: ignore[operator]
    gaps = offsets[:, None] + offsets[None, :]
    gaps[normals @ normals.T >= -1 + tol.parallel_cos_gap] = np.nan
    return gaps


def _candidate_thicknesses(plane_gaps: np.ndarray, coaxial: list[tuple[FaceInfo, FaceInfo]]) -> list[float]:
    values = plane_gaps[np.isfinite(plane_gaps) & (plane_gaps > tol.feature_length_mm)].tolist()
    values += [b.radius_mm - a.radius_mm for a, b in coaxial if b.radius_mm - a.radius_mm > tol.feature_length_mm]
    if not values:
        return []
    rounded = np.unique(np.round(np.array(values) / tol.feature_length_mm) * tol.feature_length_mm)
    return sorted(float(v) for v in rounded)


def _twins_at(
    t: float, planes: list[FaceInfo], plane_gaps: np.ndarray, coaxial: list[tuple[FaceInfo, FaceInfo]]
) -> tuple[set[int], list[tuple[FaceInfo, FaceInfo]]]:
    slack_mm = 2 * tol.feature_length_mm
    with np.errstate(invalid="ignore"):
        paired = np.any(np.abs(plane_gaps - t) < slack_mm, axis=1)
    twins = {planes[i].index for i in np.flatnonzero(paired)}
    pairs = [(a, b) for a, b in coaxial if abs(b.radius_mm - a.radius_mm - t) < slack_mm]
    twins.update(f.index for pair in pairs for f in pair)
    return twins, pairs


def _coaxial_pairs(cylinders: list[FaceInfo]) -> list[tuple[FaceInfo, FaceInfo]]:
    """(concave, convex) cylinder pairs on one axis line."""
    by_axis: dict[tuple[float, ...], list[FaceInfo]] = {}
    for f in cylinders:
        by_axis.setdefault(axis_key(f.axis, f.origin), []).append(f)  # type: ignore[arg-type]
    return [
        (a, b) for group in by_axis.values() for a in group for b in group if a.concave and not b.concave
    ]


def _bends(
    topo: Topology, pairs: list[tuple[FaceInfo, FaceInfo]], t: float, twins: set[int]
) -> tuple[list[Bend], str | None]:
    """One bend per inner cylinder axis line and radius, with its flanges."""
    groups: list[list[FaceInfo]] = []
    for inner, _ in pairs:
        for g in groups:
            if g[0].index == inner.index:
                break
            if abs(g[0].radius_mm - inner.radius_mm) < tol.feature_length_mm and same_line(
                g[0].axis, g[0].origin, inner.axis, inner.origin  # type: ignore[arg-type]
            ):
                if all(f.index != inner.index for f in g):
                    g.append(inner)
                break
        else:
            groups.append([inner])
    bends = []
    for g in groups:
        main = max(g, key=lambda f: f.area_mm2)
        angle = main.u_span
        if angle >= 2 * math.pi - tol.full_turn_gap_rad:
            return [], "a closed tube, not a bent sheet"
        r = main.radius_mm
        length = sum(f.area_mm2 for f in g) / (r * angle) if r > 0 and angle > 0 else 0.0
        axis = canonical(main.axis)  # type: ignore[arg-type]
        inner_ids = {f.index for f in g}
        cylinders = g + [outer for inner, outer in pairs if inner.index in inner_ids]
        middle = _axis_point(cylinders, main.origin, axis)  # type: ignore[arg-type]
        flanges = _flanges(topo, cylinders, twins, middle, axis, r, t)
        bends.append(
            Bend(
                angle_deg=round(math.degrees(angle), 4),
                inner_radius_mm=round(r, 6),
                length_mm=round(length, 6),
                axis=as_tuple(axis),
                axis_point_mm=as_tuple(middle),
                flange_length_mm=round(min(f[2] for f in flanges), 6) if len(flanges) == 2 else None,
                tangent_points_mm=tuple(as_tuple(f[0]) for f in flanges) or None,
                flange_directions=tuple(as_tuple(f[1]) for f in flanges) or None,
            )
        )
    return bends, None


def _axis_point(cylinders: list[FaceInfo], origin: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """The point of the axis line (``origin``, ``axis``) halfway along the bend: its faces' area centre projected."""
    known = [f for f in cylinders if f.centroid is not None and f.area_mm2 > 0]
    if not known:
        return origin
    areas = np.array([f.area_mm2 for f in known])
    centre = np.array([f.centroid for f in known]).T @ areas / areas.sum()
    return origin + float((centre - origin) @ axis) * axis


def _flanges(
    topo: Topology, cylinders: list[FaceInfo], twins: set[int], middle: np.ndarray, axis: np.ndarray, r: float, t: float
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """``(tangent point, direction into the flange, flange length [mm])`` for each side of a bend.

    A flange face is a twin plane next to one of the bend's cylinders, parallel to the axis and
    tangent to the inner (``r``) or outer (``r + t``) cylinder. The faces of one side share the
    radial direction of their tangent line; the side's length is its longest face's reach across
    the bend line (the inner and outer faces of a flange reach equally far on a square-cut part).
    """
    slack_mm = 2 * tol.feature_length_mm
    ids = {f.index for f in cylinders}
    candidates = sorted({n for c in ids for n in topo.neighbours(c)} - ids)
    sides: list[tuple[np.ndarray, np.ndarray, float]] = []
    for fid in candidates:
        face = topo.faces[fid]
        if fid not in twins or face.kind is not SurfaceKind.PLANE or face.normal is None or face.origin is None:
            continue
        n = face.normal
        if abs(float(n @ axis)) > tol.perpendicular_cos:
            continue
        foot = middle + float((face.origin - middle) @ n) * n  # the tangent line, halfway along the bend
        radial = foot - middle
        distance = float(np.linalg.norm(radial))
        if min(abs(distance - r), abs(distance - r - t)) > slack_mm or distance <= 0:
            continue
        radial /= distance
        across = np.cross(axis, radial)
        if face.centroid is not None and float((face.centroid - foot) @ across) < 0:
            across = -across
        reach = float(np.max((_outline_points(topo, fid) - foot) @ across))
        for k, (point, direction, known) in enumerate(sides):
            if float((point - middle) @ radial) > (1 - tol.parallel_cos_gap) * r:  # same radial direction: same side
                sides[k] = (point, direction, max(known, reach))
                break
        else:
            sides.append((middle + r * radial, across, reach))
    return sides


def _outline_points(topo: Topology, face_id: int) -> np.ndarray:
    """A face's vertices and 9 points along each of its edges (arcs reach past their end points) [mm]."""
    from OCP.BRepAdaptor import BRepAdaptor_Curve

    samples = [topo.face_points(face_id)]
    for e in topo.face_edges[face_id]:
        try:
            curve = BRepAdaptor_Curve(topo.edge_shapes[e])
            ts = np.linspace(curve.FirstParameter(), curve.LastParameter(), 9)
            samples.append(np.array([curve.Value(float(u)).Coord() for u in ts]))
        except Exception:  # noqa: BLE001 - a degenerate edge: its end points are among the vertices
            continue
    return np.concatenate(samples)


def _flat_pattern(
    topo: Topology, t: float, twins: set[int], bends: list[Bend], k: float, recess: Recesses | None = None
) -> tuple[SheetMetal | None, str | None]:
    faces = topo.faces
    twin_planes = [faces[i] for i in sorted(twins) if faces[i].kind is SurfaceKind.PLANE]
    allowances = [math.radians(b.angle_deg) * (b.inner_radius_mm + k * t) for b in bends]
    # a recess floor covers the part of the outline its skin leaves open
    flat_area = (sum(f.area_mm2 for f in twin_planes) + (recess.floor_area_mm2 if recess else 0.0)) / 2 + sum(
        ba * b.length_mm for ba, b in zip(allowances, bends, strict=True)
    )
    milled = set(recess.face_ids) if recess else set()
    edge_faces = [f for f in faces if f.index not in twins and f.index not in milled]
    # an edge face is t wide: its area / t is the length of the contour it cuts; a bend's two side
    # faces are annular sectors whose area / t is angle (r + t/2), so move that to the neutral fibre
    cut_length = sum(f.area_mm2 for f in edge_faces) / t - sum(
        2 * math.radians(b.angle_deg) * (0.5 - k) * t for b in bends
    )
    cut_length += recess.contour_extra_mm if recess else 0.0
    pierces = _pierces(twin_planes, recess)
    if not bends:
        largest = max(twin_planes, key=lambda f: f.area_mm2) if twin_planes else None
        if largest is None:
            return None, "no flat face to unfold"
        if any(abs(float(f.normal @ largest.normal)) < 1 - tol.parallel_cos_gap for f in twin_planes):  # type: ignore[operator]
            return None, f"walls {t:g} mm thick meet at sharp corners (no bend radius): a machined or welded part"
        flat_bbox = planar_extent(topo, largest.index, topo.face_points(largest.index), largest.normal)  # type: ignore[arg-type]
    else:
        axis = np.array(bends[0].axis)
        if any(abs(float(np.array(b.axis) @ axis)) < 1 - tol.parallel_cos_gap for b in bends):
            return None, "bends along several directions: the flat pattern of such parts is not unfolded yet"
        along = float(np.ptp(topo.vertex_points @ axis))
        legs = 0.0
        for f in twin_planes:
            across = np.cross(f.normal, axis)  # type: ignore[arg-type]
            norm = float(np.linalg.norm(across))
            if norm < tol.zero_component:
                continue
            legs += float(np.ptp(topo.face_points(f.index) @ (across / norm)))
        developed = legs / 2 + sum(allowances)
        flat_bbox = (max(along, developed), min(along, developed))
    return (
        SheetMetal(
            thickness_mm=round(t, 6),
            bends=bends,
            flat_bbox_mm=(round(flat_bbox[0], 6), round(flat_bbox[1], 6)),
            flat_area_mm2=round(flat_area, 6),
            cut_length_mm=round(cut_length, 6),
            pierces=pierces,
            k_factor=k,
            recess_face_ids=recess.face_ids if recess else (),
            recesses=recess.floors if recess else 0,
            recess_volume_mm3=round(recess.volume_mm3, 6) if recess else 0.0,
        ),
        None,
    )


def _pierces(twin_planes: list[FaceInfo], recess: Recesses | None) -> int:
    """Inner contours the laser pierces: the holes of the twin planes, counted once per pair of skins.

    With recesses, a pocket's opening is an inner wire of one skin only: the side with fewer inner wires
    counts (a through hole shows on both).
    """
    if recess is None or not twin_planes:
        return int(round(sum(f.inner_wires for f in twin_planes) / 2))
    n = max(twin_planes, key=lambda f: f.area_mm2).normal
    wires = {True: 0, False: 0}
    for f in twin_planes:
        if f.normal is not None and n is not None:
            wires[float(f.normal @ n) > 0] += f.inner_wires
    return min(wires.values())
