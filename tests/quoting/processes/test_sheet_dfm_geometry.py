"""Sheet DFM checks on real STEP parts: load_bytes -> extract -> SheetMetalModel.check, and pierce counts.

L brackets from ``tests.parts.bent_sheet``: 2 mm S235, inner radius 3 mm (3t + r = 9 mm,
4t = 8 mm), legs 50 mm along +x (y = -1..1) and 30 mm along +y (x = 53..55), 40 mm wide along z;
the bend axis is x = 50, y = 4, its tangent lines x = 50 (base) and y = 4 (upright).
"""

from __future__ import annotations

import math

import cadquery as cq
import ezdxf
import pytest

import geometry
from geometry.features import Bend, Hole
from quoting.materials import get_material
from quoting.processes.sheet_metal import SheetMetalModel, hole_bend_distance_mm, priced_pierces
from tests import parts
from tests.parts import plate_with_holes, step_bytes
from tests.quoting.processes.helpers import codes, op

S235 = get_material("s235")
SHEET = SheetMetalModel()
MC = "fiber_laser_brake"
L = parts.SheetTruth(2.0, 3.0, 40.0, (50.0, 30.0), (90.0,))


def extracted(shape):
    return geometry.extract(geometry.load_bytes(step_bytes(shape), "bracket.step"))


def bracket(*holes: tuple[str, float], truth: parts.SheetTruth = L) -> cq.Workplane:
    """The L bracket with Ø5 through holes at mid-width, each given as (leg, edge distance to its tangent line)."""
    body = parts.bent_sheet(truth)
    for leg, gap in holes:
        if leg == "base":  # centre x = 50 - gap - 2.5, drilled along y
            tool = cq.Workplane("XZ", origin=(50.0 - gap - 2.5, 0.0, 20.0)).circle(2.5).extrude(10, both=True)
        else:  # upright: centre y = 4 + gap + 2.5, drilled along x
            tool = cq.Workplane("YZ", origin=(54.0, 4.0 + gap + 2.5, 20.0)).circle(2.5).extrude(10, both=True)
        body = body.cut(tool)
    return body


@pytest.fixture(scope="module")
def clean():
    return extracted(bracket(("base", 20.0), ("upright", 12.0)))


def test_clean_bracket_has_neither_finding(clean) -> None:
    assert clean.sheet_metal is not None, clean.unmeasured.get("sheet_metal")
    assert len(clean.holes) == 2
    found = codes(SHEET.check(clean, S235, MC))
    assert "sheet_flange_too_short" not in found and "sheet_hole_near_bend" not in found


def test_short_flange_fires_end_to_end() -> None:
    f = extracted(parts.bent_sheet(parts.SheetTruth(2.0, 3.0, 40.0, (50.0, 3.0), (90.0,))))
    assert f.sheet_metal is not None and f.sheet_metal.bends[0].flange_length_mm == pytest.approx(3.0)
    found = [x for x in SHEET.check(f, S235, MC) if x.code == "sheet_flange_too_short"]
    assert len(found) == 1 and found[0].severity.value == "warning"
    assert "3.0 mm flange" in found[0].message and "8.0 mm" in found[0].message
    assert "sheet_hole_near_bend" not in codes(SHEET.check(f, S235, MC))


@pytest.mark.parametrize("leg", ["base", "upright"])
def test_hole_2_mm_from_the_bend_fires_end_to_end(leg) -> None:
    f = extracted(bracket((leg, 2.0)))
    assert f.sheet_metal is not None and len(f.holes) == 1
    assert hole_bend_distance_mm(f.holes[0], f.sheet_metal.bends[0], 2.0) == pytest.approx(2.0, abs=1e-6)
    found = [x for x in SHEET.check(f, S235, MC) if x.code == "sheet_hole_near_bend"]
    assert len(found) == 1 and "2.0 mm from bend 1" in found[0].message and "9.0 mm" in found[0].message
    assert "sheet_flange_too_short" not in codes(SHEET.check(f, S235, MC))


def test_hole_distances_on_the_clean_bracket(clean) -> None:
    bend = clean.sheet_metal.bends[0]
    distances = sorted(hole_bend_distance_mm(h, bend, 2.0) for h in clean.holes)
    assert distances == pytest.approx([12.0, 20.0], abs=1e-6)


# --- hole-to-bend distance by hand: a bend along x, its flange in z = 0..2 leaving it at y = 0 towards +y ---

BEND = Bend(90.0, 2.0, 100.0, (1.0, 0.0, 0.0), axis_point_mm=(50.0, 0.0, 4.0),
            tangent_points_mm=((50.0, 0.0, 2.0), (50.0, -2.0, 4.0)),
            flange_directions=((0.0, 1.0, 0.0), (0.0, 0.0, 1.0)))


