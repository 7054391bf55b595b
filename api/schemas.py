"""HTTP request and response schemas (pydantic, at the edge only), with OpenAPI examples.

Declarations of the contract: closed vocabularies are enums taken from the code (``Process``, ``Tier``...) or its
data (tolerance classes), so that the document cannot drift from what the server accepts and sends.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from api.quote_schema import Currency, Finding, QuoteView, ToleranceClass
from geometry.errors import MicrofabError
from geometry.features import FileFormat
from geometry.units import LengthUnit
from quoting.process_kinds import Process, SortKey, Tier

EXAMPLE_SHA = "9f2c1e0b6a7d4c3e8f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70"
ERROR_TEXT = {400: "Bad request (e.g. a body that is not valid JSON)", 401: "No or bad API key",
              403: "The key may not do this", 404: "Not found", 405: "Method not allowed (see the Allow header)",
              409: "Conflict", 413: "Upload too large", 415: "Unsupported file format",
              422: "Invalid request or unusable file", 429: "Too many requests", 500: "Internal error",
              501: "Not implemented yet", 503: "Not ready, or the database or parse workers are unavailable"}
#: codes the HTTP layer sends itself (api.problems handlers, readiness, rate limits), beside the error classes'
HTTP_CODES = ("bad_request", "database_unavailable", "http_error", "internal_error", "invalid_request",
              "method_not_allowed", "not_ready", "rate_limited")


def _error_classes() -> list[type[MicrofabError]]:
    import api.errors
    import api.webhooks
    import models.errors
    import quoting.errors  # noqa: F401  (the modules define the error tree's classes)

    found: list[type[MicrofabError]] = []
    todo: list[type[MicrofabError]] = [MicrofabError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    assert api.errors and api.webhooks and models.errors
    return found


def problem_codes() -> tuple[str, ...]:
    """Every stable ``code`` a problem can carry: the error classes', api.problems.STATUS_BY_CODE's, HTTP's."""
    from api.problems import STATUS_BY_CODE

    codes = {cls.code for cls in _error_classes()} | set(STATUS_BY_CODE) | set(HTTP_CODES)
    return tuple(sorted(codes))


ProblemCode = enum.StrEnum("ProblemCode", {c.upper(): c for c in problem_codes()})  # type: ignore[misc]


class JobKind(enum.StrEnum):
    PARSE = "parse"
    QUOTE = "quote"
    CALIBRATION = "calibration"
    BATCH = "batch"
    REPRICE = "reprice"


class JobStatus(enum.StrEnum):
    """queued -> running -> succeeded | failed; a run with a transient error (or whose worker died) is
    ``retrying`` until the next run starts; ``failed`` is for good (the dead letter)."""

    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class FieldError(BaseModel):
    field: str = Field(description="where: body.quantities, query.limit, file...")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details; ``code`` is stable, ``detail`` says what to do next.

    An error may add structured fields (``field``, ``material``, ``part_id``...): clients keep unknown ones.
    """

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "type": "https://microfab.dev/problems/unknown_material", "title": "UnknownMaterialError", "status": 422,
        "detail": "unknown material 'al6016': did you mean al6061? see `microfab materials` for the list",
        "code": "unknown_material", "instance": "/v1/quotes"}]})
    type: str = Field(description="https://microfab.dev/problems/<code>")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    code: ProblemCode
    instance: str | None = None
    errors: list[FieldError] | None = Field(default=None, description="each invalid field (invalid_request)")


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Declared error answers (every operation also gets 400, 405, 422, 429, 500 and 503 in api.openapi)."""
    return {s: {"model": Problem, "description": ERROR_TEXT.get(s, "Error")} for s in statuses}


def _enum_of(values: Any) -> dict[str, Any]:
    """A request field's schema: the closed vocabulary (the server also accepts aliases and any case)."""
    return {"enum": [*(str(getattr(v, "value", v)) for v in values), None]}


class PartLinks(BaseModel):
    self_: str = Field(alias="self")
    mesh: str
    quotes: str


