"""EstimateMemo's priced lines, machine offers and workshop plans: kept across re-quotes of a part, never
used once what they depend on changed (rate-card version, cost model, day, request)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from quoting.engine import quote
from quoting.memo import EstimateMemo
from quoting.request import QuoteRequest
from tests.quoting.helpers import NOW, card, features


def _total(q: Any, workshop: str = "shop-0") -> int:
    return next(o for o in q.offers if o.workshop_id == workshop).lines[0].total_cents


def _same(a: Any, b: Any) -> bool:
    return a.to_json().replace(a.id.encode(), b.id.encode()) == b.to_json()


@dataclass(frozen=True)
class _Model:
    """A learned cost model that doubles the rule price; unhashable and equal to its copies, like
    ``models.WorkshopCostModel`` (a frozen dataclass with a dict)."""

    version: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def calls(self) -> int:
        return int(self.meta.get("calls", 0))

    def predict(self, features: Any, context: Any, rule_total_eur: float) -> tuple[float, float, float, float]:
        self.meta["calls"] = self.calls + 1
        return 2 * rule_total_eur, 1.8 * rule_total_eur, 2.2 * rule_total_eur, 0.8


@pytest.mark.parametrize("quantities", ["1", "1,10,100"])
def test_a_repeated_quote_prices_nothing_again_and_is_the_same(monkeypatch: pytest.MonkeyPatch,
                                                               quantities: str) -> None:
    import quoting.offers

    priced: list[int] = []
    real = quoting.offers.price_line
    monkeypatch.setattr("quoting.offers.price_line", lambda ctx, q: priced.append(q) or real(ctx, q))
    memo, part, cards = EstimateMemo(), features(), [card(id="shop-0", name="Shop 0")]
    request = QuoteRequest.parse(material="al6061", quantities=quantities)
    first = quote(part, request, cards, NOW, memo=memo)
    count = len(priced)
    assert count > 0
    again = quote(part, request, cards, NOW, memo=memo)
    assert len(priced) == count and _same(again, first)
    assert _same(again, quote(part, request, cards, NOW))  # and the same as without a memo


def test_other_quantities_reuse_the_lines_already_priced(monkeypatch: pytest.MonkeyPatch) -> None:
    import quoting.offers

    priced: list[int] = []
    real = quoting.offers.price_line
    monkeypatch.setattr("quoting.offers.price_line", lambda ctx, q: priced.append(q) or real(ctx, q))
    memo, part, cards = EstimateMemo(), features(), [card(id="shop-0", name="Shop 0")]
    quote(part, QuoteRequest.parse(material="al6061", quantities="1,10"), cards, NOW, memo=memo)
    before = len(priced)
    q = quote(part, QuoteRequest.parse(material="al6061", quantities="10,50"), cards, NOW, memo=memo)
    assert set(priced[before:]) == {50}  # only the new quantity is priced
    assert _same(q, quote(part, QuoteRequest.parse(material="al6061", quantities="10,50"), cards, NOW))


def test_a_new_rate_card_version_prices_afresh() -> None:
    memo, part = EstimateMemo(), features()
    request = QuoteRequest.parse(material="al6061")
    old = quote(part, request, [card(id="shop-0", name="Shop 0")], NOW, memo=memo)
    dearer = [card(id="shop-0", name="Shop 0", **{"commercial.margin_fraction": 0.9})]
    new = quote(part, request, dearer, NOW, memo=memo)
    assert _total(new) > _total(old)
    assert _same(new, quote(part, request, dearer, NOW))


def test_a_new_cost_model_prices_afresh() -> None:
    memo, part, cards = EstimateMemo(), features(), [card(id="shop-0", name="Shop 0")]
    request = QuoteRequest.parse(material="al6061")
    rule = quote(part, request, cards, NOW, memo=memo)
    first = _Model("v1")
    calibrated = quote(part, request, cards, NOW, cost_models={"shop-0": first}, memo=memo)
    assert first.calls > 0 and _total(calibrated) > _total(rule)
    second = _Model("v2")
    again = quote(part, request, cards, NOW, cost_models={"shop-0": second}, memo=memo)
    assert second.calls > 0  # another model object: its own lines
    assert next(o for o in again.offers if o.workshop_id == "shop-0").model_version == "v2"
    twin = _Model("v2", dict(second.meta))  # equal to the second, but another object (a model reloaded)
    quote(part, request, cards, NOW, cost_models={"shop-0": twin}, memo=memo)
    assert twin.calls > second.calls


def test_another_day_prices_afresh() -> None:
    memo, part, cards = EstimateMemo(), features(), [card(id="shop-0", name="Shop 0")]
    request = QuoteRequest.parse(material="al6061")
    monday = quote(part, request, cards, NOW, memo=memo)
    tuesday = quote(part, request, cards, NOW + dt.timedelta(days=1), memo=memo)
    ship = [next(o for o in q.offers).lines[0].ship_date for q in (monday, tuesday)]
    assert ship[0] != ship[1]
    assert _same(tuesday, quote(part, request, cards, NOW + dt.timedelta(days=1)))


@pytest.mark.parametrize("fields", [{"finish": "anodize_clear"}, {"tolerance": "iso2768-f"}, {"tier": "expedite"},
                                    {"ship_to": "45.76,4.83"}, {"material": "al7075"}])
def test_another_request_prices_afresh(fields: dict[str, str]) -> None:
    memo, part, cards = EstimateMemo(), features(), [card(id="shop-0", name="Shop 0")]
    quote(part, QuoteRequest.parse(material="al6061"), cards, NOW, memo=memo)
    request = QuoteRequest.parse(**({"material": "al6061"} | fields))
    assert _same(quote(part, request, cards, NOW, memo=memo), quote(part, request, cards, NOW))


def test_the_memo_keeps_at_most_its_lines() -> None:
    memo, part, cards = EstimateMemo(lines=5), features(), [card(id=f"shop-{i}", name=f"S{i}") for i in range(3)]
    for quantities in ("1", "2,3", "4,5,6", "1"):
        request = QuoteRequest.parse(material="al6061", quantities=quantities)
        assert _same(quote(part, request, cards, NOW, memo=memo), quote(part, request, cards, NOW))
        assert len(memo._lines) <= 5
