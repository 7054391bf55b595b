"""The mesh kernels' findings name their faces: B-rep faces of a STEP part, mesh regions of a mesh, the GLB's ids."""

from __future__ import annotations

import numpy as np
import pytest

from geometry import measure
from geometry.face_findings import MAX_NAMED_FACES, THIN_FACE_CEILING_MM, face_fields, faces_by_area, thin_faces
from geometry.features import FaceArea, PartFeatures
from tests.geometry.kernels.shapes import box_mesh
from tests.geometry.test_export_faces import read_glb

cq = pytest.importorskip("cadquery")

RIB_MM = 0.6
#: the rib: 0.6 thick (x), 30 long (y), 15 tall (z) on a 40 x 30 x 5 plate
RIB_AREA_MM2 = 2 * 30.0 * 15.0
#: the closed T-slot's wide cavity under a narrow opening: [x, y, z] ranges [mm]
CAVITY = ((-10.0, 10.0), (-10.0, 10.0), (0.0, 10.0))


def ribbed_plate() -> cq.Workplane:
    plate = cq.Workplane("XY").box(40, 30, 5).translate((0, 0, 2.5))
    return plate.union(cq.Workplane("XY").box(RIB_MM, 30, 15).translate((0, 0, 12.5)))


def closed_t_slot() -> cq.Workplane:
    """A 60 x 40 x 30 block (z from -15 to 15) with a blind T-slot: a 6 x 12 mm opening from the top into a
    wider cavity closed on every side; the cavity's walls and ceiling are reached from no axis direction."""
    block = cq.Workplane("XY").box(60, 40, 30)
    (x0, x1), (y0, y1), (z0, z1) = CAVITY
    cavity = cq.Workplane("XY").box(x1 - x0, y1 - y0, z1 - z0).translate((0, 0, (z0 + z1) / 2))
    opening = cq.Workplane("XY").box(6, 12, 15 - z1 + 1).translate((0, 0, (z1 + 16) / 2))
    return block.cut(cavity).cut(opening)


def _measured(shape: cq.Workplane, name: str):
    from tests import parts as cadparts

    data = cadparts.stl_bytes(shape) if name.endswith(".stl") else cadparts.step_bytes(shape)
    return measure(data, filename=name, units="mm" if name.endswith(".stl") else None, preview=True)


def _face_triangles(glb: bytes) -> tuple[str, np.ndarray, dict[int, np.ndarray]]:
    """(face id kind, positions, face id -> its triangles' corners (k, 3, 3)) of a preview GLB."""
    doc, positions, triangles, offsets = read_glb(glb)
    assert offsets is not None
    corners = positions.astype(np.float64)[triangles.astype(np.int64)]
    faces = {f: corners[offsets[f]:offsets[f + 1]] for f in range(len(offsets) - 1)}
    return doc["meshes"][0]["extras"]["face_ids"], positions, faces


@pytest.fixture(scope="module")
def rib_step():
    return _measured(ribbed_plate(), "rib.step")


@pytest.fixture(scope="module")
def rib_stl():
    return _measured(ribbed_plate(), "rib.stl")


@pytest.mark.parametrize("which", ["rib_step", "rib_stl"])
def test_thin_rib_names_its_two_sides(which: str, request: pytest.FixtureRequest) -> None:
    measured = request.getfixturevalue(which)
    named = measured.features.thin_wall_faces
    assert named is not None and len(named) == 2, named
    kind, _, faces = _face_triangles(measured.preview_glb)
    assert kind == ("brep" if which == "rib_step" else "mesh_region")
    for face in named:
        corners = faces[face.face_id]
        assert len(corners) >= 2
        np.testing.assert_allclose(np.abs(corners[..., 0]), RIB_MM / 2, atol=1e-6)  # a side of the rib, nothing else
        assert face.min_wall_mm == pytest.approx(RIB_MM, abs=1e-6)
    assert {round(float(faces[f.face_id][0, 0, 0]), 3) for f in named} == {-RIB_MM / 2, RIB_MM / 2}
    assert sum(f.area_mm2 for f in named) == pytest.approx(RIB_AREA_MM2, rel=1e-6)
    assert measured.features.unreachable_faces == []
    assert "thin_wall_faces" not in measured.features.unmeasured


def test_closed_t_slot_names_the_cavity_faces() -> None:
    measured = _measured(closed_t_slot(), "t_slot.step")
    features = measured.features
    named = features.unreachable_faces
    assert named and features.unreachable_area_mm2
    _, _, faces = _face_triangles(measured.preview_glb)
    for face in named:
        corners = faces[face.face_id].reshape(-1, 3)
        for axis, (lo, hi) in enumerate(CAVITY):  # every named face lies in the cavity: no outside face
            assert corners[:, axis].min() >= lo - 1e-6 and corners[:, axis].max() <= hi + 1e-6
    ceiling = [f.face_id for f in named if np.allclose(faces[f.face_id][..., 2], CAVITY[2][1])]
    assert ceiling, "the cavity's ceiling, under the opening's lips, is named"
    assert sum(f.area_mm2 for f in named) == pytest.approx(features.unreachable_area_mm2, rel=1e-9)
    assert [f.area_mm2 for f in named] == sorted((f.area_mm2 for f in named), reverse=True)


def test_overhang_faces_are_the_best_orientations_support_area() -> None:
    measured = _measured(closed_t_slot(), "t_slot.step")
    features = measured.features
    assert features.additive is not None and features.overhang_faces is not None
    total = sum(f.area_mm2 for f in features.overhang_faces)
    assert total == pytest.approx(features.additive.overhang_area_mm2, rel=1e-9)


def test_face_lists_survive_the_json_round_trip(rib_step) -> None:
    features = rib_step.features
    again = PartFeatures.from_dict(features.to_dict())
    assert again == features
    assert isinstance(again.thin_wall_faces[0], FaceArea)


