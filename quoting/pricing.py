"""A workshop's price, lead time and CO2 for one process estimate at one quantity."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from quoting.data_files import read_data
from quoting.leadtime import add_business_days
from quoting.materials import Material
from quoting.money import round_eur
from quoting.processes.base import ProcessEstimate
from quoting.quote import BreakdownLine, Interval, QuoteLine
from quoting.ratecard import RateCard


@dataclass(frozen=True)
class PricingContext:
    card: RateCard
    estimate: ProcessEstimate
    material: Material
    #: mass of one finished part [kg]
    part_mass_kg: float
    distance_km: float | None
    today: dt.date


def learning_factor(quantity: int, learning_rate: float, floor: float) -> float:
    """Run time per part at ``quantity``, relative to the first part: q^log2(rate), never below ``floor``."""
    return max(floor, quantity ** math.log2(learning_rate))


def material_price_eur_kg(card: RateCard, material: Material) -> float:
    rates = card.materials[material.key]
    base = rates.price_eur_kg if rates.price_eur_kg is not None else material.price_eur_kg
    return base * (1.0 + rates.markup_fraction)


def price_line(ctx: PricingContext, quantity: int) -> QuoteLine:
    """Price, lead time and CO2 of ``quantity`` parts; the breakdown adds up to the total to the cent."""
    defaults = read_data("pricing.toml")
    card, est = ctx.card, ctx.estimate
    rates = card.processes[est.process]
    commercial = card.commercial
    factor = learning_factor(quantity, commercial.learning_rate, commercial.learning_floor)
    run_min = est.part_time_min * factor * quantity
    setup_eur = est.batch_time_min / 60.0 * rates.setup_rate_eur_h
    machining_eur = run_min / 60.0 * rates.rate_eur_h
    eur_kg = material_price_eur_kg(card, ctx.material)
    material_eur = est.stock.mass_kg * eur_kg * quantity
    cost = setup_eur + machining_eur + material_eur
    margin_eur = cost * commercial.margin_fraction
    ship_kg = ctx.part_mass_kg * quantity + float(defaults["packaging_kg"])
    road_km = (ctx.distance_km or 0.0) * float(defaults["road_factor"])
    shipping_eur = card.shipping.base_eur + card.shipping.eur_per_km * road_km + card.shipping.eur_per_kg * ship_kg

    lines = [
        BreakdownLine("material", round_eur(material_eur),
                      f"{quantity} x {est.stock.mass_kg:.3f} kg stock at {eur_kg:.2f} EUR/kg"),
        BreakdownLine("setup", round_eur(setup_eur),
                      f"{est.batch_time_min:.0f} min once per batch at {rates.setup_rate_eur_h:.0f} EUR/h"),
        BreakdownLine("machining", round_eur(machining_eur),
                      f"{quantity} x {est.part_time_min * factor:.1f} min at {rates.rate_eur_h:.0f} EUR/h"
                      f" (quantity factor {factor:.2f})"),
        BreakdownLine("margin", round_eur(margin_eur), f"{commercial.margin_fraction:.0%} of cost"),
        BreakdownLine("shipping", round_eur(shipping_eur),
                      f"{road_km:.0f} km by road, {ship_kg:.1f} kg" if ctx.distance_km is not None
                      else f"{ship_kg:.1f} kg, no destination given"),
    ]
    subtotal = sum(line.amount_eur for line in lines)
    if subtotal < commercial.min_order_eur:
        lines.append(BreakdownLine("minimum_order", round_eur(commercial.min_order_eur - subtotal),
                                   f"minimum order {commercial.min_order_eur:.2f} EUR"))
    total = round_eur(sum(line.amount_eur for line in lines))
    band = float(defaults["uncalibrated_interval_fraction"])
    interval = Interval(round_eur(total * (1 - band)), round_eur(total * (1 + band)), level=0.8,
                        method=f"rule-based, uncalibrated: +/-{band:.0%}")

    machine_h = (est.batch_time_min + run_min) / 60.0
    queue_days = math.ceil(card.capacity.backlog_h / rates.capacity_h_day)
    production_days = max(1, math.ceil(machine_h / rates.capacity_h_day))
    shipping_days = max(1, math.ceil(road_km / 500.0 * card.shipping.days_per_500km))
    make_days = queue_days + production_days + 1  # +1: inspection and packing
    workdays, country = card.calendar.workdays, card.location.country
    ship_date = add_business_days(ctx.today, make_days, workdays, country)
    delivery_date = add_business_days(ship_date, shipping_days, ("mon", "tue", "wed", "thu", "fri"), country)

    co2 = (
        est.stock.mass_kg * quantity * ctx.material.co2_kg_per_kg
        + rates.power_kw * machine_h * float(defaults["grid_kg_co2_per_kwh"])
        + ship_kg / 1000.0 * road_km * float(defaults["transport_kg_co2_per_tkm"])
    )
    return QuoteLine(
        quantity=quantity,
        unit_price_eur=round_eur(total / quantity),
        total_eur=total,
        breakdown=lines,
        interval=interval,
        lead_time_days=make_days + shipping_days,
        ship_date=ship_date,
        delivery_date=delivery_date,
        co2_kg=round(co2, 3),
    )
