"""A workshop's price, lead time and CO2 for one process estimate at one quantity.

Price of ``q`` parts (floats throughout, rounded once at the end):

- material  = stock mass x q x EUR/kg (card price or table price, plus markup) + surcharge per order line
- setup     = batch minutes (programming, setups) / 60 x setup rate, once per batch
- machining = part minutes x quantity factor x q / 60 x machine rate; the quantity factor is the
  learning curve q^log2(rate) (never below its floor) or the card's explicit breaks
- finishing = the card's finish price (per m2, per part, minimum per batch) or microfab's default
- options   = tolerance class (machining-time factor, extra inspection minutes; a coarser class than
  ISO 2768-m is a discount, so this line can be negative) and requested threads, from ``quoting.options``
- margin    = cost x margin fraction
- tier      = (cost + margin) x (tier price factor - 1), when the tier is not standard
- minimum_order = what lifts the goods to the card's minimum order value
- shipping  = per km (base + EUR/km + EUR/kg) or by zone
- calibration = learned model total - rule total (only with a cost model)

Lines are rounded to the cent with ``allocate_cents``: they add up to the total exactly.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geometry.features import PartFeatures
from quoting.data_files import read_data
from quoting.leadtime import LeadTime, lead_time
from quoting.materials import Material
from quoting.money import allocate_cents, round_eur
from quoting.processes.base import ProcessEstimate
from quoting.quote import BreakdownLine, Interval, QuoteLine
from quoting.ratecard import Commercial, Machine, RateCard, ShippingZone

DEFAULT_TOLERANCE = "iso2768-m"


@dataclass(frozen=True)
class PricingContext:
    card: RateCard
    estimate: ProcessEstimate
    material: Material
    #: mass of one finished part [kg]
    part_mass_kg: float
    distance_km: float | None
    today: dt.date
    machine: Machine | None = None
    features: PartFeatures | None = None
    finish: str | None = None
    tolerance: str | None = None
    tier: str = "standard"
    need_by: dt.date | None = None
    #: extra threads per part the buyer asks for ({"M6": 4})
    threads: Mapping[str, int] | None = None
    #: learned cost model of this workshop (``predict(features, context, rule_total_eur)``)
    cost_model: Any = None

    @property
    def rates_machine(self) -> Machine:
        return self.machine or self.card.processes[self.estimate.process].machines[0]


def defaults() -> dict[str, Any]:
    return read_data("pricing.toml")


def learning_factor(quantity: int, learning_rate: float, floor: float) -> float:
    """Run time per part at ``quantity``, relative to the first part: q^log2(rate), never below ``floor``."""
    return max(floor, quantity ** math.log2(learning_rate))


def quantity_factor(quantity: int, commercial: Commercial) -> tuple[float, float, str]:
    """(time factor, price factor, how) for the run of ``quantity`` parts, relative to the first part.

    A learning curve shortens the run time per part (so the machine hours and the
    lead time use it too); explicit breaks are a price discount on the run, the
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


def _shipping(card: RateCard, road_km: float | None, ship_kg: float) -> tuple[float, int, str]:
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
    days = max(s.min_days, math.ceil(km / 500.0 * s.days_per_500km - 1e-9))
    detail = f"{km:.0f} km by road, {ship_kg:.1f} kg" if road_km is not None else \
        f"{ship_kg:.1f} kg, no destination given"
    return eur, days, detail


def _options_module() -> Any:
    try:
        from quoting import options  # owned by the process-model engineer (issue 5)
    except ImportError:
        return None
    return options


