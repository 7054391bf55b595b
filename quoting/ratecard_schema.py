"""The rate-card document: the pydantic models that validate a workshop's TOML (or JSON).

This is the edge: every field is checked here, with a message naming it, and
``quoting.ratecard.RateCard`` is built from a validated ``RateCardDoc``. Options
(finishes, tolerance classes) are checked against ``quoting.options``, DFM
threshold names against ``quoting/data/dfm.toml``. The older flat form of a
process (``machine_class``/``rate_eur_h``/... directly under ``[processes.X]``)
is read as one machine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from quoting.materials import materials
from quoting.options import canonical_tolerance, finish_keys, tolerance_keys
from quoting.process_kinds import Process, Tier
from quoting.processes.common import dfm_threshold_names

RATECARD_SCHEMA = "microfab.ratecard/1"
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MACHINE_KEYS = {"machine_class", "name", "rate_eur_h", "setup_rate_eur_h", "setup_eur", "envelope_mm", "power_kw"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Location(_Model):
    city: str
    region: str = ""
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class QuantityBreak(_Model):
    """From ``min_quantity`` parts on, run time per part is multiplied by ``run_factor``."""

    min_quantity: int = Field(ge=1)
    run_factor: float = Field(gt=0, le=1)


class Commercial(_Model):
    margin_fraction: float = Field(ge=0, le=5)
    min_order_eur: float = Field(default=0.0, ge=0)
    #: quantity pricing: "learning_curve" (run time per part x q^log2(learning_rate)) or "breaks"
    quantity_pricing: Literal["learning_curve", "breaks"] = "learning_curve"
    #: run time per part falls by (1 - learning_rate) per doubling of quantity (>= 0.5: total time still grows)
    learning_rate: float = Field(default=0.95, ge=0.5, le=1)
    #: or the curve's exponent b (time per part x q^b, -1 < b <= 0); when given, learning_rate = 2^b
    learning_exponent: float | None = Field(default=None, gt=-1, le=0)
    learning_floor: float = Field(default=0.6, gt=0, le=1)
    quantity_breaks: tuple[QuantityBreak, ...] = ()
    validity_days: int = Field(default=30, ge=1, le=365)
    max_distance_km: float | None = Field(default=None, gt=0)

    @property
    def effective_learning_rate(self) -> float:
        return 2.0 ** self.learning_exponent if self.learning_exponent is not None else self.learning_rate

    @model_validator(mode="after")
    def _breaks(self) -> "Commercial":
        b = self.quantity_breaks
        if self.quantity_pricing == "breaks" and not b:
            raise ValueError("quantity_pricing = 'breaks' needs quantity_breaks, e.g. [{min_quantity = 10, "
                             "run_factor = 0.9}]")
        for prev, nxt in zip(b, b[1:], strict=False):
            if nxt.min_quantity <= prev.min_quantity or nxt.run_factor > prev.run_factor:
                raise ValueError("quantity_breaks must have increasing min_quantity and non-increasing run_factor")
        return self


class ShippingZone(_Model):
    max_km: float = Field(gt=0)
    price_eur: float = Field(ge=0)
    days: int = Field(ge=0, le=60)


class Shipping(_Model):
    #: "per_km": base + EUR/km + EUR/kg, days from days_per_500km; "zone": the first zone whose max_km covers it
    mode: Literal["per_km", "zone"] = "per_km"
    base_eur: float = Field(default=0.0, ge=0)
    eur_per_km: float = Field(default=0.0, ge=0)
    eur_per_kg: float = Field(default=0.0, ge=0)
    days_per_500km: float = Field(default=1.0, ge=0)
    min_days: int = Field(default=1, ge=0, le=30)
    zones: tuple[ShippingZone, ...] = ()

    @model_validator(mode="after")
    def _zones(self) -> "Shipping":
        if self.mode == "zone" and not self.zones:
            raise ValueError("mode = 'zone' needs zones, e.g. [{max_km = 300, price_eur = 18, days = 1}]")
        z = self.zones
        for prev, nxt in zip(z, z[1:], strict=False):
            if nxt.max_km <= prev.max_km or nxt.price_eur < prev.price_eur or nxt.days < prev.days:
                raise ValueError("shipping zones must be sorted by max_km, with non-decreasing price_eur and days")
        return self


class Capacity(_Model):
    #: default backlog for processes that give none [h]
    backlog_h: float = Field(default=0.0, ge=0)


class Calendar(_Model):
    workdays: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    #: country whose public holidays close the workshop (ISO alpha-2); default: the location's country
    holidays_country: str | None = Field(default=None, min_length=2, max_length=2)
    #: subdivision for regional holidays (``holidays`` package code, e.g. "57" Moselle, "67" Bas-Rhin)
    holidays_subdivision: str | None = None
    #: extra closed days (summer closure...)
    closed_days: tuple[dt.date, ...] = ()

    @field_validator("workdays")
    @classmethod
    def _not_empty(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("a workshop needs at least one workday")
        return v


class TierRates(_Model):
    #: multiplies the price (before shipping)
    price_factor: float = Field(gt=0, le=10)
    #: multiplies the queue, production and finishing days
    day_factor: float = Field(gt=0, le=10)


class Machine(_Model):
    machine_class: str = Field(min_length=1)
    name: str = ""
    rate_eur_h: float = Field(gt=0)
    setup_rate_eur_h: float = Field(gt=0)
    #: fixed charge per batch on this machine (fixtures, first-article check) on top of the setup time [EUR]
    setup_eur: float = Field(default=0.0, ge=0)
    #: work envelope (mill travel, lathe length/diameter box, printer build volume) [mm]
    envelope_mm: tuple[float, float, float] | None = None
    power_kw: float = Field(default=5.0, ge=0)
    # sheet metal
    max_sheet_mm: tuple[float, float] | None = None
    max_thickness_mm: float | None = Field(default=None, gt=0)
    #: thickest sheet per material family (a laser cuts less stainless or aluminium than steel) [mm]
    max_thickness_mm_by_family: dict[str, float] = {}
    brake_length_mm: float | None = Field(default=None, gt=0)
    brake_tonnage_t: float | None = Field(default=None, gt=0)
    # lathes
    max_diameter_mm: float | None = Field(default=None, gt=0)
    max_length_mm: float | None = Field(default=None, gt=0)
    # printers
    build_volume_mm: tuple[float, float, float] | None = None

    @field_validator("envelope_mm", "build_volume_mm", "max_sheet_mm")
    @classmethod
    def _positive(cls, v: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if v is not None and any(x <= 0 for x in v):
            raise ValueError("every extent must be positive")
        return v


class ProcessRates(_Model):
    #: machine hours per day this workshop gives the process
    capacity_h_day: float = Field(gt=0)
    #: hours of work already queued for the process; None: the card's [capacity] backlog_h
    backlog_h: float | None = Field(default=None, ge=0)
    machines: tuple[Machine, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _flat_form(cls, data: Any) -> Any:
        """Read the older flat form (one machine's fields directly under the process)."""
        if isinstance(data, dict) and "machines" not in data and "machine_class" in data:
            data = dict(data)
            machine = {k: data.pop(k) for k in list(data) if k in _MACHINE_KEYS}
            data["machines"] = [machine]
        return data

    # the first machine, for callers written against the flat form
    @property
    def machine_class(self) -> str:
        return self.machines[0].machine_class

    @property
    def rate_eur_h(self) -> float:
        return self.machines[0].rate_eur_h

    @property
    def envelope_mm(self) -> tuple[float, float, float] | None:
        return self.machines[0].envelope_mm


class MaterialRates(_Model):
    #: the workshop's stock price [EUR/kg]; default: the materials table
    price_eur_kg: float | None = Field(default=None, gt=0)
    #: or a price per sheet of size sheet_mm = [length, width, thickness]: turned into EUR/kg
    price_eur_sheet: float | None = Field(default=None, gt=0)
    sheet_mm: tuple[float, float, float] | None = None
    #: surcharge on the stock price (handling, certificates, scrap) as a fraction
    markup_fraction: float = Field(default=0.0, ge=0, le=5)
    #: fixed surcharge per order line (cut-to-size, material certificate 3.1) [EUR]
    surcharge_eur: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _sheet(self) -> "MaterialRates":
        if self.price_eur_sheet is not None and self.sheet_mm is None:
            raise ValueError("price_eur_sheet needs sheet_mm = [length, width, thickness]")
        if self.price_eur_sheet is not None and self.price_eur_kg is not None:
            raise ValueError("give price_eur_kg or price_eur_sheet, not both")
        if self.sheet_mm is not None and any(x <= 0 for x in self.sheet_mm):
            raise ValueError("every sheet_mm extent must be positive")
        return self


class FinishRates(_Model):
    #: price per square metre of finished area [EUR/m2]; None: microfab's default finish cost
    price_eur_m2: float | None = Field(default=None, ge=0)
    #: price per part [EUR]
    price_eur_part: float = Field(default=0.0, ge=0)
    #: minimum per batch (a tank or booth run) [EUR]
    min_batch_eur: float = Field(default=0.0, ge=0)
    #: business days the finish adds (often subcontracted)
    days: int = Field(default=2, ge=0, le=60)


class RateCardDoc(_Model):
    """The rate-card document as written (TOML or JSON), validated field by field."""

    schema_: Literal["microfab.ratecard/1"] = Field(alias="schema")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    name: str = Field(min_length=1)
    demo: bool = False
    location: Location
    commercial: Commercial
    shipping: Shipping = Shipping()
    capacity: Capacity = Capacity()
    calendar: Calendar = Calendar()
    tiers: dict[str, TierRates] | None = None
    processes: dict[str, ProcessRates] = Field(min_length=1)
    materials: dict[str, MaterialRates] = Field(min_length=1)
    finishes: dict[str, FinishRates] = {}
    #: tolerance classes this workshop holds (e.g. iso2768-m); None: any
    tolerances: tuple[str, ...] | None = None
    #: DFM threshold overrides per process, passed to the process models
    dfm: dict[str, dict[str, float | int | bool | str]] = {}

    @field_validator("processes", "dfm")
    @classmethod
    def _known_processes(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key in v:
            try:
                Process.parse(key)
            except ValueError as err:
                raise ValueError(str(err)) from None
        return v

    @field_validator("dfm")
    @classmethod
    def _known_thresholds(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        known = dfm_threshold_names()
        unknown = sorted({k for table in v.values() for k in table if k not in known})
        if unknown:
            raise ValueError(f"unknown DFM threshold(s) {', '.join(unknown)}: use names of quoting/data/dfm.toml "
                             f"[thresholds], e.g. {', '.join(sorted(known)[:3])}")
        return v

    @field_validator("tolerances")
    @classmethod
    def _known_tolerances(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is None:
            return v
        keys = [canonical_tolerance(name) for name in v]
        unknown = [name for name, key in zip(v, keys, strict=True) if key is None]
        if unknown:
            known = ", ".join(tolerance_keys())
            raise ValueError(f"unknown tolerance class(es) {', '.join(unknown)}: use {known}")
        return tuple(dict.fromkeys(k for k in keys if k is not None))

    @field_validator("finishes")
    @classmethod
    def _known_finishes(cls, v: dict[str, FinishRates]) -> dict[str, FinishRates]:
        known = finish_keys()
        unknown = [k for k, f in v.items() if k not in known and f.price_eur_m2 is None]
        if unknown:
            raise ValueError(f"finish(es) {', '.join(unknown)} are not in microfab's finishes table: give their "
                             f"price_eur_m2, or use {', '.join(sorted(known))}")
        return v

    @field_validator("materials")
    @classmethod
    def _known_materials(cls, v: dict[str, MaterialRates]) -> dict[str, MaterialRates]:
        table = materials()
        unknown = [k for k in v if k not in table]
        if unknown:
            raise ValueError(f"unknown material(s) {', '.join(unknown)}: use keys of the materials table "
                             "(`microfab materials`)")
        return v

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, v: dict[str, TierRates] | None) -> dict[str, TierRates] | None:
        if v is None:
            return v
        known = [t.value for t in Tier]
        unknown = [k for k in v if k not in known]
        if unknown:
            raise ValueError(f"unknown tier(s) {', '.join(unknown)}: use {', '.join(known)}")
        check_tier_order({Tier(k): rates for k, rates in v.items()})
        return v


def check_tier_order(tiers: Mapping[Tier, TierRates]) -> None:
    """Raise ``ValueError`` unless economy -> standard -> expedite get ever faster and never cheaper."""
    present = [tiers[t] for t in Tier if t in tiers]
    for slow, fast in zip(present, present[1:], strict=False):
        if fast.day_factor > slow.day_factor or fast.price_factor < slow.price_factor:
            raise ValueError("tiers economy -> standard -> expedite must be ever faster (day_factor not rising) "
                             "and never cheaper (price_factor not falling)")


__all__ = [
    "RATECARD_SCHEMA",
    "WEEKDAYS",
    "Calendar",
    "Capacity",
    "Commercial",
    "FinishRates",
    "Location",
    "Machine",
    "MaterialRates",
    "ProcessRates",
    "QuantityBreak",
    "RateCardDoc",
    "Shipping",
    "ShippingZone",
    "TierRates",
    "Weekday",
    "check_tier_order",
]
