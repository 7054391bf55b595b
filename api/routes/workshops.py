"""Catalog (materials, processes, workshops) and the owners' side: rate cards and calibrations."""

from __future__ import annotations

import importlib.util
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.auth import Principal
from api.db import RateCardVersionRow, WorkshopRow, aware, now_utc
from api.deps import Admin, Keyed, Svc
from api.errors import ConflictError, ForbiddenError, NotImplementedYetError
from api.lookup import check_id, get_or_404, workshop_row
from api.paging import DEFAULT_LIMIT, Cursor, Limit, after, cached, decode_cursor, etagged, page, paged
from api.routes.parts import accepted, spool
from api.schemas import (
    JobView,
    MaterialView,
    ProcessView,
    RateCardPreview,
    RateCardPreviewCreate,
    RateCardView,
    WorkshopCreate,
    WorkshopView,
    problems,
)
from api.service import Service, clean_text
from api.uploads import read_small
from quoting.errors import InvalidRequestError, NotFoundError
from quoting.materials import materials
from quoting.process_kinds import Process
from quoting.ratecard import RateCard
from quoting.request import QuoteRequest

router = APIRouter()

#: the header of a PUT rate-card answer that queued a re-pricing (``reprice_on_change``): the job's URL
REPRICING_JOB = "Microfab-Repricing-Job"
REPRICING_HEADER: dict[int | str, dict[str, Any]] = {200: {"headers": {REPRICING_JOB: {
    "description": "the re-pricing job queued by reprice_on_change=true (/v1/jobs/{id})",
    "schema": {"type": "string"}}}}}


def _material_view(m: Any) -> dict[str, Any]:
    return {"key": m.key, "name": m.name, "family": m.family, "density_kg_m3": m.density_kg_m3,
            "price_eur_kg": m.price_eur_kg, "co2_kg_per_kg": m.co2_kg_per_kg, "processes": list(m.processes)}


@router.get("/v1/materials", tags=["catalog"], operation_id="list_materials", response_model=list[MaterialView],
            responses=paged())
