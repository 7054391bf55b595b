"""Inquiry.estimate: one process estimate per (process, machine class, overrides) and request."""

from __future__ import annotations

from quoting.engine import quote
from quoting.process_kinds import Process
from quoting.request import QuoteRequest
from tests.quoting.helpers import NOW, card, features, stub_models


def _cards(n: int, **changes):
    return [card(id=f"shop-{i}", name=f"Shop {i}", **changes) for i in range(n)]


def test_workshops_of_one_machine_class_share_one_estimate(monkeypatch) -> None:
    models = stub_models()
    monkeypatch.setattr("quoting.offers.process_models", lambda: models)
    cards = _cards(3)
    result = quote(features(), QuoteRequest.parse(material="al6061", process="cnc_milling"), cards, NOW)
    assert sorted(o.workshop_id for o in result.offers) == ["shop-0", "shop-1", "shop-2"]
    assert len(models[Process.CNC_MILLING].seen_overrides) == 1


def test_a_new_request_estimates_again(monkeypatch) -> None:
    models = stub_models()
    monkeypatch.setattr("quoting.offers.process_models", lambda: models)
    request = QuoteRequest.parse(material="al6061", process="cnc_milling")
    for _ in range(2):
        quote(features(), request, _cards(2), NOW)
    assert len(models[Process.CNC_MILLING].seen_overrides) == 2


def test_an_error_is_shared_too(monkeypatch) -> None:
    models = stub_models(fail_code="too_long")
    monkeypatch.setattr("quoting.offers.process_models", lambda: models)
    result = quote(features(), QuoteRequest.parse(material="al6061", process="cnc_milling"), _cards(3), NOW)
    assert not result.offers and len(result.ineligible) == 3
    assert all("dfm_error" in i.codes for i in result.ineligible)


def test_a_memo_keeps_estimates_across_requests(monkeypatch) -> None:
    from dataclasses import replace

    from quoting.offers import EstimateMemo

    models = stub_models()
    monkeypatch.setattr("quoting.offers.process_models", lambda: models)
    memo, part = EstimateMemo(), features()
    seen = models[Process.CNC_MILLING].seen_overrides
    for quantities in ("1", "5,50"):
        quote(part, QuoteRequest.parse(material="al6061", quantities=quantities, process="cnc_milling"),
              _cards(2), NOW, memo=memo)
    assert len(seen) == 1
    quote(part, QuoteRequest.parse(material="s235", process="cnc_milling"), _cards(2), NOW, memo=memo)
    assert len(seen) == 2  # another material: estimated again
    quote(replace(part), QuoteRequest.parse(material="al6061", process="cnc_milling"), _cards(2), NOW, memo=memo)
    assert len(seen) == 3  # an equal copy of the part is another part to the memo


def test_a_memo_forgets_the_oldest_part() -> None:
    from quoting.offers import EstimateMemo

    memo = EstimateMemo(parts=1)
    first, second = features(), features()
    memo.of(first)["k"] = 1
    assert memo.of(first)["k"] == 1
    memo.of(second)
    assert "k" not in memo.of(first)
