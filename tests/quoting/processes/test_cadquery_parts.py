"""A few cadquery parts end to end: STEP bytes -> load -> extract -> process estimates and findings.

Fields the geometry does not measure yet are skipped honestly (the estimate records an assumption).
"""

from __future__ import annotations

import math

import cadquery as cq
import pytest

from geometry import extract, load_bytes
from quoting.materials import get_material
from quoting.process_kinds import Process
from quoting.processes import process_models
from tests.parts import plate_with_holes, plate_with_holes_volume, step_bytes
from tests.quoting.processes.helpers import AL_3AXIS_ROUGHING_MM3_MIN, codes, op


def measured(shape, name="part.step"):
    return extract(load_bytes(step_bytes(shape), name))


def test_plate_with_holes_milling():
    f = measured(plate_with_holes())
    est = process_models()[Process.CNC_MILLING].estimate(f, get_material("al6061"), "3axis")
    # 100 x 60 x 8 -> stock 110 x 70 x 15 (plate), removed = stock - part
    assert est.stock.dims_mm == (110.0, 70.0, 15.0)
    removed = 110 * 70 * 15 - plate_with_holes_volume()
    assert op(est, "roughing").time_min == pytest.approx(removed / AL_3AXIS_ROUGHING_MM3_MIN, rel=1e-4)
    if f.holes is not None:
        assert len([o for o in est.operations if o.name.startswith("drill_")]) == len(f.holes) == 4
    assert est.manufacturable


def test_closed_cavity_traps_resin_and_powder_not_filament():
    void = cq.Workplane("XY").box(30, 30, 30).cut(cq.Workplane("XY").box(10, 10, 10))
    f = measured(void)
    models = process_models()
    assert "additive_trapped_volume" in codes(models[Process.PRINTING_SLA].check(f, get_material("resin_standard"), "sla"))
    assert "additive_trapped_volume" in codes(models[Process.PRINTING_SLS].check(f, get_material("pa12"), "sls"))
    assert "additive_trapped_volume" not in codes(models[Process.PRINTING_FDM].check(f, get_material("pla"), "fdm"))
    solid = measured(cq.Workplane("XY").box(30, 30, 30))
    assert models[Process.PRINTING_SLA].check(solid, get_material("resin_standard"), "sla") == []


def test_cylinder_turning():
    f = measured(cq.Workplane("XY").circle(10).extrude(40))
    assert f.turning is not None, f.unmeasured.get("turning")
    est = process_models()[Process.CNC_TURNING].estimate(f, get_material("brass"), "2axis_lathe")
    assert est.stock.dims_mm == (22.0, 44.0)  # D20 + 2 -> 22 mm bar; 40 + 1 + 3
    assert est.stock.mass_kg == pytest.approx(math.pi / 4 * 22**2 * 44 * 8470e-9)
    assert est.findings == []


def test_bent_bracket_sheet_metal():
    t, r = 2.0, 2.0
    bracket = cq.Workplane("XY").box(60, 40, t, centered=False).union(
        cq.Workplane("XY").box(t, 40, 30, centered=False))
    bracket = bracket.edges(cq.selectors.NearestToPointSelector((t, 20, t))).fillet(r)
    bracket = bracket.edges(cq.selectors.NearestToPointSelector((0, 20, 0))).fillet(r + t)
    f = measured(bracket)
    assert f.sheet_metal is not None, f.unmeasured.get("sheet_metal")
    est = process_models()[Process.SHEET_METAL].estimate(f, get_material("s235"), "fiber_laser_brake")
    assert op(est, "bending").inputs["bends"] == len(f.sheet_metal.bends) == 1
    assert est.nesting.parts_per_sheet > 100
    # the same bracket in 1.4404 stainless cuts slower
    ss = process_models()[Process.SHEET_METAL].estimate(f, get_material("ss316l"), "fiber_laser_brake")
    assert op(ss, "laser_cutting").time_min >= op(est, "laser_cutting").time_min
