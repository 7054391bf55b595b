"""A workshop's price, lead time and CO2 for one process estimate at one quantity.

Price of ``q`` parts (floats throughout, rounded once at the end):

- material  = stock mass x q x EUR/kg (card price or table price, plus markup) + surcharge per order line
- setup     = batch minutes (programming, setups) / 60 x setup rate, once per batch
- machining = part minutes x quantity factor x q / 60 x machine rate; the quantity factor is the
  learning curve q^log2(rate) (never below its floor), on the minutes of the operations that learn
  only (``Operation.pace``: not the machine-timed laser cutting or printing), or the card's explicit
  breaks (a discount on the whole run)
- secondary_machining = operations on another machine of the workshop (a laser-cut part's blind holes,
  counterbores and pockets on its mill, ``quoting.secondary``): its own line, only when there are some
- finishing = the card's finish price (per m2, per part, minimum per batch) or microfab's default
- options   = tolerance class (machining-time factor, extra inspection minutes; a coarser class than
  ISO 2768-m is a discount, so this line can be negative) and requested threads, from ``quoting.options``
- margin    = cost x margin fraction
- tier      = (cost + margin) x (tier price factor - 1), when the tier is not standard
- minimum_order = what lifts the goods to the card's minimum order value
- shipping  = per km (base + EUR/km + EUR/kg) or by zone
- calibration = learned model total - rule total (only with a cost model)

Amounts are rounded once, to integer cents, by ``quoting.money.line_cents``: the total is exactly the
unit price times the quantity, and the breakdown adds up to it.
``price_line`` returns a ``PricedLine``: the ``QuoteLine`` an offer shows, the context a
learned cost model is given (``model_context``) and the rule total before its correction;
calibration trains on those two. The terms (quantity factors, EUR/kg, shipping, tolerance,
run minutes) are in ``quoting.pricing_terms``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from geometry.features import PartFeatures
from quoting.leadtime import LeadTime, lead_time
from quoting.materials import Material
from quoting.money import LineCents, absorb_rounding, line_cents, to_cents
from quoting.options import finish_cost, thread_cost
from quoting.pricing_terms import (
    DEFAULT_TOLERANCE,
    defaults,
    learning_factor,
    material_price_eur_kg,
    quantity_factor,
    run_minutes,
    shipping_terms,
    shipping_zone,
    tolerance_factor,
    tolerance_terms,
)
from quoting.process_kinds import Tier
from quoting.processes.base import Pace, ProcessEstimate
from quoting.quote import BreakdownLine, Interval, QuoteLine
from quoting.ratecard import RateCard
from quoting.ratecard_schema import Commercial, Machine
from quoting.secondary import secondary_cost

#: one priced line before rounding: (breakdown item, amount [EUR], detail)
Item = tuple[str, float, str]


class CostModel(Protocol):
    """A workshop's learned cost model, as ``price_line`` calls it (``models.WorkshopCostModel``)."""

    @property
    def version(self) -> str: ...

    def predict(self, features: PartFeatures | None, context: Mapping[str, Any],
                rule_total_eur: float) -> tuple[float, float, float, float]:
        """(total, low, high [EUR], interval level) of the line."""
        ...


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
    tier: Tier = Tier.STANDARD
    need_by: dt.date | None = None
    #: extra threads per part the buyer asks for ({"M6": 4})
    threads: Mapping[str, int] | None = None
    #: learned cost model of this workshop (``predict(features, context, rule_total_eur)``)
    cost_model: CostModel | None = None

    @property
    def rates_machine(self) -> Machine:
        return self.machine or self.card.processes[self.estimate.process].machines[0]


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
    if ctx.features is None:
        return 0.0, days, f"{ctx.finish}: not priced yet (no price in the rate card, no default finish cost)"
    result = finish_cost(ctx.finish, ctx.features, ctx.material, quantity)
    eur = max(result.eur, rates.min_batch_eur if rates is not None else 0.0)
    return eur, max(result.added_days, days), f"{result.detail} (microfab default price)"


def _threads(ctx: PricingContext, machine: Machine, quantity: int) -> tuple[float, float, str]:
    """Requested threads: (price [EUR], machine minutes of the batch, detail)."""
    if not ctx.threads:
        return 0.0, 0.0, ""
    if ctx.features is None:
        return 0.0, 0.0, "threads: not priced yet"
    result = thread_cost(ctx.features, ctx.material, quantity, threads=dict(ctx.threads),
                         rate_eur_h=machine.rate_eur_h)
    return result.eur, result.setup_min + result.time_min_per_part * quantity, result.detail


