"""Holes on parts with known truth: through, blind, drill point, counterbore, countersink, tap drill."""

from __future__ import annotations

import cadquery as cq
import pytest

from geometry.brep.holes import likely_tap, nearest_drill_mm
from tests import parts
from tests.parts import plate_with_holes


@pytest.fixture(scope="module")
def plate():
    return parts.holes_plate()


@pytest.fixture(scope="module")
def holes(measure, plate):
    f = measure(plate)
    assert f.holes is not None
    return {(h.position_mm[0], h.position_mm[1]): h for h in f.holes}


def test_every_hole_found_once(holes) -> None:
    assert sorted(holes) == sorted(parts.HOLES)


@pytest.mark.parametrize("position", sorted(parts.HOLES), ids=lambda p: f"{p[0]:g},{p[1]:g}")
def test_hole_size_depth_kind(holes, position) -> None:
    diameter, depth, through, kind = parts.HOLES[position]
    h = holes[position]
    assert h.diameter_mm == pytest.approx(diameter, abs=1e-6)
    assert h.depth_mm == pytest.approx(depth, abs=1e-6)
    assert h.through is through
    assert h.kind == kind
    assert h.axis == pytest.approx((0.0, 0.0, 1.0))  # drilled from the top


def test_counterbore_and_countersink_steps(holes) -> None:
    cbore, csk = holes[(5.0, 15.0)], holes[(25.0, 15.0)]
    assert cbore.counterbore_diameter_mm == pytest.approx(11.0)
    assert cbore.counterbore_depth_mm == pytest.approx(6.8)
    assert csk.countersink_angle_deg == pytest.approx(90.0)


def test_tap_drill_and_nearest_drill(holes) -> None:
    assert holes[(-35.0, -15.0)].likely_tap == "M6"
    assert holes[(-35.0, 15.0)].likely_tap is None
    assert holes[(-15.0, 15.0)].nearest_drill_mm == 8.0
    assert nearest_drill_mm(6.62) == pytest.approx(6.6)
    assert nearest_drill_mm(17.3) == pytest.approx(17.5)
    assert likely_tap(8.5) == "M10"
    assert likely_tap(8.7) is None


def test_holes_grouped_by_direction(measure, plate) -> None:
    groups = measure(plate).hole_axes
    assert len(groups) == 1 and groups[0].count == 6 and groups[0].through == 4


def test_holes_from_two_sides_are_two_setups(measure) -> None:
    blk = cq.Workplane("XY").box(40, 40, 40)
    blk = blk.faces(">Z").workplane().hole(6, 10)
    blk = blk.faces(">X").workplane(centerOption="CenterOfBoundBox").hole(4, 8)
    f = measure(blk)
    assert sorted(g.axis for g in f.hole_axes) == [(0.0, 0.0, 1.0), (1.0, 0.0, 0.0)]
    assert all(not h.through for h in f.holes)


def test_simple_plate_four_through_holes(measure) -> None:
    f = measure(plate_with_holes())
    assert [(h.diameter_mm, h.depth_mm, h.through) for h in f.holes] == [(6.0, 8.0, True)] * 4


def test_rigid_motion_leaves_holes_unchanged(measure, plate) -> None:
    moved = plate.val().rotate(cq.Vector(0, 0, 0), cq.Vector(1, 2, 3), 33).translate(cq.Vector(5, -7, 11))
    a = sorted((h.diameter_mm, h.depth_mm, h.through, h.kind) for h in measure(plate).holes)
    b = sorted((round(h.diameter_mm, 6), round(h.depth_mm, 6), h.through, h.kind) for h in measure(moved).holes)
    assert b == [(round(d, 6), round(t, 6), th, k) for d, t, th, k in a]
