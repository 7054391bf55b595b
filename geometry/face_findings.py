"""The faces a mesh DFM finding concerns: per-triangle kernel results named by face.

The ray kernels answer per triangle (``wall_thickness``: the wall at its centroid;
``accessibility``: the axis directions that reach it; ``additive_orientation``: whether it
needs support). The web page paints a finding on faces, so those answers are named here by
the faces of the preview GLB: ``geometry.export.part_face_ids`` gives each triangle its
B-rep face (STEP) or mesh region (other formats), the one function both the GLB and these
lists use, on the same mesh.

Each list is bounded (``MAX_NAMED_FACES``): a finding points at where to look, and its area
and message say how much there is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from geometry.features import FaceArea

__all__ = ["FACE_FIELDS", "MAX_NAMED_FACES", "THIN_FACE_CEILING_MM", "face_fields", "faces_by_area",
           "thin_faces"]

#: at most this many faces are named per finding: enough for the walls of a pocket or a ribbed
#: housing, few enough that the part's JSON stays small and the painted view readable
MAX_NAMED_FACES = 32
#: faces with a wall thinner than this are listed with their thinnest wall [mm]; each finding names the
#: ones under its own limit, so the ceiling sits above every wall limit of ``quoting/data/dfm.toml``
#: (the largest, plastic parts milled, is 1.5 mm), with room for a workshop's stricter override
THIN_FACE_CEILING_MM = 2.0
#: the ``PartFeatures`` fields this module fills
FACE_FIELDS = ("thin_wall_faces", "unreachable_faces", "overhang_faces")

FaceIds = Callable[[], "np.ndarray | None"]


def face_fields(vertices_mm: np.ndarray, faces: np.ndarray, face_ids: FaceIds, *, thickness_mm: np.ndarray,
                unreachable: np.ndarray, overhang: np.ndarray) -> tuple[dict[str, Any], dict[str, str]]:
    """``PartFeatures`` face lists (fields, unmeasured) from the kernels' per-triangle results.

    vertices_mm : (n, 3) float64 [mm]; faces : (m, 3) int64; thickness_mm : (m,) float64 [mm], inf where
    unmeasured; unreachable, overhang : (m,) bool. ``face_ids()`` gives each triangle's face id, or None
    when the faces cannot be told (a STEP mesh that does not line up with its faces); it is called only
    when some triangle is flagged, as labelling a big mesh's regions costs more than the rest.
    """
    thin = np.isfinite(thickness_mm) & (thickness_mm < THIN_FACE_CEILING_MM)
    if not (thin.any() or unreachable.any() or overhang.any()):
        return {name: [] for name in FACE_FIELDS}, {}
    ids = face_ids()
    if ids is None or len(ids) != len(faces):
        why = "the part's mesh does not line up with its B-rep faces: the faces cannot be named"
        return {}, {name: why for name in FACE_FIELDS}
    return {
        "thin_wall_faces": thin_faces(vertices_mm, faces, ids, thickness_mm, thin),
        "unreachable_faces": faces_by_area(vertices_mm, faces, ids, unreachable),
        "overhang_faces": faces_by_area(vertices_mm, faces, ids, overhang),
    }, {}


def faces_by_area(vertices_mm: np.ndarray, faces: np.ndarray, face_ids: np.ndarray, mask: np.ndarray,
                  limit: int = MAX_NAMED_FACES) -> list[FaceArea]:
    """The faces of the ``mask``ed triangles with their masked area, most area first (ties: lower id)."""
    face, area, _ = _per_face(vertices_mm, faces, face_ids, mask)
    order = np.lexsort((face, -area))[:limit]
    return [FaceArea(int(face[i]), float(area[i])) for i in order]


def thin_faces(vertices_mm: np.ndarray, faces: np.ndarray, face_ids: np.ndarray, thickness_mm: np.ndarray,
               mask: np.ndarray, limit: int = MAX_NAMED_FACES) -> list[FaceArea]:
    """The faces of the ``mask``ed triangles with their masked area and thinnest wall, thinnest first."""
    face, area, thinnest = _per_face(vertices_mm, faces, face_ids, mask, thickness_mm)
    order = np.lexsort((face, -area, thinnest))[:limit]
    return [FaceArea(int(face[i]), float(area[i]), float(thinnest[i])) for i in order]


def _per_face(vertices_mm: np.ndarray, faces: np.ndarray, face_ids: np.ndarray, mask: np.ndarray,
              values: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(face ids, area [mm2], least value) over the masked triangles of non-zero area, one row per face.

    Only the masked triangles are touched, so a few flagged triangles of a big mesh cost little.
    """
    picked = np.flatnonzero(mask)
    tri = vertices_mm[faces[picked]]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    keep = area > 0
    picked, area = picked[keep], area[keep]
    face, inverse = np.unique(face_ids[picked], return_inverse=True)
    face_area = np.bincount(inverse, weights=area, minlength=len(face))
    least = np.full(len(face), np.inf)
    if values is not None:
        np.minimum.at(least, inverse, values[picked])
    return face, face_area, least
