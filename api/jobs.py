"""Async jobs: work that goes on after the request answered 202 (big uploads, slow parses, calibrations).

A job is a row (running, then succeeded with a result or failed with a problem)
and a task of this process; its owner's webhooks are told when it ends.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Principal
from api.db import JobRow, aware, now_utc
from api.lookup import check_id, get_or_404
from api.metrics import Metrics
from api.problems import http_status
from api.webhooks import Dispatcher
from geometry.errors import MicrofabError

log = logging.getLogger(__name__)


class JobAccepted(Exception):
    """Not an error: the work goes on as a job; the route answers 202 with its URL."""

    def __init__(self, job_id: str) -> None:
        super().__init__(job_id)
        self.job_id = job_id


def interrupt_stale_jobs(sessions: sessionmaker[Session]) -> None:
    """Jobs left running by a stopped server fail (their work died with it): clients submit again."""
    with sessions.begin() as session:
        session.execute(update(JobRow).where(JobRow.status.in_(("queued", "running"))).values(
            status="failed", finished_at=now_utc(),
            error={"code": "job_interrupted", "status": 503, "detail": "the server restarted: submit again"}))


def job_view(row: JobRow) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "status": row.status, "result": row.result, "error": row.error,
            "created_at": aware(row.created_at).isoformat(),
            "finished_at": aware(row.finished_at).isoformat() if row.finished_at else None,
            "url": f"/v1/jobs/{row.id}"}


def _failure(job_id: str, err: Exception) -> dict[str, Any]:
    """A failed job's error: the problem of a ``MicrofabError``, else an internal error (logged)."""
    if isinstance(err, MicrofabError):
        return {"code": err.code, "status": http_status(err), "detail": err.message}
    log.error("job %s failed", job_id, exc_info=err)
    return {"code": "internal_error", "status": 500, "detail": f"the job failed ({type(err).__name__})"}


class Jobs:
    """The jobs of this server process."""

    def __init__(self, sessions: sessionmaker[Session], metrics: Metrics, webhooks: Dispatcher) -> None:
        self.sessions = sessions
        self.metrics = metrics
        self.webhooks = webhooks
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def new(self, kind: str, principal: Principal) -> str:
        job_id = secrets.token_hex(12)
        with self.sessions.begin() as session:
            session.add(JobRow(id=job_id, kind=kind, status="running", owner=principal.owner))
        return job_id

    def run(self, job_id: str, work: Awaitable[Any], on_result: Callable[[Any], dict[str, Any]]) -> None:
        """Finish job ``job_id`` when ``work`` completes: ``on_result(result)`` gives the job's result."""
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
            error = _failure(job_id, err)
        status = "failed" if error is not None else "succeeded"
        with self.sessions.begin() as session:
            row = get_or_404(session, JobRow, job_id, f"no job {job_id!r}", job_id=job_id)
            row.status, row.result, row.error, row.finished_at = status, result, error, now_utc()
            owner, kind = row.owner, row.kind
        self.metrics.jobs.labels(kind=kind, status=status).inc()
        self.webhooks.job_finished(owner, self.view(job_id))

    def get(self, job_id: str) -> JobRow:
        check_id("job", job_id)
        with self.sessions() as session:
            return get_or_404(session, JobRow, job_id, f"no job {job_id!r}", job_id=job_id)

    def view(self, job_id: str) -> dict[str, Any]:
        return job_view(self.get(job_id))

    async def close(self) -> None:
        """Cancel the jobs still running (the server stops)."""
        for t in list(self._tasks):
            t.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
