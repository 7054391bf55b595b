"""Sheet metal with what a laser cannot cut: blind holes, counterbores and pockets machined on the workshop's mill
after the laser, priced as their own breakdown line; a workshop without a mill has no offer. Lead-ins."""

from __future__ import annotations

import datetime as dt
import math

import cadquery as cq
import pytest

from geometry import extract, load_bytes
from geometry.features import Hole, HoleKind, Pocket
from quoting.engine import quote
from quoting.materials import get_material
from quoting.process_kinds import Process
from quoting.processes.sheet_metal import SheetMetalModel
from quoting.request import QuoteRequest
from quoting.secondary import missing_secondary, secondary_cost
from tests.parts import step_bytes
from tests.quoting.helpers import DELETE, card
from tests.quoting.processes.helpers import codes, op, sheet, sheet_features

S235 = get_material("s235")
SHEET = SheetMetalModel()
MC = "fiber_laser_brake"
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def vf_p(d_mm: float, feed_mm_rev: float) -> float:
    """S235 (cutting class P_low_carbon) drilling: rpm = vc 90 m/min x 1000 / (pi D), x feed per rev
    from cutting.toml's by-diameter table (0.05 up to 3.2 mm, 0.10 up to 6.4 mm) [mm/min]."""
    return 90.0 * 1000.0 / (math.pi * d_mm) * feed_mm_rev


VF_P6 = vf_p(6.0, 0.10)


def _hole(d: float, depth: float, through: bool = False, kind: HoleKind = HoleKind.PLAIN) -> Hole:
    return Hole(d, depth, through, (0.0, 0.0, 1.0), (50.0, 30.0, 0.0), kind=kind, face_ids=(7,))


def _plate(holes=(), pockets=()):
    sm = sheet(5.0, flat_bbox_mm=(120.0, 80.0), cut_length_mm=400.0, pierces=6)
    return sheet_features(sm, holes=list(holes), pockets=list(pockets))


def test_hand_computed_blind_holes_counterbore_and_pocket() -> None:
    part = _plate(
        holes=[_hole(6.0, 4.0), _hole(6.0, 4.0), _hole(8.5, 5.0, through=True, kind=HoleKind.COUNTERBORE),
               _hole(8.5, 5.0, through=True)],
        pockets=[Pocket(3.0, (40.0, 30.0), 0.1, (0.0, 0.0, 1.0), face_ids=(9,))],
    )
    est = SHEET.estimate(part, S235, MC)
    assert op(est, "secondary_programming").time_min == 10.0 and op(est, "secondary_programming").per_batch
    assert op(est, "secondary_setup").time_min == 15.0
    assert op(est, "secondary_setup").inputs["features"] == "2 blind holes, 1 counterbored/countersunk hole, 1 pocket"
    assert op(est, "secondary_loading").time_min == 1.0
    # each blind hole: position 0.05 min + 4 mm at vf; 4/6 < 3 diameters: no pecks
    assert op(est, "secondary_drilling").time_min == pytest.approx(2 * (0.05 + 4.0 / VF_P6))
    # the counterbore's mouth: position + 0.3 min ([holes]); the through hole itself is laser-cut
    assert op(est, "secondary_counterboring").time_min == pytest.approx(0.05 + 0.3)
    # pocket: 40 x 30 x 3 x 0.9 = 3240 mm3 at S235's 11000 mm3/min, + position + 1 min finishing
    assert op(est, "secondary_pocketing").time_min == pytest.approx(0.05 + 1.0 + 3240.0 / 11000.0)
    # the laser's own times leave the mill's out
    assert est.batch_time_min == pytest.approx(5.0 + 5.0)
    assert all(o.secondary for o in est.secondary_operations) and len(est.secondary_operations) == 6
    assert est.part_time_min == pytest.approx(sum(o.time_min for o in est.own_operations if not o.per_batch))
    found = [f for f in est.findings if f.code == "sheet_secondary_machining"]
    assert found and found[0].severity.value == "warning" and found[0].location.face_ids == (7, 9)


def test_deep_blind_hole_is_peck_drilled() -> None:
    est = SHEET.estimate(_plate(holes=[_hole(2.0, 7.0)]), S235, MC)
    # 7 / 2 = 3.5 > 3 diameters: ceil(7 / 2) = 4 pecks of 0.03 min
    assert op(est, "secondary_drilling").time_min == pytest.approx(0.05 + 7.0 / vf_p(2.0, 0.05) + 4 * 0.03)