class PartView(BaseModel):
    """A stored part of the caller (its owner: the API key's, or anonymous)."""

    model_config = ConfigDict(populate_by_name=True, json_schema_extra={"examples": [{
        "id": EXAMPLE_SHA, "sha256": EXAMPLE_SHA, "filename": "bracket.step", "format": "step", "units": "mm",
        "size_bytes": 48211, "created_at": "2026-11-26T08:00:00+00:00",
        "features": {"schema": "microfab.features/1", "volume_mm3": 47095.2, "bbox_mm": [100.0, 60.0, 8.0]},
        "findings": [], "links": {"self": f"/v1/parts/{EXAMPLE_SHA}", "mesh": f"/v1/parts/{EXAMPLE_SHA}/mesh",
                                  "quotes": f"/v1/parts/{EXAMPLE_SHA}/quotes"}}]})
    id: str = Field(description="the part's id: a hash of (owner, file sha256, effective unit, thickness); the "
                                "same bytes with the same effective unit give the same id")
    sha256: str = Field(description="the file's sha256")
    filename: str
    format: FileFormat
    units: str = Field(description="the unit the part was read in", examples=[u.value for u in LengthUnit])
    size_bytes: int = Field(ge=0)
    created_at: dt.datetime
    features: dict[str, Any] = Field(description="PartFeatures, schema microfab.features/1")
    findings: list[Finding] = Field(description="manufacturability findings about the geometry")
    links: PartLinks


class JobError(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str = Field(description="a problem code (see Problem.code), job_interrupted, or job_abandoned (its "
                                  "worker died on every run)")
    status: int
    detail: str
    attempts: int | None = Field(default=None, description="the runs made when this error ended the job (or, while "
                                                           "retrying, the run that failed)")


class JobView(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "5be0f1c2a3d4e5f60718293a", "kind": "parse", "status": "succeeded",
        "result": {"part_id": EXAMPLE_SHA, "url": f"/v1/parts/{EXAMPLE_SHA}"}, "error": None, "attempts": 1,
        "created_at": "2026-11-26T08:00:00+00:00", "finished_at": "2026-11-26T08:00:12+00:00",
        "url": "/v1/jobs/5be0f1c2a3d4e5f60718293a"}]})
    id: str
    kind: JobKind
    status: JobStatus
    result: dict[str, Any] | None = Field(description="parse: part_id, url; quote: quote_id, part_id, url; "
                                                       "calibration: the calibration report; reprice: counts "
                                                       "by status, the failed parts and the result files")
    error: JobError | None = Field(description="failed: why (for good); retrying: the error of the last run")
    attempts: int = Field(default=0, description="runs started so far (a retry, or a run again after its worker "
                                                 "died, counts one more)")
    created_at: dt.datetime
    finished_at: dt.datetime | None
    url: str


class QuoteCreate(BaseModel):
    """A quote of a stored part (JSON body of POST /v1/parts/{id}/quotes)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "material": "al6061", "quantities": [1, 10, 100], "process": "cnc_milling", "finish": "anodize_clear",
        "tolerance": "iso2768_m", "tier": "standard", "ship_to": [45.76, 4.84], "need_by": "2026-12-20"}]})
    material: str = Field(min_length=1, max_length=64, description="material key, see GET /v1/materials")
    quantities: list[int] = Field(default=[1], min_length=1, max_length=20)
    process: str | None = Field(default=None, max_length=64, description="process key, see GET /v1/processes",
                                json_schema_extra=_enum_of(Process))
    finish: str | None = Field(default=None, max_length=64, description="finish key (finishes.toml, or one a "
                                                                        "workshop's rate card prices)")
    tolerance: str | None = Field(default=None, max_length=64, json_schema_extra=_enum_of(ToleranceClass))
    tier: str | None = Field(default=None, max_length=32, json_schema_extra=_enum_of(Tier))
    sort_by: str | None = Field(default=None, max_length=32, json_schema_extra=_enum_of(SortKey))
    ship_to: list[float] | None = Field(default=None, min_length=2, max_length=2, description="[lat, lon]")
    need_by: dt.date | None = None
    thickness_mm: float | None = Field(default=None, gt=0, le=100, description="sheet thickness of a 2D DXF part")
    threads: dict[str, int] | None = Field(default=None, description="extra threads per part, e.g. {\"M6\": 4}")
    cost_drivers: bool = Field(default=False, description="also compute the cost drivers (one re-pricing each)")


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
    processes: list[Process]


class ProcessView(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"key": "cnc_milling", "estimated": True}]})
    key: Process
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
    processes: list[Process]
    materials: list[str]
    validity_days: int = Field(description="how long this workshop's offers stay valid (an offer's valid_until)")
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


class RepricingCreate(BaseModel):
    """Which stored parts to price again with the workshop's current rate card (POST
    /v1/workshops/{id}/repricings): every part with a quote naming the workshop, or those quoted since a date."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"since": "2026-11-01T00:00:00Z"}]})
    since: dt.datetime | None = Field(default=None, description="only parts quoted with this workshop at or after "
                                                                "this time (ISO 8601); absent: all of them")


