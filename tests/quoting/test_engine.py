"""The engine: eligibility reasons per rule, offers, sorting, best flags, process choice, reproducibility."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from geometry.errors import InputError
from geometry.features import Turning
from quoting.engine import quote
from quoting.errors import InvalidRequestError
from quoting.money import to_cents
from quoting.process_kinds import Process
from quoting.processes import process_models
from quoting.quote import Quote
from quoting.request import QuoteRequest
from quoting.workshops import demo_workshops
from tests.quoting.helpers import NOW, PARIS, StubModel, card, features, sheet, stub_models


@pytest.fixture
def stubs(monkeypatch):
    models = stub_models()
    monkeypatch.setattr("quoting.offers.process_models", lambda: models)
    return models


def _request(cards=None, **req) -> QuoteRequest:
    req.setdefault("material", "al6061")
    return QuoteRequest.parse(**req, known_finishes={k for c in cards or [card()] for k in c.finishes})


def _q(feat=None, cards=None, **req):
    return quote(feat or features(), _request(cards, **req), cards or [card()], NOW)


def _reasons(result: Quote) -> dict[str, list[str]]:
    return {i.workshop_id: i.codes for i in result.ineligible}


# --- eligibility: one test per rule, each with its reason


def test_eligible_part_gets_an_offer(stubs) -> None:
    result = _q(process="cnc_milling")
    assert [o.workshop_id for o in result.offers] == ["test-shop"] and not result.ineligible
    offer = result.offers[0]
    assert offer.machine == "VMC" and offer.demo and offer.ratecard_hash == card().version_hash


def test_too_far(stubs) -> None:
    result = _q(ship_to=(64.13, -21.9))  # Reykjavik
    (item,) = result.ineligible
    assert item.codes == ["too_far"] and "the workshop ships up to 1000 km" in item.reasons[0]


def test_too_far_beyond_last_zone(stubs) -> None:
    c = card(**{"commercial.max_distance_km": 5000,
                "shipping": {"mode": "zone", "zones": [{"max_km": 100, "price_eur": 10, "days": 1}]}})
    result = _q(ship_to=PARIS, cards=[c])
    assert _reasons(result) == {"test-shop": ["too_far"]}
    assert "beyond the workshop's last shipping zone" in result.ineligible[0].reasons[0]


def test_material_not_stocked(stubs) -> None:
    result = _q(material="ti6al4v")
    assert _reasons(result) == {"test-shop": ["material_not_stocked"]}
    assert "material not stocked: Titanium" in result.ineligible[0].reasons[0]


def test_finish_and_tolerance_not_offered(stubs) -> None:
    result = _q(finish="powder_coating", tolerance="precision_0_01")
    assert _reasons(result) == {"test-shop": ["finish_not_offered", "tolerance_not_offered"]}
    assert "(offers: anodising)" in result.ineligible[0].reasons[0]


def test_tolerance_aliases_are_accepted(stubs) -> None:
    for name in ("f", "iso2768-f", "ISO2768F"):
        result = _q(tolerance=name, process="cnc_milling")
        assert result.offers and result.request.tolerance == "iso2768_f"


def test_process_not_offered(stubs) -> None:
    result = _q(process="printing_sls")
    assert _reasons(result) == {"test-shop": ["process_not_offered"]}


def test_every_process_has_a_model() -> None:
    # so a workshop never offers a process microfab cannot estimate (no "process_not_estimated" reason)
    models = process_models()
    assert set(models) == set(Process)
    assert all(models[p].process is p for p in Process)


def test_outside_envelope(stubs) -> None:
    result = _q(features(bbox_mm=(900.0, 100.0, 50.0)), process="cnc_milling")
    assert _reasons(result) == {"test-shop": ["outside_envelope"]}
    assert "outside the machine envelope 500 x 400 x 300 mm" in result.ineligible[0].reasons[0]


def test_sheet_too_thick_too_large_brake_short_and_weak(stubs) -> None:
    cases = {
        "sheet_too_thick": sheet(thickness_mm=8.0, bend_length_mm=100.0),
        "sheet_too_large": sheet(flat_bbox_mm=(3000.0, 500.0), bend_length_mm=100.0),
        "brake_too_short": sheet(bend_length_mm=1200.0),
        "brake_tonnage": sheet(thickness_mm=6.0, bend_length_mm=900.0),
    }
    for code, sm in cases.items():
        result = _q(features(sheet=sm), material="s235", process="sheet_metal")
        assert _reasons(result) == {"test-shop": [code]}, code
    ok = _q(features(sheet=sheet()), material="s235", process="sheet_metal")
    assert ok.offers and ok.offers[0].process == "sheet_metal"


def test_lathe_limits(stubs) -> None:
    big = Turning(axis=(0.0, 0.0, 1.0), max_diameter_mm=250.0, length_mm=100.0)
    result = _q(features(bbox_mm=(150.0, 150.0, 100.0), turning=big), process="cnc_turning")
    assert _reasons(result) == {"test-shop": ["diameter_too_large"]}


def test_dfm_error_under_the_workshop_thresholds(monkeypatch) -> None:
    models = {Process.CNC_MILLING: StubModel(Process.CNC_MILLING)}
    monkeypatch.setattr("quoting.offers.process_models", lambda: models)
    strict = card(**{"dfm": {"cnc_milling": {"cnc_min_tool_radius_mm": 6.0}}})
    result = _q(cards=[strict, card(id="lenient-shop")], process="cnc_milling")
    assert _reasons(result) == {"test-shop": ["dfm_error"]}
    assert [o.workshop_id for o in result.offers] == ["lenient-shop"]
    assert {"cnc_min_tool_radius_mm": 6.0} in models[Process.CNC_MILLING].seen_overrides
    assert any(f.code == "too_long" for f in result.dfm)


def test_cheapest_machine_of_a_process_is_used(stubs) -> None:
    two = card(**{"processes.cnc_milling.machines": [
        {"machine_class": "5axis", "name": "five", "rate_eur_h": 120, "setup_rate_eur_h": 80,
         "envelope_mm": [500, 400, 300]},
        {"machine_class": "3axis", "name": "three", "rate_eur_h": 70, "setup_rate_eur_h": 50,
         "envelope_mm": [300, 200, 100]}]})
    assert _q(cards=[two], process="cnc_milling").offers[0].machine == "three"
    big = features(bbox_mm=(400.0, 100.0, 50.0))
    assert _q(big, cards=[two], process="cnc_milling").offers[0].machine == "five"


# --- offers, sorting, flags, process choice


def _shops():
    return [
        card(id="cheap-far", **{"location.lat": 43.3, "location.lon": 5.37,
                                "processes.cnc_milling.machines": [
                                    {"machine_class": "3axis", "rate_eur_h": 40, "setup_rate_eur_h": 30,
                                     "envelope_mm": [500, 400, 300], "power_kw": 30}],
                                "processes.cnc_milling.backlog_h": 200}),
        card(id="near-fast", **{"location.lat": 48.9, "location.lon": 2.4,
                                "processes.cnc_milling.backlog_h": 0}),
    ]


def test_sorting_and_best_flags(stubs) -> None:
    by_price = _q(cards=_shops(), ship_to=PARIS, process="cnc_milling")
    assert [o.workshop_id for o in by_price.offers] == ["cheap-far", "near-fast"]
    flags = {o.workshop_id: set(o.best_for) for o in by_price.offers}
    assert "price" in flags["cheap-far"] and {"lead_time", "distance"} <= flags["near-fast"]
    for key in ("lead_time", "distance"):
        result = _q(cards=_shops(), ship_to=PARIS, process="cnc_milling", sort_by=key)
        assert result.offers[0].workshop_id == "near-fast", key
    co2 = _q(cards=_shops(), ship_to=PARIS, process="cnc_milling", sort_by="co2")
    assert [o.lines[0].co2_kg for o in co2.offers] == sorted(o.lines[0].co2_kg for o in co2.offers)


def test_process_choice_per_quantity(stubs) -> None:
    both = card(**{"processes.sheet_metal.machines": [
        {"machine_class": "fiber_laser_brake", "rate_eur_h": 200, "setup_rate_eur_h": 10,
         "max_sheet_mm": [2500, 1250], "max_thickness_mm": 6, "brake_length_mm": 1000}]})
    result = _q(features(sheet=sheet()), cards=[both], material="s235", quantities=(1, 100))
    assert {o.process for o in result.offers} == {"cnc_milling", "sheet_metal", "cnc_turning"}
    assert [c.quantity for c in result.process_choice] == [1, 100]
    for choice in result.process_choice:
        assert choice.total_eur == min(choice.by_process.values())
        assert choice.by_process[choice.cheapest_process] == choice.total_eur
    # low setup wins at 1 pc, low rate at 100 pc
    assert result.process_choice[0].cheapest_process == "sheet_metal"
    assert result.process_choice[1].cheapest_process != "sheet_metal"
    assert not _q(process="cnc_milling").process_choice


def test_need_by_and_tier_on_each_line(stubs) -> None:
    result = _q(process="cnc_milling", need_by=dt.date(2026, 3, 4), tier="expedite", quantities=(1, 10))
    for line in result.offers[0].lines:
        assert line.tier == "expedite" and line.meets_need_by is (line.delivery_date <= dt.date(2026, 3, 4))
    assert any(b.item == "tier" for b in result.offers[0].lines[0].breakdown)


def test_lead_time_skips_weekends_and_public_holidays(stubs) -> None:
    # Thursday 30 April 2026: 1 May (Friday) is a French public holiday, then a weekend
    c = card(**{"processes.cnc_milling.backlog_h": 0})
    r = quote(features(), _request([c], process="cnc_milling"), [c],
              dt.datetime(2026, 4, 30, 9, tzinfo=dt.UTC))
    line = r.offers[0].lines[0]
    assert line.lead_time_detail["queue"] == 0
    # production 1 + inspection 1 business days: Mon 4 May, Tue 5 May; shipping 1 day: Wed 6 May
    assert line.ship_date == dt.date(2026, 5, 5) and line.delivery_date == dt.date(2026, 5, 6)


# --- reproducibility and the record


def test_same_input_same_versions_same_prices(stubs) -> None:
    a = _q(cards=_shops(), ship_to=PARIS, quantities=(1, 7, 250), finish="anodising")
    b = quote(features(), _request(_shops(), quantities=(1, 7, 250), ship_to=PARIS, finish="anodising"), _shops(),
              NOW + dt.timedelta(hours=3))
    assert a.versions == b.versions and a.id != b.id
    strip = [(o.workshop_id, o.process, [(ln.total_eur, ln.breakdown, ln.interval, ln.co2_kg) for ln in o.lines])
             for o in a.offers]
    assert strip == [(o.workshop_id, o.process, [(ln.total_eur, ln.breakdown, ln.interval, ln.co2_kg)
                                                 for ln in o.lines]) for o in b.offers]
    assert set(a.versions) >= {"features_schema", "ratecards_sha256", "data_sha256", "cost_model", "microfab"}
    assert a.valid_until - a.created_at == dt.timedelta(days=20)


def test_quote_json_round_trip(stubs) -> None:
    q = _q(cards=_shops(), ship_to=PARIS, need_by=dt.date(2026, 4, 1), quantities=(1, 10))
    again = Quote.from_dict(q.to_dict())
    assert again == q


def test_a_rate_card_change_changes_the_version(stubs) -> None:
    a = _q(process="cnc_milling")
    b = _q(cards=[card(**{"commercial.margin_fraction": 0.25})], process="cnc_milling")
    assert a.versions["ratecards_sha256"] != b.versions["ratecards_sha256"]
    assert b.offers[0].lines[0].total_eur > a.offers[0].lines[0].total_eur


class _Model:
    version = "test-model-1"

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def predict(self, features, context, rule_total_eur):
        self.calls.append((context["workshop_id"], context["quantity"], rule_total_eur))
        return rule_total_eur * 1.1 + 0.004, rule_total_eur, rule_total_eur * 1.3, 0.8


def test_cost_model_adds_a_calibration_line(stubs) -> None:
    model = _Model()
    shops = _shops()
    r = quote(features(), _request(shops, quantities=(1, 10), process="cnc_milling"), shops, NOW,
              cost_models={"near-fast": model})
    by_id = {o.workshop_id: o for o in r.offers}
    cal, plain = by_id["near-fast"], by_id["cheap-far"]
    assert cal.calibrated and cal.model_version == "test-model-1" and not plain.calibrated
    for line, (_, qty, rule_total) in zip(cal.lines, model.calls, strict=True):
        items = {b.item: b.amount_cents for b in line.breakdown}
        assert "calibration" in items and line.quantity == qty
        # issue 16 money contract: the unit price is rounded once, the total is unit x quantity exactly
        unit_cents = to_cents((rule_total * 1.1 + 0.004) / qty)
        assert sum(items.values()) == line.total_cents == unit_cents * qty == round(line.total_eur * 100)
        assert line.interval.level == 0.8 and line.interval.method.startswith("calibrated")
    assert "near-fast:test-model-1" in r.versions["cost_model"]


def test_demo_workshops_quote_with_the_stub_models(stubs) -> None:
    r = quote(features(), _request(demo_workshops(), quantities=(1, 50), ship_to=PARIS), demo_workshops(), NOW)
    assert len(r.offers) >= 6
    ids = {o.workshop_id for o in r.offers} | {i.workshop_id for i in r.ineligible}
    assert ids == {c.id for c in demo_workshops()}
    assert all(dataclasses.asdict(o)["lines"] for o in r.offers)


# --- priced options (quoting.options): finishes at default prices, tolerance classes, threads


def _items(result: Quote, i: int = 0) -> dict[str, float]:
    return {b.item: b.amount_eur for b in result.offers[0].lines[i].breakdown}


def test_tolerance_classes_price_machining_time_and_inspection(stubs) -> None:
    base = _q(process="cnc_milling", quantities=(10,))
    fine = _q(process="cnc_milling", quantities=(10,), tolerance="f")
    coarse = _q(process="cnc_milling", quantities=(10,), tolerance="c")
    assert _items(base)["options"] == 0.0
    assert _items(fine)["options"] > 0 and fine.offers[0].lines[0].total_eur > base.offers[0].lines[0].total_eur
    assert _items(coarse)["options"] < 0 < coarse.offers[0].lines[0].total_eur
    detail = next(b.detail for b in fine.offers[0].lines[0].breakdown if b.item == "options")
    assert "ISO 2768-f" in detail and "machining time" in detail


def test_requested_threads_are_priced_and_take_machine_time(stubs) -> None:
    plain = _q(process="cnc_milling", quantities=(5,))
    threaded = _q(process="cnc_milling", quantities=(5,), threads={"M6": 4})
    assert _items(threaded)["options"] > 0
    assert threaded.offers[0].lines[0].machine_h > plain.offers[0].lines[0].machine_h
    with pytest.raises(InputError, match="unknown thread 'M7'"):
        _q(process="cnc_milling", threads={"M7": 1})
    with pytest.raises(InvalidRequestError, match="thread sizes and counts"):
        _q(process="cnc_milling", threads={"M6": -1})


def test_finish_at_microfab_default_price_and_aliases(stubs) -> None:
    c = card(**{"finishes": {"anodising": {"days": 5}}})
    result = _q(cards=[c], process="cnc_milling", finish="anodising", quantities=(1, 20))
    line = result.offers[0].lines[1]
    finishing = next(b for b in line.breakdown if b.item == "finishing")
    assert finishing.amount_eur > 0 and "microfab default price" in finishing.detail
    assert line.lead_time_detail["finishing"] >= 1 + 5


def test_finish_not_applicable_to_the_material(stubs) -> None:
    c = card(**{"finishes": {"anodising": {"days": 5}}})
    result = _q(cards=[c], material="s235", finish="anodising")
    assert _reasons(result) == {"test-shop": ["finish_not_applicable"]}
    assert "does not go on steel" in result.ineligible[0].reasons[0]


def test_sheet_thickness_limit_per_material_family(stubs) -> None:
    c = card(**{"materials.ss304": {}, "processes.sheet_metal.machines": [
        {"machine_class": "fiber_laser_brake", "rate_eur_h": 90, "setup_rate_eur_h": 60, "max_thickness_mm": 6,
         "max_thickness_mm_by_family": {"stainless": 3}}]})
    part = features(sheet=sheet(thickness_mm=4.0, bend_length_mm=100.0))
    assert _q(part, cards=[c], material="s235", process="sheet_metal").offers
    stainless = _q(part, cards=[c], material="ss304", process="sheet_metal")
    assert _reasons(stainless) == {"test-shop": ["sheet_too_thick"]}
    assert "3.0 mm the machine cuts in stainless" in stainless.ineligible[0].reasons[0]


def test_fixed_setup_charge_and_learning_exponent(stubs) -> None:
    plain = _q(process="cnc_milling", quantities=(8,))
    data_machine = {"machine_class": "3axis", "name": "VMC", "rate_eur_h": 80, "setup_rate_eur_h": 60,
                    "envelope_mm": [500, 400, 300], "power_kw": 10, "setup_eur": 45.0}
    fixed = _q(cards=[card(**{"processes.cnc_milling.machines": [data_machine]})], process="cnc_milling",
               quantities=(8,))
    assert _items(fixed)["setup"] == pytest.approx(_items(plain)["setup"] + 45.0)
    # exponent log2(0.9) is the same curve as learning_rate 0.9
    expo = _q(cards=[card(**{"commercial.learning_exponent": -0.15200309344504997})], process="cnc_milling",
              quantities=(8,))
    assert _items(expo)["machining"] == pytest.approx(_items(plain)["machining"], abs=0.01)