@dataclass(frozen=True)
class PricedLine:
    """One quantity line priced: what the offer shows, and what a learned cost model is given.

    ``context`` is the plain dict the engine hands a cost model (``model_context``) and
    ``rule_total_eur`` the rule-based total before any learned correction: calibration
    trains on exactly these.
    """

    line: QuoteLine
    context: Mapping[str, Any]
    rule_total_eur: float


@dataclass(frozen=True)
class _Run:
    """Machine minutes of the run (batch time excluded) and the minutes it is priced at."""

    machine_min: float
    priced_min: float
    #: time factor x price factor of the quantity, and how it came about
    factor: float
    how: str
    #: what the factor left out ("; machine-timed minutes excluded"), or ""
    note: str = ""


def _run(est: ProcessEstimate, quantity: int, commercial: Commercial) -> _Run:
    time_factor, price_factor, how = quantity_factor(quantity, commercial)
    machine_run_min, priced_run_min = run_minutes(est, quantity, time_factor)
    fixed = {op.pace for op in est.own_operations if not op.per_batch and not op.learns} if time_factor != 1.0 else set()
    note = "".join(text for pace, text in ((Pace.MACHINE, "; machine-timed minutes excluded"),
                                           (Pace.STANDARD, "; standard times excluded")) if pace in fixed)
    return _Run(machine_min=machine_run_min, priced_min=priced_run_min * price_factor,
                factor=time_factor * price_factor, how=how, note=note)


@dataclass(frozen=True)
class _Options:
    """The options line: tolerance class and requested threads."""

    eur: float
    #: machine minutes the tolerance class adds to the run, and those of the threads
    tolerance_min: float
    thread_min: float
    detail: str


def _options(ctx: PricingContext, machine: Machine, run: _Run, quantity: int) -> _Options:
    tol = tolerance_terms(ctx.tolerance)
    factor = tol.time_factor
    thread_eur, thread_min, thread_detail = _threads(ctx, machine, quantity)
    # a coarse class saves inspection time, but never more than the machine time it prices
    inspection_min = max(tol.extra_inspection_min * quantity, -run.priced_min * factor)
    tol_eur = (run.priced_min * (factor - 1.0) + inspection_min) / 60.0 * machine.rate_eur_h
    tol_detail = (tol.detail + (f": x{factor:.2f} machining time" if factor != 1.0 else "")
                  + (f", {tol.extra_inspection_min:+.1f} min inspection/part" if tol.extra_inspection_min else ""))
    return _Options(eur=tol_eur + thread_eur, tolerance_min=run.machine_min * (factor - 1.0), thread_min=thread_min,
                    detail="; ".join(x for x in (tol_detail, thread_detail) if x))


def _material_item(ctx: PricingContext, quantity: int) -> Item:
    est = ctx.estimate
    eur_kg = material_price_eur_kg(ctx.card, ctx.material)
    rates = ctx.card.materials[ctx.material.key]
    eur = est.stock.mass_kg * eur_kg * quantity + rates.surcharge_eur
    detail = f" + {rates.surcharge_eur:.2f} EUR per order" if rates.surcharge_eur else ""
    nesting = est.nesting
    if nesting is not None:
        detail += (f"; {nesting.parts_per_sheet} per {nesting.sheet_mm[0]:.0f} x {nesting.sheet_mm[1]:.0f} mm "
                   f"sheet ({nesting.utilisation:.0%} used), {est.sheets_for(quantity)} sheet(s) opened")
    return "material", eur, f"{quantity} x {est.stock.mass_kg:.3f} kg stock at {eur_kg:.2f} EUR/kg{detail}"


@dataclass(frozen=True)
class _Costs:
    """The cost lines (material to options), the machine hours of the batch and the finish's days."""

    items: tuple[Item, ...]
    machine_h: float
    finishing_days: int


