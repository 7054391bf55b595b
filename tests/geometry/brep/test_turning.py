"""Turned parts: stepped shaft, shaft with a cross hole, flange with a bolt circle."""

from __future__ import annotations

import cadquery as cq
import pytest

from tests import parts
from tests.parts import plate_with_holes


def test_stepped_shaft(measure) -> None:
    t = measure(parts.stepped_shaft()).turning
    assert t is not None
    assert t.axis == pytest.approx((0.0, 0.0, 1.0))
    assert t.max_diameter_mm == pytest.approx(20.0)
    assert t.length_mm == pytest.approx(50.0)
    assert t.secondary_features == []


def test_cross_hole_is_a_secondary_feature(measure) -> None:
    t = measure(parts.shaft_with_cross_hole()).turning
    assert t is not None and t.max_diameter_mm == pytest.approx(20.0)
    assert t.secondary_features == ["cross hole Ø4 mm"]


def test_flange_with_bolt_circle(measure) -> None:
    f = measure(parts.flange())
    t = f.turning
    assert t is not None
    assert t.max_diameter_mm == pytest.approx(80.0)
    assert t.length_mm == pytest.approx(30.0)
    assert t.secondary_features == ["bolt circle: 6 holes Ø8 mm on Ø60 mm"]
    assert sorted(h.diameter_mm for h in f.holes) == [8.0] * 6 + [12.0]


def test_flat_on_a_shaft(measure) -> None:
    shaft = cq.Workplane("XY").circle(10).extrude(40).cut(cq.Workplane("XY").box(10, 30, 20).translate((12, 0, 20)))
    t = measure(shaft).turning
    assert t is not None and t.max_diameter_mm == pytest.approx(20.0)
    assert t.secondary_features == ["1 flat parallel to the axis", "2 other off-axis faces (milled features)"]


def test_turning_axis_follows_the_part(measure) -> None:
    moved = parts.stepped_shaft().val().rotate(cq.Vector(0, 0, 0), cq.Vector(1, 1, 0), 90)
    t = measure(moved).turning
    assert t is not None
    assert t.max_diameter_mm == pytest.approx(20.0) and t.length_mm == pytest.approx(50.0)


@pytest.mark.parametrize("shape", [plate_with_holes, parts.holes_plate, parts.sharp_pocket_block])
def test_prismatic_parts_are_not_turned(measure, shape) -> None:
    f = measure(shape())
    assert f.turning is None
    assert f.unmeasured["turning"].startswith("not a body of revolution")
