"""The machining unit-price curve from 1 to 100 parts and the time ratio per material.

``python -m benchmarks.realism.curve``: for the realism benchmark's milled parts, each material's
cheapest and median unit price at 1, 10 and 100 parts (order minimum and shipping left out, as in
the realism table), the 100 : 1 ratio (published curves: 0.06-0.13), and the cutting minutes
against the same part in aluminium 6061.
"""

from __future__ import annotations

import statistics

from benchmarks.realism.run import CUTTING, NOW, features
from quoting.engine import quote
from quoting.materials import get_material
from quoting.process_kinds import Process
from quoting.processes import process_models
from quoting.request import QuoteRequest

PARTS = ("bracket100x50x20", "housing80x60x30")
MATERIALS = ("al6061", "pom", "s235", "ss304")
QUANTITIES = (1, 10, 100)


def unit_prices(part: str, material: str) -> tuple[list[float], list[float]]:
    """(cheapest, median) unit price [EUR] at each of QUANTITIES, without order minimum and shipping."""
    request = QuoteRequest.parse(material=material, quantities=QUANTITIES, process="cnc_milling")
    offers = quote(features(part), request, now=NOW).offers
    per_offer = []
    for offer in offers:
        units = []
        for line in offer.lines:
            extra = sum(b.amount_eur for b in line.breakdown if b.item in ("minimum_order", "shipping"))
            units.append(line.unit_price_eur - extra / line.quantity)
        per_offer.append(units)
    cheapest = [min(u[i] for u in per_offer) for i in range(len(QUANTITIES))]
    median = [statistics.median(u[i] for u in per_offer) for i in range(len(QUANTITIES))]
    return cheapest, median


def cutting_min(part: str, material: str) -> float:
    est = process_models()[Process.CNC_MILLING].estimate(features(part), get_material(material), "3axis")
    return sum(op.time_min for op in est.operations if op.name.startswith(CUTTING))


def main() -> None:
    print(f"{'part':18s} {'material':8s} {'cheapest 1 / 10 / 100':>26s} {'100:1':>6s} "
          f"{'median 1 / 10 / 100':>26s} {'100:1':>6s} {'cut min':>8s} {'x al':>5s}")
    for part in PARTS:
        al = cutting_min(part, "al6061")
        for material in MATERIALS:
            cheap, med = unit_prices(part, material)
            minutes = cutting_min(part, material)
            print(f"{part:18s} {material:8s} {' / '.join(f'{x:.2f}' for x in cheap):>26s} {cheap[-1] / cheap[0]:6.3f} "
                  f"{' / '.join(f'{x:.2f}' for x in med):>26s} {med[-1] / med[0]:6.3f} {minutes:8.2f} "
                  f"{minutes / al:5.2f}")


if __name__ == "__main__":
    main()
