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

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from geometry.features import FaceArea

__all__ = ["FACE_FIELDS", "FaceIds", "MAX_NAMED_FACES", "THIN_FACE_CEILING_MM", "face_fields", "faces_by_area",
           "thin_faces", "thin_triangles"]

log = logging.getLogger(__name__)

#: at most this many faces are named per finding: enough for the walls of a pocket or a ribbed
#: housing, few enough that the part's JSON stays small and the painted view readable
MAX_NAMED_FACES = 32
#: faces with a wall thinner than this are listed with their thinnest wall [mm]; each finding names the
#: ones under its own limit, so the ceiling sits above every wall limit of ``quoting/data/dfm.toml``
#: (the largest, plastic parts milled, is 1.5 mm), with room for a workshop's stricter override
THIN_FACE_CEILING_MM = 2.0
#: the ``PartFeatures`` fields this module fills
FACE_FIELDS = ("thin_wall_faces", "unreachable_faces", "overhang_faces")

#: each triangle's face id, worked out when first needed (None: the faces cannot be told)
FaceIds = Callable[[], "np.ndarray | None"]


def face_fields(face_ids: FaceIds, *, area_mm2: np.ndarray, thickness_mm: np.ndarray, unreachable: np.ndarray,
                overhang: np.ndarray) -> tuple[dict[str, Any], dict[str, str]]:
    """``PartFeatures`` face lists (fields, unmeasured) from the kernels' per-triangle results.

    area_mm2 : (m,) float64 [mm2], each triangle's area (``WallThickness.area_mm2``); thickness_mm : (m,)
    float64 [mm], inf where unmeasured; unreachable, overhang : (m,) bool. ``face_ids()`` gives each
    triangle's face id, or None when the faces cannot be told (a STEP mesh that does not line up with its
    faces); it is called only when some triangle is flagged, as labelling a big mesh's regions costs more
    than all the rest. Triangles of no area are never counted.
    """
    positive = area_mm2 > 0
    thin = thin_triangles(area_mm2, thickness_mm)
    unreachable = positive & unreachable
    overhang = positive & overhang
    if not (thin.any() or unreachable.any() or overhang.any()):
        return {name: [] for name in FACE_FIELDS}, {}
    try:
        ids = face_ids()
    except Exception as err:  # noqa: BLE001 - naming the faces is a convenience: it must not lose the part
        log.warning("labelling the faces failed: %r", err)
        return {}, {name: f"the faces could not be labelled ({type(err).__name__})" for name in FACE_FIELDS}
    if ids is None or len(ids) != len(area_mm2):
        why = "the part's mesh does not line up with its B-rep faces: the faces cannot be named"
        return {}, {name: why for name in FACE_FIELDS}
    return {
        "thin_wall_faces": thin_faces(ids, area_mm2, thickness_mm, thin),
        "unreachable_faces": faces_by_area(ids, area_mm2, unreachable),
        "overhang_faces": faces_by_area(ids, area_mm2, overhang),
    }, {}


def thin_triangles(area_mm2: np.ndarray, thickness_mm: np.ndarray) -> np.ndarray:
    """(m,) bool: the triangles of some area whose wall is under ``THIN_FACE_CEILING_MM`` (inf, unmeasured,
    never is): those ``thin_wall_faces`` may name."""
    flagged: np.ndarray = (area_mm2 > 0) & (thickness_mm < THIN_FACE_CEILING_MM)
    return flagged


def faces_by_area(face_ids: np.ndarray, area_mm2: np.ndarray, mask: np.ndarray,
                  limit: int = MAX_NAMED_FACES) -> list[FaceArea]:
    """The faces of the ``mask``ed triangles with their masked area, most area first (ties: lower id).

    face_ids : (m,) int64 >= 0; area_mm2 : (m,) float64 [mm2]; mask : (m,) bool, triangles of area > 0.
    """
    face, area, _ = _per_face(face_ids, area_mm2, mask)
    order = np.lexsort((face, -area))[:limit]
    return [FaceArea(int(face[i]), float(area[i])) for i in order]


def thin_faces(face_ids: np.ndarray, area_mm2: np.ndarray, thickness_mm: np.ndarray, mask: np.ndarray,
               limit: int = MAX_NAMED_FACES) -> list[FaceArea]:
    """The faces of the ``mask``ed triangles with their masked area and thinnest wall, thinnest first
    (then most area, then lower id): a finding's limit under the ceiling keeps a prefix of this list."""
    face, area, thinnest = _per_face(face_ids, area_mm2, mask, thickness_mm)
    order = np.lexsort((face, -area, thinnest))[:limit]
    return [FaceArea(int(face[i]), float(area[i]), float(thinnest[i])) for i in order]


def _per_face(face_ids: np.ndarray, area_mm2: np.ndarray, mask: np.ndarray,
              values: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(face ids, masked area [mm2], least masked value) of the faces with masked triangles, one row each.

    Sums by ``bincount`` over the face ids (no sort): linear in the triangles.
    """
    picked = np.flatnonzero(mask)
    ids = face_ids[picked]
    size = int(ids.max()) + 1 if len(ids) else 0
    count = np.bincount(ids, minlength=size)
    face = np.flatnonzero(count)
    area = np.bincount(ids, weights=area_mm2[picked], minlength=size)[face]
    least = np.full(size, np.inf)
    if values is not None:
        from geometry.kernels._common import least_by_group

        least_by_group(np.ascontiguousarray(ids, dtype=np.int64), np.ascontiguousarray(values[picked], dtype=np.float64),
                       least)
    return face, area, least[face]
