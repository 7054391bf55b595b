"""The thin-wall and undercut findings name the faces ``PartFeatures`` lists for them (``geometry.face_findings``)."""

from __future__ import annotations

import pytest

from geometry.face_findings import THIN_FACE_CEILING_MM
from geometry.features import FaceArea, FaceRadius
from quoting.data_files import read_data
from quoting.materials import get_material
from quoting.process_kinds import Process
from quoting.processes.milling import MillingModel
from quoting.processes.printing import PrintingModel
from tests.quoting.processes.helpers import block, features

AL, POM, RESIN = get_material("al6061"), get_material("pom"), get_material("resin_standard")
MILL = MillingModel()
SLA = PrintingModel(Process.PRINTING_SLA)
#: faces 3 (0.5 mm), 7 (0.9 mm) and 9 (1.8 mm) are thin under the ceiling
THIN = [FaceArea(3, 40.0, 0.5), FaceArea(7, 90.0, 0.9), FaceArea(9, 10.0, 1.8)]


def _one(findings, code):
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, [f.code for f in findings]
    return found[0]


@pytest.mark.parametrize(("material", "faces"), [(AL, (3,)), (POM, (3, 7))])
def test_cnc_thin_wall_names_the_faces_under_its_limit(material, faces) -> None:
    """Metal: limit 0.8 mm names face 3 only; plastic: 1.5 mm names 3 and 7 (never 9, at 1.8 mm)."""
    part = block(min_wall_thickness_mm=0.5, thin_wall_faces=THIN)
    got = _one(MILL.check(part, material, "3axis"), "cnc_thin_wall")
    assert got.location is not None
    assert got.location.face_ids == faces


def test_printing_thin_wall_names_its_faces() -> None:
    part = features((20.0, 20.0, 20.0), min_wall_thickness_mm=0.3, thin_wall_faces=[FaceArea(5, 1.0, 0.3)])
    got = _one(SLA.check(part, RESIN, "sla"), "additive_thin_wall")
    assert got.location is not None and got.location.face_ids == (5,)


@pytest.mark.parametrize(("machine", "code"), [("3axis", "cnc_unreachable_faces"), ("5axis", "cnc_needs_5axis")])
def test_undercut_names_its_faces_and_points_at_them(machine, code) -> None:
    part = block(unreachable_area_mm2=120.0, unreachable_faces=[FaceArea(12, 100.0), FaceArea(4, 20.0)],
                 unreachable_centroid_mm=(1.0, 2.0, 3.0))
    got = _one(MILL.check(part, AL, machine), code)
    assert got.location is not None
    assert got.location.face_ids == (12, 4) and got.location.point_mm == (1.0, 2.0, 3.0)


def test_features_without_face_lists_still_find() -> None:
    """Stored features measured before the face lists (None) give the findings as before, with no faces."""
    got = _one(MILL.check(block(min_wall_thickness_mm=0.5), AL, "3axis"), "cnc_thin_wall")
    assert got.location is None


def test_ceiling_is_above_every_wall_limit() -> None:
    walls = {k: float(v) for k, v in read_data("dfm.toml")["thresholds"].items() if "min_wall" in k}
    assert walls and max(walls.values()) < THIN_FACE_CEILING_MM, walls


def test_measured_rib_finding_names_the_rib_sides() -> None:
    """End to end: a STEP plate with a 0.6 mm rib; the milling finding names the two B-rep faces measured thin."""
    pytest.importorskip("cadquery")
    from geometry import measure
    from tests import parts as cadparts
    from tests.geometry.test_face_findings import ribbed_plate

    part = measure(cadparts.step_bytes(ribbed_plate()), filename="rib.step").features
    assert part.thin_wall_faces is not None and len(part.thin_wall_faces) == 2
    got = _one(MILL.check(part, AL, "3axis"), "cnc_thin_wall")
    assert got.location is not None
    assert sorted(got.location.face_ids) == sorted(f.face_id for f in part.thin_wall_faces)


@pytest.mark.parametrize(("radius", "code", "faces"), [
    (0.3, "cnc_internal_radius_too_small", (8, 2)),  # under 0.5 mm: the 0.3 mm corners only
    (1.0, "cnc_small_internal_radius", (8, 2, 5)),  # under 1.5 mm: all but the 2 mm one
])
def test_corner_findings_name_the_corners_under_their_limit(radius, code, faces) -> None:
    named = [FaceRadius(8, 0.3), FaceRadius(2, 0.3), FaceRadius(5, 1.0), FaceRadius(6, 2.0)]
    part = block(min_internal_radius_mm=radius, internal_radius_faces=named)
    got = _one(MILL.check(part, AL, "3axis"), code)
    assert got.location is not None and got.location.face_ids == faces
