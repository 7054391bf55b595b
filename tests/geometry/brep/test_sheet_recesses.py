"""A flat plate with pockets or steps is a laser-cut blank with milled recesses (``geometry.brep.recesses``):
its sheet record keeps the plate's own outline, area, cut length and pierces, and says what is milled."""

from __future__ import annotations

import datetime as dt

import cadquery as cq
import pytest

from quoting.engine import quote
from quoting.request import QuoteRequest

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _plate() -> cq.Workplane:
    return cq.Workplane("XY").box(120.0, 80.0, 8.0)


def _pocket(w: float, h: float, d: float, at=(0.0, 0.0)) -> cq.Workplane:
    return _plate().cut(cq.Workplane("XY").box(w, h, d).translate((at[0], at[1], 4.0 - d / 2)))


def test_plain_plate_has_no_recess(measure) -> None:
    s = measure(_plate()).sheet_metal
    assert s is not None and (s.recesses, s.recess_volume_mm3, s.recess_face_ids) == (0, 0.0, ())


@pytest.mark.parametrize(("w", "h", "d"), [(40.0, 30.0, 4.0), (15.0, 10.0, 2.0)])
def test_pocketed_plate_is_a_blank_with_a_recess(measure, w, h, d) -> None:
    f = measure(_pocket(w, h, d))
    s = f.sheet_metal
    assert s is not None, f.unmeasured.get("sheet_metal")
    assert s.thickness_mm == pytest.approx(8.0) and s.bends == []
    assert s.flat_bbox_mm == pytest.approx((120.0, 80.0))
    assert s.flat_area_mm2 == pytest.approx(120.0 * 80.0)  # the floor covers the opening
    assert s.cut_length_mm == pytest.approx(400.0)  # the outline only: the pocket is milled
    assert s.pierces == 0  # the pocket's opening is no inner contour
    assert s.recesses == 1 and s.recess_volume_mm3 == pytest.approx(w * h * d)
    assert len(s.recess_face_ids) == 5  # the floor and four walls


def test_step_along_an_edge(measure) -> None:
    step = _plate().cut(cq.Workplane("XY").box(20.0, 80.0, 4.0).translate((50.0, 0.0, 2.0)))
    s = measure(step).sheet_metal
    assert s is not None
    assert s.recesses == 1 and s.recess_volume_mm3 == pytest.approx(20.0 * 80.0 * 4.0)
    # the laser still cuts the whole outline, 4 mm high beside the step
    assert s.cut_length_mm == pytest.approx(400.0)
    assert s.flat_area_mm2 == pytest.approx(120.0 * 80.0)


def test_pocket_and_through_holes(measure) -> None:
    plate = _plate().faces(">Z").workplane().pushPoints([(-45, -25), (45, 25)]).hole(8.5)
    plate = plate.cut(cq.Workplane("XY").box(40.0, 30.0, 4.0).translate((0.0, 0.0, 2.0)))
    s = measure(plate).sheet_metal
    assert s is not None
    assert s.pierces == 2
    assert s.recesses == 1 and s.recess_volume_mm3 == pytest.approx(4800.0)


def _sheet_offers(features):
    return quote(features, QuoteRequest.parse(material="s235", quantities=(1, 10), process="sheet_metal"), now=NOW)


@pytest.mark.parametrize("name", ["pocket", "step"])
def test_pockets_and_steps_are_laser_cut_then_milled(measure, name) -> None:
    shape = _pocket(40.0, 30.0, 4.0) if name == "pocket" else _plate().cut(
        cq.Workplane("XY").box(20.0, 80.0, 4.0).translate((50.0, 0.0, 2.0)))
    q = _sheet_offers(measure(shape))
    offers = {o.workshop_id: o for o in q.offers}
    assert set(offers) == {"nantes-tolerie"}  # the laser shop with a mill
    milled = next(op for op in offers["nantes-tolerie"].operations if op.name == "secondary_pocketing")
    assert milled.inputs["recesses"] == 1
    assert milled.inputs["volume_mm3"] == pytest.approx(4800.0 if name == "pocket" else 6400.0)
    assert "secondary_machining" in {b.item for b in offers["nantes-tolerie"].lines[1].breakdown}
    refused = {i.workshop_id: i for i in q.ineligible}["marseille-tolerie-sud"]
    assert refused.codes == ["no_secondary_machine"]
    assert ("1 pocket or step" in refused.reasons[0])


def test_a_thick_pocketed_block_is_still_no_sheet(measure) -> None:
    block = cq.Workplane("XY").box(80.0, 60.0, 30.0).cut(
        cq.Workplane("XY").box(40.0, 30.0, 15.0).translate((0.0, 0.0, 7.5)))
    f = measure(block)
    assert f.sheet_metal is None