def _finish(ctx: PricingContext, quantity: int) -> tuple[float, int, str]:
    """Finishing price of the batch [EUR], business days it adds, and the detail.

    The workshop's own price when its card gives one (per m2, per part, minimum per batch),
    else microfab's default finish cost (``quoting.options.finish_cost``).
    """
    if not ctx.finish:
        return 0.0, 0, "none requested"
    rates = ctx.card.finishes.get(ctx.finish)
    area_mm2 = (ctx.features.area_mm2 if ctx.features is not None else None) or 0.0
    if rates is not None and rates.price_eur_m2 is not None:
        area_m2 = area_mm2 / 1e6
        raw = (area_m2 * rates.price_eur_m2 + rates.price_eur_part) * quantity
        eur = max(raw, rates.min_batch_eur)
        return eur, rates.days, (f"{ctx.finish} (workshop price): {quantity} x {area_m2:.4f} m2 at "
                                 f"{rates.price_eur_m2:.0f} EUR/m2 + {rates.price_eur_part:.2f} EUR/part, "
                                 f"min {rates.min_batch_eur:.0f} EUR/batch")
    days = rates.days if rates is not None else 0
    options = _options_module()
    fn = getattr(options, "finish_cost", None) if options is not None else None
    if fn is None or ctx.features is None:
        return 0.0, days, f"{ctx.finish}: not priced yet (no price in the rate card, no default finish cost)"
    result = fn(ctx.finish, ctx.features, ctx.material, quantity)
    eur = max(float(result.cost_eur), rates.min_batch_eur if rates is not None else 0.0)
    return eur, max(int(result.days), days), f"{result.detail} (microfab default price)"


@dataclass(frozen=True)
class _Tolerance:
    key: str
    time_factor: float
    #: inspection minutes per part beyond those of the default class (ISO 2768-m)
    extra_inspection_min: float
    detail: str


def tolerance_terms(tolerance: str | None) -> _Tolerance:
    """Machining-time factor and extra inspection minutes of a tolerance class (neutral when not priced yet)."""
    from quoting.ratecard import canonical_tolerance

    default = canonical_tolerance(DEFAULT_TOLERANCE) or DEFAULT_TOLERANCE
    key = tolerance or default
    options = _options_module()
    fn = getattr(options, "tolerance_class", None) if options is not None else None
    if fn is None:
        note = ": not priced yet" if key != default else ""
        return _Tolerance(key, 1.0, 0.0, f"tolerance {key}{note}")
    cls, base = fn(key), fn(default)
    extra = cls.inspection_min_per_part - base.inspection_min_per_part
    return _Tolerance(cls.key, cls.time_factor, extra, f"tolerance {cls.name}")


def tolerance_factor(tolerance: str | None) -> tuple[float, str]:
    """Machining time factor of a tolerance class, and its description."""
    t = tolerance_terms(tolerance)
    return t.time_factor, t.detail


def _threads(ctx: PricingContext, machine: Machine, quantity: int) -> tuple[float, float, str]:
    """Requested threads: (price [EUR], machine minutes of the batch, detail)."""
    if not ctx.threads:
        return 0.0, 0.0, ""
    options = _options_module()
    fn = getattr(options, "thread_cost", None) if options is not None else None
    if fn is None or ctx.features is None:
        return 0.0, 0.0, "threads: not priced yet"
    result = fn(ctx.features, ctx.material, quantity, threads=dict(ctx.threads), rate_eur_h=machine.rate_eur_h)
    return float(result.cost_eur), result.setup_min + result.time_min_per_part * quantity, result.detail


