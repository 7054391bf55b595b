"""Secondary operations: what a process estimate leaves to another machine of the same workshop.

A sheet part with blind holes, counterbores or pockets is laser-cut and then machined on a mill
(``quoting.processes.sheet_secondary``). The workshop's mill prices those operations, as their own
breakdown line (``secondary_machining``): its setup rate for the batch minutes, its machine rate
for the minutes per part. A workshop without a mill cannot make the part: its offer is refused
with the reason (``no_secondary_machine``), never priced without the machining.
"""

from __future__ import annotations

from quoting.process_kinds import Process
from quoting.processes.base import ProcessEstimate
from quoting.ratecard import Machine, RateCard

#: the process whose machines run the secondary operations
SECONDARY_PROCESS = Process.CNC_MILLING


def secondary_machine(card: RateCard) -> Machine | None:
    """The workshop's cheapest mill (by machine rate), or None when it has none."""
    rates = card.processes.get(SECONDARY_PROCESS)
    if rates is None or not rates.machines:
        return None
    return min(rates.machines, key=lambda m: (m.rate_eur_h, m.setup_rate_eur_h))


def missing_secondary(card: RateCard, estimate: ProcessEstimate) -> str | None:
    """Why the workshop cannot run the estimate's secondary operations (it has no mill), or None."""
    if not estimate.secondary_operations or secondary_machine(card) is not None:
        return None
    what = next((str(op.inputs["features"]) for op in estimate.secondary_operations if "features" in op.inputs),
                "features")
    return (f"the part has {what} that need machining after the laser, and this workshop has no mill: ask a "
            "workshop with a mill, or make every hole a through hole")


def secondary_cost(card: RateCard, estimate: ProcessEstimate, quantity: int) -> tuple[float, float, str]:
    """(price [EUR], mill minutes, detail) of the secondary operations of ``quantity`` parts; zeros without any."""
    ops = estimate.secondary_operations
    mill = secondary_machine(card)
    if not ops or mill is None:
        return 0.0, 0.0, ""
    batch_min = sum(op.time_min for op in ops if op.per_batch)
    part_min = sum(op.time_min for op in ops if not op.per_batch)
    eur = batch_min / 60.0 * mill.setup_rate_eur_h + mill.setup_eur + part_min * quantity / 60.0 * mill.rate_eur_h
    detail = (f"on {mill.name or mill.machine_class}: {batch_min:.0f} min setup and program at "
              f"{mill.setup_rate_eur_h:.0f} EUR/h + {quantity} x {part_min:.1f} min at {mill.rate_eur_h:.0f} EUR/h")
    return eur, batch_min + part_min * quantity, detail


__all__ = ["SECONDARY_PROCESS", "missing_secondary", "secondary_cost", "secondary_machine"]
