"""Parts (upload, features, preview mesh), quotes and jobs."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy import select

from api.auth import Principal, Role
from api.db import JobRow, PartRow, QuoteRow, TenantPartRow, aware
from api.deps import Keyed, Quoter, Svc
from api.jobs import RESUME_SLACK_S
from api.paging import DEFAULT_LIMIT, Cursor, Limit, by_created, cached, created_key, etagged, page, paged
from api.schemas import JobStatus, JobView, PartView, QuoteCreate, QuoteView, problems
from api.service import (
    JobAccepted,
    OwnedPart,
    Service,
    Spooled,
    clean_text,
    quote_view,
    request_fingerprint,
    tenant_part_id,
)
from api.storage import effective_unit
from api.tasks import UPLOAD
from api.uploads import spool_upload
from quoting.errors import InvalidRequestError, NotFoundError
from quoting.request import QuoteRequest

router = APIRouter()
CHUNK = 1024 * 1024
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255,
                                       description="repeat a request safely: the same key and request "
                                                   "return the first answer")]


async def spool(svc: Service, file: UploadFile) -> Spooled:
    """The upload, spooled to disk under the blob folder (never whole in memory)."""
    return await spool_upload(file, svc.settings.max_upload_bytes, svc.settings.blob_dir / "incoming")


def _filename(file: UploadFile) -> str:
    name = Path((file.filename or "part").replace("\\", "/")).name or "part"
    return clean_text(name) or "part"


def _check_units(units: str | None) -> str | None:
    if not units:
        return None
    from geometry.units import LengthUnit

    LengthUnit.parse(units)
    return units.strip().lower()


def part_view(part: OwnedPart) -> dict[str, Any]:
    """An owner's part: its own id, filename and date; the shared measurement's features under its filename."""
    t, m = part.tenant, part.measurement
    features = dict(m.features)
    features["source"] = {**features.get("source", {}), "filename": t.filename}
    return {"id": t.id, "sha256": t.file_sha256, "filename": t.filename, "format": m.format, "units": m.units,
            "size_bytes": t.size_bytes, "created_at": aware(t.created_at).isoformat(), "features": features,
            "findings": features.get("findings", []),
            "links": {"self": f"/v1/parts/{t.id}", "mesh": f"/v1/parts/{t.id}/mesh",
                      "quotes": f"/v1/parts/{t.id}/quotes"}}


def accepted(svc: Service, job_id: str) -> JSONResponse:
    body = svc.job_view(job_id)
    return JSONResponse(body, status_code=202, headers={"Location": body["url"]})


async def parse_or_job(svc: Service, who: Principal, upload: Spooled, filename: str, units: str | None,
                       kind: str, thickness_mm: float | None, then,  # noqa: ANN001
                       quote: dict[str, Any] | None = None) -> tuple[OwnedPart, bool]:
    """Parse now, or go on as a job: a big file is queued at once (a queue worker parses it); a parse that turns
    slow finishes in this process by ``then((part, created))``, with a task queued for later that takes over only
    if this process died. ``quote``: what the job quotes once parsed (``api.tasks``)."""
    args = {"sha256": upload.sha256, "size_bytes": upload.size_bytes, "filename": filename, "units": units,
            "thickness_mm": thickness_mm, "owner": who.owner, "key_id": who.key_id,
            "role": who.role.value if who.role else None, "quote": quote}
    if upload.size_bytes > svc.settings.async_threshold_bytes:
        job_id = svc.new_job(kind, who, args)
        upload.path.replace(svc.jobs.inputs(job_id) / UPLOAD)  # the job's own copy, for every run it needs
        await svc.jobs.submit(job_id)
        raise JobAccepted(job_id)
    task = asyncio.ensure_future(svc.parse_and_store(upload, filename, units, thickness_mm, who.owner))
    try:
        return await asyncio.wait_for(asyncio.shield(task), svc.settings.sync_wait_s)
    except TimeoutError:
        pass
    job_id = svc.jobs.new(kind, who, args, JobStatus.RUNNING)
    try:
        os.link(upload.path, svc.jobs.inputs(job_id) / UPLOAD)
    except OSError:  # parsed (and stored or discarded) meanwhile: this process finishes the job at once
        pass
    svc.run_job(job_id, task, then)
    await svc.jobs.submit(job_id, svc.settings.parse_timeout_s + RESUME_SLACK_S)
    raise JobAccepted(job_id)


@router.post("/v1/parts", tags=["parts"], operation_id="create_part", status_code=201, response_model=PartView,
             responses={200: {"model": PartView, "description": "the same file was uploaded before"},
                        202: {"model": JobView, "description": "a large or slow file: parsing goes on as a job"},
                        **problems(401, 413, 415, 422)})
async def create_part(
    svc: Svc, who: Quoter,
    file: Annotated[UploadFile, File(description="STEP, STL, 3MF, OBJ or PLY file (format read from content)")],
    units: Annotated[str | None, Form(max_length=16, description="unit of a file that carries none: mm, cm, m, in")]
    = None,
    thickness_mm: Annotated[float | None, Form(gt=0, le=100, description="sheet thickness of a 2D DXF drawing")]
    = None,
) -> Any:
    """Upload a CAD file: measured features and DFM findings. The part is private to the caller (its API key,
    or "anonymous"); the same file again from the same caller is the same part (200)."""
    units = _check_units(units)
    upload = await spool(svc, file)
    try:
        part, created = await parse_or_job(svc, who, upload, _filename(file), units, "parse", thickness_mm,
                                           lambda rc: {"part_id": rc[0].id, "url": f"/v1/parts/{rc[0].id}"})
    except JobAccepted as job:
        return accepted(svc, job.job_id)
    return JSONResponse(part_view(part), status_code=201 if created else 200,
                        headers={"Location": f"/v1/parts/{part.id}"})


@router.get("/v1/parts/{part_id}", tags=["parts"], operation_id="get_part", response_model=PartView,
            responses=etagged(problems(401, 404)))
def get_part(svc: Svc, who: Quoter, request: Request, part_id: str) -> Any:
    """A stored part of the caller: features and findings (another caller's part is a 404)."""
    return cached(request, part_view(svc.get_part(part_id, who.owner)))


@router.get("/v1/parts/{part_id}/mesh", tags=["parts"], operation_id="get_part_mesh",
            responses={200: {"content": {"model/gltf-binary": {}}, "description": "binary glTF (GLB), millimetres"},
                       **problems(401, 404, 422)}, response_class=Response)
async def get_part_mesh(svc: Svc, who: Quoter, part_id: str) -> Any:
    """The part's triangle mesh as binary glTF (GLB) for a 3D preview.

    Its triangles are ordered by face (a STEP part's B-rep faces, the ids findings name in `face_ids`; else mesh
    regions split at creases); the mesh's `extras` give `face_ids` (`brep` or `mesh_region`), `face_count` and
    `face_offsets`, the index of an accessor of n + 1 uint32: face i is triangles offsets[i] to offsets[i + 1] - 1.
    """
    part = svc.get_part(part_id, who.owner)
    row, filename = part.measurement, part.tenant.filename
    glb = svc.blob_path(row.sha256, ".glb")
    if not glb.exists():
        args = svc.parts.measure_args(row)
        blob = svc.blob_path(args.sha256)
        if not blob.exists():
            raise NotFoundError(f"the file of part {part_id} is no longer stored: upload it again", part_id=part_id)
        parsed = await svc.pool.parse(blob, filename, args.units, args.thickness_mm)
        if not parsed.glb:
            raise NotFoundError(f"no preview mesh for part {part_id}", part_id=part_id)
        svc.write_blob(row.sha256, parsed.glb, ".glb")
    return FileResponse(glb, media_type="model/gltf-binary", filename=f"{Path(filename).stem}.glb")


# ---- quotes --------------------------------------------------------------------------------------------

def _parse_request(svc: Service, fields: dict[str, Any]) -> QuoteRequest:
    """The request, parsed once; a finish that only a workshop's rate card prices is accepted too."""
    return svc.quote_request(fields)


async def _create_quote(svc: Service, who: Principal, part_id: str, request: QuoteRequest, fields: dict[str, Any],
                        idem: str | None) -> Any:
    """Quote a stored part; ``fields`` (as sent) make the Idempotency fingerprint.

    Pricing is CPU work: it runs in the thread pool, so the event loop keeps answering
    (/healthz, uploads) during a burst of quotes.
    """
    answer, replayed = await svc.quote_stored_part(part_id, request, who, idem,
                                                  request_fingerprint(part_id, fields) if idem else "")
    return Response(answer.body, status_code=200 if replayed else 201, media_type="application/json",
                    headers={"Location": f"/v1/quotes/{answer.id}", "Idempotent-Replayed": str(replayed).lower()})


@router.post("/v1/quotes", tags=["quotes"], operation_id="create_quote", status_code=201, response_model=QuoteView,
             responses={200: {"model": QuoteView, "description": "replayed: the same Idempotency-Key and request"},
                        202: {"model": JobView, "description": "a large or slow file: the quote follows as a job"},
                        **problems(401, 404, 409, 413, 415, 422)})
async def create_quote(
    svc: Svc, who: Quoter, idempotency_key: IdemKey = None,
    file: Annotated[UploadFile | None, File(description="a CAD file (or give part_id)")] = None,
    part_id: Annotated[str | None, Form(max_length=64, description="a stored part (POST /v1/parts)")] = None,
    material: Annotated[str, Form(max_length=64, description="material key, see GET /v1/materials")] = "",
    quantities: Annotated[str, Form(max_length=200, description="comma-separated quantities, e.g. 1,10,100")] = "1",
    process: Annotated[str | None, Form(max_length=64, description="process key; all when absent")] = None,
    finish: Annotated[str | None, Form(max_length=64, description="surface finish key, e.g. anodize_clear")] = None,
    tolerance: Annotated[str | None, Form(max_length=64, description="tolerance class, e.g. iso2768-f")] = None,
    tier: Annotated[str | None, Form(max_length=32, description="economy, standard or expedite")] = None,
    sort_by: Annotated[str | None, Form(max_length=32, description="price, lead_time, distance or co2")] = None,
    ship_to: Annotated[str | None, Form(max_length=64, description="LAT,LON of the buyer")] = None,
    need_by: Annotated[str | None, Form(max_length=32, description="wanted delivery date, YYYY-MM-DD")] = None,
    units: Annotated[str | None, Form(max_length=16, description="unit of a file that carries none")] = None,
    thickness_mm: Annotated[str | None, Form(max_length=32, description="sheet thickness of a 2D DXF drawing")]
    = None,
    threads: Annotated[str | None, Form(max_length=200, description="extra threads per part, e.g. M6:4,M8:2")]
    = None,
    cost_drivers: Annotated[bool, Form(description="also compute the cost drivers (one re-pricing each)")] = False,
) -> Any:
    """Quote a file or a stored part: offers from every workshop able to make it, stored and immutable."""
    units = _check_units(units)
    fields = {"material": material, "quantities": quantities, "process": process, "finish": finish,
              "tolerance": tolerance, "tier": tier, "sort_by": sort_by, "ship_to": ship_to, "need_by": need_by,
              "units": units, "thickness_mm": thickness_mm, "threads": threads, "cost_drivers": cost_drivers}
    request = _parse_request(svc, fields)  # a bad request fails before any parsing
    if (file is None) == (not part_id):
        raise InvalidRequestError("give either a file or a part_id", field="file")
    if part_id:
        await svc.current_measurement(part_id, who.owner)  # a stale one is measured again before pricing
        return await _create_quote(svc, who, part_id, request, fields, idempotency_key)
    assert file is not None
    upload = await spool(svc, file)
    pid = tenant_part_id(who.owner, upload.sha256, effective_unit(request.units, upload.head()),
                         request.thickness_mm)
    if idempotency_key:
        replay = svc._replay(who.owner, idempotency_key, request_fingerprint(pid, fields))
        if replay is not None:
            upload.discard()
            return JSONResponse(replay, headers={"Location": f"/v1/quotes/{replay['id']}",
                                                 "Idempotent-Replayed": "true"})

    def then(rc: tuple[OwnedPart, bool]) -> dict[str, Any]:
        answer, _ = svc.create_quote(rc[0].id, request, who, idempotency_key, request_fingerprint(pid, fields))
        return {"quote_id": answer.id, "part_id": rc[0].id, "url": f"/v1/quotes/{answer.id}"}

    try:
        part, _ = await parse_or_job(svc, who, upload, _filename(file), request.units, "quote", request.thickness_mm,
                                     then, {"fields": fields, "idempotency_key": idempotency_key,
                                            "request_hash": request_fingerprint(pid, fields)})
    except JobAccepted as job:
        return accepted(svc, job.job_id)
    return await _create_quote(svc, who, part.id, request, fields, idempotency_key)


@router.post("/v1/parts/{part_id}/quotes", tags=["quotes"], operation_id="quote_part", status_code=201,
             response_model=QuoteView,
             responses={200: {"model": QuoteView, "description": "replayed: the same Idempotency-Key and request"},
                        **problems(401, 404, 409, 422)})
async def quote_part(http: Request, who: Quoter, part_id: str, body: QuoteCreate,
                     idempotency_key: IdemKey = None) -> Any:
    """Re-quote a stored part (JSON): new quantities, material, finish... without uploading it again."""
    svc: Service = http.app.state.service  # the hot route: one dependency fewer to solve than ``Svc``
    fields = body.model_dump(mode="json")
    request = _parse_request(svc, fields)
    await svc.current_measurement(part_id, who.owner)  # a stale measurement is measured again before pricing
    return await _create_quote(svc, who, part_id, request, fields, idempotency_key)


@router.get("/v1/quotes/{quote_id}", tags=["quotes"], operation_id="get_quote", response_model=QuoteView,
            responses=etagged(problems(401, 404)))
def get_quote(svc: Svc, who: Quoter, request: Request, quote_id: str) -> Any:
    """A stored quote; ``status`` turns ``expired`` after ``valid_until`` (the workshops' validity)."""
    row = svc.get_quote(quote_id)
    if row.key_id and row.key_id != who.key_id and who.role is not Role.ADMIN:
        raise NotFoundError(f"no quote {quote_id!r}", quote_id=quote_id)
    return cached(request, quote_view(row))


@router.get("/v1/quotes", tags=["quotes"], operation_id="list_quotes", response_model=list[QuoteView],
            responses=paged(problems(401)))
def list_quotes(svc: Svc, who: Keyed, request: Request, limit: Limit = 20, cursor: Cursor = None) -> Any:
    """The quotes made with this API key, newest first; paged (`limit`, `cursor`)."""
    query = by_created(QuoteRow, cursor, limit).where(QuoteRow.key_id == who.key_id)
    with svc.sessions() as session:
        return page(request, list(session.scalars(query)), limit, created_key, quote_view)


@router.get("/v1/parts", tags=["parts"], operation_id="list_parts", response_model=list[PartView],
            responses=paged(problems(401)))
def list_parts(svc: Svc, who: Keyed, request: Request, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Any:
    """This API key's parts (the ones it uploaded), newest first; paged (`limit`, `cursor`)."""
    query = by_created(TenantPartRow, cursor, limit).where(TenantPartRow.owner == who.owner)
    with svc.sessions() as session:
        rows = list(session.scalars(query))
        measurements = {m.sha256: m for m in session.scalars(
            select(PartRow).where(PartRow.sha256.in_({r.measurement_id for r in rows})))}
    return page(request, rows, limit, created_key,
                lambda r: part_view(OwnedPart(r, measurements[r.measurement_id])))


@router.get("/v1/jobs", tags=["jobs"], operation_id="list_jobs", response_model=list[JobView],
            responses=paged(problems(401)))
def list_jobs(svc: Svc, who: Keyed, request: Request, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Any:
    """This API key's jobs, newest first; paged (`limit`, `cursor`)."""
    from api.jobs import job_view

    query = by_created(JobRow, cursor, limit).where(JobRow.owner == who.owner)
    with svc.sessions() as session:
        return page(request, list(session.scalars(query)), limit, created_key, job_view)


@router.get("/v1/jobs/{job_id}", tags=["jobs"], operation_id="get_job", response_model=JobView,
            responses=problems(401, 404))
def get_job(svc: Svc, who: Quoter, job_id: str) -> Any:
    """An async job (parse, quote, calibration): its status, then its result or its error."""
    row = svc.get_job(job_id)
    if row.owner not in ("anonymous", who.owner) and who.role is not Role.ADMIN:
        raise NotFoundError(f"no job {job_id!r}", job_id=job_id)
    return JSONResponse(svc.job_view(job_id))