def run_minutes(est: ProcessEstimate, quantity: int) -> tuple[float, float]:
    """(machine minutes, priced minutes) of the run of ``quantity`` parts, batch time excluded.

    Without builds both are ``part_time_min x quantity``. With additive builds
    (``ProcessEstimate.build``) the machine minutes are the exact ones
    (``run_time_min``: full builds, then one partly filled); the priced minutes
    charge every part at the best minutes per part reached at any quantity up to
    ``quantity``, so a larger order never costs more per part even when it opens a
    partly filled build (and the priced minutes still grow with the quantity).
    """
    build = getattr(est, "build", None)
    run = getattr(est, "run_time_min", None)
    if build is None or not callable(run):
        minutes = est.part_time_min * quantity
        return minutes, minutes
    machine = float(run(quantity))
    per_build, per_slab = int(build.parts_per_build), max(1, int(build.parts_per_slab))
    # minutes per part are lowest at the end of a slab: try those, the full builds, and the quantity itself
    limit = min(quantity, 2 * per_build + per_slab)
    candidates = {quantity, (quantity // per_build) * per_build, *range(per_slab, limit + 1, per_slab)} - {0}
    best = min(float(run(k)) / k for k in candidates)
    return machine, best * quantity


def price_line(ctx: PricingContext, quantity: int) -> QuoteLine:
    """Price, lead time and CO2 of ``quantity`` parts; the breakdown adds up to the total to the cent."""
    d = defaults()
    card = ctx.card
    est = ctx.estimate
    machine = ctx.rates_machine
    process_rates = card.processes[est.process]
    commercial = card.commercial
    tier = card.tiers[ctx.tier]

    # --- cost lines [EUR, floats]
    time_factor, price_factor, qhow = quantity_factor(quantity, commercial)
    machine_run_min, priced_run_min = run_minutes(est, quantity)
    if getattr(est, "build", None) is not None:
        time_factor, qhow = 1.0, f"{qhow} off: builds of {est.build.parts_per_build} part(s)"
    qfactor = time_factor * price_factor
    run_min = machine_run_min * time_factor
    tol = tolerance_terms(ctx.tolerance)
    tol_factor = tol.time_factor
    tol_extra_min = run_min * (tol_factor - 1.0)
    setup_eur = est.batch_time_min / 60.0 * machine.setup_rate_eur_h + machine.setup_eur
    priced_min = priced_run_min * time_factor * price_factor
    machining_eur = priced_min / 60.0 * machine.rate_eur_h
    eur_kg = material_price_eur_kg(card, ctx.material)
    mat_rates = card.materials[ctx.material.key]
    material_eur = est.stock.mass_kg * eur_kg * quantity + mat_rates.surcharge_eur
    finishing_eur, finishing_days, finish_detail = _finish(ctx, quantity)
    thread_eur, thread_min, thread_detail = _threads(ctx, machine, quantity)
    # a coarse class saves inspection time, but never more than the machine time it prices
    inspection_min = max(tol.extra_inspection_min * quantity, -priced_min * tol_factor)
    tol_eur = (priced_min * (tol_factor - 1.0) + inspection_min) / 60.0 * machine.rate_eur_h
    options_eur = tol_eur + thread_eur
    cost = material_eur + setup_eur + machining_eur + finishing_eur + options_eur
    margin_eur = cost * commercial.margin_fraction
    tier_eur = (cost + margin_eur) * (tier.price_factor - 1.0)
    goods = cost + margin_eur + tier_eur
    min_order_eur = max(0.0, commercial.min_order_eur - goods)

    ship_kg = ctx.part_mass_kg * quantity + float(d["packaging_kg"])
    road = ctx.distance_km * float(d["road_factor"]) if ctx.distance_km is not None else None
    shipping_eur, shipping_days, ship_detail = _shipping(card, road, ship_kg)

    surcharge = f" + {mat_rates.surcharge_eur:.2f} EUR per order" if mat_rates.surcharge_eur else ""
    nesting = getattr(est, "nesting", None)
    if nesting is not None:
        surcharge += (f"; {nesting.parts_per_sheet} per {nesting.sheet_mm[0]:.0f} x {nesting.sheet_mm[1]:.0f} mm "
                      f"sheet ({nesting.utilisation:.0%} used), {est.sheets_for(quantity)} sheet(s) opened")
    items: list[tuple[str, float, str]] = [
        ("material", material_eur,
         f"{quantity} x {est.stock.mass_kg:.3f} kg stock at {eur_kg:.2f} EUR/kg{surcharge}"),
        ("setup", setup_eur, f"{est.batch_time_min:.0f} min once per batch at {machine.setup_rate_eur_h:.0f} EUR/h"
         + (f" + {machine.setup_eur:.2f} EUR per batch" if machine.setup_eur else "")),
        ("machining", machining_eur,
         f"{quantity} x {priced_min / quantity:.1f} min at {machine.rate_eur_h:.0f} EUR/h"
         f" ({qhow} factor {qfactor:.2f})"),
        ("finishing", finishing_eur, finish_detail),
        ("options", options_eur, "; ".join(x for x in (
            tol.detail + (f": x{tol_factor:.2f} machining time" if tol_factor != 1.0 else "")
            + (f", {tol.extra_inspection_min:+.1f} min inspection/part" if tol.extra_inspection_min else ""),
            thread_detail) if x)),
        ("margin", margin_eur, f"{commercial.margin_fraction:.0%} of cost"),
    ]
    if ctx.tier != "standard" or tier.price_factor != 1.0:
        items.append(("tier", tier_eur, f"{ctx.tier}: price x{tier.price_factor:.2f}"))
    if min_order_eur > 0:
        items.append(("minimum_order", min_order_eur, f"minimum order {commercial.min_order_eur:.2f} EUR"))
    items.append(("shipping", shipping_eur, ship_detail))

    rule_total = sum(a for _, a, _ in items)
    band = float(d["uncalibrated_interval_fraction"])
    low, high, level = rule_total * (1 - band), rule_total * (1 + band), float(d["uncalibrated_interval_level"])
    method = f"rule-based, uncalibrated: +/-{band:.0%}"
    machine_h = (est.batch_time_min + run_min + tol_extra_min + thread_min) / 60.0
    if ctx.cost_model is not None:
        context = _model_context(ctx, est, quantity, machine_h, items)
        total, low, high, level = ctx.cost_model.predict(ctx.features, context, rule_total)
        items.append(("calibration", float(total) - rule_total, "learned from this workshop's past prices"))
        method = f"calibrated on this workshop's past prices ({getattr(ctx.cost_model, 'version', 'model')})"

    amounts, total_eur = allocate_cents([a for _, a, _ in items])
    lines = [BreakdownLine(name, amt, detail) for (name, _, detail), amt in zip(items, amounts, strict=True)]
    interval = Interval(round_eur(min(low, total_eur)), round_eur(max(high, total_eur)), level=float(level),
                        method=method)

    # --- lead time
    lt: LeadTime = lead_time(
        backlog_h=card.backlog_h(est.process),
        machine_h=machine_h,
        capacity_h_day=process_rates.capacity_h_day,
        finishing_days=finishing_days,
        inspection_days=int(d["inspection_days"]),
        shipping_days=shipping_days,
        day_factor=tier.day_factor,
        today=ctx.today,
        workdays=card.calendar.workdays,
        country=card.holidays_country,
        closed=card.calendar.closed_days,
    )

    # --- CO2 [kg CO2e]
    co2 = d["co2"]
    grid = float(co2["grid_kg_co2_per_kwh"].get(card.location.country.upper(), co2["grid_default_kg_co2_per_kwh"]))
    co2_detail = {
        "material": est.stock.mass_kg * quantity * ctx.material.co2_kg_per_kg,
        "machine": machine.power_kw * float(co2["machine_load_factor"]) * machine_h * grid,
        "transport": ship_kg / 1000.0 * (road or 0.0) * float(co2["transport_kg_co2_per_tkm"]),
    }
    return QuoteLine(
        quantity=quantity,
        unit_price_eur=round_eur(total_eur / quantity),
        total_eur=total_eur,
        breakdown=lines,
        interval=interval,
        lead_time_days=lt.total_days,
        ship_date=lt.ship_date,
        delivery_date=lt.delivery_date,
        co2_kg=round(sum(co2_detail.values()), 3),
        tier=ctx.tier,
        lead_time_detail={"queue": lt.queue_days, "production": lt.production_days,
                          "finishing": lt.finishing_days + int(d["inspection_days"]), "shipping": lt.shipping_days},
        co2_detail={k: round(v, 3) for k, v in co2_detail.items()},
        machine_h=round(machine_h, 3),
        meets_need_by=None if ctx.need_by is None else lt.delivery_date <= ctx.need_by,
    )


def _model_context(ctx: PricingContext, est: ProcessEstimate, quantity: int, machine_h: float,
                   items: list[tuple[str, float, str]]) -> Mapping[str, Any]:
    """What a learned cost model sees besides the features (documented for models/)."""
    return {
        "workshop_id": ctx.card.id,
        "process": est.process.value,
        "machine_class": est.machine_class,
        "material": ctx.material.key,
        "quantity": quantity,
        "finish": ctx.finish,
        "tolerance": ctx.tolerance,
        "tier": ctx.tier,
        "estimate": est,
        "batch_time_min": est.batch_time_min,
        "part_time_min": est.part_time_min,
        "stock_mass_kg": est.stock.mass_kg,
        "machine_h": machine_h,
        "breakdown_eur": {name: amount for name, amount, _ in items},
    }
