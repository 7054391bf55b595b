"""The Quote document (schema ``microfab.quote/1``) as the OpenAPI contract declares it.

Declarations only (the routes send ``quoting.quote.Quote.to_dict()``); the contract tests validate every
quote the API sends against these. Money: every amount is exact integer cents in a ``*_cents`` field with the
offer's and quote's ``currency``; the ``*_eur`` floats are derived from the cents and deprecated.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from geometry.features import FileFormat
from geometry.findings import Severity
from geometry.units import UnitsSource
from quoting.driver_records import DriverKind
from quoting.options import tolerance_keys
from quoting.process_kinds import Process, SortKey, Tier

#: the closed vocabulary of tolerance classes, from ``quoting/data/finishes.toml`` (cannot drift from the data)
ToleranceClass = enum.StrEnum("ToleranceClass", {k.upper(): k for k in tolerance_keys()})  # type: ignore[misc]


class Currency(enum.StrEnum):
    EUR = "EUR"


class QuoteStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"


_OPEN = ConfigDict(extra="allow")  # a client must accept fields added in a later minor version


def _eur(cents_field: str) -> Any:
    return Field(description=f"deprecated: the same amount in euros, derived from `{cents_field}`",
                 json_schema_extra={"deprecated": True})


def _cents(text: str) -> Any:
    return Field(description=f"{text}: exact, integer cents of `currency`")


class Location(BaseModel):
    model_config = _OPEN
    face_ids: list[int] = Field(description="B-rep face ids (STEP parts): the faces of the part's preview mesh "
                                            "(GET /v1/parts/{id}/mesh, extras.face_offsets) the finding concerns")
    point_mm: list[float] | None = Field(min_length=3, max_length=3, description="a point on the part [mm]")


class Finding(BaseModel):
    """A manufacturability (DFM) finding about the part or one process."""

    model_config = _OPEN
    severity: Severity
    code: str = Field(description="stable finding code, e.g. thin_wall, turning_not_axisymmetric")
    message: str
    location: Location | None
    process: str | None = Field(description="the process family it is about; null: the part itself")


class BreakdownItem(BaseModel):
    model_config = _OPEN
    item: str = Field(description="cost term: material, setup, machining, finish, ...")
    amount_cents: int = _cents("the term's amount; the items add up to the line's total_cents")
    amount_eur: float = _eur("amount_cents")
    detail: str


class Interval(BaseModel):
    model_config = _OPEN
    low_cents: int = _cents("lower bound of the line total")
    high_cents: int = _cents("upper bound of the line total")
    low_eur: float = _eur("low_cents")
    high_eur: float = _eur("high_cents")
    level: float = Field(ge=0, le=1, description="nominal coverage (0.8 = 80 %)")
    method: str


class QuoteLine(BaseModel):
    """One quantity of an offer."""

    model_config = _OPEN
    quantity: int = Field(ge=1)
    unit_price_cents: int = _cents("price per part, rounded once")
    total_cents: int = _cents("exactly unit_price_cents x quantity")
    unit_price_eur: float = _eur("unit_price_cents")
    total_eur: float = _eur("total_cents")
    breakdown: list[BreakdownItem]
    interval: Interval
    lead_time_days: int = Field(description="business days from order to delivery")
    ship_date: dt.date
    delivery_date: dt.date
    co2_kg: float
    tier: Tier
    lead_time_detail: dict[str, int] = Field(description="business days per stage: queue, production, finishing, "
                                                         "shipping")
    co2_detail: dict[str, float] = Field(description="kg CO2e per source: material, machine, transport")
    machine_h: float
    meets_need_by: bool | None = Field(description="delivered on or before need_by; null without need_by")


class Operation(BaseModel):
    model_config = _OPEN
    name: str
    time_min: float
    per_batch: bool
    inputs: dict[str, Any]


class Offer(BaseModel):
    """One workshop's offer: its lines (one per quantity), how it would make the part, what it assumed."""

    model_config = _OPEN
    workshop_id: str
    workshop_name: str
    city: str
    process: str = Field(description="a Process; a kit offer names several joined by '+'",
                         examples=[p.value for p in Process])
    machine_class: str
    material: str
    currency: Currency = Field(description="the currency of every *_cents amount")
    valid_until: dt.datetime | None = Field(default=None, description="the end of this workshop's validity")
    lines: list[QuoteLine]
    operations: list[Operation]
    stock: str
    distance_km: float | None
    findings: list[Finding]
    assumptions: list[str]
    ratecard_hash: str
    calibrated: bool
    demo: bool
    best_for: list[SortKey]
    machine: str
    model_version: str


