"""Batch quoting over HTTP: ``POST /v1/batches`` (a job) and the download of its results."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse

from api.auth import Role
from api.deps import Quoter, Svc
from api.routes.parts import accepted, spool
from api.schemas import JobView, problems
from api.service import Service
from quoting.errors import InvalidRequestError, NotFoundError
from quoting.request import QuoteRequest

router = APIRouter()

@router.post("/v1/batches", tags=["batches"], operation_id="create_batch", status_code=202, response_model=JobView,
             responses=problems(401, 413, 422))
async def create_batch(
    svc: Svc, who: Quoter,
    files: Annotated[UploadFile, File(description="zip of CAD files (STEP, STL, 3MF, OBJ, PLY, DXF)")],
    material: Annotated[str, Form(max_length=64, description="material key, see GET /v1/materials")],
    quantities: Annotated[str, Form(max_length=200, description="comma-separated quantities, e.g. 1,10,100")] = "1",
    process: Annotated[str | None, Form(max_length=64, description="process key; all when absent")] = None,
    finish: Annotated[str | None, Form(max_length=64, description="surface finish key")] = None,
    tolerance: Annotated[str | None, Form(max_length=64, description="tolerance class, e.g. iso2768-f")] = None,
    tier: Annotated[str | None, Form(max_length=32, description="economy, standard or expedite")] = None,
    ship_to: Annotated[str | None, Form(max_length=64, description="LAT,LON of the buyer")] = None,
    units: Annotated[str | None, Form(max_length=16, description="unit of files that carry none")] = None,
    thickness_mm: Annotated[str | None, Form(max_length=32, description="sheet thickness of 2D DXF drawings")]
    = None,
) -> Any:
    """Quote every CAD file of a zip at every workshop, on Dask: a job whose result links the result files.

    Each file is measured once (feature cache by file hash and geometry version);
    a file that fails is a row of the results with its error code, never the end of the batch.
    """
    fields = {"material": material, "quantities": quantities, "process": process, "finish": finish,
              "tolerance": tolerance, "tier": tier, "ship_to": ship_to, "units": units, "thickness_mm": thickness_mm}
    _parse_request(svc, {k: v for k, v in fields.items() if v is not None})  # a bad request fails now
    upload = await spool(svc, files)  # on disk, never whole in memory
    from api import tasks

    job_id = svc.new_job("batch", who, {"fields": {k: v for k, v in fields.items() if v is not None}})
    upload.path.replace(svc.jobs.inputs(job_id) / tasks.ARCHIVE)
    await svc.jobs.submit(job_id)  # a queue task (api.tasks), durable on PostgreSQL; it parses the fields again
    return accepted(svc, job_id)


@router.get("/v1/batches/{job_id}/results.{fmt}", tags=["batches"], operation_id="get_batch_results",
            response_class=FileResponse, responses=problems(401, 404))
def get_batch_results(svc: Svc, who: Quoter, job_id: str, fmt: str) -> Any:
    """The results of a finished batch: one row per offer and quantity, ineligible workshop, or failed file."""
    from functools import partial

    from api.batches import result_path
    from api.job_results import result_file

    row = svc.get_job(job_id)
    if row.kind != "batch" or (row.owner not in ("anonymous", who.owner) and who.role is not Role.ADMIN):
        raise NotFoundError(f"no batch {job_id!r}", job_id=job_id)
    return result_file(row, fmt, partial(result_path, svc.settings.blob_dir, job_id), what="batch", name="batch")


def _parse_request(svc: Service, fields: dict[str, Any]) -> QuoteRequest:
    """The one parser (``QuoteRequest.parse``), with the finishes the stored rate cards price."""
    if not fields.get("material"):
        raise InvalidRequestError("material: required", field="material")
    cards, _ = svc.cards()
    return QuoteRequest.parse(**fields, known_finishes={key for card in cards for key in card.finishes})


__all__ = ["router"]
