"""HTTP request and response schemas (pydantic, at the edge only), with OpenAPI examples."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

EXAMPLE_SHA = "9f2c1e0b6a7d4c3e8f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70"


class Problem(BaseModel):
    """RFC 9457 problem details; ``code`` is stable, ``detail`` says what to do next."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "type": "https://microfab.dev/problems/unknown_material", "title": "UnknownMaterialError", "status": 422,
        "detail": "unknown material 'al6016': did you mean al6061? see `microfab materials` for the list",
        "code": "unknown_material", "instance": "/v1/quotes"}]})
    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "Bad request", 401: "No or bad API key", 403: "The key may not do this", 404: "Not found",
            409: "Conflict", 413: "Upload too large", 415: "Unsupported file format",
            422: "Invalid request or unusable file", 501: "Not implemented yet", 503: "Not ready"}
    return {s: {"model": Problem, "description": text.get(s, "Error"),
                "content": {"application/problem+json": {}}} for s in statuses}


class PartView(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": EXAMPLE_SHA, "sha256": EXAMPLE_SHA, "filename": "bracket.step", "format": "step", "units": "mm",
        "size_bytes": 48211, "created_at": "2026-11-26T08:00:00+00:00",
        "features": {"schema": "microfab.features/1", "volume_mm3": 47095.2, "bbox_mm": [100.0, 60.0, 8.0]},
        "findings": [], "links": {"self": f"/v1/parts/{EXAMPLE_SHA}", "mesh": f"/v1/parts/{EXAMPLE_SHA}/mesh"}}]})
    id: str = Field(description="the file's sha256 (or sha256 of '<sha256>:<units>' when units were given)")
    sha256: str
    filename: str
    format: str
    units: str
    size_bytes: int
    created_at: dt.datetime
    features: dict[str, Any] = Field(description="PartFeatures, schema microfab.features/1")
    findings: list[dict[str, Any]] = Field(description="manufacturability findings about the geometry")
    links: dict[str, str]


class JobView(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "5be0f1c2a3d4e5f60718293a", "kind": "parse", "status": "succeeded",
        "result": {"part_id": EXAMPLE_SHA, "url": f"/v1/parts/{EXAMPLE_SHA}"}, "error": None,
        "created_at": "2026-11-26T08:00:00+00:00", "finished_at": "2026-11-26T08:00:12+00:00",
        "url": "/v1/jobs/5be0f1c2a3d4e5f60718293a"}]})
    id: str
    kind: str = Field(description="parse, quote or calibration")
    status: str = Field(description="running, succeeded or failed")
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    url: str