@pytest.mark.parametrize(
    ("centre", "expected"),
    [
        ((50.0, 10.0, 1.0), 7.5),  # in the flange: 10 from the tangent line, less the radius
        ((110.0, 10.0, 1.0), math.hypot(10.0, 10.0) - 2.5),  # beside the bend's end
        ((50.0, -3.0, 10.0), 3.5),  # in the other flange (y = -4..-2), 6 above its tangent line z = 4
        ((50.0, -0.6, 1.0), -2.5),  # in the bend itself
        ((50.0, 10.0, 30.0), None),  # in neither flange nor the bend
    ],
)
def test_hole_bend_distance_by_hand(centre, expected) -> None:
    hole = Hole(5.0, 2.0, True, (0.0, 0.0, 1.0), position_mm=centre)
    assert hole_bend_distance_mm(hole, BEND, 2.0) == pytest.approx(expected)


def test_a_bend_without_placement_is_not_measured() -> None:
    hole = Hole(5.0, 2.0, True, (0.0, 0.0, 1.0), position_mm=(0.0, 0.0, 0.0))
    assert hole_bend_distance_mm(hole, Bend(90.0, 2.0, 100.0, (1.0, 0.0, 0.0)), 2.0) is None


# --- pierces: inner contours from both loaders, the outline priced once on top ---------------------


def plate_dxf(length=100.0, width=60.0, hole_d=6.0) -> bytes:
    """``tests.parts.plate_with_holes`` (4 holes 20 mm in from the edges) as a DXF drawing."""
    import io

    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (length, 0), (length, width), (0, width)], close=True)
    for x, y in [(20, 20), (length - 20, 20), (length - 20, width - 20), (20, width - 20)]:
        msp.add_circle((x, y), hole_d / 2)
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode()


def test_step_and_dxf_count_the_same_pierces() -> None:
    step = extracted(plate_with_holes(thickness=3.0))
    dxf = geometry.extract(geometry.load_bytes(plate_dxf(), "plate.dxf", thickness_mm=3.0))
    assert step.sheet_metal is not None and dxf.sheet_metal is not None
    assert step.sheet_metal.pierces == dxf.sheet_metal.pierces == 4  # the four holes
    for f in (step, dxf):
        est = SHEET.estimate(f, S235, MC)
        assert op(est, "piercing").inputs["pierces"] == 5 == priced_pierces(f.sheet_metal)  # + the outline
        assert op(est, "laser_rapids").inputs["contours"] == 5
    assert op(SHEET.estimate(step, S235, MC), "piercing").time_min == pytest.approx(
        op(SHEET.estimate(dxf, S235, MC), "piercing").time_min)


def test_a_bent_part_without_holes_pierces_once() -> None:
    f = extracted(parts.bent_sheet(L))
    assert f.sheet_metal.pierces == 0
    assert op(SHEET.estimate(f, S235, MC), "piercing").inputs["pierces"] == 1


@pytest.mark.parametrize(
    "tool",
    [
        # middle leg (x = 27..28.5), hole edge 2 mm below bend 2's tangent line y = 42.75
        cq.Workplane("YZ", origin=(27.75, 38.75, 30.0)).circle(2.0).extrude(5, both=True),
        # last leg (y = 44.75..46.25, running to -x), hole edge 2 mm from bend 2's tangent line x = 25
        cq.Workplane("XZ", origin=(21.0, 45.5, 30.0)).circle(2.0).extrude(5, both=True),
    ],
    ids=["middle_leg", "last_leg"],
)
def test_u_part_hole_is_near_its_own_bend_only(tool) -> None:
    # U: 1.5 mm, r 2 (3t + r = 6.5 mm), legs 25 / 40 / 25, 60 wide; bend 1 axis (25, 2.75), bend 2 axis (25, 42.75)
    f = extracted(parts.bent_sheet(parts.U_PART).cut(tool))
    assert f.sheet_metal is not None and len(f.holes) == 1
    near, far = sorted(f.sheet_metal.bends, key=lambda b: -b.axis_point_mm[1])
    assert near.axis_point_mm[1] == pytest.approx(42.75) and far.axis_point_mm[1] == pytest.approx(2.75)
    assert hole_bend_distance_mm(f.holes[0], near, 1.5) == pytest.approx(2.0, abs=1e-6)
    other = hole_bend_distance_mm(f.holes[0], far, 1.5)
    assert other is None or other > 30
    found = [x for x in SHEET.check(f, S235, MC) if x.code == "sheet_hole_near_bend"]
    assert len(found) == 1 and "2.0 mm from bend" in found[0].message
