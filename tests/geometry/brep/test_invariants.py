"""Invariants: a rigid motion leaves the features unchanged; scaling by k scales lengths by k, volume by k^3."""

from __future__ import annotations

import cadquery as cq
import pytest

from tests import parts

MOTIONS = [
    ((0, 0, 1), 90.0, (0, 0, 0)),
    ((1, 2, 3), 33.0, (5, -7, 11)),
    ((1, -1, 0.5), 147.0, (-250, 40, 3)),
]


def _summary(f):
    holes = sorted((round(h.diameter_mm, 5), round(h.depth_mm, 5), h.through, h.kind) for h in f.holes)
    pockets = sorted((round(p.depth_mm, 5), tuple(round(x, 4) for x in p.opening_mm)) for p in f.pockets)
    return (round(f.volume_mm3, 3), round(f.area_mm2, 3), holes, pockets, f.sharp_internal_corners,
            None if f.min_internal_radius_mm is None else round(f.min_internal_radius_mm, 6))


@pytest.fixture(scope="module")
def block():
    """Holes of every kind plus a filleted pocket on the other side."""
    plate = parts.holes_plate()
    cut = cq.Workplane("XY").box(30, 20, 6).edges("|Z").fillet(3).translate((0, 0, -10 + 3))
    return plate.cut(cut)


@pytest.mark.parametrize("axis,angle,move", MOTIONS)
def test_rigid_motion(measure, block, axis, angle, move) -> None:
    moved = block.val().rotate(cq.Vector(0, 0, 0), cq.Vector(*axis), angle).translate(cq.Vector(*move))
    assert _summary(measure(moved)) == _summary(measure(block))


def test_scaling_by_k(measure, block) -> None:
    k = 2.5
    a, b = measure(block), measure(block.val().scale(k))
    assert b.volume_mm3 == pytest.approx(a.volume_mm3 * k**3, rel=1e-9)
    assert sorted(h.diameter_mm for h in b.holes) == pytest.approx(sorted(h.diameter_mm * k for h in a.holes))
    assert b.min_internal_radius_mm == pytest.approx(a.min_internal_radius_mm * k)
    assert b.bbox_mm == pytest.approx(tuple(x * k for x in a.bbox_mm))


def test_turning_and_sheet_survive_motion(measure) -> None:
    motion = (cq.Vector(0, 0, 0), cq.Vector(1, 2, 3), 33.0)
    flange = parts.flange()
    sheet = parts.bent_sheet(parts.U_PART)
    t0, t1 = measure(flange).turning, measure(flange.val().rotate(*motion)).turning
    assert (t1.max_diameter_mm, t1.length_mm) == pytest.approx((t0.max_diameter_mm, t0.length_mm))
    assert t1.secondary_features == t0.secondary_features
    s0, s1 = measure(sheet).sheet_metal, measure(sheet.val().rotate(*motion)).sheet_metal
    assert s1.thickness_mm == pytest.approx(s0.thickness_mm)
    assert s1.flat_bbox_mm == pytest.approx(s0.flat_bbox_mm)
    assert len(s1.bends) == len(s0.bends)
