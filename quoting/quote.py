"""The Quote record (schema ``microfab.quote/1``) and its parts; the request is ``quoting.request``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from geometry.codec import from_jsonable, to_json, to_jsonable
from geometry.findings import Finding
from quoting.driver_records import CostDriver
from quoting.money import CURRENCY
from quoting.process_kinds import Process
from quoting.request import QuoteRequest

QUOTE_SCHEMA = "microfab.quote/1"


@dataclass(frozen=True)
class BreakdownLine:
    item: str
    #: deprecated: ``amount_cents`` / 100
    amount_eur: float
    detail: str = ""
    #: the item's amount in cents: the items of a line add up to its ``total_cents`` exactly
    amount_cents: int = 0


@dataclass(frozen=True)
class Interval:
    #: deprecated: ``low_cents`` / 100
    low_eur: float
    #: deprecated: ``high_cents`` / 100
    high_eur: float
    #: nominal coverage of the interval (0.8 = 80 %)
    level: float
    method: str
    low_cents: int = 0
    high_cents: int = 0


@dataclass(frozen=True)
class QuoteLine:
    quantity: int
    #: deprecated: ``unit_price_cents`` / 100
    unit_price_eur: float
    #: deprecated: ``total_cents`` / 100
    total_eur: float
    breakdown: list[BreakdownLine]
    interval: Interval
    lead_time_days: int
    ship_date: dt.date
    delivery_date: dt.date
    co2_kg: float
    tier: str = "standard"
    #: business days per stage: queue, production, finishing (incl. inspection), shipping
    lead_time_detail: dict[str, int] = field(default_factory=dict)
    #: kg CO2e per source: material (embodied), machine (kWh x grid), transport (t.km x factor)
    co2_detail: dict[str, float] = field(default_factory=dict)
    #: machine hours of the batch (setup + run)
    machine_h: float = 0.0
    #: whether the delivery date is on or before the request's need_by (None: no need_by)
    meets_need_by: bool | None = None
    #: the unit price rounded once to the cent (``quoting.money.line_cents``)
    unit_price_cents: int = 0
    #: exactly ``unit_price_cents * quantity``
    total_cents: int = 0


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
    #: the process; a kit offer whose solids take several processes names them joined by "+"
    process: Process | str
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
    #: the machine that priced the offer (its name in the rate card)
    machine: str = ""
    #: version of the learned cost model that calibrated the offer ("" when rule-based)
    model_version: str = ""
    #: the end of the workshop's own validity (its rate card's validity_days); None in a kit's component offers
    valid_until: dt.datetime | None = None

    #: the currency of every amount of the offer
    currency: str = CURRENCY


@dataclass(frozen=True)
class Ineligible:
    workshop_id: str
    workshop_name: str
    reasons: list[str]
    #: one stable code per reason (too_far, material_not_stocked, outside_envelope, dfm_error, ...)
    codes: list[str] = field(default_factory=list)


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
class ProcessChoice:
    """For one quantity: the cheapest offer of each process and the cheapest process."""

    quantity: int
    cheapest_process: str
    cheapest_workshop: str
    #: deprecated: ``total_cents`` / 100
    total_eur: float
    #: deprecated: process -> lowest total over the workshops [EUR]
    by_process: dict[str, float]
    total_cents: int = 0
    #: process -> lowest total over the workshops [cents]
    by_process_cents: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Component:
    """One distinct solid of a multi-solid file, quoted on its own."""

    index: int
    #: how many times this solid appears in the file: it is quoted at quantity x count
    count: int
    part: PartSummary
    offers: list[Offer]
    ineligible: list[Ineligible]
    dfm: list[Finding]


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
    #: when the request names no process: per quantity, the cheapest process
    process_choice: list[ProcessChoice] = field(default_factory=list)
    #: multi-solid files: one entry per distinct solid (see quoting.engine.quote_file)
    components: list[Component] = field(default_factory=list)
    #: what features of the part add to its price, when the request asks (see quoting.cost_drivers)
    cost_drivers: list[CostDriver] = field(default_factory=list)

    #: the currency of every amount of the quote
    currency: str = CURRENCY

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = to_jsonable(self)
        return doc

    def to_json(self) -> bytes:
        """The JSON document ``to_dict`` gives, encoded (compact, UTF-8), without building the dict."""
        return to_json(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Quote":
        if data.get("schema") != QUOTE_SCHEMA:
            raise ValueError(f"not a {QUOTE_SCHEMA} document")
        quote: Quote = from_jsonable(cls, data)
        return quote
