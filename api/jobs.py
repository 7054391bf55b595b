"""Async jobs: work that goes on after the request answered 202 (big uploads, slow parses, calibrations, batches).

A job is a row of ``jobs``, visible through /v1/jobs at every step: ``queued``,
``running`` (run number ``attempts``), ``retrying`` (a transient error; the next run
waits with exponential back-off), then ``succeeded`` with a result or ``failed``
with a problem (for good: the dead letter, with the reason and the runs made).
The row keeps the job's arguments and its input files sit under
``<blob_dir>/jobs/<id>/``, so a job whose process died runs again from them on
another worker (``api.tasks``). When a job ends its owner's webhook deliveries are
written in the same transaction (an outbox: ``api.webhooks.record_deliveries``).

A parse that turns slow while its request waits keeps running in the server
process (``Jobs.run``), with a task queued for later that takes over only if that
process died (``RESUME_SLACK_S``).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Principal
from api.db import JobRow, aware, now_utc
from api.lookup import check_id, get_or_404
from api.metrics import Metrics
from api.problems import http_status
from api.queue import Queue, TaskName
from api.schemas import JobStatus
from api.webhooks import Dispatcher, record_deliveries
from geometry.errors import MicrofabError

log = logging.getLogger(__name__)
#: the states a job leaves no more
FINAL = (JobStatus.SUCCEEDED.value, JobStatus.FAILED.value)
#: a slow parse left running in its server process is taken over by a queue worker this long after the parse's
#: own time limit, should that process have died [s]
RESUME_SLACK_S = 30.0


class JobAccepted(Exception):  # noqa: N818  (not an error: the route answers 202)
    """Not an error: the work goes on as a job; the route answers 202 with its URL."""

    def __init__(self, job_id: str) -> None:
        super().__init__(job_id)
        self.job_id = job_id


def interrupt_stale_jobs(sessions: sessionmaker[Session]) -> None:
    """Jobs of before durable jobs (no stored arguments) that a stopped server left unfinished fail: their work
    died with it, clients submit again. Jobs with arguments run again instead (``api.tasks.resume``)."""
    with sessions.begin() as session:
        session.execute(update(JobRow).where(JobRow.status.not_in(FINAL), JobRow.args.is_(None)).values(
            status=JobStatus.FAILED.value, finished_at=now_utc(), updated_at=now_utc(),
            error={"code": "job_interrupted", "status": 503, "detail": "the server restarted: submit again"}))


def job_view(row: JobRow) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "status": row.status, "result": row.result, "error": row.error,
            "attempts": row.attempts or 0,
            "created_at": aware(row.created_at).isoformat(),
            "finished_at": aware(row.finished_at).isoformat() if row.finished_at else None,
            "url": f"/v1/jobs/{row.id}"}


def failure(job_id: str, err: Exception) -> dict[str, Any]:
    """A failed job's error: the problem of a ``MicrofabError``, else an internal error (logged)."""
    if isinstance(err, MicrofabError):
        return {"code": err.code, "status": http_status(err), "detail": err.message}
    log.error("job %s failed", job_id, exc_info=err)
    return {"code": "internal_error", "status": 500, "detail": f"the job failed ({type(err).__name__}: "
                                                               f"{str(err)[:200]})"}