class QuoteCreate(BaseModel):
    """A quote of a stored part (JSON body of POST /v1/parts/{id}/quotes)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "material": "al6061", "quantities": [1, 10, 100], "process": "cnc_milling", "finish": "anodize_clear",
        "tolerance": "iso2768-m", "tier": "standard", "ship_to": [45.76, 4.84], "need_by": "2026-12-20"}]})
    material: str = Field(min_length=1, max_length=64, description="material key, see GET /v1/materials")
    quantities: list[int] = Field(default=[1], min_length=1, max_length=20)
    process: str | None = Field(default=None, max_length=64, description="process key, see GET /v1/processes")
    finish: str | None = Field(default=None, max_length=64)
    tolerance: str | None = Field(default=None, max_length=64)
    tier: str | None = Field(default=None, max_length=32, description="economy, standard or expedite")
    sort_by: str | None = Field(default=None, max_length=32, description="price, lead_time, distance or co2")
    ship_to: list[float] | None = Field(default=None, min_length=2, max_length=2, description="[lat, lon]")
    need_by: dt.date | None = None
    thickness_mm: float | None = Field(default=None, gt=0, le=100, description="sheet thickness of a 2D DXF part")
    threads: dict[str, int] | None = Field(default=None, description="extra threads per part, e.g. {\"M6\": 4}")
    cost_drivers: bool = Field(default=False, description="also compute the cost drivers (one re-pricing each)")


QUOTE_EXAMPLE: dict[str, Any] = {
    "schema": "microfab.quote/1", "id": "3c9a0e7f2b1d4c5e8f7a6b5c4d3e2f10", "status": "valid",
    "created_at": "2026-11-26T08:00:00+00:00", "valid_until": "2026-12-10T08:00:00+00:00",
    "request": {"material": "al6061", "quantities": [1, 10]},
    "part": {"filename": "bracket.step", "sha256": EXAMPLE_SHA, "format": "step"},
    "offers": [{"workshop_id": "lyon-usinage", "process": "cnc_milling",
                "lines": [{"quantity": 1, "unit_price_eur": 182.4, "total_eur": 182.4, "lead_time_days": 6}]}],
    "ineligible": [], "dfm": [], "ratecard_versions": {"lyon-usinage": 1},
    "cost_drivers": [{"kind": "internal_radius", "what": "internal corners of R1.00 mm",
                      "change": "internal radius 1 mm -> 3 mm", "location": {"face_ids": [6, 7, 8, 9], "point_mm": None},
                      "currency": "EUR",
                      "savings": [{"quantity": 1, "total_cents": 18240, "relaxed_total_cents": 15310,
                                   "delta_cents": 2930, "delta_eur": 29.3, "delta_fraction": 0.160636,
                                   "by_process_cents": {"cnc_milling": 2930},
                                   "by_process_eur": {"cnc_milling": 29.3}}]}]}


class QuoteView(BaseModel):
    """A stored, immutable quote (schema microfab.quote/1) with its status and rate card versions."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [QUOTE_EXAMPLE]})
    id: str
    schema_: str = Field(alias="schema")
    status: str = Field(description="valid, or expired once valid_until has passed")
    created_at: dt.datetime
    valid_until: dt.datetime
    offers: list[dict[str, Any]]
    ineligible: list[dict[str, Any]]
    ratecard_versions: dict[str, int] = Field(description="workshop id -> rate card version that priced its offer")
    cost_drivers: list[dict[str, Any]] = Field(default_factory=list, description=(
        "when the request asked (cost_drivers=true): the features that raise the price, each with its location, "
        "the change that relaxes it and the saving per quantity (delta_cents: lowest total now minus after the "
        "change, also per process), biggest first; savings under 1 % are left out"))


class MaterialView(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "key": "al6061", "name": "Aluminium 6061-T6", "family": "aluminium", "density_kg_m3": 2700.0,
        "price_eur_kg": 6.5, "co2_kg_per_kg": 8.3, "processes": ["cnc_milling", "cnc_turning"]}]})
    key: str
    name: str
    family: str
    density_kg_m3: float
    price_eur_kg: float
    co2_kg_per_kg: float
    processes: list[str]


class ProcessView(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"key": "cnc_milling", "estimated": True}]})
    key: str
    estimated: bool = Field(description="whether microfab can estimate this process today")


class WorkshopView(BaseModel):
    """A workshop's public view (no rates)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "lyon-usinage", "name": "Lyon Usinage", "demo": True, "city": "Lyon", "country": "FR",
        "lat": 45.76, "lon": 4.84, "processes": ["cnc_milling"], "materials": ["al6061", "s235"],
        "validity_days": 14, "ratecard_version": 1}]})
    id: str
    name: str
    demo: bool
    city: str
    country: str
    lat: float
    lon: float
    processes: list[str]
    materials: list[str]
    validity_days: int
    ratecard_version: int


class RateCardView(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "workshop_id": "lyon-usinage", "version": 2, "sha256": EXAMPLE_SHA, "updated_at": "2026-11-26T08:00:00Z",
        "ratecard": {"schema": "microfab.ratecard/1", "id": "lyon-usinage", "name": "Lyon Usinage"}}]})
    workshop_id: str
    version: int
    sha256: str
    updated_at: dt.datetime
    ratecard: dict[str, Any] = Field(description="the rate card document, schema microfab.ratecard/1")


class WorkshopCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ratecard: dict[str, Any] = Field(description="the rate card document, schema microfab.ratecard/1")


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "url": "https://example.com/microfab-hook"}]})
    url: str = Field(min_length=8, max_length=2000, pattern=r"^https?://[^\s\x00-\x1f\x7f]+$", description="http(s) URL to POST to")


class WebhookView(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "a1b2c3d4e5f60718", "url": "https://example.com/microfab-hook", "created_at": "2026-11-26T08:00:00Z",
        "secret": "whsec_..."}]})
    id: str
    url: str
    created_at: dt.datetime
    secret: str | None = Field(default=None, description="the HMAC secret: shown once, at creation")


class DeliveryView(BaseModel):
    id: str
    job_id: str
    status: str
    attempts: int
    last_error: str


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok", "version": "0.1.0"}]})
    status: str
    version: str
    checks: dict[str, str] = {}
