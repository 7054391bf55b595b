"""Pockets, internal corner radii and sharp internal corners on parts with known truth."""

from __future__ import annotations

import cadquery as cq
import pytest

from tests import parts
from tests.parts import pocketed_block, pocketed_block_volume


@pytest.mark.parametrize("corner_r", [2.0, 5.0, 8.0])
def test_pocket_corner_radius_is_min_internal_radius(measure, corner_r) -> None:
    f = measure(pocketed_block(corner_r=corner_r))
    assert f.volume_mm3 == pytest.approx(pocketed_block_volume(corner_r=corner_r), rel=1e-9)
    assert f.min_internal_radius_mm == pytest.approx(corner_r)
    assert f.sharp_internal_corners == 0
    (pocket,) = f.pockets
    assert pocket.depth_mm == pytest.approx(15.0)
    assert pocket.opening_mm == pytest.approx((40.0, 30.0))
    assert pocket.depth_to_width == pytest.approx(0.5)
    assert pocket.corner_radius_mm == pytest.approx(corner_r)
    assert pocket.axis == pytest.approx((0.0, 0.0, 1.0))


def test_sharp_pocket_corners_are_reported(measure) -> None:
    f = measure(parts.sharp_pocket_block())
    assert f.sharp_internal_corners == 4
    assert f.min_internal_radius_mm == 0.0
    assert [x.code for x in f.findings if x.code == "sharp_internal_corner"] == ["sharp_internal_corner"]
    (pocket,) = f.pockets
    assert pocket.depth_mm == pytest.approx(15.0) and pocket.corner_radius_mm is None


def test_square_cutout_corners_are_sharp(measure) -> None:
    plate = cq.Workplane("XY").box(80, 60, 10).cut(cq.Workplane("XY").box(20, 20, 20))
    f = measure(plate)
    assert f.sharp_internal_corners == 4
    assert f.pockets == []


def test_outside_step_is_not_a_sharp_pocket_corner(measure) -> None:
    """An L-shaped block: its inner edge can be milled sharp from above with an end mill."""
    l_block = cq.Workplane("XY").box(60, 40, 10).union(cq.Workplane("XY").box(10, 40, 40).translate((25, 0, 15)))
    f = measure(l_block)
    assert f.sharp_internal_corners == 0
    assert f.pockets == []


def test_deep_narrow_pocket_ratio(measure) -> None:
    blk = cq.Workplane("XY").box(60, 40, 50)
    cut = cq.Workplane("XY").box(30, 10, 40).edges("|Z").fillet(2.0).translate((0, 0, 5))
    f = measure(blk.cut(cut))
    (pocket,) = f.pockets
    assert pocket.depth_mm == pytest.approx(40.0)
    assert pocket.depth_to_width == pytest.approx(4.0)
    assert f.min_internal_radius_mm == pytest.approx(2.0)


def test_holes_are_not_pockets(measure) -> None:
    f = measure(parts.holes_plate())
    assert f.pockets == []
    assert f.min_internal_radius_mm is None
    assert "min_internal_radius_mm" in f.unmeasured


def test_pocket_with_floor_fillet(measure) -> None:
    blk = cq.Workplane("XY").box(80, 60, 30)
    cut = cq.Workplane("XY").box(40, 30, 15).edges("|Z").fillet(6.0).edges("<Z").fillet(2.0).translate((0, 0, 7.5))
    f = measure(blk.cut(cut))
    (pocket,) = f.pockets
    assert pocket.depth_mm == pytest.approx(15.0)
    assert pocket.opening_mm == pytest.approx((36.0, 26.0))  # the flat floor, inside the 2 mm floor fillet
    assert pocket.corner_radius_mm == pytest.approx(6.0)
    assert f.min_internal_radius_mm == pytest.approx(2.0)  # the floor fillet: a bull-nose or ball tool