class Jobs:
    """The job rows, their input folders, and handing them to the queue."""

    def __init__(self, sessions: sessionmaker[Session], metrics: Metrics, webhooks: Dispatcher,
                 blob_dir: Path) -> None:
        self.sessions = sessions
        self.metrics = metrics
        self.webhooks = webhooks
        self.root = Path(blob_dir) / "jobs"
        #: set by ``Service.start_queue``
        self.queue: Queue | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        return len(self._tasks) + (self.queue.in_flight if self.queue is not None else 0)

    def new(self, kind: str, principal: Principal, args: dict[str, Any] | None = None,
            status: JobStatus = JobStatus.QUEUED) -> str:
        """A new job row of ``principal`` with the arguments its task needs; its input folder is ``inputs``."""
        job_id = secrets.token_hex(12)
        with self.sessions.begin() as session:
            session.add(JobRow(id=job_id, kind=kind, status=status.value, owner=principal.owner, args=args,
                               attempts=0, updated_at=now_utc()))
        return job_id

    def inputs(self, job_id: str) -> Path:
        """The folder of the job's input files (made on first use)."""
        folder = self.root / job_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    async def submit(self, job_id: str, delay_s: float = 0.0) -> None:
        """Queue the job's task (after ``delay_s`` seconds) and note the queue's id for it."""
        assert self.queue is not None, "the queue is not started"
        task_id = await self.queue.submit(TaskName.RUN_JOB, job_id, delay_s)
        if task_id is not None:
            with self.sessions.begin() as session:
                session.execute(update(JobRow).where(JobRow.id == job_id).values(task_id=task_id))

    def claim(self, job_id: str) -> JobRow | None:
        """Start a run: the row, now ``running`` with one more attempt; None when the job has ended already
        (a second copy of its task, or the server process finished it)."""
        with self.sessions.begin() as session:
            row = session.get(JobRow, job_id, with_for_update=True)
            if row is None or row.status in FINAL:
                return None
            row.status, row.attempts, row.updated_at = JobStatus.RUNNING.value, (row.attempts or 0) + 1, now_utc()
            return row

    def retrying(self, job_id: str, error: dict[str, Any]) -> None:
        """A run failed and another one follows: ``retrying``, with the error of this run."""
        with self.sessions.begin() as session:
            session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.status.not_in(FINAL)).values(
                status=JobStatus.RETRYING.value, error=error, updated_at=now_utc()))

    async def finish(self, job_id: str, result: dict[str, Any] | None, error: dict[str, Any] | None) -> bool:
        """End the job (unless it ended already: False) and queue its owner's webhook deliveries, written in the
        same transaction; its input folder is removed."""
        status = JobStatus.FAILED.value if error is not None else JobStatus.SUCCEEDED.value
        with self.sessions.begin() as session:
            row = session.get(JobRow, job_id, with_for_update=True)
            if row is None or row.status in FINAL:
                return False
            row.status, row.result, row.error = status, result, error
            row.finished_at = row.updated_at = now_utc()
            session.flush()
            deliveries = record_deliveries(session, row.owner, job_view(row))
            kind = row.kind
        self.metrics.jobs.labels(kind=kind, status=status).inc()
        shutil.rmtree(self.root / job_id, ignore_errors=True)
        for delivery_id in deliveries:
            await self.webhooks.submit(delivery_id)
        return True

    def run(self, job_id: str, work: Awaitable[Any], on_result: Callable[[Any], dict[str, Any]]) -> None:
        """Finish job ``job_id`` in this process when ``work`` completes: ``on_result(result)`` gives its result."""
        task = asyncio.get_running_loop().create_task(self._finish(job_id, work, on_result))
        self._tasks.add(task)
        task.add_done_callback(self._done)
        self.metrics.jobs_in_flight.set(len(self._tasks))

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self.metrics.jobs_in_flight.set(len(self._tasks))

    async def _finish(self, job_id: str, work: Awaitable[Any],
                      on_result: Callable[[Any], dict[str, Any]]) -> None:
        result: dict[str, Any] | None = None
        error: dict[str, Any] | None = None
        try:
            result = await run_in_threadpool(on_result, await work)  # e.g. pricing: off the event loop
        except Exception as err:  # a job must always end: its error is its result
            error = failure(job_id, err) | {"attempts": 1}
        await self.finish(job_id, result, error)

    def get(self, job_id: str) -> JobRow:
        check_id("job", job_id)
        with self.sessions() as session:
            return get_or_404(session, JobRow, job_id, f"no job {job_id!r}", job_id=job_id)

    def view(self, job_id: str) -> dict[str, Any]:
        return job_view(self.get(job_id))

    async def close(self) -> None:
        """Cancel the jobs this process runs itself (the server stops; their queued tasks take over)."""
        for t in list(self._tasks):
            t.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


__all__ = ["FINAL", "RESUME_SLACK_S", "JobAccepted", "Jobs", "failure", "interrupt_stale_jobs", "job_view"]
