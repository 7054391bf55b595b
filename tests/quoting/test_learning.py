"""The learning curve by operation kind: operator-paced work and tuned CNC cycles learn, machine-timed cutting and
printing do not (``Operation.pace``); unit prices never rise with quantity for any family and card."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geometry.features import PartFeatures, Turning
from quoting.engine import quote
from quoting.materials import get_material
from quoting.pricing import PricingContext, price_line
from quoting.pricing_terms import learning_factor, run_minutes
from quoting.process_kinds import Process
from quoting.processes import Operation, Pace, ProcessEstimate, Stock, process_models
from quoting.processes.base import Fixturing
from quoting.request import QuoteRequest
from quoting.workshops import demo_workshops
from tests.quoting.helpers import NOW, card, features, sheet

TODAY = NOW.date()


def _estimate(*ops: Operation, fixturing: Fixturing | None = None) -> ProcessEstimate:
    return ProcessEstimate(Process.SHEET_METAL, "fiber_laser_brake", "s235",
                           [Operation("setup", 60.0, per_batch=True), *ops],
                           Stock("sheet", (100.0, 50.0, 2.0), 0.1), fixturing=fixturing)


def test_learning_factor_on_learning_operations_only() -> None:
    # 2 min of laser (machine-timed) and 1 min of unloading (operator) per part, 8 parts at a 90 % curve:
    # factor 8^log2(0.9) = 0.9^3 = 0.729 on the unloading only: 8 x (2 + 0.729) = 21.832 min
    est = _estimate(Operation("laser_cutting", 2.0, pace=Pace.MACHINE), Operation("unloading", 1.0))
    factor = learning_factor(8, 0.9, 0.6)
    assert factor == pytest.approx(0.729)
    assert run_minutes(est, 8, factor) == pytest.approx((21.832, 21.832))
    assert est.run_time_min(8) == pytest.approx(24.0)
    # priced at the card's machine rate: 21.832 min / 60 x 90 EUR/h = 32.748 EUR
    c = card(**{"commercial.learning_rate": 0.9, "commercial.learning_floor": 0.6})
    line = price_line(PricingContext(c, est, get_material("s235"), 0.1, None, TODAY), 8).line
    machining = next(b for b in line.breakdown if b.item == "machining")
    assert machining.amount_eur == pytest.approx(21.832 / 60 * c.processes[Process.SHEET_METAL].machines[0].rate_eur_h,
                                                 abs=0.006)
    assert "machine-timed minutes excluded" in machining.detail
    # the machine hours of the line use the same minutes (setup 60 + run 21.832)
    assert line.machine_h == pytest.approx((60 + 21.832) / 60, abs=1e-3)


def test_standard_times_do_not_learn() -> None:
    # 1 min of bending (a published standard time) and 1 min of unloading (operator) per part, 8 parts at 90 %:
    # only the unloading learns: 8 x (1 + 0.729) = 13.832 min
    est = _estimate(Operation("bending", 1.0, pace=Pace.STANDARD), Operation("unloading", 1.0))
    assert not Pace.STANDARD.learns
    assert est.run_time_min(8, learning_factor(8, 0.9, 0.6)) == pytest.approx(13.832)
    c = card(**{"commercial.learning_rate": 0.9, "commercial.learning_floor": 0.6})
    line = price_line(PricingContext(c, est, get_material("s235"), 0.1, None, TODAY), 8).line
    machining = next(b for b in line.breakdown if b.item == "machining")
    assert "standard times excluded" in machining.detail
    assert "machine-timed" not in machining.detail


def test_tuned_cycles_learn_and_the_floor_holds() -> None:
    est = _estimate(Operation("roughing", 3.0, pace=Pace.TUNED), Operation("printing", 1.0, pace=Pace.MACHINE))
    factor = learning_factor(1000, 0.8, 0.5)
    assert factor == 0.5
    assert est.run_time_min(1000, factor) == pytest.approx(1000 * (3.0 * 0.5 + 1.0))


def test_a_fixture_mounting_learns_with_the_loading() -> None:
    # loading 4 min per load (operator) + tool changes 2 min per load (machine-timed here), 4 parts per load,
    # fixture 30 min; 40 parts at factor 0.5: fixture 15 + (4 x 0.5 + 2) x 40 / 4 = 55 < (2 + 2) x 40
    est = _estimate(Operation("loading", 4.0, per_load=True),
                    Operation("tool_changes", 2.0, per_load=True, pace=Pace.MACHINE),
                    fixturing=Fixturing(4, 30.0))
    assert est.run_time_min(40, 0.5) == pytest.approx(55.0)
    # every operation learning: exactly the old "factor x run time"
    all_learn = _estimate(Operation("loading", 4.0, per_load=True), Operation("tool_changes", 2.0, per_load=True),
                          fixturing=Fixturing(4, 30.0))
    assert all_learn.run_time_min(40, 0.5) == pytest.approx(0.5 * all_learn.run_time_min(40))


SHAFT = features(bbox_mm=(120.0, 30.0, 30.0), volume_mm3=70_000.0, area_mm2=12_000.0,
                 turning=Turning((1.0, 0.0, 0.0), 30.0, 120.0))
SHEET = features(bbox_mm=(200.0, 100.0, 30.0), volume_mm3=80_000.0, area_mm2=80_000.0, sheet=sheet())
BOX = features(bbox_mm=(60.0, 40.0, 30.0), volume_mm3=30_000.0, area_mm2=10_000.0)
#: (process, material, part) for each family
FAMILIES: dict[Process, tuple[str, PartFeatures]] = {
    Process.CNC_MILLING: ("al6061", BOX),
    Process.CNC_TURNING: ("al6061", SHAFT),
    Process.SHEET_METAL: ("s235", SHEET),
    Process.PRINTING_FDM: ("pla", BOX),
    Process.PRINTING_SLA: ("resin_standard", BOX),
    Process.PRINTING_SLS: ("pa12", BOX),
    Process.PRINTING_MJF: ("pa12", BOX),
}


@pytest.mark.parametrize("process", list(FAMILIES))
def test_each_family_marks_its_machine_timed_operations(process: Process) -> None:
    material, part = FAMILIES[process]
    model = process_models()[process]
    machine_class = next(iter(model.machine_classes))
    est = model.estimate(part, get_material(material), machine_class)
    fixed = {op.name for op in est.operations if not op.learns}
    if process in (Process.CNC_MILLING, Process.CNC_TURNING):
        assert fixed == set()
        assert {op.pace for op in est.operations if op.name in ("roughing", "finishing")} == {Pace.TUNED}
    elif process is Process.SHEET_METAL:
        assert {"laser_cutting", "piercing", "laser_rapids", "lead_ins"} <= fixed
        assert "unloading" not in fixed
        # bending and deburring are published standard times (Paperless Parts' tables, charged flat per part)
        assert {op.name: op.pace for op in est.operations if op.name in ("bending", "deburring")} == {
            "bending": Pace.STANDARD, "deburring": Pace.STANDARD}
    else:
        assert fixed & {"printing", "build_share", "sintering", "curing"}
        assert "post_processing" not in fixed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(FAMILIES)), st.data(), st.floats(0.5, 1.0), st.floats(0.05, 1.0),
       st.lists(st.integers(1, 2000), min_size=2, max_size=5, unique=True))
def test_unit_price_never_rises_with_quantity(process: Process, data: st.DataObject, rate: float, floor: float,
                                              quantities: list[int]) -> None:
    material, part = FAMILIES[process]
    cards = [c for c in demo_workshops() if process in c.processes and material in c.materials]
    assert cards, process
    base = data.draw(st.sampled_from(cards))
    commercial = base.commercial.model_copy(update={"learning_rate": rate, "learning_exponent": None,
                                                    "learning_floor": floor})
    shop = dataclasses.replace(base, commercial=commercial)
    request = QuoteRequest.parse(material=material, quantities=tuple(sorted(quantities)), process=process)
    result = quote(part, request, [shop], NOW)
    assert result.offers, [i.reasons for i in result.ineligible]
    units = [line.unit_price_eur for line in result.offers[0].lines]
    assert all(b <= a + 0.01 for a, b in zip(units, units[1:], strict=False)), (shop.id, sorted(quantities), units)
    assert all(math.isfinite(u) and u > 0 for u in units)
