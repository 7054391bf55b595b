"""Pockets, internal corner radii and sharp internal corners.

- A pocket floor is a plane whose outer boundary is concave all round (walls
  rise from every edge); the pocket's depth is how far its walls rise above the
  floor, its opening the floor's extent, its corner radius the smallest concave
  cylinder along its axis among its walls (walls are followed through floor
  fillets up to the convex rim). Flat hole bottoms and counterbore steps are holes,
  not pockets.
- ``min_internal_radius_mm`` is the smallest radius of a concave cylinder that
  is not a hole (a wall corner or floor fillet): the largest tool that can finish
  the part. A concave straight edge between two planar walls that ends on a
  floor (or on the inner loop of a face: an enclosed cut-out) is a sharp
  internal corner, which a rotating tool cannot make; its radius counts as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from geometry.brep.axes import as_tuple
from geometry.brep.planar import planar_extent
from geometry.brep.topology import Topology
from geometry.features import Pocket, SurfaceKind
from geometry.tolerances import tol


@dataclass(frozen=True)
class CornerFindings:
    min_internal_radius_mm: float | None
    sharp_corners: int
    #: a point on each sharp corner edge [mm]
    sharp_points_mm: list[tuple[float, float, float]]
    #: the face ids of the walls that meet at the sharp corners
    sharp_face_ids: tuple[int, ...] = ()
    #: (face id, radius [mm]) of each internal corner, smallest first (ties: lower id): the sharp corners'
    #: walls at 0, then the concave cylinders that are not holes
    radius_faces: tuple[tuple[int, float], ...] = ()
    #: the two walls of each sharp corner, in the order of ``sharp_points_mm``
    sharp_pairs: tuple[tuple[int, int], ...] = ()
    #: (radius [mm], face id) of each concave cylinder that is not a hole, smallest first
    fillets: tuple[tuple[float, int], ...] = ()


def internal_corners(topo: Topology, hole_faces: set[int], floors: set[int]) -> CornerFindings:
    """Smallest wall-fillet radius and sharp wall corners; ``floors`` are the pocket floors' face ids."""
    fillets = sorted(
        (float(f.radius_mm), f.index) for f in topo.faces
        if f.kind is SurfaceKind.CYLINDER and f.concave and f.index not in hole_faces
    )
    return corner_findings(_sharp_corners(topo, floors), fillets)


def corner_findings(
    sharp: list[tuple[tuple[float, float, float], tuple[int, int]]], fillets: list[tuple[float, int]]
) -> CornerFindings:
    """The findings of sharp corners (a point on each, its two walls) and fillets ((radius, face id), sorted)."""
    radii = [r for r, _ in fillets]
    walls = tuple(sorted({f for _, pair in sharp for f in pair}))
    named = tuple((i, 0.0) for i in walls) + tuple((i, r) for r, i in fillets if i not in walls)
    pairs, kept = tuple(pair for _, pair in sharp), tuple(fillets)
    if sharp:
        return CornerFindings(0.0, len(sharp), [p for p, _ in sharp], walls, named, pairs, kept)
    return CornerFindings(min(radii) if radii else None, 0, [], (), named, pairs, kept)


def _sharp_corners(topo: Topology, floors: set[int]) -> list[tuple[tuple[float, float, float], tuple[int, int]]]:
    """A point on each sharp corner edge and the two walls that meet there."""
    from OCP.BRep import BRep_Tool
    from OCP.TopExp import TopExp

    points = []
    for e, pair in enumerate(topo.edge_faces):
        if len(pair) != 2:
            continue
        a, b = pair
        fa, fb = topo.faces[a], topo.faces[b]
        if fa.kind is not SurfaceKind.PLANE or fb.kind is not SurfaceKind.PLANE:
            continue
        edge = topo.edge_shapes[e]
        v0, v1 = TopExp.FirstVertex_s(edge), TopExp.LastVertex_s(edge)
        if v0.IsNull() or v1.IsNull():
            continue
        c0, c1 = BRep_Tool.Pnt_s(v0).Coord(), BRep_Tool.Pnt_s(v1).Coord()
        length = math.dist(c0, c1)  # plain floats: numpy's per-call cost on 3-vectors dominated here
        if length < tol.feature_length_mm or topo.convexity(e, a, b) >= 0:
            continue
        p0, p1 = np.array(c0), np.array(c1)
        direction = (p1 - p0) / length
        end_ids = _vertex_ids_at(topo, (p0, p1), fa.vertices & fb.vertices)
        if _ends_on_floor_or_cutout(topo, a, b, direction, end_ids, floors):
            points.append((as_tuple(0.5 * (p0 + p1), 4), (a, b)))
    return points


def _vertex_ids_at(topo: Topology, points: tuple[np.ndarray, ...], candidates: frozenset[int]) -> list[int]:
    ids = []
    for p in points:
        for v in candidates:
            if np.linalg.norm(topo.vertex_points[v] - p) < tol.feature_length_mm:
                ids.append(v)
                break
    return ids


