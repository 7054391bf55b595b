"""One pass over a shape's faces, edges and vertices into plain numbers the recognisers share.

``Topology.of(shape)`` indexes faces (stable ids: the order of
``TopExp.MapShapes``), reads each face's surface type and parameters (plane
normal, cylinder/cone/torus/sphere axis and radii, outward-normal sense), its
area and parametric bounds, the vertices it touches and the faces next to it.
Edge convexity is computed on demand and cached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geometry.features import SurfaceKind
from geometry.tolerances import tol


@dataclass
class FaceInfo:
    index: int
    kind: SurfaceKind
    area_mm2: float
    #: outward normal of a plane; else None
    normal: np.ndarray | None = None
    #: a point of the plane, or the location of the axis of a surface of revolution [mm]
    origin: np.ndarray | None = None
    #: unit axis of a cylinder, cone, torus or sphere (sign as the surface's own frame)
    axis: np.ndarray | None = None
    #: cylinder radius, cone reference radius, torus major radius, sphere radius [mm]
    radius_mm: float = 0.0
    #: torus minor radius [mm]
    minor_radius_mm: float = 0.0
    #: cone half-angle [rad]
    semi_angle_rad: float = 0.0
    #: material outside the curved surface (a hole wall, an inner fillet); None for planes
    concave: bool | None = None
    #: parametric bounds (umin, umax, vmin, vmax)
    uv: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    #: vertex ids of the face
    vertices: frozenset[int] = frozenset()
    #: centre of the face's area [mm]
    centroid: np.ndarray | None = None
    #: number of inner wires (holes in the face)
    inner_wires: int = 0
    #: vertex ids on the face's inner wires
    inner_vertices: frozenset[int] = frozenset()

    @property
    def u_span(self) -> float:
        return self.uv[1] - self.uv[0]

    def axial_range(self, ref_point: np.ndarray, direction: np.ndarray) -> tuple[float, float]:
        """Extent of a cylinder or cone along ``direction`` measured from ``ref_point`` [mm]."""
        assert self.axis is not None and self.origin is not None
        sign = 1.0 if float(self.axis @ direction) > 0 else -1.0
        base = float((self.origin - ref_point) @ direction)
        scale = math.cos(self.semi_angle_rad) if self.kind is SurfaceKind.CONE else 1.0
        a, b = base + sign * self.uv[2] * scale, base + sign * self.uv[3] * scale
        return (a, b) if a <= b else (b, a)

    def radius_at_v(self, v: float) -> float:
        """Radius of a cone at parameter ``v`` (a cylinder's radius otherwise) [mm]."""
        if self.kind is SurfaceKind.CONE:
            return self.radius_mm + v * math.sin(self.semi_angle_rad)
        return self.radius_mm


@dataclass
class Topology:
    """Indexed faces, edges and vertices of one shape."""

    shape: Any
    faces: list[FaceInfo]
    face_shapes: list[Any]
    #: vertex coordinates (n, 3) [mm]; ids are rows
    vertex_points: np.ndarray
    #: edge id -> face ids on either side
    edge_faces: list[tuple[int, ...]]
    edge_shapes: list[Any]
    #: face id -> edge ids
    face_edges: list[list[int]]
    #: OCCT's face index (``TopTools_IndexedMapOfShape``): face id = FindIndex - 1
    face_map: Any = None
    #: (face id, edge id) -> the edge runs reversed in that face's wire (orientation composed with the face's)
    edge_reversed: dict[tuple[int, int], bool] = field(default_factory=dict)
    #: OCCT's edge index (``TopTools_IndexedDataMapOfShapeListOfShape``): edge id = FindIndex - 1
    edge_map: Any = None
    _convexity: dict[tuple[int, int, int], int] = field(default_factory=dict)
    #: face id -> its ``BRepGProp_Face`` (normal evaluator), built once however many edges the face has
    _normal_of: dict[int, Any] = field(default_factory=dict)
    #: vertex id -> ids of the faces touching it, ascending (built on first use)
    _vertex_faces: list[list[int]] = field(default_factory=list)

    @classmethod
    def of(cls, shape: Any) -> "Topology":
        from OCP.TopAbs import TopAbs_EDGE, TopAbs_FACE, TopAbs_VERTEX
        from OCP.TopExp import TopExp, TopExp_Explorer
        from OCP.TopoDS import TopoDS
        from OCP.TopTools import TopTools_IndexedDataMapOfShapeListOfShape, TopTools_IndexedMapOfShape

        face_map = TopTools_IndexedMapOfShape()
        TopExp.MapShapes_s(shape, TopAbs_FACE, face_map)
        vertex_map = TopTools_IndexedMapOfShape()
        TopExp.MapShapes_s(shape, TopAbs_VERTEX, vertex_map)
        edge_face_map = TopTools_IndexedDataMapOfShapeListOfShape()
        TopExp.MapShapesAndAncestors_s(shape, TopAbs_EDGE, TopAbs_FACE, edge_face_map)

        from OCP.BRep import BRep_Tool

        points = np.empty((vertex_map.Extent(), 3))
        for i in range(vertex_map.Extent()):
            p = BRep_Tool.Pnt_s(TopoDS.Vertex_s(vertex_map.FindKey(i + 1)))
            points[i] = (p.X(), p.Y(), p.Z())

        face_shapes = [TopoDS.Face_s(face_map.FindKey(i + 1)) for i in range(face_map.Extent())]
        edge_faces: list[tuple[int, ...]] = []
        edge_shapes: list[Any] = []
        face_edges: list[list[int]] = [[] for _ in face_shapes]
        for e in range(edge_face_map.Extent()):
            ids = []
            ancestors = edge_face_map.FindFromIndex(e + 1)
            n = ancestors.Extent()
            # iterating the list from Python costs ~0.5 ms an edge; First/Last cost microseconds
            faces_of_edge = [ancestors.First(), ancestors.Last()][:n] if n <= 2 else list(ancestors)
            for f in faces_of_edge:
                fid = face_map.FindIndex(f) - 1
                if fid >= 0 and fid not in ids:
                    ids.append(fid)
            edge_faces.append(tuple(ids))
            edge_shapes.append(TopoDS.Edge_s(edge_face_map.FindKey(e + 1)))
            for fid in ids:
                face_edges[fid].append(e)
        # each edge's orientation inside each face (composed with the face's): for convexity
        from OCP.TopAbs import TopAbs_REVERSED

        edge_reversed: dict[tuple[int, int], bool] = {}
        for fid, face in enumerate(face_shapes):
            exp = TopExp_Explorer(face, TopAbs_EDGE)
            while exp.More():
                eid = edge_face_map.FindIndex(exp.Current()) - 1
                edge_reversed.setdefault((fid, eid), exp.Current().Orientation() == TopAbs_REVERSED)
                exp.Next()
        faces = [_face_info(i, f, vertex_map) for i, f in enumerate(face_shapes)]
        return cls(shape, faces, face_shapes, points, edge_faces, edge_shapes, face_edges, face_map, edge_reversed,
                   edge_face_map)

    def face_ids_of(self, sub: Any) -> list[int]:
        """Face ids of the faces of ``sub`` (a solid of this shape)."""
        from OCP.TopAbs import TopAbs_FACE
        from OCP.TopExp import TopExp_Explorer

        ids = []
        exp = TopExp_Explorer(sub, TopAbs_FACE)
        while exp.More():
            fid = self.face_map.FindIndex(exp.Current()) - 1
            if fid >= 0:
                ids.append(fid)
            exp.Next()
        return ids

    def edge_id_of(self, edge: Any, face_id: int) -> int | None:
        """Id of ``edge`` (an edge of face ``face_id``, as OCCT explores it), or None when it is not one."""
        if self.edge_map is not None:
            e = self.edge_map.FindIndex(edge) - 1
            return e if e in self.face_edges[face_id] else None
        return next((e for e in self.face_edges[face_id] if self.edge_shapes[e].IsSame(edge)), None)

    def faces_at(self, vertex_id: int) -> list[int]:
        """Ids of the faces touching vertex ``vertex_id``, ascending."""
        if not self._vertex_faces:
            index: list[list[int]] = [[] for _ in range(len(self.vertex_points))]
            for f in self.faces:
                for v in f.vertices:
                    if v >= 0:
                        index[v].append(f.index)
            self._vertex_faces = index
        return self._vertex_faces[vertex_id]

    def neighbours(self, face_id: int) -> set[int]:
        out: set[int] = set()
        for e in self.face_edges[face_id]:
            out.update(self.edge_faces[e])
        out.discard(face_id)
        return out

    def edge_between(self, a: int, b: int) -> list[int]:
        return [e for e in self.face_edges[a] if b in self.edge_faces[e]]

    def face_points(self, face_id: int) -> np.ndarray:
        ids = sorted(self.faces[face_id].vertices)
        return self.vertex_points[ids] if ids else np.empty((0, 3))

    def convexity(self, edge_id: int, a: int, b: int) -> int:
        """+1 convex, -1 concave, 0 smooth (tangent) or unknown, for the edge between faces ``a`` and ``b``."""
        key = (edge_id, a, b)
        if key not in self._convexity:
            reversed_in_a = self.edge_reversed.get((a, edge_id))
            try:
                faces = None if reversed_in_a is None else self._faces_for_normals(a, b)
            except Exception:  # noqa: BLE001 - a face OCCT cannot evaluate: unknown, as in _edge_convexity
                faces = None
            self._convexity[key] = (
                0 if faces is None or reversed_in_a is None
                else _edge_convexity(self.edge_shapes[edge_id], faces, reversed_in_a)
            )
        return self._convexity[key]

    def _faces_for_normals(self, *face_ids: int) -> list[tuple[Any, Any]]:
        """(face shape, its cached ``BRepGProp_Face``) of each face id."""
        from OCP.BRepGProp import BRepGProp_Face

        out = []
        for fid in face_ids:
            props = self._normal_of.get(fid)
            if props is None:
                props = self._normal_of[fid] = BRepGProp_Face(self.face_shapes[fid])
            out.append((self.face_shapes[fid], props))
        return out


def _face_info(index: int, face: Any, vertex_map: Any) -> FaceInfo:
    from OCP.BRepAdaptor import BRepAdaptor_Surface
    from OCP.BRepGProp import BRepGProp
    from OCP.BRepTools import BRepTools
    from OCP.GProp import GProp_GProps
    from OCP.TopAbs import TopAbs_REVERSED, TopAbs_VERTEX, TopAbs_WIRE
    from OCP.TopExp import TopExp_Explorer

    adaptor = BRepAdaptor_Surface(face, False)
    props = GProp_GProps()
    BRepGProp.SurfaceProperties_s(face, props)
    try:
        uv = tuple(float(x) for x in BRepTools.UVBounds_s(face))
    except Exception:  # noqa: BLE001
        uv = (0.0, 0.0, 0.0, 0.0)
    reversed_ = face.Orientation() == TopAbs_REVERSED
    vertices: set[int] = set()
    exp = TopExp_Explorer(face, TopAbs_VERTEX)
    while exp.More():
        vertices.add(vertex_map.FindIndex(exp.Current()) - 1)
        exp.Next()
    outer = BRepTools.OuterWire_s(face)
    inner_wires, inner_vertices = 0, set()
    wexp = TopExp_Explorer(face, TopAbs_WIRE)
    while wexp.More():
        wire = wexp.Current()
        wexp.Next()
        if outer.IsNull() or wire.IsSame(outer):
            continue
        inner_wires += 1
        vexp = TopExp_Explorer(wire, TopAbs_VERTEX)
        while vexp.More():
            inner_vertices.add(vertex_map.FindIndex(vexp.Current()) - 1)
            vexp.Next()
    info = FaceInfo(
        index=index, kind=SurfaceKind.OTHER, area_mm2=float(props.Mass()), uv=uv,  # type: ignore[arg-type]
        vertices=frozenset(vertices), inner_wires=inner_wires, inner_vertices=frozenset(inner_vertices),
        centroid=_pnt(props.CentreOfMass()),
    )
    _read_surface(info, adaptor, reversed_)
    return info


def _read_surface(info: FaceInfo, adaptor: Any, reversed_: bool) -> None:
    """Fill ``info``'s surface kind and parameters from the face's surface adaptor."""
    from OCP.GeomAbs import (
        GeomAbs_BezierSurface,
        GeomAbs_BSplineSurface,
        GeomAbs_Cone,
        GeomAbs_Cylinder,
        GeomAbs_Plane,
        GeomAbs_Sphere,
        GeomAbs_Torus,
    )

    stype = adaptor.GetType()
    if stype == GeomAbs_Plane:
        pln = adaptor.Plane()
        ax = pln.Axis()
        n = _vec(ax.Direction())
        info.kind, info.normal, info.origin = SurfaceKind.PLANE, (-n if reversed_ else n), _pnt(ax.Location())
    elif stype in (GeomAbs_Cylinder, GeomAbs_Cone, GeomAbs_Torus, GeomAbs_Sphere):
        if stype == GeomAbs_Cylinder:
            surf = adaptor.Cylinder()
            info.kind, info.radius_mm = SurfaceKind.CYLINDER, float(surf.Radius())
        elif stype == GeomAbs_Cone:
            surf = adaptor.Cone()
            info.kind, info.radius_mm = SurfaceKind.CONE, float(surf.RefRadius())
            info.semi_angle_rad = float(surf.SemiAngle())
        elif stype == GeomAbs_Torus:
            surf = adaptor.Torus()
            info.kind, info.radius_mm = SurfaceKind.TORUS, float(surf.MajorRadius())
            info.minor_radius_mm = float(surf.MinorRadius())
        else:
            surf = adaptor.Sphere()
            info.kind, info.radius_mm = SurfaceKind.SPHERE, float(surf.Radius())
        pos = surf.Position()
        info.axis, info.origin = _vec(pos.Direction()), _pnt(pos.Location())
        info.concave = _is_concave(adaptor, info, reversed_)
    elif stype in (GeomAbs_BSplineSurface, GeomAbs_BezierSurface):
        info.kind = SurfaceKind.BSPLINE


def _is_concave(adaptor: Any, info: FaceInfo, reversed_: bool) -> bool:
    """True when the outward normal at mid-face points towards the axis (or the tube's core, for a torus)."""
    from OCP.gp import gp_Pnt, gp_Vec

    u = 0.5 * (info.uv[0] + info.uv[1])
    v = 0.5 * (info.uv[2] + info.uv[3])
    p, du, dv = gp_Pnt(), gp_Vec(), gp_Vec()
    adaptor.D1(u, v, p, du, dv)
    normal = np.cross(_vec(du), _vec(dv))
    if reversed_:
        normal = -normal
    point = _pnt(p)
    assert info.axis is not None and info.origin is not None
    rel = point - info.origin
    if info.kind is SurfaceKind.SPHERE:
        return bool(normal @ rel < 0)
    radial = rel - (rel @ info.axis) * info.axis
    if info.kind is SurfaceKind.TORUS:
        norm = float(np.linalg.norm(radial))
        core = info.origin + (radial / norm * info.radius_mm if norm > 0 else 0.0)
        return bool(normal @ (point - core) < 0)
    return bool(normal @ radial < 0)


def _edge_convexity(edge: Any, faces: list[tuple[Any, Any]], reversed_in_a: bool) -> int:
    """faces : (face, its BRepGProp_Face) on either side of ``edge``, face a first."""
    from OCP.BRepAdaptor import BRepAdaptor_Curve, BRepAdaptor_Curve2d
    from OCP.gp import gp_Pnt, gp_Vec

    try:
        curve = BRepAdaptor_Curve(edge)
        t = 0.5 * (curve.FirstParameter() + curve.LastParameter())
        p, tangent = gp_Pnt(), gp_Vec()
        curve.D1(t, p, tangent)
        tan = _unit3(tangent)
        normals = []
        for face, face_props in faces:
            c2d = BRepAdaptor_Curve2d(edge, face)
            f0, f1 = c2d.FirstParameter(), c2d.LastParameter()
            uv = c2d.Value(t if f0 <= t <= f1 else 0.5 * (f0 + f1))
            gp, nv = gp_Pnt(), gp_Vec()
            face_props.Normal(uv.X(), uv.Y(), gp, nv)
            normals.append(_unit3(nv))
    except Exception:  # noqa: BLE001 - a degenerate edge: unknown
        return 0
    na, nb = normals
    if na is None or nb is None or tan is None:
        return 0
    # (na x nb) . tan on plain floats: thousands of edges, numpy's per-call cost on 3-vectors dominated
    s = (
        (na[1] * nb[2] - na[2] * nb[1]) * tan[0]
        + (na[2] * nb[0] - na[0] * nb[2]) * tan[1]
        + (na[0] * nb[1] - na[1] * nb[0]) * tan[2]
    )
    if reversed_in_a:
        s = -s
    if abs(s) < tol.smooth_edge_sin:
        return 0
    return 1 if s > 0 else -1


def _unit3(v: Any) -> tuple[float, float, float] | None:
    """The unit vector of an OCP vector as three floats, or None for a zero vector."""
    x, y, z = v.X(), v.Y(), v.Z()
    length = math.sqrt(x * x + y * y + z * z)
    if length == 0:
        return None
    return x / length, y / length, z / length


def _vec(v: Any) -> np.ndarray:
    return np.array((v.X(), v.Y(), v.Z()), dtype=float)


def _pnt(p: Any) -> np.ndarray:
    return np.array((p.X(), p.Y(), p.Z()), dtype=float)
