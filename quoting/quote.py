"""The Quote record (schema ``microfab.quote/1``) and its parts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from geometry.codec import from_jsonable, to_jsonable
from geometry.findings import Finding

QUOTE_SCHEMA = "microfab.quote/1"


@dataclass(frozen=True)
class QuoteRequest:
    material: str
    quantities: tuple[int, ...] = (1,)
    process: str | None = None
    #: buyer's location (lat, lon) for distance, shipping and CO2
    ship_to: tuple[float, float] | None = None
    #: length unit of a file that carries none (STL, OBJ, PLY)
    units: str | None = None


@dataclass(frozen=True)
class BreakdownLine:
    item: str
    amount_eur: float
    detail: str = ""


@dataclass(frozen=True)
class Interval:
    low_eur: float
    high_eur: float
    #: nominal coverage of the interval (0.8 = 80 %)
    level: float
    method: str


@dataclass(frozen=True)
class QuoteLine:
    quantity: int
    unit_price_eur: float
    total_eur: float
    breakdown: list[BreakdownLine]
    interval: Interval
    lead_time_days: int
    ship_date: dt.date
    delivery_date: dt.date
    co2_kg: float


@dataclass(frozen=True)
class OperationSummary:
    name: str
    time_min: float
    per_batch: bool
    inputs: dict[str, Any]


@dataclass(frozen=True)
class Offer:
    workshop_id: str
    workshop_name: str
    city: str
    process: str
    machine_class: str
    material: str
    lines: list[QuoteLine]
    operations: list[OperationSummary]
    stock: str
    distance_km: float | None
    findings: list[Finding] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    ratecard_hash: str = ""
    calibrated: bool = False
    demo: bool = False
    #: criteria (price, lead_time, distance, co2) on which this offer is the best
    best_for: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Ineligible:
    workshop_id: str
    workshop_name: str
    reasons: list[str]


@dataclass(frozen=True)
class PartSummary:
    filename: str
    sha256: str
    format: str
    units: str
    units_source: str
    bbox_mm: tuple[float, float, float]
    volume_mm3: float | None
    area_mm2: float | None


@dataclass(frozen=True)
class Quote:
    id: str
    created_at: dt.datetime
    valid_until: dt.datetime
    request: QuoteRequest
    part: PartSummary
    offers: list[Offer]
    ineligible: list[Ineligible]
    dfm: list[Finding]
    versions: dict[str, str]
    schema: str = QUOTE_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Quote":
        if data.get("schema") != QUOTE_SCHEMA:
            raise ValueError(f"not a {QUOTE_SCHEMA} document")
        return from_jsonable(cls, data)
