"""Which B-rep face each triangle of a STEP part's mesh comes from.

``geometry.loaders.step.tessellate`` meshes the shape in place (``BRepMesh``) and
writes the triangles out face by face, in the order ``TopExp_Explorer`` visits the
faces (OCCT's ``StlAPI_Writer``), each face contributing its ``Poly_Triangulation``.
So the triangle -> face map is each face's triangle count repeated, in that order,
with the face id of ``Topology`` (``TopExp.MapShapes`` index - 1): the ids the
recognisers put in ``Location.face_ids``. The map is checked, not trusted: the first
triangle of every face must be the mesh's triangle where that face's run starts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geometry.tolerances import tol

__all__ = ["triangle_face_ids"]


def triangle_face_ids(shape: Any, vertices_mm: np.ndarray, faces: np.ndarray) -> np.ndarray | None:
    """(m,) int64 face id of each triangle of the part's mesh, or None when the mesh is not the faces' triangles.

    vertices_mm : (n, 3) float [mm] and faces : (m, 3) int, the mesh the loader made from
    ``shape``. None when the faces' triangulations do not add up to m triangles, or a
    face's first triangle is not where its run should start (the loader dropped or
    reordered triangles): the preview then carries no face ids rather than wrong ones.
    """
    from OCP.BRep import BRep_Tool
    from OCP.TopAbs import TopAbs_FACE
    from OCP.TopExp import TopExp, TopExp_Explorer
    from OCP.TopLoc import TopLoc_Location
    from OCP.TopoDS import TopoDS
    from OCP.TopTools import TopTools_IndexedMapOfShape

    face_map = TopTools_IndexedMapOfShape()
    TopExp.MapShapes_s(shape, TopAbs_FACE, face_map)
    ids: list[int] = []
    counts: list[int] = []
    firsts: list[np.ndarray] = []
    exp = TopExp_Explorer(shape, TopAbs_FACE)
    while exp.More():
        face = TopoDS.Face_s(exp.Current())
        location = TopLoc_Location()
        triangulation = BRep_Tool.Triangulation_s(face, location)
        count = 0 if triangulation is None else int(triangulation.NbTriangles())
        if count:
            firsts.append(_first_triangle_mm(triangulation, location))
        counts.append(count)
        ids.append(face_map.FindIndex(face) - 1)
        exp.Next()
    if sum(counts) != len(faces):
        return None
    starts = np.cumsum([0, *counts])[:-1][np.asarray(counts) > 0]
    mesh_firsts = np.asarray(vertices_mm, dtype=np.float64)[np.asarray(faces)[starts]]  # (k, 3, 3)
    if firsts and not _same_corners(np.asarray(firsts), mesh_firsts):
        return None
    return np.repeat(np.asarray(ids, dtype=np.int64), np.asarray(counts, dtype=np.int64))


def _first_triangle_mm(triangulation: Any, location: Any) -> np.ndarray:
    """(3, 3) corners of a face triangulation's first triangle, placed by the face's location [mm]."""
    trsf = location.Transformation()
    corners = []
    for node in triangulation.Triangle(1).Get():
        p = triangulation.Node(node)
        if not location.IsIdentity():
            p = p.Transformed(trsf)
        corners.append((p.X(), p.Y(), p.Z()))
    return np.asarray(corners)


#: the six orders of a triangle's three corners
_ORDERS = np.array([[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]])


def _same_corners(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether (k, 3, 3) triangles ``a`` and ``b`` have the same corners, in some order, to the feature tolerance."""
    close = np.abs(b[:, _ORDERS] - a[:, None]) <= tol.feature_length_mm  # (k, 6, 3, 3)
    return bool(close.all(axis=(2, 3)).any(axis=1).all())