def _ends_on_floor_or_cutout(
    topo: Topology, a: int, b: int, direction: np.ndarray, end_ids: list[int], floors: set[int]
) -> bool:
    for v in end_ids:
        for f in (topo.faces[i] for i in topo.faces_at(v)):
            if f.index in (a, b) or f.kind is not SurfaceKind.PLANE:
                continue
            assert f.normal is not None
            if abs(float(f.normal @ direction)) < 1 - tol.corner_end_parallel_cos_gap:
                continue
            if v in f.inner_vertices:
                return True  # corner of an enclosed cut-out
            if f.index in floors and _concave_to(topo, f.index, a) and _concave_to(topo, f.index, b):
                return True  # corner of a blind pocket: its floor is concave to both walls
    return False


def _concave_to(topo: Topology, f: int, g: int) -> bool:
    edges = topo.edge_between(f, g)
    return bool(edges) and all(topo.convexity(e, f, g) < 0 for e in edges)


def find_pockets(topo: Topology, hole_faces: set[int]) -> list[Pocket]:
    pockets = []
    for floor in topo.faces:
        if floor.kind is not SurfaceKind.PLANE or floor.index in hole_faces:
            continue
        walls = _outer_walls(topo, floor.index)
        if not walls or all(w in hole_faces for w in walls):
            continue
        if not all(_rises(topo, floor.index, w, e) for w, e in _outer_edges(topo, floor.index)):
            continue
        pockets.append(_pocket(topo, floor.index, _pocket_faces(topo, floor.index, walls), hole_faces))
    return pockets


def _rises(topo: Topology, floor: int, wall: int, edge: int) -> bool:
    """A wall rises from the floor along this edge: a concave edge, or a smooth one into a concave fillet."""
    c = topo.convexity(edge, floor, wall)
    return c < 0 or (c == 0 and bool(topo.faces[wall].concave))


def _pocket_faces(topo: Topology, floor: int, walls: set[int]) -> set[int]:
    """The walls, and what they lead to without crossing a convex edge (the rim) or reaching another floor."""
    n = topo.faces[floor].normal
    assert n is not None
    seen, todo = set(walls), list(walls)
    while todo:
        f = todo.pop()
        for e in topo.face_edges[f]:
            for g in topo.edge_faces[e]:
                if g in seen or g == floor:
                    continue
                info = topo.faces[g]
                if info.kind is SurfaceKind.PLANE and float(info.normal @ n) > 1 - tol.parallel_cos_gap:
                    continue  # another floor or the top face
                if topo.convexity(e, f, g) > 0:
                    continue
                seen.add(g)
                todo.append(g)
        if len(seen) > _MAX_POCKET_FACES:
            break
    return seen


#: a pocket's walls are followed this far at most (a safety net for odd shapes)
_MAX_POCKET_FACES = 200


def _outer_edges(topo: Topology, face_id: int) -> list[tuple[int, int]]:
    """(neighbour face, edge) for each edge of the face's outer wire that has a neighbour."""
    from OCP.BRepTools import BRepTools
    from OCP.TopAbs import TopAbs_EDGE
    from OCP.TopExp import TopExp_Explorer

    outer = BRepTools.OuterWire_s(topo.face_shapes[face_id])
    if outer.IsNull():
        return []
    out: list[tuple[int, int]] = []
    exp = TopExp_Explorer(outer, TopAbs_EDGE)
    while exp.More():
        e = topo.edge_id_of(exp.Current(), face_id)
        exp.Next()
        if e is not None:
            out.extend((g, e) for g in topo.edge_faces[e] if g != face_id)
    return out


def _outer_walls(topo: Topology, face_id: int) -> set[int]:
    return {g for g, _ in _outer_edges(topo, face_id)}


def _pocket(topo: Topology, floor_id: int, walls: set[int], hole_faces: set[int]) -> Pocket:
    floor = topo.faces[floor_id]
    assert floor.normal is not None and floor.origin is not None
    n = floor.normal
    base = float(floor.origin @ n)
    wall_points = np.concatenate([topo.face_points(w) for w in walls] or [np.empty((0, 3))])
    depth = float((wall_points @ n).max() - base) if len(wall_points) else 0.0
    floor_pts = topo.face_points(floor_id)
    opening = planar_extent(topo, floor_id, floor_pts, n)
    width = min(opening) if min(opening) > 0 else max(opening)
    radii = [  # vertical corners: concave cylinders along the pocket's axis (not floor fillets)
        topo.faces[w].radius_mm for w in walls
        if topo.faces[w].kind is SurfaceKind.CYLINDER and topo.faces[w].concave and w not in hole_faces
        and abs(float(topo.faces[w].axis @ n)) > 1 - tol.parallel_cos_gap
    ]
    return Pocket(
        depth_mm=round(depth, 6),
        opening_mm=(round(opening[0], 6), round(opening[1], 6)),
        depth_to_width=round(depth / width, 6) if width > 0 else 0.0,
        axis=as_tuple(n),
        corner_radius_mm=min(radii) if radii else None,
        face_ids=(floor_id, *sorted(walls - {floor_id})),  # floor first
    )
