"""price_line's result: the offer's line, and exactly what a learned cost model is given."""

from __future__ import annotations

import datetime as dt

import pytest

from quoting.materials import get_material
from quoting.money import to_cents
from quoting.options import canonical_tolerance, finish_keys, resolve_finish, tolerance_aliases, tolerance_class
from quoting.pricing import PricedLine, PricingContext, price_line
from quoting.process_kinds import Process, Tier
from quoting.processes.base import Operation, ProcessEstimate, Stock
from quoting.ratecard import RateCard
from tests.quoting.helpers import card_dict, features

TODAY = dt.date(2026, 3, 2)


def _ctx(**kwargs) -> PricingContext:
    est = ProcessEstimate(Process.CNC_MILLING, "3axis", "al6061",
                          [Operation("setup", 30.0, per_batch=True), Operation("run", 10.0)],
                          Stock("block", (50.0, 50.0, 20.0), 0.2))
    card = RateCard.from_dict(card_dict(), "priced.toml")
    return PricingContext(card, est, get_material("al6061"), 0.1, 120.0, TODAY, features=features(), **kwargs)


class _Model:
    version = "fake-1"

    def __init__(self) -> None:
        self.seen: list[tuple[dict, float]] = []

    def predict(self, features, context, rule_total_eur):
        self.seen.append((dict(context), rule_total_eur))
        return rule_total_eur * 1.2, rule_total_eur, rule_total_eur * 1.5, 0.9


def test_the_rule_priced_line_carries_the_model_context_and_its_total() -> None:
    priced = price_line(_ctx(tolerance="iso2768_f"), 10)
    assert isinstance(priced, PricedLine)
    line, context = priced.line, priced.context
    # issue 16 money contract: the total is the unit price (rounded once, half a cent at most) x 10
    assert priced.rule_total_eur == pytest.approx(line.total_eur, abs=0.005 * 10)
    assert line.total_cents == line.unit_price_cents * 10 == sum(b.amount_cents for b in line.breakdown)
    assert context["quantity"] == 10 and context["process"] == "cnc_milling" and context["tier"] == "standard"
    assert context["tolerance"] == "iso2768_f" and context["workshop_id"] == "test-shop"
    assert set(context["breakdown_eur"]) == {b.item for b in line.breakdown}
    assert sum(context["breakdown_eur"].values()) == pytest.approx(priced.rule_total_eur)


def test_a_cost_model_sees_the_same_context_and_rule_total_the_result_carries() -> None:
    model = _Model()
    priced = price_line(_ctx(cost_model=model, tier=Tier.EXPEDITE), 5)
    (seen_context, seen_total), = model.seen
    assert seen_total == priced.rule_total_eur and seen_context == dict(priced.context)
    assert "calibration" not in priced.context["breakdown_eur"]
    items = {b.item: b.amount_eur for b in priced.line.breakdown}
    # issue 16 money contract: the unit price is rounded once, the total is unit price x 5 exactly
    unit_cents = to_cents(priced.rule_total_eur * 1.2 / 5)
    assert "calibration" in items and priced.line.total_cents == unit_cents * 5 == round(priced.line.total_eur * 100)
    assert priced.line.interval.method == "calibrated on this workshop's past prices (fake-1)"


def test_option_lookups_live_in_options() -> None:
    assert canonical_tolerance("ISO 2768-f") == canonical_tolerance("iso2768-f") == "iso2768_f"
    assert canonical_tolerance("it6") is None
    aliases = tolerance_aliases()
    assert set(aliases.values()) == {tolerance_class(k).key for k in aliases.values()}
    assert resolve_finish("anodize") == "anodising" and "anodising" in finish_keys()


def test_rule_sample_prices_with_the_workshops_dfm_overrides_as_the_engine_does(monkeypatch) -> None:
    from quoting import calibration_samples
    from quoting.processes import process_models

    real = process_models()[Process.CNC_MILLING]
    seen: list[object] = []

    class Spy:
        def estimate(self, features, material, machine_class, *, overrides=None):
            seen.append(overrides)
            return real.estimate(features, material, machine_class, overrides=overrides)

    monkeypatch.setattr(calibration_samples, "process_models", lambda: {Process.CNC_MILLING: Spy()})
    data = card_dict()
    data["dfm"] = {"cnc_milling": {"cnc_min_wall_metal_mm": 2.0}}
    sample = calibration_samples.rule_sample(features(), RateCard.from_dict(data, "dfm.toml"), "cnc_milling",
                                             "al6061", 3)
    assert seen == [{"cnc_min_wall_metal_mm": 2.0}]
    assert sample.rule_total_eur > 0 and sample.context["quantity"] == 3
