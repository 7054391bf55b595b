"""The terms a price line is built from: quantity factors, material price per kg, shipping, tolerance, run time.

Pure functions of a rate card, a process estimate and ``quoting/data/pricing.toml``;
``quoting.pricing.price_line`` assembles them into a priced line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from quoting.data_files import read_data
from quoting.materials import Material
from quoting.numeric import ceil_count
from quoting.options import canonical_tolerance, tolerance_class
from quoting.processes.base import ProcessEstimate
from quoting.ratecard import RateCard
from quoting.ratecard_schema import Commercial, ShippingZone

DEFAULT_TOLERANCE = "iso2768-m"


def defaults() -> dict[str, Any]:
    return read_data("pricing.toml")


def learning_factor(quantity: int, learning_rate: float, floor: float) -> float:
    """Run time per part at ``quantity``, relative to the first part: q^log2(rate), never below ``floor``."""
    return max(floor, math.pow(quantity, math.log2(learning_rate)))


def quantity_factor(quantity: int, commercial: Commercial) -> tuple[float, float, str]:
    """(time factor, price factor, how) for the run of ``quantity`` parts, relative to the first part.

    A learning curve shortens the run time per part of the operations that learn
    (``Operation.learns``, applied by ``run_minutes``; the machine hours and the lead time use
    it too); explicit breaks are a price discount on the whole run, the
    machine hours stay those of the first part (so a break never shortens a lead time).
    """
    if commercial.quantity_pricing == "breaks":
        factor = 1.0
        for b in commercial.quantity_breaks:
            if quantity >= b.min_quantity:
                factor = b.run_factor
        return 1.0, factor, "quantity break"
    return (learning_factor(quantity, commercial.effective_learning_rate, commercial.learning_floor), 1.0,
            "learning curve")


def material_price_eur_kg(card: RateCard, material: Material) -> float:
    """The workshop's price of the material, surcharge included [EUR/kg]."""
    rates = card.materials[material.key]
    if rates.price_eur_kg is not None:
        base = rates.price_eur_kg
    elif rates.price_eur_sheet is not None and rates.sheet_mm is not None:
        base = rates.price_eur_sheet / (math.prod(rates.sheet_mm) * material.density_kg_mm3)
    else:
        base = material.price_eur_kg
    return base * (1.0 + rates.markup_fraction)


def shipping_zone(card: RateCard, road_km: float | None) -> ShippingZone | None:
    """The first zone covering ``road_km`` (the first zone when no destination), or None beyond the last."""
    zones = card.shipping.zones
    if road_km is None:
        return zones[0] if zones else None
    return next((z for z in zones if road_km <= z.max_km), None)


def shipping_terms(card: RateCard, road_km: float | None, ship_kg: float) -> tuple[float, int, str]:
    """Shipping price [EUR], days and detail for ``ship_kg`` over ``road_km`` (per km, or by zone)."""
    s = card.shipping
    if s.mode == "zone":
        zone = shipping_zone(card, road_km)
        if zone is None:  # the engine makes such workshops ineligible first
            zone = s.zones[-1]
        eur = zone.price_eur + s.eur_per_kg * ship_kg
        where = f"{road_km:.0f} km by road" if road_km is not None else "no destination given"
        return eur, max(zone.days, s.min_days), f"zone up to {zone.max_km:.0f} km, {where}, {ship_kg:.1f} kg"
    km = road_km or 0.0
    eur = s.base_eur + s.eur_per_km * km + s.eur_per_kg * ship_kg
    days = max(s.min_days, ceil_count(km / 500.0 * s.days_per_500km))
    detail = f"{km:.0f} km by road, {ship_kg:.1f} kg" if road_km is not None else \
        f"{ship_kg:.1f} kg, no destination given"
    return eur, days, detail


@dataclass(frozen=True)
class ToleranceTerms:
    """What a tolerance class adds: a factor on machining time and inspection minutes."""

    key: str
    time_factor: float
    #: inspection minutes per part beyond those of the default class (ISO 2768-m)
    extra_inspection_min: float
    detail: str


@cache
def tolerance_terms(tolerance: str | None) -> ToleranceTerms:
    """Machining-time factor and extra inspection minutes of a tolerance class (relative to ISO 2768-m)."""
    default = canonical_tolerance(DEFAULT_TOLERANCE) or DEFAULT_TOLERANCE
    cls, base = tolerance_class(tolerance or default), tolerance_class(default)
    extra = cls.inspection_min_per_part - base.inspection_min_per_part
    return ToleranceTerms(cls.key, cls.time_factor, extra, f"tolerance {cls.name}")


def tolerance_factor(tolerance: str | None) -> tuple[float, str]:
    """Machining time factor of a tolerance class, and its description."""
    t = tolerance_terms(tolerance)
    return t.time_factor, t.detail


def run_minutes(est: ProcessEstimate, quantity: int, learning: float = 1.0) -> tuple[float, float]:
    """(machine minutes, priced minutes) of the run of ``quantity`` parts, batch time excluded.

    ``learning`` is the learning-curve factor at ``quantity`` (``quantity_factor``): it shortens the
    minutes of the operations that learn (``Operation.learns``: operator-paced work and tuned CNC
    cycles), never the machine-timed ones (laser cutting, printing, builds).
    Without builds both are ``run_time_min(quantity, learning)``: ``part_time_min x quantity``, less the
    loading a machining fixture shares once it pays (``ProcessEstimate.fixturing``). With additive builds
    (``ProcessEstimate.build``) the machine minutes are the exact ones
    (``run_time_min``: full builds, then one partly filled); the priced minutes
    charge every part at the best minutes per part reached at any quantity up to
    ``quantity``, so a larger order never costs more per part even when it opens a
    partly filled build (and the priced minutes still grow with the quantity).
    """
    build = est.build
    machine = est.run_time_min(quantity, learning)
    if build is None:
        return machine, machine
    per_build, per_slab = build.parts_per_build, max(1, build.parts_per_slab)
    # minutes per part are lowest at the end of a slab: try those, the full builds, and the quantity itself
    limit = min(quantity, 2 * per_build + per_slab)
    candidates = {quantity, (quantity // per_build) * per_build, *range(per_slab, limit + 1, per_slab)} - {0}
    best = min(est.run_time_min(k, learning) / k for k in candidates)
    return machine, best * quantity


__all__ = [
    "DEFAULT_TOLERANCE",
    "ToleranceTerms",
    "defaults",
    "learning_factor",
    "material_price_eur_kg",
    "quantity_factor",
    "run_minutes",
    "shipping_terms",
    "shipping_zone",
    "tolerance_factor",
    "tolerance_terms",
]