def test_through_holes_only_need_no_mill() -> None:
    est = SHEET.estimate(_plate(holes=[_hole(8.5, 5.0, through=True)]), S235, MC)
    assert est.secondary_operations == []
    assert "sheet_secondary_machining" not in codes(est.findings)
    assert missing_secondary(card(), est) is None
    assert secondary_cost(card(), est, 10) == (0.0, 0.0, "")


def test_lead_ins_hand_computed() -> None:
    sm = sheet(2.0, flat_bbox_mm=(200.0, 100.0), cut_length_mm=600.0, pierces=2)
    est = SHEET.estimate(sheet_features(sm), S235, MC)
    # 3 contours (2 inner + the outline), each a lead-in of 2 + 1 x 2 = 4 mm at 12000 mm/min
    assert op(est, "lead_ins").time_min == pytest.approx(3 * 4.0 / 12000.0)
    assert op(est, "lead_ins").inputs == {"lead_ins": 3, "lead_in_mm": 4.0}


def _priced(features, workshop):
    request = QuoteRequest.parse(material="s235", quantities=(1, 10), process="sheet_metal")
    return quote(features, request, [workshop], now=NOW)


def test_secondary_machining_is_its_own_line_at_the_mill_rate() -> None:
    part = _plate(holes=[_hole(6.0, 4.0), _hole(6.0, 4.0)])
    shop = card(**{"commercial.min_order_eur": 0.0})  # a laser and a VMC at 80 EUR/h (setup 60 EUR/h)
    q = _priced(part, shop)
    assert len(q.offers) == 1
    drilling = 2 * (0.05 + 4.0 / VF_P6)
    for line in q.offers[0].lines:
        items = {b.item: b for b in line.breakdown}
        expected = 25.0 / 60.0 * 60.0 + line.quantity * (1.0 + drilling) / 60.0 * 80.0
        assert items["secondary_machining"].amount_cents == pytest.approx(round(expected * 100), abs=1)
        assert "VMC" in items["secondary_machining"].detail
        assert sum(b.amount_cents for b in line.breakdown) == line.total_cents
    without = _priced(_plate(), shop)
    assert "secondary_machining" not in {b.item for b in without.offers[0].lines[0].breakdown}
    # the total rises by the secondary line and the 20 % margin on it, up to the unit price's rounding
    # to the cent (at most half a cent per part on each of the two totals)
    for with_line, without_line in zip(q.offers[0].lines, without.offers[0].lines, strict=True):
        added = {b.item: b.amount_cents for b in with_line.breakdown}["secondary_machining"]
        rise = with_line.total_cents - without_line.total_cents
        assert rise == pytest.approx(added * 1.2, abs=with_line.quantity + 1)


def test_a_workshop_without_a_mill_refuses_with_the_reason() -> None:
    q = _priced(_plate(holes=[_hole(6.0, 4.0)]), card(**{"processes.cnc_milling": DELETE}))
    assert not q.offers
    assert q.ineligible[0].codes == ["no_secondary_machine"]
    assert "1 blind hole that need machining after the laser" in q.ineligible[0].reasons[0]
    assert "no mill" in q.ineligible[0].reasons[0]


def test_cadquery_plate_with_blind_holes_is_laser_cut_and_drilled() -> None:
    plate = cq.Workplane("XY").box(120.0, 80.0, 8.0)
    plate = plate.faces(">Z").workplane().pushPoints([(-45, -25), (0, -25), (45, -25), (-45, 25), (0, 25),
                                                      (45, 25)]).hole(8.5)
    plate = plate.faces(">Z").workplane().pushPoints([(-20, 0), (20, 0)]).hole(6.0, 4.0)
    f = extract(load_bytes(step_bytes(plate), "plate_blind.step"))
    request = QuoteRequest.parse(material="s235", quantities=(1, 10), process="sheet_metal")
    q = quote(f, request, now=NOW)  # the demo workshops: one laser shop with a mill, one without
    offered = {o.workshop_id: o for o in q.offers}
    assert set(offered) == {"nantes-tolerie"}
    drill = next(o for o in offered["nantes-tolerie"].operations if o.name == "secondary_drilling")
    assert drill.inputs["holes"] == 2
    line = offered["nantes-tolerie"].lines[1]
    assert {b.item for b in line.breakdown} >= {"machining", "secondary_machining"}
    refused = {i.workshop_id: i for i in q.ineligible}
    assert refused["marseille-tolerie-sud"].codes == ["no_secondary_machine"]
    assert Process.SHEET_METAL.value in refused["marseille-tolerie-sud"].reasons[0]
