"""Which B-rep face each triangle of a STEP part's mesh comes from.

``geometry.loaders.step.tessellate`` meshes the shape in place (``BRepMesh``) and
writes the triangles out face by face, in the order ``TopExp_Explorer`` visits the
faces (OCCT's ``StlAPI_Writer``), each face contributing its ``Poly_Triangulation``.
So the triangle -> face map is each face's triangle count repeated, in that order,
with the face id of ``Topology`` (``TopExp.MapShapes`` index - 1): the ids the
recognisers put in ``Location.face_ids``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["triangle_face_ids"]


def triangle_face_ids(shape: Any, n_triangles: int) -> np.ndarray | None:
    """(n_triangles,) int64 face id of each triangle of the part's mesh, or None when they do not line up.

    None when the faces' triangulations do not add up to ``n_triangles`` (the loader
    dropped triangles that collapsed when vertices were welded, or the shape was
    meshed again differently): the preview then carries no face ids rather than wrong ones.
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
    exp = TopExp_Explorer(shape, TopAbs_FACE)
    while exp.More():
        face = TopoDS.Face_s(exp.Current())
        triangulation = BRep_Tool.Triangulation_s(face, TopLoc_Location())
        counts.append(0 if triangulation is None else int(triangulation.NbTriangles()))
        ids.append(face_map.FindIndex(face) - 1)
        exp.Next()
    if sum(counts) != n_triangles:
        return None
    return np.repeat(np.asarray(ids, dtype=np.int64), np.asarray(counts, dtype=np.int64))