def _costs(ctx: PricingContext, quantity: int) -> _Costs:
    est, machine = ctx.estimate, ctx.rates_machine
    run = _run(est, quantity, ctx.card.commercial)
    options = _options(ctx, machine, run, quantity)
    setup_eur = est.batch_time_min / 60.0 * machine.setup_rate_eur_h + machine.setup_eur
    machining_eur = run.priced_min / 60.0 * machine.rate_eur_h
    finishing_eur, finishing_days, finish_detail = _finish(ctx, quantity)
    secondary_eur, secondary_min, secondary_detail = secondary_cost(ctx.card, est, quantity)
    items = (
        _material_item(ctx, quantity),
        ("setup", setup_eur, f"{est.batch_time_min:.0f} min once per batch at {machine.setup_rate_eur_h:.0f} EUR/h"
         + (f" + {machine.setup_eur:.2f} EUR per batch" if machine.setup_eur else "")),
        ("machining", machining_eur,
         f"{quantity} x {run.priced_min / quantity:.1f} min at {machine.rate_eur_h:.0f} EUR/h"
         f" ({run.how} factor {run.factor:.2f}{run.note})"),
        # blind features of a laser-cut part, machined on the workshop's mill (quoting.secondary)
        *([("secondary_machining", secondary_eur, secondary_detail)] if secondary_detail else []),
        ("finishing", finishing_eur, finish_detail),
        ("options", options.eur, options.detail),
    )
    machine_h = (est.batch_time_min + run.machine_min + options.tolerance_min + options.thread_min
                 + secondary_min) / 60.0
    return _Costs(items, machine_h, finishing_days)


def _commercial_items(ctx: PricingContext, cost_eur: float) -> list[Item]:
    """Margin, the tier's surcharge or discount, and what lifts the goods to the minimum order."""
    commercial = ctx.card.commercial
    tier = ctx.card.tiers[ctx.tier]
    margin_eur = cost_eur * commercial.margin_fraction
    tier_eur = (cost_eur + margin_eur) * (tier.price_factor - 1.0)
    min_order_eur = max(0.0, commercial.min_order_eur - (cost_eur + margin_eur + tier_eur))
    items: list[Item] = [("margin", margin_eur, f"{commercial.margin_fraction:.0%} of cost")]
    if ctx.tier != Tier.STANDARD or tier.price_factor != 1.0:
        items.append(("tier", tier_eur, f"{ctx.tier}: price x{tier.price_factor:.2f}"))
    if min_order_eur > 0:
        items.append(("minimum_order", min_order_eur, f"minimum order {commercial.min_order_eur:.2f} EUR"))
    return items


@dataclass(frozen=True)
class _Delivery:
    eur: float
    days: int
    detail: str
    #: shipped mass [kg] and road distance [km] (None: no destination)
    kg: float
    road_km: float | None


def _delivery(ctx: PricingContext, quantity: int, d: Mapping[str, Any]) -> _Delivery:
    kg = ctx.part_mass_kg * quantity + float(d["packaging_kg"])
    road = ctx.distance_km * float(d["road_factor"]) if ctx.distance_km is not None else None
    eur, days, detail = shipping_terms(ctx.card, road, kg)
    return _Delivery(eur, days, detail, kg, road)


def _calibrated(ctx: PricingContext, items: list[Item], context: Mapping[str, Any], rule_total: float,
                d: Mapping[str, Any]) -> tuple[list[Item], tuple[float, float, float, str]]:
    """The lines with the cost model's correction (when the workshop has one) and (low, high, level, method)."""
    band = float(d["uncalibrated_interval_fraction"])
    if ctx.cost_model is None:
        return items, (rule_total * (1 - band), rule_total * (1 + band), float(d["uncalibrated_interval_level"]),
                       f"rule-based, uncalibrated: +/-{band:.0%}")
    total, low, high, level = ctx.cost_model.predict(ctx.features, context, rule_total)
    calibration = ("calibration", float(total) - rule_total, "learned from this workshop's past prices")
    method = f"calibrated on this workshop's past prices ({ctx.cost_model.version})"
    return [*items, calibration], (low, high, float(level), method)


def _lead_time(ctx: PricingContext, costs: _Costs, delivery: _Delivery, d: Mapping[str, Any]) -> LeadTime:
    card, process = ctx.card, ctx.estimate.process
    return lead_time(
        backlog_h=card.backlog_h(process),
        machine_h=costs.machine_h,
        capacity_h_day=card.processes[process].capacity_h_day,
        finishing_days=costs.finishing_days,
        inspection_days=int(d["inspection_days"]),
        shipping_days=delivery.days,
        day_factor=card.tiers[ctx.tier].day_factor,
        today=ctx.today,
        workdays=card.calendar.workdays,
        country=card.holidays_country,
        closed=card.calendar.closed_days,
    )


