"""Minimal regressions for bugs found by the property tests."""

from __future__ import annotations

import copy

from quoting.money import allocate_cents, round_eur
from tests.quoting.helpers import card_dict
from tests.quoting.test_pricing_properties import _line


def test_coarse_tolerance_saving_never_exceeds_machine_time() -> None:
    # a 2-second part with ISO 2768-c: the inspection saving (0.2 min) is larger than the machining;
    # doubling the rate used to lower the price by a cent
    data = card_dict(**{
        "processes.cnc_milling.machines": [{"machine_class": "3axis", "rate_eur_h": 1.0, "setup_rate_eur_h": 1.0,
                                            "envelope_mm": [500, 400, 300], "power_kw": 0.0}],
        "commercial.margin_fraction": 0.0, "commercial.min_order_eur": 0.0,
        "materials.al6061": {"price_eur_kg": 0.5, "markup_fraction": 0.0, "surcharge_eur": 0.0},
        "shipping.base_eur": 0.0, "shipping.eur_per_kg": 0.0})
    rest = [0.0, 0.03125, 1.0, None, None, "iso2768_c", None]
    base = _line(data, *rest, 1)
    more = copy.deepcopy(data)
    more["processes"]["cnc_milling"]["machines"][0]["rate_eur_h"] = 2.0
    assert _line(more, *rest, 1).total_eur >= base.total_eur
    assert all(b.amount_eur >= 0 for b in base.breakdown if b.item != "options")
    assert sum(b.amount_eur for b in base.breakdown if b.item in ("machining", "options")) >= 0


def test_sums_equal_on_paper_round_the_same_way() -> None:
    goods = 0.1 + 0.2 + 0.305  # 0.605 with float noise
    topped_up = [goods, 1.0 - goods, 0.005]  # a minimum order of 1.00 + half a cent of shipping
    assert allocate_cents(topped_up)[1] == round_eur(1.005) == 1.01
