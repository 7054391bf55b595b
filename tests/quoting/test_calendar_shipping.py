"""Business days (workdays, national and regional holidays, closures) and shipping (per km or by zone)."""

from __future__ import annotations

import datetime as dt

from quoting.leadtime import add_business_days, is_business_day, lead_time, public_holidays
from quoting.materials import get_material
from quoting.pricing import PricingContext, price_line
from quoting.process_kinds import Process
from quoting.processes.base import Operation, ProcessEstimate, Stock
from quoting.workshops import demo_workshops
from tests.quoting.helpers import card


def test_french_and_alsatian_holidays() -> None:
    good_friday = dt.date(2026, 4, 3)
    assert dt.date(2026, 7, 14) in public_holidays("FR", 2026)
    assert good_friday not in public_holidays("FR", 2026)
    assert good_friday in public_holidays("FR/6AE", 2026)
    strasbourg = next(c for c in demo_workshops() if c.id == "strasbourg-alsace-meca")
    assert strasbourg.holidays_country == "FR/6AE"
    assert not is_business_day(good_friday, strasbourg.calendar.workdays, strasbourg.holidays_country)


def test_add_business_days_skips_weekends_holidays_and_closures() -> None:
    week = ("mon", "tue", "wed", "thu", "fri")
    # Friday 10 July 2026 + 1 business day: the weekend, then Monday 13
    assert add_business_days(dt.date(2026, 7, 10), 1, week, "FR") == dt.date(2026, 7, 13)
    # Monday 13 July + 1: 14 July is a holiday -> Wednesday 15
    assert add_business_days(dt.date(2026, 7, 13), 1, week, "FR") == dt.date(2026, 7, 15)
    closed = [dt.date(2026, 7, 15), dt.date(2026, 7, 16)]
    assert add_business_days(dt.date(2026, 7, 13), 1, week, "FR", closed) == dt.date(2026, 7, 17)
    # a Saturday shop
    assert add_business_days(dt.date(2026, 7, 10), 1, (*week, "sat"), "FR") == dt.date(2026, 7, 11)
    assert add_business_days(dt.date(2026, 7, 10), 0, week, "FR") == dt.date(2026, 7, 10)


def test_lead_time_stages() -> None:
    lt = lead_time(backlog_h=20, machine_h=9, capacity_h_day=8, finishing_days=3, inspection_days=1,
                   shipping_days=2, day_factor=1.0, today=dt.date(2026, 3, 2), workdays=("mon", "tue", "wed",
                   "thu", "fri"), country="FR")
    assert (lt.queue_days, lt.production_days, lt.finishing_days, lt.make_days) == (3, 2, 3, 9)
    assert lt.ship_date == dt.date(2026, 3, 13) and lt.delivery_date == dt.date(2026, 3, 17)
    fast = lead_time(backlog_h=20, machine_h=9, capacity_h_day=8, finishing_days=3, inspection_days=1,
                     shipping_days=2, day_factor=0.5, today=dt.date(2026, 3, 2), workdays=("mon", "tue", "wed",
                     "thu", "fri"), country="FR")
    assert fast.make_days < lt.make_days


def _line(c, distance_km, quantity=1):
    est = ProcessEstimate(Process.CNC_MILLING, "3axis", "al6061",
                          [Operation("setup", 30.0, per_batch=True), Operation("run", 10.0)],
                          Stock("block", (50.0, 50.0, 20.0), 0.2))
    ctx = PricingContext(c, est, get_material("al6061"), 0.1, distance_km, dt.date(2026, 3, 2))
    return price_line(ctx, quantity).line


def test_shipping_by_zone_price_and_days() -> None:
    zones = {"mode": "zone", "eur_per_kg": 0.0,
             "zones": [{"max_km": 100, "price_eur": 10, "days": 1}, {"max_km": 800, "price_eur": 25, "days": 3}]}
    c = card(shipping=zones)
    near, far = _line(c, 50.0), _line(c, 500.0)  # road: 62.5 km, 625 km
    ship = {ln.quantity: next(b for b in ln.breakdown if b.item == "shipping") for ln in (near,)}
    assert ship[1].amount_eur == 10.0 and near.lead_time_detail["shipping"] == 1
    assert next(b for b in far.breakdown if b.item == "shipping").amount_eur == 25.0
    assert far.lead_time_detail["shipping"] == 3


def test_shipping_per_km_price_and_days() -> None:
    c = card(shipping={"base_eur": 10.0, "eur_per_km": 0.02, "eur_per_kg": 1.0, "days_per_500km": 1})
    line = _line(c, 800.0)  # 1000 km by road, 0.1 + 0.5 kg
    ship = next(b for b in line.breakdown if b.item == "shipping")
    assert ship.amount_eur == 10.0 + 20.0 + 0.6
    assert line.lead_time_detail["shipping"] == 2
    assert line.co2_detail["transport"] == round(0.6 / 1000 * 1000 * 0.6, 3)
