"""Properties of a price line: never negative, adds up, monotone in quantity, rates, material and tier."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quoting.materials import get_material
from quoting.pricing import PricingContext, price_line
from quoting.process_kinds import Process
from quoting.processes.base import Operation, ProcessEstimate, Stock
from quoting.ratecard import RateCard
from tests.quoting.helpers import card_dict, features

TODAY = dt.date(2026, 3, 2)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

quantities = st.integers(min_value=1, max_value=5000)
money_rate = st.floats(min_value=1.0, max_value=400.0, allow_nan=False)


@st.composite
def scenarios(draw):
    rate = draw(money_rate)
    data = card_dict(**{
        "processes.cnc_milling.machines": [{
            "machine_class": "3axis", "rate_eur_h": rate, "setup_rate_eur_h": draw(money_rate),
            "envelope_mm": [500, 400, 300], "power_kw": draw(st.floats(0, 40))}],
        "processes.cnc_milling.capacity_h_day": draw(st.floats(1, 48)),
        "processes.cnc_milling.backlog_h": draw(st.floats(0, 400)),
        "commercial.margin_fraction": draw(st.floats(0, 1)),
        "commercial.min_order_eur": draw(st.floats(0, 500)),
        "commercial.learning_rate": draw(st.floats(0.5, 1)),
        "commercial.learning_floor": draw(st.floats(0.05, 1)),
        "materials.al6061": {"price_eur_kg": draw(st.floats(0.5, 80)),
                             "markup_fraction": draw(st.floats(0, 1)),
                             "surcharge_eur": draw(st.floats(0, 50))},
        "shipping.base_eur": draw(st.floats(0, 50)),
        "shipping.eur_per_kg": draw(st.floats(0, 2)),
    })
    if draw(st.booleans()):
        data["commercial"]["quantity_pricing"] = "breaks"
        factors = sorted(draw(st.lists(st.floats(0.2, 1), min_size=1, max_size=4)), reverse=True)
        data["commercial"]["quantity_breaks"] = [
            {"min_quantity": 1 + 10 * i * (i + 1), "run_factor": f} for i, f in enumerate(factors)]
    batch_min = draw(st.floats(0, 600))
    part_min = draw(st.floats(0.01, 600))
    mass = draw(st.floats(0.001, 50))
    finish = draw(st.sampled_from([None, "anodising"]))
    ship_to = draw(st.sampled_from([None, 10.0, 350.0, 900.0]))
    tolerance = draw(st.sampled_from([None, "iso2768_c", "iso2768_f", "tight_0_05"]))
    threads = draw(st.sampled_from([None, {"M6": 2}, {"M4": 1, "M8": 3}]))
    return data, batch_min, part_min, mass, finish, ship_to, tolerance, threads


def _estimate(batch_min: float, part_min: float, mass_kg: float) -> ProcessEstimate:
    return ProcessEstimate(
        Process.CNC_MILLING, "3axis", "al6061",
        [Operation("setup", batch_min, per_batch=True), Operation("run", part_min)],
        Stock("block", (100.0, 60.0, 20.0), mass_kg),
    )


def _line(data, batch_min, part_min, mass, finish, distance, tolerance, threads, quantity, tier="standard"):
    c = RateCard.from_dict(data, "prop.toml")
    ctx = PricingContext(c, _estimate(batch_min, part_min, mass), get_material("al6061"), mass * 0.6,
                         distance, TODAY, features=features(), finish=finish, tier=tier, tolerance=tolerance,
                         threads=threads)
    return price_line(ctx, quantity).line


@SETTINGS
@given(scenarios(), quantities, st.sampled_from(["economy", "standard", "expedite"]))
def test_price_never_negative_and_breakdown_adds_up(scenario, q, tier) -> None:
    line = _line(*scenario, q, tier=tier)
    assert line.total_eur >= 0 and line.unit_price_eur >= 0
    # only the tier (economy), a coarse tolerance (options) and a calibration may be discounts
    assert all(b.amount_eur >= 0 for b in line.breakdown if b.item not in ("tier", "options", "calibration"))
    cents = sum(round(b.amount_eur * 100) for b in line.breakdown)
    assert cents == round(line.total_eur * 100)
    assert line.interval.low_eur <= line.total_eur <= line.interval.high_eur
    assert {"material", "setup", "machining", "finishing", "options", "margin", "shipping"} <= {
        b.item for b in line.breakdown}
    assert line.co2_kg >= 0


@SETTINGS
@given(scenarios(), quantities, quantities)
def test_unit_price_never_rises_and_lead_time_never_shortens_with_quantity(scenario, q1, q2) -> None:
    lo, hi = sorted((q1, q2))
    a, b = _line(*scenario, lo), _line(*scenario, hi)
    # totals are rounded once to the cent, so a unit price may move by at most one cent of rounding
    assert b.total_eur / hi <= a.total_eur / lo + 0.01 / lo
    assert b.unit_price_eur <= a.unit_price_eur + 0.01
    assert b.lead_time_days >= a.lead_time_days
    assert b.ship_date >= a.ship_date


@SETTINGS
@given(scenarios(), quantities, st.floats(1.0, 3.0), st.sampled_from(["rate", "setup", "material", "margin"]))
def test_a_higher_rate_or_material_price_never_lowers_the_price(scenario, q, k, what) -> None:
    data, *rest = scenario
    base = _line(data, *rest, q)
    import copy

    more = copy.deepcopy(data)
    machine = more["processes"]["cnc_milling"]["machines"][0]
    if what == "rate":
        machine["rate_eur_h"] *= k
    elif what == "setup":
        machine["setup_rate_eur_h"] *= k
    elif what == "material":
        more["materials"]["al6061"]["price_eur_kg"] *= k
    else:
        more["commercial"]["margin_fraction"] = min(5.0, more["commercial"]["margin_fraction"] * k + 0.01)
    assert _line(more, *rest, q).total_eur >= base.total_eur


@SETTINGS
@given(scenarios(), quantities)
def test_expedite_never_slower_than_standard_never_slower_than_economy(scenario, q) -> None:
    eco, std, exp = (_line(*scenario, q, tier=t) for t in ("economy", "standard", "expedite"))
    assert exp.lead_time_days <= std.lead_time_days <= eco.lead_time_days
    assert exp.delivery_date <= std.delivery_date <= eco.delivery_date
    assert exp.total_eur >= std.total_eur >= eco.total_eur


def test_hand_computed_line() -> None:
    data = card_dict(**{"commercial.min_order_eur": 0.0, "shipping.base_eur": 0.0, "shipping.eur_per_kg": 0.0,
                        "materials.al6061": {"price_eur_kg": 10.0}})
    line = _line(data, 60.0, 30.0, 1.0, None, None, None, None, 1)
    items = {b.item: b.amount_eur for b in line.breakdown}
    # setup 60 min x 60 EUR/h; machining 30 min x 80 EUR/h; material 1 kg x 10 EUR/kg; margin 20 %
    assert items["setup"] == 60.0 and items["machining"] == 40.0 and items["material"] == 10.0
    assert items["margin"] == 22.0 and items["shipping"] == 0.0
    assert line.total_eur == 132.0
    # queue 16 h / 8 h a day = 2, production 1.5 h -> 1, inspection 1, shipping min 1 day
    assert line.lead_time_detail == {"queue": 2, "production": 1, "finishing": 1, "shipping": 1}
    assert line.ship_date == dt.date(2026, 3, 6) and line.delivery_date == dt.date(2026, 3, 9)


def test_finish_is_priced_from_the_card_with_its_minimum_and_days() -> None:
    data = card_dict()
    plain = _line(data, 60.0, 30.0, 1.0, None, None, None, None, 2)
    anod = _line(data, 60.0, 30.0, 1.0, "anodising", None, None, None, 2)
    fin = {b.item: b.amount_eur for b in anod.breakdown}["finishing"]
    assert fin == 80.0  # 2 x (0.025 m2 x 30 + 1) = 3.5 EUR, lifted to the 80 EUR batch minimum
    assert anod.lead_time_detail["finishing"] == plain.lead_time_detail["finishing"] + 3


def test_minimum_order_lifts_small_orders() -> None:
    data = card_dict(**{"commercial.min_order_eur": 500.0})
    line = _line(data, 10.0, 1.0, 0.1, None, None, None, None, 1)
    items = {b.item: b.amount_eur for b in line.breakdown}
    goods = sum(v for k, v in items.items() if k != "shipping")
    assert items["minimum_order"] > 0 and abs(goods - 500.0) <= 0.01


def test_quantity_breaks_discount_the_price_but_not_the_lead_time() -> None:
    data = card_dict(**{"commercial.quantity_pricing": "breaks",
                        "commercial.quantity_breaks": [{"min_quantity": 1, "run_factor": 1.0},
                                                       {"min_quantity": 21, "run_factor": 0.2}]})
    a, b = (_line(data, 60.0, 60.0, 0.5, None, None, None, None, q) for q in (20, 21))
    assert b.total_eur < a.total_eur
    assert b.lead_time_days >= a.lead_time_days and b.machine_h > a.machine_h


@SETTINGS
@given(st.integers(1, 60), st.integers(1, 8), st.floats(5, 300), st.floats(1, 120), st.floats(0, 5),
       quantities, quantities)
def test_additive_builds_unit_price_never_rises(per_build, per_slab, fixed, slab, per_part, q1, q2) -> None:
    from quoting.processes.base import BuildPlan as build_plan
    per_slab = min(per_slab, per_build)
    est = ProcessEstimate(
        Process.CNC_MILLING, "3axis", "al6061",
        [Operation("prep", 20.0, per_batch=True), Operation("post", per_part),
         Operation("build", fixed + slab * -(-per_build // per_slab), per_build=True)],
        Stock("powder", (10.0, 10.0, 10.0), 0.01),
        build=build_plan(per_build, per_slab, 10.0, fixed, slab),
    )
    c = RateCard.from_dict(card_dict(), "prop.toml")
    ctx = PricingContext(c, est, get_material("al6061"), 0.005, None, TODAY)
    lo, hi = sorted((q1, q2))
    a, b = price_line(ctx, lo).line, price_line(ctx, hi).line
    assert b.total_eur / hi <= a.total_eur / lo + 0.01 / lo
    assert b.lead_time_days >= a.lead_time_days and b.machine_h >= a.machine_h
    # a shared build can cost the same for 1 and for several parts: the larger order's total is the
    # unit price rounded to the cent x quantity, so it may sit up to half a cent per part below
    assert b.total_eur >= a.total_eur - 0.005 * hi
