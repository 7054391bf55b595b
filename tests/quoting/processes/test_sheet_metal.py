"""Sheet metal: laser and brake minutes by hand, nesting, DFM findings, properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geometry.features import Bend, Hole
from quoting.errors import NotManufacturableError
from quoting.materials import get_material
from quoting.processes.nesting import pack_count, parts_on_sheet
from quoting.processes.sheet_metal import SheetMetalModel
from tests.quoting.processes.helpers import codes, op, sheet, sheet_features

S235 = get_material("s235")
SHEET = SheetMetalModel()
MC = "fiber_laser_brake"


def bend(angle=90.0, r=2.0, length=100.0, at_y=None, **kw):
    """A bend along x; ``at_y``: its flange in the z = 0..2 plane leaves it at y = ``at_y``, running to +y."""
    if at_y is not None:
        kw.update(axis_point_mm=(50.0, at_y, 2.0 + r), tangent_points_mm=((50.0, at_y, 2.0),),
                  flange_directions=((0.0, 1.0, 0.0),))
    return Bend(angle, r, length, (1.0, 0.0, 0.0), **kw)


def test_hand_computed_flat_part():
    # 200 x 100 x 2 mm S235, 600 mm cut, 3 contours (2 holes counted as pierces + the outline priced on top)
    sm = sheet(2.0, flat_bbox_mm=(200.0, 100.0), cut_length_mm=600.0, pierces=2)
    est = SHEET.estimate(sheet_features(sm), S235, MC)
    # 2 mm mild steel: 12000 mm/min -> 600 / 12000 = 0.05 min
    assert op(est, "laser_cutting").time_min == pytest.approx(0.05)
    # pierce (0.3 + 0.2 x 2) s = 0.7 s each
    assert op(est, "piercing").time_min == pytest.approx(3 * 0.7 / 60)
    assert op(est, "laser_rapids").time_min == pytest.approx(3 * 1.0 / 60)
    # nesting: gap max(5, 2) = 5, margin 10, each part takes 205 x 105.
    # 2000 x 1000: 1985/205 x 985/105 = 9 x 9 = 81 (+ a rotated column of 4: 85 %); 2500 x 1250: 132+ ;
    # 3000 x 1500: 14 x 14 = 196, and the 115 mm left holds a rotated column of 1485/205 = 7: 203 (90.2 %)
    assert est.nesting is not None
    assert est.nesting.sheet_mm == (3000.0, 1500.0)
    assert est.nesting.parts_per_sheet == 203
    assert est.nesting.utilisation == pytest.approx(203 * 200 * 100 / (3000 * 1500))
    sheet_kg = 3000 * 1500 * 2 * 7850e-9
    assert est.stock.mass_kg == pytest.approx(sheet_kg / 203)
    assert op(est, "sheet_handling").time_min == pytest.approx(4.0 / 203)
    assert est.sheets_for(203) == 1 and est.sheets_for(204) == 2
    assert not any(o.name == "bending" for o in est.operations)
    assert est.batch_time_min == pytest.approx(5.0 + 5.0)  # laser programming + setup


def test_hand_computed_bends():
    sm = sheet(2.0, bends=[bend(r=2.0), bend(r=2.0), bend(r=4.0)], flat_bbox_mm=(400.0, 150.0))
    est = SHEET.estimate(sheet_features(sm), S235, MC)
    # 3 bends x 20 s (2 mm: under 2.54 mm) x handling 1.8 (largest size 400 mm: 300 < 400 <= 1000)
    assert op(est, "bending").time_min == pytest.approx(3 * 20.0 * 1.8 / 60)
    # brake setup: first tool 10 min + one more radius 5 min
    assert op(est, "brake_setup").time_min == pytest.approx(15.0)
    assert op(est, "brake_setup").per_batch


@pytest.mark.parametrize(("thickness_mm", "seconds"), [(1.0, 20.0), (2.54, 30.0), (4.0, 30.0), (6.0, 40.0)])
def test_bend_time_by_thickness(thickness_mm, seconds):
    # per bend with its handling: 20 s under 0.1 in, 30 s from 0.1 in, 40 s from 0.2 in (processes.toml source)
    sm = sheet(thickness_mm, bends=[bend(r=2.0 * thickness_mm)], flat_bbox_mm=(200.0, 100.0))
    est = SHEET.estimate(sheet_features(sm), S235, MC)
    assert op(est, "bending").time_min == pytest.approx(seconds / 60)
    assert op(est, "bending").inputs["bend_s"] == seconds


def test_laser_speed_interpolates():
    assert S235.laser_speed_mm_min(2.5) == pytest.approx((12000 + 5500) / 2)
    assert S235.laser_speed_mm_min(0.5) == 28000
    assert S235.laser_speed_mm_min(25.0) is None


@pytest.mark.parametrize(
    ("sm_kwargs", "fields", "code", "severity"),
    [
        ({"bends": [bend(r=0.5)]}, {}, "sheet_bend_radius_too_small", "warning"),
        ({"bends": [bend(flange_length_mm=5.0)]}, {}, "sheet_flange_too_short", "warning"),
        ({"bends": [bend(at_y=0.0)]},
         {"holes": [Hole(5.0, 2.0, True, (0.0, 0.0, 1.0), position_mm=(50.0, 4.0, 1.0))]},
         "sheet_hole_near_bend", "warning"),
        ({}, {"holes": [Hole(1.5, 2.0, True, (0.0, 0.0, 1.0))]}, "sheet_hole_too_small", "warning"),
        ({}, {"wall_thickness_p05_mm": 2.0, "wall_thickness_p50_mm": 4.0}, "sheet_thickness_not_constant", "error"),
        ({"flat_bbox_mm": (3500.0, 1000.0)}, {}, "sheet_part_too_large", "error"),
        ({"bends": [bend(length=3200.0)], "flat_bbox_mm": (2900.0, 1400.0)}, {}, "sheet_bend_too_long", "error"),
        ({"thickness_mm": 25.0}, {}, "sheet_too_thick", "error"),
    ],
)
def test_each_finding_fires(sm_kwargs, fields, code, severity):
    sm = sheet(**sm_kwargs)
    found = [f for f in SHEET.check(sheet_features(sm, **fields), S235, MC) if f.code == code]
    assert found, code
    assert found[0].severity.value == severity


def test_clean_sheet_part_is_silent():
    sm = sheet(2.0, bends=[bend(r=2.0, flange_length_mm=20.0, at_y=0.0)])
    holes = [Hole(6.0, 2.0, True, (0.0, 0.0, 1.0), position_mm=(50.0, 40.0, 1.0))]
    f = sheet_features(sm, holes=holes, wall_thickness_p05_mm=1.98, wall_thickness_p50_mm=2.0)
    assert SHEET.check(f, S235, MC) == []


def test_not_a_sheet():
    f = sheet_features(sheet())
    from dataclasses import replace

    f = replace(f, sheet_metal=None)
    assert "sheet_not_sheet" in codes(SHEET.check(f, S235, MC))
    g = replace(f, unmeasured={"sheet_metal": "walls of several thicknesses"})
    with pytest.raises(NotManufacturableError, match="several thicknesses"):
        SHEET.estimate(g, S235, MC)
    mesh_only = replace(g, mesh=replace(g.mesh, from_brep=False))
    assert "sheet_not_measured" in codes(SHEET.check(mesh_only, S235, MC))


def test_laser_only_machine_cannot_bend():
    sm = sheet(bends=[bend()])
    assert "sheet_no_brake" in codes(SHEET.check(sheet_features(sm), S235, "laser_only"))


# --- nesting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "rect", "expected"),
    [
        ((10.0, 10.0), (2.0, 5.0), 10),  # exact grid
        ((7.0, 5.0), (2.0, 3.0), 5),  # 3 columns of 2 x 3 + one rotated 3 x 2 on top: 5 (area allows 5.8)
        ((5.0, 5.0), (6.0, 1.0), 0),  # does not fit
        # 9 columns of 205 (1845 mm) x 9 rows, and 155 mm left for a rotated column of 4
        ((2000.0, 1000.0), (205.0, 105.0), 85),
    ],
)
def test_pack_count(area, rect, expected):
    assert pack_count(*area, *rect) == expected


def test_mixed_packing_beats_a_single_grid():
    grid = max((2000 // 205) * (1000 // 105), (2000 // 105) * (1000 // 205))  # 81
    assert pack_count(2000.0, 1000.0, 205.0, 105.0) > grid


def test_parts_on_sheet_uses_gap_and_margin():
    # 100 x 100 parts, gap 10, margin 10 on 1000 x 500: (1000-20+10)/110 = 9, (500-20+10)/110 = 4
    assert parts_on_sheet((1000.0, 500.0), (100.0, 100.0), 10.0, 10.0) == 36


def test_nesting_utilisation_is_not_a_constant():
    small = SHEET.estimate(sheet_features(sheet(flat_bbox_mm=(50.0, 50.0))), S235, MC).nesting
    odd = SHEET.estimate(sheet_features(sheet(flat_bbox_mm=(700.0, 600.0))), S235, MC).nesting
    assert small.utilisation != pytest.approx(odd.utilisation)
    assert 0 < odd.utilisation < small.utilisation <= 1


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(t1=st.floats(0.5, 20.0), t2=st.floats(0.5, 20.0), cut=st.floats(50.0, 5000.0), pierces=st.integers(1, 40))
def test_thicker_sheet_never_cuts_faster(t1, t2, cut, pierces):
    thin, thick = sorted((t1, t2))

    def laser_min(t):
        est = SHEET.estimate(sheet_features(sheet(t, cut_length_mm=cut, pierces=pierces)), S235, MC)
        return sum(op(est, n).time_min for n in ("laser_cutting", "piercing", "laser_rapids"))

    assert laser_min(thick) >= laser_min(thin)


@settings(max_examples=30, deadline=None)
@given(n1=st.integers(0, 12), n2=st.integers(0, 12), r=st.sampled_from([2.0, 3.0, 6.0]))
def test_more_bends_never_bend_faster(n1, n2, r):
    few, many = sorted((n1, n2))

    def brake_min(n):
        est = SHEET.estimate(sheet_features(sheet(2.0, bends=[bend(r=r)] * n)), S235, MC)
        return sum(o.time_min for o in est.operations if o.name.startswith(("bending", "brake")))

    assert brake_min(many) >= brake_min(few)


def test_stock_share_never_exceeds_a_sheet():
    est = SHEET.estimate(sheet_features(sheet(flat_bbox_mm=(2900.0, 1400.0))), S235, MC)
    assert est.nesting.parts_per_sheet == 1
    assert est.stock.mass_kg == pytest.approx(3000 * 1500 * 2 * 7850e-9)
    assert math.isclose(est.nesting.utilisation, 2900 * 1400 / (3000 * 1500))
