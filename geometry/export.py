"""Export a part's triangle mesh as compact binary glTF (GLB) for 3D previews, with face ids.

Each triangle belongs to a face: the B-rep face of a STEP part (the ids the findings'
``Location.face_ids`` name), else a mesh region (triangles joined across edges whose
dihedral angle is under ``REGION_CREASE_DEG``). The triangles are written ordered by
face, and the mesh's ``extras`` say where each face's run starts:

- ``face_ids``: ``"brep"`` or ``"mesh_region"`` (what the ids are);
- ``face_count``: n;
- ``face_offsets``: the index of an accessor (uint32, n + 1 values): face ``i`` is the
  triangles ``offsets[i] <= t < offsets[i + 1]`` of the primitive.

Ordering instead of a per-vertex id keeps the vertices shared between faces: the GLB
is no larger than the mesh alone (indices are uint16 below 65535 vertices).
"""

from __future__ import annotations

import enum
import json
import struct
import weakref

import numpy as np

from geometry.part import Part

__all__ = ["REGION_CREASE_DEG", "FaceIdKind", "face_offsets", "glb_bytes", "mesh_regions", "part_face_ids", "part_glb"]

#: two triangles of a mesh belong to one region when the angle between their normals is under this [deg]
REGION_CREASE_DEG = 30.0

_GLB_MAGIC = 0x46546C67  # "glTF"
_CHUNK_JSON = 0x4E4F534A
_CHUNK_BIN = 0x004E4942
_FLOAT, _USHORT, _UINT = 5126, 5123, 5125
_ARRAY_BUFFER, _ELEMENT_ARRAY_BUFFER = 34962, 34963


class FaceIdKind(enum.Enum):
    """What the ``_FACE_ID`` of a preview names."""

    BREP = "brep"
    MESH_REGION = "mesh_region"


def glb_bytes(vertices_mm: np.ndarray, faces: np.ndarray, face_ids: np.ndarray | None = None,
              kind: FaceIdKind = FaceIdKind.MESH_REGION) -> bytes:
    """A GLB document of one mesh; with ``face_ids``, its triangles ordered by face and the faces' offsets.

    vertices_mm : (n, 3) float [mm]; faces : (m, 3) int, indices into ``vertices_mm``;
    face_ids : (m,) int >= 0, one per triangle. glTF's unit is the metre; the preview keeps
    millimetres (the viewer scales), as the node carries no transform.
    """
    v = np.ascontiguousarray(vertices_mm, dtype=np.float64)
    f = np.ascontiguousarray(faces, dtype=np.int64)
    if v.ndim != 2 or v.shape[1] != 3 or f.ndim != 2 or f.shape[1] != 3:
        raise ValueError(f"vertices (n, 3) and faces (m, 3) expected, got {v.shape} and {f.shape}")
    offsets = None
    if face_ids is not None:
        ids = np.ascontiguousarray(face_ids, dtype=np.int64)
        if ids.shape != (len(f),) or (len(ids) and ids.min() < 0):
            raise ValueError(f"one face id >= 0 per triangle expected, got {ids.shape} for {len(f)} triangles")
        f = f[np.argsort(ids, kind="stable")]
        offsets = face_offsets(ids)
    positions = v.astype(np.float32)
    index_type = _USHORT if len(positions) < 0xFFFF else _UINT
    indices = f.astype(np.uint16 if index_type == _USHORT else np.uint32).ravel()
    views: list[tuple[bytes, int | None]] = [(indices.tobytes(), _ELEMENT_ARRAY_BUFFER),
                                             (positions.tobytes(), _ARRAY_BUFFER)]
    accessors: list[dict[str, object]] = [
        {"bufferView": 0, "componentType": index_type, "count": int(indices.size), "type": "SCALAR"},
        {"bufferView": 1, "componentType": _FLOAT, "count": len(positions), "type": "VEC3",
         "min": positions.min(axis=0).tolist() if len(positions) else [0, 0, 0],
         "max": positions.max(axis=0).tolist() if len(positions) else [0, 0, 0]},
    ]
    extras: dict[str, object] = {}
    if offsets is not None:
        views.append((offsets.tobytes(), None))
        accessors.append({"bufferView": 2, "componentType": _UINT, "count": len(offsets), "type": "SCALAR"})
        extras = {"face_ids": kind.value, "face_count": len(offsets) - 1, "face_offsets": 2}
    return _pack({"asset": {"version": "2.0", "generator": "microfab"}, "scene": 0, "scenes": [{"nodes": [0]}],
                  "nodes": [{"mesh": 0, "name": "part"}],
                  "meshes": [{"name": "part", "extras": extras,
                              "primitives": [{"attributes": {"POSITION": 1}, "indices": 0, "mode": 4}]}],
                  "accessors": accessors}, views)


