"""The preview GLB carries which triangles belong to which B-rep face (STEP) or mesh region (meshes)."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from geometry import measure
from geometry.export import FaceIdKind, face_offsets, glb_bytes, mesh_regions
from geometry.loaders.load import load_bytes

cq = pytest.importorskip("cadquery")

HOLE_D_MM = 10.0


def read_glb(data: bytes) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray | None]:
    """(document, positions (n, 3) float32, triangles (m, 3), face offsets or None) of a GLB, read by hand."""
    magic, version, total = struct.unpack_from("<III", data, 0)
    assert (magic, version, total) == (0x46546C67, 2, len(data))
    json_len, json_type = struct.unpack_from("<II", data, 12)
    assert json_type == 0x4E4F534A and json_len % 4 == 0
    doc = json.loads(data[20:20 + json_len])
    bin_len, bin_type = struct.unpack_from("<II", data, 20 + json_len)
    assert bin_type == 0x004E4942 and bin_len == doc["buffers"][0]["byteLength"]
    blob = data[28 + json_len:28 + json_len + bin_len]

    def accessor(i: int) -> np.ndarray:
        acc = doc["accessors"][i]
        view = doc["bufferViews"][acc["bufferView"]]
        assert view["byteOffset"] % 4 == 0
        dtype = {5126: np.float32, 5123: np.uint16, 5125: np.uint32}[acc["componentType"]]
        width = {"SCALAR": 1, "VEC3": 3}[acc["type"]]
        out = np.frombuffer(blob, dtype=dtype, count=acc["count"] * width, offset=view["byteOffset"])
        return out.reshape(-1, 3) if width == 3 else out

    prim = doc["meshes"][0]["primitives"][0]
    extras = doc["meshes"][0].get("extras", {})
    offsets = accessor(extras["face_offsets"]) if "face_offsets" in extras else None
    return doc, accessor(prim["attributes"]["POSITION"]), accessor(prim["indices"]).reshape(-1, 3), offsets


@pytest.fixture(scope="module")
def box_with_hole() -> bytes:
    from tests import parts as cadparts

    return cadparts.step_bytes(cq.Workplane("XY").box(40, 30, 12).faces(">Z").workplane().hole(HOLE_D_MM))


def test_hole_faces_map_to_the_hole_triangles(box_with_hole: bytes) -> None:
    measured = measure(box_with_hole, filename="box_hole.step", preview=True)
    holes = measured.features.holes
    assert holes is not None and len(holes) == 1
    hole_faces = set(holes[0].face_ids)
    assert hole_faces
    doc, positions, triangles, offsets = read_glb(measured.preview_glb)
    extras = doc["meshes"][0]["extras"]
    assert extras["face_ids"] == "brep" and extras["face_count"] == 7  # 6 sides + the hole's cylinder
    assert offsets is not None and offsets[0] == 0 and offsets[-1] == len(triangles)
    assert np.all(np.diff(offsets.astype(np.int64)) > 0)  # every face has triangles

    axis_xy = np.asarray(holes[0].position_mm[:2])
    for face in range(extras["face_count"]):
        tri = positions[triangles[offsets[face]:offsets[face + 1]]]  # (k, 3, 3)
        radial = np.linalg.norm(tri[:, :, :2] - axis_xy, axis=2)
        on_wall = np.allclose(radial, HOLE_D_MM / 2, atol=1e-3)
        assert on_wall == (face in hole_faces), (face, radial.min(), radial.max())
    wall = [f for f in range(extras["face_count"]) if f in hole_faces]
    area = sum(_area(positions[triangles[offsets[f]:offsets[f + 1]]]) for f in wall)
    assert area == pytest.approx(np.pi * HOLE_D_MM * 12, rel=0.02)  # the hole's wall, 12 mm deep


def _area(tri: np.ndarray) -> float:
    t = tri.astype(np.float64)
    return float(0.5 * np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1).sum())


def test_same_mesh_as_the_part(box_with_hole: bytes) -> None:
    """Ordering the triangles by face keeps every triangle, and the vertices shared (no duplicates)."""
    part = load_bytes(box_with_hole, "box_hole.step")
    _, positions, triangles, _ = read_glb(measure(box_with_hole, filename="b.step", preview=True).preview_glb)
    assert len(positions) == len(part.vertices_mm) and len(triangles) == len(part.faces)
    assert sorted(map(tuple, np.sort(triangles, axis=1))) == sorted(map(tuple, np.sort(part.faces, axis=1)))


def test_mesh_regions_of_an_stl_box_with_hole(box_with_hole: bytes) -> None:
    """An STL of the same part: its flat sides and the hole's wall come out as regions."""
    from tests import parts as cadparts

    stl = cadparts.stl_bytes(cq.Workplane("XY").box(40, 30, 12).faces(">Z").workplane().hole(HOLE_D_MM))
    measured = measure(stl, filename="box_hole.stl", preview=True)
    doc, positions, triangles, offsets = read_glb(measured.preview_glb)
    assert doc["meshes"][0]["extras"]["face_ids"] == "mesh_region"
    assert offsets is not None and doc["meshes"][0]["extras"]["face_count"] == 7
    tri = positions[triangles]
    regions = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets.astype(np.int64)))
    wall = np.isclose(np.linalg.norm(tri[:, :, :2], axis=2), HOLE_D_MM / 2, atol=1e-3).all(axis=1)
    assert len(set(regions[wall])) == 1 and not np.any(regions[~wall] == regions[wall][0])


