"""A draft rate card's effect on reference parts: each part priced with the current card and the draft.

Nothing is stored: the two cards price the parts through the same engine as a quote
(``quoting.engine.quote_components``, the workshop's calibrated model, one date), and
the answer compares this workshop's cheapest offer per quantity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from geometry import Measured
from quoting.engine import quote_components
from quoting.quote import Quote
from quoting.ratecard import RateCard
from quoting.request import QuoteRequest

__all__ = ["preview_prices"]


def preview_prices(parts: Sequence[tuple[str, Measured]], request: QuoteRequest, current: RateCard,
                   draft: RateCard, cost_models: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per part: its lines (quantity, the current and the draft card's cheapest offer, the change in cents),
    and why a card makes no offer. ``parts``: (part id, measurement) pairs."""
    now = dt.datetime.now(dt.UTC)
    out = []
    for part_id, measured in parts:
        before, after = (quote_components(measured.features, measured.components, request, [card], now,
                                          cost_models=cost_models) for card in (current, draft))
        lines = []
        for i, quantity in enumerate(request.quantities):
            old, new = _cheapest(before, current.id, i), _cheapest(after, draft.id, i)
            delta = new["total_cents"] - old["total_cents"] if old and new else None
            lines.append({"quantity": quantity, "current": old, "draft": new, "delta_cents": delta})
        out.append({"part_id": part_id, "filename": measured.features.source.filename, "lines": lines,
                    "current_reasons": _reasons(before, current.id), "draft_reasons": _reasons(after, draft.id)})
    return out


def _cheapest(quote: Quote, workshop_id: str, index: int) -> dict[str, Any] | None:
    """The workshop's lowest total for the ``index``-th quantity (None: it makes no offer)."""
    best: dict[str, Any] | None = None
    for offer in quote.offers:
        if offer.workshop_id != workshop_id or index >= len(offer.lines):
            continue
        line = offer.lines[index]
        if best is None or line.total_cents < best["total_cents"]:
            best = {"total_cents": line.total_cents, "unit_price_cents": line.unit_price_cents,
                    "currency": offer.currency, "process": str(offer.process), "machine": offer.machine,
                    "lead_time_days": line.lead_time_days}
    return best


def _reasons(quote: Quote, workshop_id: str) -> list[str]:
    return [r for ine in quote.ineligible if ine.workshop_id == workshop_id for r in ine.reasons]