class RateCardPreviewCreate(BaseModel):
    """A draft rate card to try on reference parts (POST /v1/workshops/{id}/rate-card/preview); nothing is saved."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "ratecard": {"schema": "microfab.ratecard/1", "id": "lyon-usinage", "name": "Lyon Usinage"},
        "part_ids": ["3f1c0e9a2b7d4c5e"], "material": "al6061", "quantities": [1, 10]}]})
    ratecard: dict[str, Any] = Field(description="the draft rate card, schema microfab.ratecard/1, validated as "
                                                 "PUT validates it")
    part_ids: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(
        min_length=1, max_length=10, description="the caller's parts (POST /v1/parts) to price as reference parts")
    material: str = Field(min_length=1, max_length=64, description="material key, see GET /v1/materials")
    quantities: list[int] = Field(default=[1, 10], min_length=1, max_length=20)


class PreviewPrice(BaseModel):
    """The workshop's cheapest offer for one quantity under one rate card."""

    total_cents: int
    unit_price_cents: int
    currency: Currency
    process: str
    machine: str
    lead_time_days: int


class PreviewLine(BaseModel):
    quantity: int
    current: PreviewPrice | None = Field(description="with the current rate card; null: no offer")
    draft: PreviewPrice | None = Field(description="with the draft rate card; null: no offer")
    delta_cents: int | None = Field(description="draft total minus current total; null when either has no offer")


class PreviewPart(BaseModel):
    part_id: str
    filename: str
    lines: list[PreviewLine]
    current_reasons: list[str] = Field(description="why the current card makes no offer (empty when it does)")
    draft_reasons: list[str] = Field(description="why the draft card makes no offer (empty when it does)")


class RateCardPreview(BaseModel):
    """Reference parts priced with the current and the draft rate card; nothing was saved."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "workshop_id": "lyon-usinage", "version": 2, "material": "al6061", "parts": [{
            "part_id": "3f1c0e9a2b7d4c5e", "filename": "plate.step", "current_reasons": [], "draft_reasons": [],
            "lines": [{"quantity": 1, "delta_cents": 1250,
                       "current": {"total_cents": 13294, "unit_price_cents": 13294, "currency": "EUR",
                                   "process": "cnc_milling", "machine": "Haas VF-2", "lead_time_days": 5},
                       "draft": {"total_cents": 14544, "unit_price_cents": 14544, "currency": "EUR",
                                 "process": "cnc_milling", "machine": "Haas VF-2", "lead_time_days": 5}}]}]}]})
    workshop_id: str
    version: int = Field(description="the current rate card's version, compared with the draft")
    material: str
    parts: list[PreviewPart]


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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "d1e2f3a4b5c6d7e8", "job_id": "5be0f1c2a3d4e5f60718293a", "status": "delivered", "attempts": 1,
        "last_error": ""}]})
    id: str
    job_id: str
    status: DeliveryStatus
    attempts: int
    last_error: str


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok", "version": "0.2.0", "checks": {}}]})
    status: str
    version: str
    checks: dict[str, str] = Field(default_factory=dict)


__all__ = [
    "DeliveryStatus", "DeliveryView", "FieldError", "Health", "JobError", "JobKind", "JobStatus", "JobView",
    "MaterialView", "PartLinks", "PartView", "Problem", "ProblemCode", "ProcessView", "QuoteCreate", "QuoteView",
    "RateCardView", "RepricingCreate", "WebhookCreate", "WebhookView", "WorkshopCreate", "WorkshopView",
    "problem_codes", "problems",
]