def test_mesh_regions_split_at_creases_only() -> None:
    """Two triangles folded by less than the crease angle are one region; a right angle splits them."""
    flat = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0.1]], dtype=float)
    folded = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 0, 1]], dtype=float)
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    assert len(set(mesh_regions(flat, faces))) == 1
    assert len(set(mesh_regions(folded, np.array([[0, 1, 2], [0, 3, 1]])))) == 2


def test_glb_bytes_checks_its_input() -> None:
    v = np.zeros((3, 3))
    with pytest.raises(ValueError, match="one face id"):
        glb_bytes(v, np.array([[0, 1, 2]]), np.array([0, 1]))
    with pytest.raises(ValueError, match="expected"):
        glb_bytes(np.zeros((3, 2)), np.array([[0, 1, 2]]))
    plain = glb_bytes(np.eye(3), np.array([[0, 1, 2]]))
    doc, _, _, offsets = read_glb(plain)
    assert offsets is None and doc["meshes"][0]["extras"] == {}
    assert face_offsets(np.array([2, 0, 2])).tolist() == [0, 1, 1, 3]
    _, _, tri, off = read_glb(glb_bytes(np.eye(3), np.array([[0, 1, 2], [2, 1, 0]]), np.array([1, 0]),
                                        FaceIdKind.BREP))
    assert tri.tolist() == [[2, 1, 0], [0, 1, 2]] and off.tolist() == [0, 1, 2]


def test_sharp_corner_finding_names_the_pocket_walls() -> None:
    """The sharp internal corners of a square pocket are painted on its four walls (and nowhere else)."""
    from tests import parts as cadparts

    measured = measure(cadparts.step_bytes(cadparts.sharp_pocket_block()), filename="sharp.step", preview=True)
    corner = next(f for f in measured.features.findings if f.code == "sharp_internal_corner")
    assert corner.location is not None and corner.location.point_mm is not None
    walls = corner.location.face_ids
    assert len(walls) == 4
    _, positions, triangles, offsets = read_glb(measured.preview_glb)
    assert offsets is not None
    for face in walls:
        tri = positions[triangles[offsets[face]:offsets[face + 1]]]
        xy = np.abs(tri[:, :, :2])
        # the pocket (40 x 30, 15 deep from the top at z = 15) has walls at |x| = 20 or |y| = 15, z in [0, 15]
        on_wall = np.allclose(xy[:, :, 0], 20, atol=1e-3) or np.allclose(xy[:, :, 1], 15, atol=1e-3)
        assert on_wall and tri[:, :, 2].min() >= -1e-3, face


def test_a_mesh_that_is_not_the_faces_triangles_gets_no_ids(box_with_hole: bytes) -> None:
    """Reordered or dropped triangles are caught: no face ids rather than wrong ones."""
    from geometry.brep.tessellation import triangle_face_ids

    part = load_bytes(box_with_hole, "box_hole.step")
    ids = triangle_face_ids(part.brep, part.vertices_mm, part.faces)
    assert ids is not None and len(ids) == len(part.faces)
    assert triangle_face_ids(part.brep, part.vertices_mm, np.roll(part.faces, 1, axis=0)) is None
    assert triangle_face_ids(part.brep, part.vertices_mm, part.faces[1:]) is None
    assert triangle_face_ids(part.brep, part.vertices_mm, part.faces[:, [0, 2, 1]]) is not None  # winding is free


def test_located_solids_get_face_ids() -> None:
    """A file of several solids (placed copies): every triangle has a face, each face's triangles on its own solid."""
    from tests import parts as cadparts

    part = load_bytes(cadparts.step_bytes(cadparts.identical_and_odd_solids()), "solids.step")
    assert part.solids > 1
    measured = measure(cadparts.step_bytes(cadparts.identical_and_odd_solids()), filename="s.step", preview=True)
    doc, _, triangles, offsets = read_glb(measured.preview_glb)
    assert doc["meshes"][0]["extras"]["face_ids"] == "brep"
    assert offsets is not None and offsets[-1] == len(triangles) == len(part.faces)