def _co2_kg(ctx: PricingContext, quantity: int, machine_h: float, delivery: _Delivery,
            d: Mapping[str, Any]) -> dict[str, float]:
    """CO2 of the line by source [kg CO2e]."""
    co2 = d["co2"]
    grid = float(co2["grid_kg_co2_per_kwh"].get(ctx.card.location.country.upper(),
                                                 co2["grid_default_kg_co2_per_kwh"]))
    return {
        "material": ctx.estimate.stock.mass_kg * quantity * ctx.material.co2_kg_per_kg,
        "machine": ctx.rates_machine.power_kw * float(co2["machine_load_factor"]) * machine_h * grid,
        "transport": delivery.kg / 1000.0 * (delivery.road_km or 0.0) * float(co2["transport_kg_co2_per_tkm"]),
    }


def price_line(ctx: PricingContext, quantity: int) -> PricedLine:
    """Price, lead time and CO2 of ``quantity`` parts; the breakdown adds up to the total to the cent."""
    d = defaults()
    costs = _costs(ctx, quantity)
    delivery = _delivery(ctx, quantity, d)
    items = [*costs.items, *_commercial_items(ctx, sum(a for _, a, _ in costs.items))]
    items.append(("shipping", delivery.eur, delivery.detail))
    rule_total = sum(a for _, a, _ in items)
    context = model_context(ctx, quantity, costs.machine_h, items)
    items, (low, high, level, method) = _calibrated(ctx, items, context, rule_total, d)
    cents = line_cents([a for _, a, _ in items], quantity)
    total_eur = cents.total_cents / 100
    low_cents, high_cents = to_cents(min(low, total_eur)), to_cents(max(high, total_eur))
    lt = _lead_time(ctx, costs, delivery, d)
    co2 = _co2_kg(ctx, quantity, costs.machine_h, delivery, d)
    line = QuoteLine(
        quantity=quantity,
        unit_price_eur=cents.unit_cents / 100,
        total_eur=total_eur,
        unit_price_cents=cents.unit_cents,
        total_cents=cents.total_cents,
        breakdown=_breakdown(items, cents),
        interval=Interval(low_cents / 100, high_cents / 100, level=level, method=method, low_cents=low_cents,
                          high_cents=high_cents),
        lead_time_days=lt.total_days,
        ship_date=lt.ship_date,
        delivery_date=lt.delivery_date,
        co2_kg=round(sum(co2.values()), 3),
        tier=ctx.tier,
        lead_time_detail={"queue": lt.queue_days, "production": lt.production_days,
                          "finishing": lt.finishing_days + int(d["inspection_days"]), "shipping": lt.shipping_days},
        co2_detail={k: round(v, 3) for k, v in co2.items()},
        machine_h=round(costs.machine_h, 3),
        meets_need_by=None if ctx.need_by is None else lt.delivery_date <= ctx.need_by,
    )
    return PricedLine(line, context, rule_total)


def _breakdown(items: list[Item], cents: LineCents) -> list[BreakdownLine]:
    """The breakdown in cents, the unit price's rounding absorbed (``quoting.money.absorb_rounding``)."""
    amounts = absorb_rounding([name for name, _, _ in items], cents.item_cents, cents.rounding_cents)
    return [BreakdownLine(name, c / 100, detail, c) for (name, _, detail), c in zip(items, amounts, strict=True)]


def model_context(ctx: PricingContext, quantity: int, machine_h: float, items: list[Item]) -> dict[str, Any]:
    """What a learned cost model sees besides the features (documented in ``models.cost_model``)."""
    est = ctx.estimate
    return {
        "workshop_id": ctx.card.id,
        "process": est.process.value,
        "machine_class": est.machine_class,
        "material": ctx.material.key,
        "quantity": quantity,
        "finish": ctx.finish,
        "tolerance": ctx.tolerance,
        "tier": str(ctx.tier),
        "estimate": est,
        "batch_time_min": est.batch_time_min,
        "part_time_min": est.part_time_min,
        "stock_mass_kg": est.stock.mass_kg,
        "machine_h": machine_h,
        "breakdown_eur": {name: amount for name, amount, _ in items},
    }


__all__ = [
    "DEFAULT_TOLERANCE",
    "CostModel",
    "Item",
    "PricedLine",
    "PricingContext",
    "defaults",
    "learning_factor",
    "material_price_eur_kg",
    "model_context",
    "price_line",
    "quantity_factor",
    "run_minutes",
    "shipping_zone",
    "tolerance_factor",
]
