"""Sheet parts with known thickness, bends and flat length (K-factor formula)."""

from __future__ import annotations

import math

import pytest

from geometry.brep.sheet import find_sheet_metal
from geometry.brep.topology import Topology
from tests import parts
from tests.parts import plate_with_holes, pocketed_block

SHEETS = {"L": parts.L_PART, "U": parts.U_PART, "Z": parts.Z_PART, "V135": parts.V_PART}


@pytest.fixture(scope="module")
def built():
    return {name: parts.bent_sheet(truth) for name, truth in SHEETS.items()}


@pytest.mark.parametrize("name", sorted(SHEETS))
def test_bent_sheet(measure, built, name) -> None:
    truth = SHEETS[name]
    f = measure(built[name])
    assert f.volume_mm3 == pytest.approx(truth.volume_mm3, rel=1e-9)
    s = f.sheet_metal
    assert s is not None, f.unmeasured.get("sheet_metal")
    assert s.thickness_mm == pytest.approx(truth.thickness_mm)
    assert len(s.bends) == len(truth.bends_deg)
    assert sorted(b.angle_deg for b in s.bends) == pytest.approx(sorted(abs(a) for a in truth.bends_deg))
    assert all(b.inner_radius_mm == pytest.approx(truth.inner_radius_mm) for b in s.bends)
    assert all(b.length_mm == pytest.approx(truth.width_mm) for b in s.bends)
    flat = truth.flat_length_mm(k=0.44)
    assert s.flat_bbox_mm == pytest.approx((flat, truth.width_mm))
    assert s.flat_area_mm2 == pytest.approx(flat * truth.width_mm)
    assert s.cut_length_mm == pytest.approx(2 * (flat + truth.width_mm))
    assert s.pierces == 0


def test_k_factor_changes_the_flat_length(built) -> None:
    import geometry
    from tests.parts import step_bytes

    part = geometry.load_bytes(step_bytes(built["L"]), "l.step")
    sheet, _ = find_sheet_metal(Topology.of(part.brep), k_factor=0.33)
    t = parts.L_PART
    expected = sum(t.legs_mm) + math.pi / 2 * (t.inner_radius_mm + 0.33 * t.thickness_mm)
    assert sheet is not None and sheet.k_factor == 0.33
    assert sheet.flat_bbox_mm[0] == pytest.approx(expected)


def test_flat_plate_is_a_laser_cut_candidate(measure) -> None:
    s = measure(plate_with_holes()).sheet_metal
    assert s is not None
    assert s.thickness_mm == pytest.approx(8.0) and s.bends == []
    assert s.flat_bbox_mm == pytest.approx((100.0, 60.0))
    assert s.pierces == 4
    assert s.flat_area_mm2 == pytest.approx(100 * 60 - 4 * math.pi * 9)
    assert s.cut_length_mm == pytest.approx(2 * (100 + 60) + 4 * math.pi * 6)


@pytest.mark.parametrize("shape", [pocketed_block, parts.stepped_shaft, parts.holes_plate])
def test_solid_parts_are_not_sheet(measure, shape) -> None:
    f = measure(shape())
    assert f.sheet_metal is None
    assert f.unmeasured["sheet_metal"].startswith("not a sheet part")


def test_sharp_cornered_l_is_not_a_bent_sheet(measure) -> None:
    import cadquery as cq

    l_profile = cq.Workplane("XY").box(60, 40, 5).union(cq.Workplane("XY").box(5, 40, 50).translate((27.5, 0, 22.5)))
    f = measure(l_profile)
    assert f.sheet_metal is None
    assert "sharp corners" in f.unmeasured["sheet_metal"]