class IneligibleWorkshop(BaseModel):
    """A workshop that made no offer, with its reasons and one stable code per reason."""

    model_config = _OPEN
    workshop_id: str
    workshop_name: str
    reasons: list[str]
    codes: list[str] = Field(description="too_far, material_not_stocked, process_not_offered, finish_not_offered, "
                                         "finish_not_applicable, tolerance_not_offered, outside_envelope, "
                                         "dfm_error, process_error, ...")


class PartSummary(BaseModel):
    model_config = _OPEN
    filename: str
    sha256: str
    format: FileFormat
    units: str
    units_source: UnitsSource
    bbox_mm: list[float] = Field(min_length=3, max_length=3)
    volume_mm3: float | None
    area_mm2: float | None


class ProcessChoice(BaseModel):
    """For one quantity: the cheapest offer of each process and the cheapest process."""

    model_config = _OPEN
    quantity: int
    cheapest_process: str
    cheapest_workshop: str
    total_cents: int = _cents("the cheapest total")
    by_process_cents: dict[str, int] = Field(description="process -> lowest total [cents]")
    total_eur: float = _eur("total_cents")
    by_process: dict[str, float] = Field(description="deprecated: process -> lowest total [EUR]",
                                         json_schema_extra={"deprecated": True})


class Component(BaseModel):
    """One distinct solid of a multi-solid file, quoted on its own (at quantity x count)."""

    model_config = _OPEN
    index: int
    count: int = Field(ge=1)
    part: PartSummary
    offers: list[Offer]
    ineligible: list[IneligibleWorkshop]
    dfm: list[Finding]


class QuoteRequestView(BaseModel):
    """The request as parsed (canonical keys)."""

    model_config = _OPEN
    material: str
    quantities: list[int]
    process: Process | None
    ship_to: list[float] | None
    units: str | None
    thickness_mm: float | None
    finish: str | None
    tolerance: ToleranceClass | None
    tier: Tier
    sort_by: SortKey
    need_by: dt.date | None
    threads: dict[str, int] | None


class Versions(BaseModel):
    """What the quote's prices depend on."""

    model_config = _OPEN
    microfab: str
    features_schema: str
    ratecards_sha256: str
    data_sha256: str
    cost_model: str


_SHA = "9f2c1e0b6a7d4c3e8f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70"
_LINE = {"quantity": 10, "unit_price_cents": 4210, "total_cents": 42100, "unit_price_eur": 42.1, "total_eur": 421.0,
         "breakdown": [{"item": "material", "amount_cents": 2130, "amount_eur": 21.3, "detail": "10 x 0.312 kg"},
                       {"item": "machining", "amount_cents": 39970, "amount_eur": 399.7, "detail": "1.5 h"}],
         "interval": {"low_cents": 31575, "high_cents": 52625, "low_eur": 315.75, "high_eur": 526.25, "level": 0.8,
                      "method": "rule-based, uncalibrated: +/-25%"},
         "lead_time_days": 6, "ship_date": "2026-12-04", "delivery_date": "2026-12-08", "co2_kg": 36.1,
         "tier": "standard", "lead_time_detail": {"queue": 2, "production": 1, "finishing": 1, "shipping": 2},
         "co2_detail": {"material": 26.8, "machine": 7.3, "transport": 2.0}, "machine_h": 3.2,
         "meets_need_by": None}
class DriverSaving(BaseModel):
    """At one quantity: the lowest total now and after the change, and the saving."""

    quantity: int
    total_cents: int = Field(description="the lowest total over the offers, as quoted")
    relaxed_total_cents: int = Field(description="the lowest total of the part re-priced with the change")
    delta_cents: int = Field(description="total_cents - relaxed_total_cents: what the change saves")
    delta_eur: float = Field(deprecated=True, description="delta_cents in EUR")
    delta_fraction: float = Field(description="delta_cents / total_cents")
    by_process_cents: dict[str, int] = Field(description="per process: lowest total now minus after the change")
    by_process_eur: dict[str, float] = Field(deprecated=True, description="by_process_cents in EUR")


class CostDriver(BaseModel):
    """A feature that raises the price, where it is, the change that relaxes it and what the change saves."""

    model_config = ConfigDict(extra="allow")
    kind: DriverKind
    what: str
    change: str
    location: Location | None = Field(description="as in the DFM findings; null: the whole part or the request")
    savings: list[DriverSaving] = Field(description="one per requested quantity, in its order")
    currency: Currency


