"""The bodies of the queue's tasks (``api.queue``), the same on PostgreSQL and in-process.

``run_job(svc, job_id)`` runs one job by its kind from the arguments and input files
stored with it (``api.jobs``): a parse or the quote of an uploaded file, a calibration,
a batch. A transient error (a parse worker that crashed or could not start, a full parse
queue, a database hiccup, an unexpected exception) gives the job another run after an
exponential back-off, up to ``job_attempts`` runs; a wrong input (an unreadable file, a
bad history) fails it at once. Either way a failed job says why and after how many runs.

``resume`` (SQLite, at start) and ``sweep`` (PostgreSQL workers, every heartbeat) queue
what was written but never queued or never finished: a job or a delivery whose process
died between the database write and the queue.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, select

from api.auth import Principal, Role
from api.db import JobRow, WebhookDeliveryRow, now_utc
from api.errors import ParseQueueFullError, ParseUnavailableError
from api.jobs import FINAL, failure
from api.queue import Backoff, Body, InProcessQueue, PostgresQueue, Queue, RetryLater, TaskName
from api.uploads import Spooled
from geometry.errors import MicrofabError, ParserCrashedError
from quoting.errors import NotFoundError

if TYPE_CHECKING:
    from api.service import Service

log = logging.getLogger(__name__)
#: errors worth another run: the input may be fine, the machine was not
TRANSIENT = (ParseQueueFullError, ParseUnavailableError, ParserCrashedError)
#: the input file of a parse or quote job, and the archives of calibration and batch jobs (in the job's folder)
UPLOAD, HISTORY, ARCHIVE = "upload", "history.csv", "files.zip"


def retryable(err: Exception) -> bool:
    """Whether another run may succeed: a transient error, or one that is not the input's fault."""
    return isinstance(err, TRANSIENT) or not isinstance(err, MicrofabError)


def make_queue(svc: Service) -> Queue:
    """PostgreSQL: procrastinate; SQLite: in this process. The bodies bound to ``svc``."""
    bodies: dict[TaskName, Body] = {TaskName.RUN_JOB: partial(run_job, svc), TaskName.DELIVER: svc.webhooks.deliver}
    if svc.settings.database_url.startswith("postgresql"):
        return PostgresQueue(svc.settings.database_url, bodies)
    return InProcessQueue(bodies)


async def run_job(svc: Service, job_id: str) -> None:
    """The task body of a job: one run; ``RetryLater`` when another run follows."""
    row = svc.jobs.claim(job_id)
    if row is None:
        return  # ended already
    policy = Backoff(svc.settings.job_attempts, svc.settings.job_backoff_s)
    if row.args is None or row.kind not in JOB_KINDS:
        await svc.jobs.finish(job_id, None, {"code": "job_interrupted", "status": 503, "attempts": row.attempts,
                                             "detail": "the job cannot run again here: submit it again"})
        return
    if row.attempts > policy.attempts:  # its runs were cut off: the worker died each time
        await svc.jobs.finish(job_id, None, {
            "code": "job_abandoned", "status": 503, "attempts": row.attempts - 1,
            "detail": f"the worker running this job stopped {row.attempts - 1} times: submit it again, or ask for "
                      "a manual quote if it keeps failing"})
        return
    try:
        result = await JOB_KINDS[row.kind](svc, job_id, row.args)
    except Exception as err:
        error = failure(job_id, err) | {"attempts": row.attempts}
        if retryable(err) and not policy.gives_up(row.attempts):
            svc.jobs.retrying(job_id, error)
            raise RetryLater(policy.delay_s(row.attempts), error["detail"]) from err
        await svc.jobs.finish(job_id, None, error)
        return
    await svc.jobs.finish(job_id, result, None)


