"""Re-pricing a workshop's stored parts with its current rate card: ``POST /v1/workshops/{id}/repricings`` (a job)
and the download of its results (``api.repricings``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import FileResponse

from api.auth import Principal
from api.deps import Keyed, Svc
from api.lookup import workshop_row
from api.routes.parts import accepted
from api.routes.workshops import _may_manage
from api.schemas import JobView, RepricingCreate, problems
from api.service import Service
from quoting.errors import NotFoundError

router = APIRouter()

@router.post("/v1/workshops/{workshop_id}/repricings", tags=["workshops"], operation_id="create_repricing",
             status_code=202, response_model=JobView, responses=problems(401, 403, 404, 422))
async def create_repricing(svc: Svc, who: Keyed, workshop_id: str,
                           body: Annotated[RepricingCreate | None, Body()] = None) -> Any:
    """Price every stored part quoted with this workshop again with its current rate card (its owner or an admin).

    A job on the queue: each part is priced from its stored measurement (measured again
    only when an older geometry version measured it) with the request of its latest quote
    naming the workshop, on Dask as a batch. The result links Parquet and CSV files with,
    per part and quantity, the old and new price in cents and the change; a part that
    cannot be priced is a row with its error, never the end of the job.
    """
    _may_manage(who, workshop_id)
    with svc.sessions() as session:
        workshop_row(session, workshop_id)
    job_url = await queue_repricing(svc, who, workshop_id, body.since if body is not None else None)
    return accepted(svc, job_url.rpartition("/")[2])


async def queue_repricing(svc: Service, who: Principal, workshop_id: str, since: dt.datetime | None) -> str:
    """Queue a re-pricing job of the workshop (a queue task, durable on PostgreSQL); the job's URL."""
    job_id = svc.new_job("reprice", who, {"workshop_id": workshop_id, "since": since.isoformat() if since else None})
    await svc.jobs.submit(job_id)
    return f"/v1/jobs/{job_id}"


@router.get("/v1/workshops/{workshop_id}/repricings/{job_id}/results.{fmt}", tags=["workshops"],
            operation_id="get_repricing_results", response_class=FileResponse, responses=problems(401, 403, 404))
def get_repricing_results(svc: Svc, who: Keyed, workshop_id: str, job_id: str, fmt: str) -> Any:
    """The results of a finished re-pricing: per part, process and quantity the old and new price [cents]."""
    from functools import partial

    from api.job_results import result_file
    from api.repricings import result_path

    _may_manage(who, workshop_id)
    row = svc.get_job(job_id)
    if row.kind != "reprice" or (row.args or {}).get("workshop_id") != workshop_id:
        raise NotFoundError(f"no re-pricing {job_id!r} of workshop {workshop_id!r}", job_id=job_id)
    return result_file(row, fmt, partial(result_path, svc.settings.blob_dir, job_id), what="re-pricing",
                       name="repricing")


__all__ = ["queue_repricing", "router"]