def _areas(v: np.ndarray, f: np.ndarray) -> np.ndarray:
    tri = v[f]
    return 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)


def test_without_flagged_triangles_the_face_ids_are_never_worked_out() -> None:
    v, f = box_mesh((10.0, 20.0, 30.0))
    m = len(f)

    def never() -> np.ndarray:
        raise AssertionError("face ids asked for with nothing to name")

    area = _areas(v, f)
    named, why = face_fields(never, area_mm2=area, thickness_mm=np.full(m, 10.0), unreachable=np.zeros(m, bool),
                             overhang=np.zeros(m, bool))
    assert named == {"thin_wall_faces": [], "unreachable_faces": [], "overhang_faces": []} and why == {}
    area[:] = 0.0  # degenerate triangles are never named, however flagged
    named, _ = face_fields(never, area_mm2=area, thickness_mm=np.full(m, 0.1), unreachable=np.ones(m, bool),
                           overhang=np.ones(m, bool))
    assert named["thin_wall_faces"] == []


def test_faces_that_cannot_be_told_are_unmeasured_with_the_reason() -> None:
    v, f = box_mesh((10.0, 20.0, 30.0))
    m = len(f)
    named, why = face_fields(lambda: None, area_mm2=_areas(v, f), thickness_mm=np.full(m, 0.5),
                             unreachable=np.zeros(m, bool), overhang=np.zeros(m, bool))
    assert named == {} and set(why) == {"thin_wall_faces", "unreachable_faces", "overhang_faces"}
    assert "B-rep faces" in why["thin_wall_faces"]


def test_a_failing_labelling_leaves_the_lists_unmeasured(caplog: pytest.LogCaptureFixture) -> None:
    v, f = box_mesh((10.0, 20.0, 30.0))
    m = len(f)

    def broken() -> np.ndarray:
        raise RuntimeError("no triangulation")

    named, why = face_fields(broken, area_mm2=_areas(v, f), thickness_mm=np.full(m, 0.5),
                             unreachable=np.zeros(m, bool), overhang=np.zeros(m, bool))
    assert named == {} and why["thin_wall_faces"] == "the faces could not be labelled (RuntimeError)"
    assert "no triangulation" in caplog.text


def test_lists_are_bounded_and_ranked() -> None:
    """One triangle per face, areas 1..n: the largest first, at most MAX_NAMED_FACES; thin: thinnest first."""
    n = MAX_NAMED_FACES + 8
    area = np.arange(1, n + 1, dtype=np.float64)
    ids = np.arange(n)[::-1].copy()  # face id n-1-i for triangle i
    got = faces_by_area(ids, area, np.ones(n, bool))
    assert len(got) == MAX_NAMED_FACES
    assert [f.area_mm2 for f in got[:3]] == pytest.approx([n, n - 1, n - 2])
    assert got[0].face_id == 0
    thickness = np.linspace(0.1, THIN_FACE_CEILING_MM, n, endpoint=False)
    thin = thin_faces(ids, area, thickness, np.ones(n, bool))
    assert [f.min_wall_mm for f in thin] == pytest.approx(list(thickness[:MAX_NAMED_FACES]))
    assert [f.face_id for f in thin[:2]] == [n - 1, n - 2]


def test_triangles_of_one_face_add_up() -> None:
    v, f = box_mesh((10.0, 20.0, 30.0))  # 12 triangles
    area = _areas(v, f)
    ids = np.repeat(np.arange(6), 2)
    thickness = np.arange(12, dtype=np.float64)
    mask = np.zeros(12, bool)
    mask[[0, 1, 4]] = True
    got = thin_faces(ids, area, thickness, mask)
    assert [g.face_id for g in got] == [0, 2]
    assert got[0].min_wall_mm == 0.0 and got[1].min_wall_mm == 4.0
    assert got[0].area_mm2 == pytest.approx(area[0] + area[1]) and got[1].area_mm2 == pytest.approx(area[4])


@pytest.mark.parametrize("expected_r", [5.0, 1.0])
def test_pocket_corner_fillets_are_named_with_their_radius(expected_r: float) -> None:
    from tests import parts as cadparts

    measured = measure(cadparts.step_bytes(cadparts.pocketed_block(corner_r=expected_r)), filename="p.step",
                       preview=True)
    named = measured.features.internal_radius_faces
    assert named is not None and len(named) == 4
    assert [f.radius_mm for f in named] == pytest.approx([expected_r] * 4)
    _, _, faces = _face_triangles(measured.preview_glb)
    for f in named:  # each one a vertical quarter cylinder in a pocket corner: its points at the corner's radius
        pts = faces[f.face_id].reshape(-1, 3)
        cx, cy = np.sign(pts[:, 0].mean()) * (20.0 - expected_r), np.sign(pts[:, 1].mean()) * (15.0 - expected_r)
        np.testing.assert_allclose(np.hypot(pts[:, 0] - cx, pts[:, 1] - cy), expected_r, atol=1e-6)


def test_sharp_corners_name_their_walls_at_radius_zero() -> None:
    from tests import parts as cadparts

    features = measure(cadparts.step_bytes(cadparts.sharp_pocket_block()), filename="s.step").features
    sharp = next(f for f in features.findings if f.code == "sharp_internal_corner")
    assert features.internal_radius_faces is not None
    assert [(f.face_id, f.radius_mm) for f in features.internal_radius_faces] == [
        (i, 0.0) for i in sharp.location.face_ids]


def test_meshes_say_why_corners_are_not_named(rib_stl) -> None:
    assert rib_stl.features.internal_radius_faces is None
    assert "B-rep" in rib_stl.features.unmeasured["internal_radius_faces"]