QUOTE_EXAMPLE: dict[str, Any] = {
    "schema": "microfab.quote/1", "id": "3c9a0e7f2b1d4c5e8f7a6b5c4d3e2f10", "status": "valid",
    "created_at": "2026-11-26T08:00:00+00:00", "valid_until": "2026-12-17T08:00:00+00:00", "currency": "EUR",
    "request": {"material": "al6061", "quantities": [10], "process": None, "ship_to": [45.76, 4.84], "units": None,
                "thickness_mm": None, "finish": None, "tolerance": None, "tier": "standard", "sort_by": "price",
                "need_by": None, "threads": None},
    "part": {"filename": "bracket.step", "sha256": _SHA, "format": "step", "units": "mm", "units_source": "file",
             "bbox_mm": [100.0, 60.0, 8.0], "volume_mm3": 47095.2, "area_mm2": 14937.0},
    "offers": [{"workshop_id": "lyon-usinage", "workshop_name": "Lyon Usinage", "city": "Lyon",
                "process": "cnc_milling", "machine_class": "3axis", "material": "al6061", "currency": "EUR",
                "valid_until": "2026-12-17T08:00:00+00:00", "lines": [_LINE],
                "operations": [{"name": "programming", "time_min": 30.0, "per_batch": True,
                                "inputs": {"per": "batch"}}],
                "stock": "Aluminium 6061-T6 plate 110 x 70 x 15 mm", "distance_km": 0.0, "findings": [],
                "assumptions": [], "ratecard_hash": _SHA, "calibrated": False, "demo": True,
                "best_for": ["price", "lead_time", "co2", "distance"], "machine": "Haas VF-2 (3-axis)",
                "model_version": ""}],
    "ineligible": [{"workshop_id": "annecy-decolletage", "workshop_name": "Decolletage des Aravis",
                    "reasons": ["process not offered: cnc_milling"], "codes": ["process_not_offered"]}],
    "dfm": [{"severity": "warning", "code": "thin_wall", "message": "a 0.8 mm wall: 1 mm or more is safer",
             "location": {"face_ids": [12], "point_mm": [10.0, 5.0, 8.0]}, "process": "cnc_milling"}],
    "versions": {"microfab": "0.2.0", "features_schema": "microfab.features/1", "ratecards_sha256": _SHA,
                 "data_sha256": _SHA, "cost_model": "rule-based"},
    "process_choice": [{"quantity": 10, "cheapest_process": "cnc_milling", "cheapest_workshop": "lyon-usinage",
                        "total_cents": 42100, "by_process_cents": {"cnc_milling": 42100}, "total_eur": 421.0,
                        "by_process": {"cnc_milling": 421.0}}],
    "components": [], "ratecard_versions": {"lyon-usinage": 1},
    "cost_drivers": [{"kind": "internal_radius", "what": "internal corners of R1.00 mm",
                      "change": "internal radius 1 mm -> 3 mm", "location": {"face_ids": [6, 7, 8, 9], "point_mm": None},
                      "currency": "EUR",
                      "savings": [{"quantity": 10, "total_cents": 42100, "relaxed_total_cents": 35310,
                                   "delta_cents": 6790, "delta_eur": 67.9, "delta_fraction": 0.161283,
                                   "by_process_cents": {"cnc_milling": 6790},
                                   "by_process_eur": {"cnc_milling": 67.9}}]}]}


class QuoteView(BaseModel):
    """A stored, immutable quote (schema microfab.quote/1) with its status and rate card versions."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, json_schema_extra={"examples": [QUOTE_EXAMPLE]})
    id: str
    schema_: str = Field(alias="schema", description="microfab.quote/1")
    status: QuoteStatus = Field(description="valid, or expired once valid_until has passed")
    created_at: dt.datetime
    valid_until: dt.datetime = Field(description="the earliest of the offers' valid_until")
    currency: Currency = Field(description="the currency of every *_cents amount of the quote")
    part_id: str | None = Field(default=None, description="the caller's part this quote priced (GET /v1/parts/{id})")
    request: QuoteRequestView
    part: PartSummary
    offers: list[Offer]
    ineligible: list[IneligibleWorkshop]
    dfm: list[Finding]
    versions: Versions
    process_choice: list[ProcessChoice] = Field(description="when no process was asked: per quantity, the "
                                                            "cheapest process")
    components: list[Component] = Field(description="multi-solid files: one entry per distinct solid")
    ratecard_versions: dict[str, int] = Field(description="workshop id -> rate card version that priced its offer")
    cost_drivers: list[CostDriver] = Field(default_factory=list, description=(
        "when the request asked (cost_drivers=true): the features that raise the price, biggest saving first; "
        "savings under 1 % of the price are left out"))


__all__ = [
    "BreakdownItem", "Component", "CostDriver", "Currency", "DriverSaving", "Finding", "IneligibleWorkshop", "Interval", "Location", "Offer",
    "Operation", "PartSummary", "ProcessChoice", "QUOTE_EXAMPLE", "QuoteLine", "QuoteRequestView", "QuoteStatus", "QuoteView",
    "ToleranceClass", "Versions",
]
