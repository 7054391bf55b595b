"""The cost-driver records of a Quote (``Quote.cost_drivers``); ``quoting.cost_drivers`` computes them.

A cost driver is a feature of the part (or a choice of the request) that raises its price, with
where it is, the change that relaxes it, and what that change saves: the part re-priced with the
feature relaxed through the same engine (same workshops, rate cards, cost models). Amounts are
exact cents (``*_cents``) with the EUR value derived from them (``*_eur``), as everywhere in a Quote.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from geometry.findings import Location


class DriverKind(enum.StrEnum):
    """What raises the price; one row kind of ``quoting/data/cost_drivers.toml``."""

    INTERNAL_RADIUS = "internal_radius"
    DEEP_POCKET = "deep_pocket"
    THIN_WALL = "thin_wall"
    TOLERANCE = "tolerance"
    THREADS = "threads"
    SETUPS = "setups"
    FIVE_AXIS = "five_axis"
    NONSTANDARD_HOLES = "nonstandard_holes"
    MATERIAL = "material"
    SUPPORT = "support"
    BEND_RADII = "bend_radii"


@dataclass(frozen=True)
class DriverSaving:
    """At one quantity: the lowest total now and after the change, and the difference (the saving)."""

    quantity: int
    #: the lowest total over the offers, as quoted [cents]
    total_cents: int
    #: the lowest total over the offers of the part re-priced with the change [cents]
    relaxed_total_cents: int
    #: ``total_cents - relaxed_total_cents``: what the feature adds, what the change saves [cents]
    delta_cents: int
    #: ``delta_cents`` in EUR (derived from the cents)
    delta_eur: float
    #: ``delta_cents / total_cents``
    delta_fraction: float
    #: per process: the lowest total of that process now minus after the change [cents]
    by_process_cents: dict[str, int] = field(default_factory=dict)
    #: ``by_process_cents`` in EUR
    by_process_eur: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class CostDriver:
    """One feature that raises the price, the change that relaxes it and what the change saves."""

    kind: DriverKind
    #: what it is ("internal corners of R1.00 mm")
    what: str
    #: the change that relaxes it ("internal radius 1 mm -> 3 mm")
    change: str
    #: where on the part (face ids and/or a point, as in the DFM findings); None: the whole part or the request
    location: Location | None
    #: the saving at each quantity of the request, in its order
    savings: list[DriverSaving]
    currency: str = "EUR"


__all__ = ["CostDriver", "DriverKind", "DriverSaving"]
