"""Kit offers: a file of several distinct solids, quoted as one kit per workshop.

Each solid is quoted on its own at quantity x its count in the file
(``Quote.components``); a workshop able to make every solid gets one kit offer
whose lines (one per requested number of kits) add up its cheapest offer for
each solid. Each solid is its own order line, so minimum order and shipping
count once per solid (a conservative price).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from quoting.money import absorb_rounding, line_cents
from quoting.offers import Reasons
from quoting.process_kinds import Process
from quoting.quote import BreakdownLine, Component, Ineligible, Interval, Offer, QuoteLine
from quoting.ratecard import RateCard


def kit_offers(components: Sequence[Component], cards: Sequence[RateCard],
               quantities: Sequence[int]) -> tuple[list[Offer], list[Ineligible]]:
    """One offer per workshop able to make every solid: per kit quantity, the sum of its cheapest offers."""
    offers: list[Offer] = []
    ineligible: list[Ineligible] = []
    for card in cards:
        chosen: list[Offer] = []
        why = Reasons()
        for comp in components:
            mine = [o for o in comp.offers if o.workshop_id == card.id]
            if mine:
                chosen.append(min(mine, key=lambda o: (o.lines[0].total_eur, o.process)))
                continue
            for item in comp.ineligible:
                if item.workshop_id == card.id:
                    for code, msg in zip(item.codes or ["not_eligible"] * len(item.reasons), item.reasons,
                                         strict=True):
                        why.add(code, f"solid {comp.index}: {msg}")
        if why.codes or len(chosen) != len(components):
            ineligible.append(why.ineligible(card))
            continue
        offers.append(_kit_offer(components, chosen, quantities))
    return offers, ineligible


def _kit_offer(components: Sequence[Component], chosen: Sequence[Offer], quantities: Sequence[int]) -> Offer:
    """The kit offer of one workshop from its chosen offer per solid (in the order of ``components``)."""
    processes = list(dict.fromkeys(o.process for o in chosen))
    # one process for the whole kit stays a Process; several are named together, e.g. cnc_milling+sheet_metal
    process: Process | str = processes[0] if len(processes) == 1 else "+".join(processes)
    return replace(
        chosen[0],
        process=process,
        machine_class="+".join(dict.fromkeys(o.machine_class for o in chosen)),
        machine="+".join(dict.fromkeys(o.machine for o in chosen)),
        lines=[sum_lines([o.lines[i] for o in chosen], q) for i, q in enumerate(quantities)],
        operations=[op for o in chosen for op in o.operations],
        stock="; ".join(f"solid {c.index} x{c.count}: {o.stock}" for c, o in zip(components, chosen, strict=True)),
        findings=[f for o in chosen for f in o.findings],
        assumptions=list(dict.fromkeys(a for o in chosen for a in o.assumptions)),
        calibrated=all(o.calibrated for o in chosen),
        best_for=[],
    )


def sum_lines(lines: Sequence[QuoteLine], kits: int) -> QuoteLine:
    """One kit line from the component lines: money (in cents) and CO2 add up, dates and days take the latest."""
    items: dict[str, int] = {}
    details: dict[str, list[str]] = {}
    for line in lines:
        for b in line.breakdown:
            items[b.item] = items.get(b.item, 0) + b.amount_cents
            if b.detail:
                details.setdefault(b.item, []).append(b.detail)
    cents = line_cents([c / 100 for c in items.values()], kits)
    low_cents = sum(line.interval.low_cents for line in lines)
    high_cents = sum(line.interval.high_cents for line in lines)
    co2: dict[str, float] = {}
    days: dict[str, int] = {}
    for line in lines:
        for k, v in line.co2_detail.items():
            co2[k] = round(co2.get(k, 0.0) + v, 3)
        for k, d in line.lead_time_detail.items():
            days[k] = max(days.get(k, 0), d)
    needs = [line.meets_need_by for line in lines]
    return QuoteLine(
        quantity=kits,
        unit_price_eur=cents.unit_cents / 100,
        total_eur=cents.total_cents / 100,
        unit_price_cents=cents.unit_cents,
        total_cents=cents.total_cents,
        # the solids' totals are multiples of the number of kits: the kit's unit price needs no rounding
        breakdown=[BreakdownLine(k, c / 100, " | ".join(details.get(k, [])), c) for k, c in
                   zip(items, absorb_rounding(list(items), cents.item_cents, cents.rounding_cents), strict=True)],
        interval=Interval(low_cents / 100, high_cents / 100, level=min(line.interval.level for line in lines),
                          method="sum of the solids' intervals: " + lines[0].interval.method, low_cents=low_cents,
                          high_cents=high_cents),
        lead_time_days=max(line.lead_time_days for line in lines),
        ship_date=max(line.ship_date for line in lines),
        delivery_date=max(line.delivery_date for line in lines),
        co2_kg=round(sum(line.co2_kg for line in lines), 3),
        tier=lines[0].tier,
        lead_time_detail=days,
        co2_detail=co2,
        machine_h=round(sum(line.machine_h for line in lines), 3),
        meets_need_by=None if needs[0] is None else all(bool(n) for n in needs),
    )


__all__ = ["kit_offers", "sum_lines"]