def _linked(source: Path, spool_dir: Path) -> Path:
    """A new name of ``source`` under ``spool_dir`` (a hard link: the job's copy stays for another run)."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    link = spool_dir / f"job-{secrets.token_hex(8)}-{source.name}.part"
    os.link(source, link)
    return link


def _input(svc: Service, job_id: str, name: str) -> Path:
    path = svc.jobs.root / job_id / name
    if not path.exists():
        raise NotFoundError(f"the uploaded file of job {job_id} is no longer stored: submit it again", job_id=job_id)
    return path


async def _parse_job(svc: Service, job_id: str, args: dict[str, Any]) -> dict[str, Any]:
    """A parse job, or the quote of an uploaded file (``args["quote"]``)."""
    source = svc.jobs.root / job_id / UPLOAD
    if not source.exists():  # a run cut off after the file was stored: it is in the blob store
        source = svc.blob_path(args["sha256"])
        if not source.exists():
            source = _input(svc, job_id, UPLOAD)
    upload = Spooled(_linked(source, svc.settings.blob_dir / "incoming"), args["sha256"], args["size_bytes"])
    part, _ = await svc.parse_and_store(upload, args["filename"], args["units"], args["thickness_mm"],
                                        args["owner"])
    quote = args.get("quote")
    if quote is None:
        return {"part_id": part.id, "url": f"/v1/parts/{part.id}"}
    who = Principal(args.get("key_id"), Role(args["role"]) if args.get("role") else None)
    request = svc.quote_request(quote["fields"])
    # a run again after a crash replays the quote of the run before, if it got that far
    key = quote.get("idempotency_key") or f"job-{job_id}"
    answer, _ = await svc.run_cpu(svc.create_quote, part.id, request, who, key, quote["request_hash"])
    return {"quote_id": answer.id, "part_id": part.id, "url": f"/v1/quotes/{answer.id}"}


async def _calibration_job(svc: Service, job_id: str, args: dict[str, Any]) -> dict[str, Any]:
    from api import calibrations

    csv_bytes = _input(svc, job_id, HISTORY).read_bytes()
    archive = None
    if (svc.jobs.root / job_id / ARCHIVE).exists():
        zipped = _input(svc, job_id, ARCHIVE)
        archive = Spooled(_linked(zipped, zipped.parent), "", zipped.stat().st_size)
    return await calibrations.run(svc, args["workshop_id"], csv_bytes, archive, args["owner"])


async def _batch_job(svc: Service, job_id: str, args: dict[str, Any]) -> dict[str, Any]:
    from api import batches

    zipped = _input(svc, job_id, ARCHIVE)
    return await batches.run(svc, job_id, _linked(zipped, zipped.parent), svc.quote_request(args["fields"]))


async def _reprice_job(svc: Service, job_id: str, args: dict[str, Any]) -> dict[str, Any]:
    import datetime as dt

    from api import repricings

    since = dt.datetime.fromisoformat(args["since"]) if args.get("since") else None
    return await repricings.run(svc, job_id, args["workshop_id"], since)


#: the body of each job kind (``api.schemas.JobKind``)
JOB_KINDS: dict[str, Callable[[Service, str, dict[str, Any]], Awaitable[dict[str, Any]]]] = {
    "parse": _parse_job, "quote": _parse_job, "calibration": _calibration_job, "batch": _batch_job,
    "reprice": _reprice_job}


async def resume(svc: Service) -> int:
    """SQLite, at start (one process): queue every unfinished job and pending delivery again; how many."""
    return await _queue_again(svc, JobRow.status.not_in(FINAL), WebhookDeliveryRow.status == "pending",
                              "resumed unfinished")


async def sweep(svc: Service, older_than_s: float) -> int:
    """PostgreSQL: queue the jobs and deliveries written over ``older_than_s`` ago and never queued (their
    process died in between); how many."""
    before = now_utc() - timedelta(seconds=older_than_s)
    return await _queue_again(
        svc, and_(JobRow.status.not_in(FINAL), JobRow.task_id.is_(None), JobRow.args.is_not(None),
                  JobRow.updated_at < before),
        and_(WebhookDeliveryRow.status == "pending", WebhookDeliveryRow.task_id.is_(None),
             WebhookDeliveryRow.created_at < before),
        "queued unqueued")


async def _queue_again(svc: Service, jobs_where: ColumnElement[bool], deliveries_where: ColumnElement[bool],
                       what: str) -> int:
    """Queue the jobs and the webhook deliveries that match; how many (logged)."""
    with svc.sessions() as session:
        jobs = list(session.scalars(select(JobRow.id).where(jobs_where)))
        deliveries = list(session.scalars(select(WebhookDeliveryRow.id).where(deliveries_where)))
    for job_id in jobs:
        await svc.jobs.submit(job_id)
    for delivery_id in deliveries:
        await svc.webhooks.submit(delivery_id)
    if jobs or deliveries:
        log.warning("%s: %d job(s), %d webhook delivery(ies)", what, len(jobs), len(deliveries))
    return len(jobs) + len(deliveries)


__all__ = ["ARCHIVE", "HISTORY", "JOB_KINDS", "TRANSIENT", "UPLOAD", "make_queue", "resume", "retryable", "run_job",
           "sweep"]