def face_offsets(face_ids: np.ndarray) -> np.ndarray:
    """(n + 1,) uint32: where each face's run of triangles starts once they are ordered by face id."""
    counts = np.bincount(face_ids, minlength=int(face_ids.max()) + 1 if len(face_ids) else 0)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.uint32)


def _pack(doc: dict[str, object], views: list[tuple[bytes, int | None]]) -> bytes:
    """The GLB container: the JSON chunk and one binary buffer of 4-byte aligned views."""
    blob = bytearray()
    buffer_views = []
    for data, target in views:
        view: dict[str, int] = {"buffer": 0, "byteOffset": len(blob), "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        buffer_views.append(view)
        blob += data + b"\0" * (-len(data) % 4)
    doc = {**doc, "bufferViews": buffer_views, "buffers": [{"byteLength": len(blob)}]}
    text = json.dumps(doc, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    total = 12 + 8 + len(text) + 8 + len(blob)
    return b"".join([struct.pack("<III", _GLB_MAGIC, 2, total), struct.pack("<II", len(text), _CHUNK_JSON), text,
                     struct.pack("<II", len(blob), _CHUNK_BIN), bytes(blob)])


def mesh_regions(vertices_mm: np.ndarray, faces: np.ndarray, crease_deg: float = REGION_CREASE_DEG) -> np.ndarray:
    """(m,) int64 region of each triangle: triangles joined across shared edges with normals within ``crease_deg``.

    vertices_mm : (n, 3) float [mm]; faces : (m, 3) int. A mesh's stand-in for B-rep faces:
    the flat sides, cylinders and fillets of a part exported as STL come out as regions. Numbered by each
    region's lowest triangle (``geometry.kernels.regions``: one hashed pass over the edges, a union-find).
    """
    from geometry.kernels.regions import crease_regions

    return crease_regions(vertices_mm, faces, crease_deg)


#: each part's face ids, worked out once for the features' face lists and the preview (keyed by the part object)
_FACE_IDS: weakref.WeakKeyDictionary[Part, tuple[np.ndarray | None, FaceIdKind]] = weakref.WeakKeyDictionary()


def part_face_ids(part: Part) -> tuple[np.ndarray | None, FaceIdKind]:
    """Each triangle's B-rep face id (STEP) or mesh region (other formats), and which of the two it is.

    A STEP part whose triangles do not line up with its faces gets no ids (None). Remembered per part,
    so ``extract`` and ``part_glb`` label a big mesh's regions once.
    """
    found = _FACE_IDS.get(part)
    if found is None:
        found = _FACE_IDS[part] = _face_ids(part)
    return found


def _face_ids(part: Part) -> tuple[np.ndarray | None, FaceIdKind]:
    if part.brep is not None:
        from geometry.brep.tessellation import triangle_face_ids

        return triangle_face_ids(part.brep, part.vertices_mm, part.faces), FaceIdKind.BREP
    return mesh_regions(part.vertices_mm, part.faces), FaceIdKind.MESH_REGION


def part_glb(part: Part) -> bytes:
    """The GLB of a loaded part's mesh (millimetres), with its face ids."""
    ids, kind = part_face_ids(part)
    return glb_bytes(part.vertices_mm, part.faces, ids, kind)