def list_materials(request: Request, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Any:
    """The materials table (keys for `material`), by key; paged (`limit`, `cursor`)."""
    table = sorted(materials().values(), key=lambda m: m.key)
    return page(request, after(table, cursor, lambda m: [m.key], limit), limit, lambda m: [m.key], _material_view)


@router.get("/v1/processes", tags=["catalog"], operation_id="list_processes", response_model=list[ProcessView],
            responses=etagged())
def list_processes(request: Request) -> Any:
    """The manufacturing processes (keys for `process`) and whether microfab estimates them today."""
    from quoting.processes import process_models

    models = process_models()
    return cached(request, [{"key": p.value, "estimated": p in models} for p in Process])


def workshop_view(row: WorkshopRow) -> dict[str, Any]:
    card = row.ratecard
    loc = card.get("location", {})
    return {"id": row.id, "name": row.name, "demo": row.demo, "city": loc.get("city", ""),
            "country": loc.get("country", ""), "lat": loc.get("lat", 0.0), "lon": loc.get("lon", 0.0),
            "processes": sorted(card.get("processes", {})), "materials": sorted(card.get("materials", {})),
            "validity_days": card.get("commercial", {}).get("validity_days", 30),
            "ratecard_version": row.ratecard_version}


@router.get("/v1/workshops", tags=["workshops"], operation_id="list_workshops", response_model=list[WorkshopView],
            responses=paged())
def list_workshops(svc: Svc, request: Request, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Any:
    """Every workshop, public view (no rates), by id; paged (`limit`, `cursor`)."""
    start = decode_cursor(cursor)
    query = select(WorkshopRow).order_by(WorkshopRow.id).limit(limit + 1)
    if start is not None:
        query = query.where(WorkshopRow.id > str(start[0]))
    with svc.sessions() as session:
        rows = list(session.scalars(query))
        return page(request, rows, limit, lambda w: [w.id], workshop_view)


@router.get("/v1/workshops/{workshop_id}", tags=["workshops"], operation_id="get_workshop",
            response_model=WorkshopView, responses=etagged(problems(404)))
def get_workshop(svc: Svc, request: Request, workshop_id: str) -> Any:
    return cached(request, workshop_view(_workshop(svc, workshop_id)))


def _workshop(svc: Service, workshop_id: str) -> WorkshopRow:
    with svc.sessions() as session:
        return workshop_row(session, workshop_id)


def _may_manage(who: Principal, workshop_id: str) -> None:
    if not who.can_manage(workshop_id):
        raise ForbiddenError(f"this key may not manage workshop {workshop_id!r}: an owner key manages its own "
                             "workshop only", workshop=workshop_id)


def _card_view(workshop_id: str, v: RateCardVersionRow) -> dict[str, Any]:
    return {"workshop_id": workshop_id, "version": v.version, "sha256": v.sha256,
            "updated_at": aware(v.created_at).isoformat(), "ratecard": v.ratecard}


@router.post("/v1/workshops", tags=["workshops"], operation_id="create_workshop", status_code=201,
             response_model=RateCardView, responses=problems(401, 403, 409, 422))
def create_workshop(svc: Svc, who: Admin, body: WorkshopCreate) -> Any:
    """Add a workshop with its first rate card (admin)."""
    card = RateCard.from_dict(body.ratecard, "ratecard")
    try:
        return _add_workshop(svc, who, card)
    except IntegrityError:
        raise ConflictError(f"workshop {card.id!r} exists: PUT its rate card instead", workshop=card.id) from None


#: the longest workshop name stored (the column's size)
MAX_NAME_CHARS = 200


def _check_name(card: RateCard) -> None:
    """A workshop name is listed publicly: plain text of at most ``MAX_NAME_CHARS``, no markup, no bidi tricks."""
    name = card.name
    if len(name) > MAX_NAME_CHARS or not name.strip():
        raise InvalidRequestError(f"ratecard.name: give a name of 1 to {MAX_NAME_CHARS} characters "
                                  f"(got {len(name)})", field="ratecard.name")
    if "<" in name or ">" in name or clean_text(name, MAX_NAME_CHARS) != name.strip():
        raise InvalidRequestError("ratecard.name: plain text only, without '<', '>', control or bidi characters",
                                  field="ratecard.name")


def _add_workshop(svc: Service, who: Principal, card: RateCard) -> dict[str, Any]:
    _check_name(card)
    doc = card.to_dict()
    with svc.sessions.begin() as session:
        if session.get(WorkshopRow, card.id) is not None:
            raise ConflictError(f"workshop {card.id!r} exists: PUT its rate card instead", workshop=card.id)
        session.add(WorkshopRow(id=card.id, name=card.name, demo=card.demo, ratecard=doc,
                                ratecard_sha256=card.version_hash, ratecard_version=1))
        session.flush()
        v = RateCardVersionRow(workshop_id=card.id, version=1, ratecard=doc, sha256=card.version_hash,
                               created_by=who.key_id, created_at=now_utc())
        session.add(v)
    svc.forget_cards()
    return _card_view(card.id, v)


@router.get("/v1/workshops/{workshop_id}/rate-card", tags=["workshops"], operation_id="get_rate_card",
            response_model=RateCardView, responses=etagged(problems(401, 403, 404)))
def get_rate_card(svc: Svc, who: Keyed, request: Request, workshop_id: str) -> Any:
    """The workshop's current rate card (its owner or an admin)."""
    _may_manage(who, workshop_id)
    row = _workshop(svc, workshop_id)
    return cached(request, _version(svc, workshop_id, row.ratecard_version))


@router.get("/v1/workshops/{workshop_id}/rate-card/versions", tags=["workshops"],
            operation_id="list_rate_card_versions", response_model=list[RateCardView],
            responses=paged(problems(401, 403, 404)))
def list_rate_card_versions(svc: Svc, who: Keyed, request: Request, workshop_id: str, limit: Limit = DEFAULT_LIMIT,
                            cursor: Cursor = None) -> Any:
    """Every rate card the workshop had, oldest first; paged (`limit`, `cursor`)."""
    _may_manage(who, workshop_id)
    _workshop(svc, workshop_id)
    start = decode_cursor(cursor)
    query = (select(RateCardVersionRow).where(RateCardVersionRow.workshop_id == workshop_id)
             .order_by(RateCardVersionRow.version).limit(limit + 1))
    if start is not None:
        if not isinstance(start[0], int):
            raise InvalidRequestError("the cursor is not one this server gave: start again without it",
                                      field="cursor")
        query = query.where(RateCardVersionRow.version > start[0])
    with svc.sessions() as session:
        rows = list(session.scalars(query))
        return page(request, rows, limit, lambda v: [v.version], lambda v: _card_view(workshop_id, v))


@router.get("/v1/workshops/{workshop_id}/rate-card/versions/{version}", tags=["workshops"],
            operation_id="get_rate_card_version", response_model=RateCardView,
            responses=etagged(problems(401, 403, 404)))
def get_rate_card_version(svc: Svc, who: Keyed, request: Request, workshop_id: str, version: int) -> Any:
    """An earlier rate card: the one a quote's ``ratecard_versions`` names."""
    _may_manage(who, workshop_id)
    return cached(request, _version(svc, workshop_id, version))


def _version(svc: Service, workshop_id: str, version: int) -> dict[str, Any]:
    check_id("workshop", workshop_id)
    missing = f"workshop {workshop_id!r} has no rate card version {version}"
    if not 1 <= version < 2**31:
        raise NotFoundError(missing, workshop=workshop_id)
    with svc.sessions() as session:
        v = get_or_404(session, RateCardVersionRow, (workshop_id, version), missing, workshop=workshop_id)
    return _card_view(workshop_id, v)


@router.put("/v1/workshops/{workshop_id}/rate-card", tags=["workshops"], operation_id="put_rate_card",
            response_model=RateCardView, responses=problems(401, 403, 404, 422) | REPRICING_HEADER)
async def put_rate_card(svc: Svc, who: Keyed, response: Response, workshop_id: str,
                        ratecard: Annotated[dict[str, Any], Body(
                            description="rate card document, microfab.ratecard/1",
                            examples=[{"schema": "microfab.ratecard/1", "id": "lyon-usinage",
                                       "name": "Lyon Usinage"}])],
                        reprice_on_change: Annotated[bool, Query(
                            description="when the card changes, queue a re-pricing of the workshop's stored parts "
                                        "(as POST .../repricings); its job in the Microfab-Repricing-Job header")]
                        = False) -> Any:
    """Replace the rate card (validated); a new version: quotes keep the version that priced them."""
    _may_manage(who, workshop_id)
    before = (await run_in_threadpool(_workshop, svc, workshop_id)).ratecard_version
    card = _checked_card(workshop_id, ratecard)
    try:
        view = await run_in_threadpool(_store_card, svc, who, workshop_id, card)
    except IntegrityError:  # another change of this card landed first
        raise ConflictError(f"the rate card of {workshop_id!r} changed meanwhile: GET it and try again",
                            workshop=workshop_id) from None
    if reprice_on_change and view["version"] != before:
        from api.routes.repricings import queue_repricing

        response.headers[REPRICING_JOB] = await queue_repricing(svc, who, workshop_id, None)
    return view


def _checked_card(workshop_id: str, ratecard: dict[str, Any]) -> RateCard:
    """A rate card document for ``workshop_id``, validated (PUT and the preview share these rules)."""
    doc_in = dict(ratecard)
    doc_in.setdefault("id", workshop_id)
    if doc_in.get("id") != workshop_id:
        raise InvalidRequestError(f"the rate card's id {doc_in.get('id')!r} is not {workshop_id!r}", field="id")
    card = RateCard.from_dict(doc_in, "ratecard")
    _check_name(card)
    return card


@router.post("/v1/workshops/{workshop_id}/rate-card/preview", tags=["workshops"], operation_id="preview_rate_card",
             response_model=RateCardPreview, responses=problems(401, 403, 404, 422))
async def preview_rate_card(svc: Svc, who: Keyed, workshop_id: str, body: RateCardPreviewCreate) -> Any:
    """Price reference parts with the current and a draft rate card, the draft validated as PUT validates it.

    Nothing is saved: no new version, no quote. The parts are the caller's own (POST /v1/parts).
    """
    _may_manage(who, workshop_id)
    row = _workshop(svc, workshop_id)
    draft = _checked_card(workshop_id, body.ratecard)
    current = RateCard.from_dict(row.ratecard, workshop_id)
    request = QuoteRequest.parse(material=body.material, quantities=body.quantities,
                                 known_finishes=set(current.finishes) | set(draft.finishes))
    parts = [(pid, await svc.current_measurement(pid, who.owner)) for pid in dict.fromkeys(body.part_ids)]
    from api.ratecard_preview import preview_prices

    rows = await svc.run_cpu(preview_prices, parts, request, current, draft, svc.cost_models)
    return {"workshop_id": workshop_id, "version": row.ratecard_version, "material": request.material,
            "parts": rows}


def _store_card(svc: Service, who: Principal, workshop_id: str, card: RateCard) -> dict[str, Any]:
    doc = card.to_dict()
    with svc.sessions.begin() as session:
        row = workshop_row(session, workshop_id, lock=True)
        if row.ratecard_sha256 == card.version_hash:
            v = get_or_404(session, RateCardVersionRow, (workshop_id, row.ratecard_version),
                           f"workshop {workshop_id!r} has no rate card version {row.ratecard_version}",
                           workshop=workshop_id)
            return _card_view(workshop_id, v)
        version = row.ratecard_version + 1
        v = RateCardVersionRow(workshop_id=workshop_id, version=version, ratecard=doc, sha256=card.version_hash,
                               created_by=who.key_id, created_at=now_utc())
        session.add(v)
        row.ratecard, row.ratecard_sha256, row.ratecard_version = doc, card.version_hash, version
        row.name, row.updated_at = card.name, now_utc()
    svc.forget_cards()
    return _card_view(workshop_id, v)


# ---- calibrations ----------------------------------------------------------------------------------------

def calibration_available() -> bool:
    return importlib.util.find_spec("quoting.calibration") is not None


@router.post("/v1/workshops/{workshop_id}/calibrations", tags=["workshops"], operation_id="create_calibration",
             status_code=202, response_model=JobView, responses=problems(401, 403, 404, 413, 422, 501))
async def create_calibration(
    svc: Svc, who: Keyed, workshop_id: str,
    history: Annotated[UploadFile, File(description="history CSV: file, process, material, quantity, price_eur, ...")],
    files: Annotated[UploadFile | None, File(description="zip of the CAD files the CSV names")] = None,
) -> Any:
    """Calibrate the workshop's rates on its past prices: a job whose result is the calibration report."""
    _may_manage(who, workshop_id)
    _workshop(svc, workshop_id)
    if not calibration_available():
        raise NotImplementedYetError("calibration is not available in this build yet (quoting.calibration is "
                                     "missing): use `microfab calibrate` when it ships", workshop=workshop_id)
    csv_bytes = await read_small(history, svc.settings.max_upload_bytes)
    archive = await spool(svc, files) if files is not None else None
    from api import tasks

    job_id = svc.new_job("calibration", who, {"workshop_id": workshop_id, "owner": who.owner})
    (svc.jobs.inputs(job_id) / tasks.HISTORY).write_bytes(csv_bytes)
    if archive is not None:
        archive.path.replace(svc.jobs.inputs(job_id) / tasks.ARCHIVE)
    await svc.jobs.submit(job_id)  # a queue task (api.tasks): durable on PostgreSQL
    return accepted(svc, job_id)
