"""The task queue: where jobs and webhook deliveries run, durably on PostgreSQL, in-process on SQLite.

Two tasks, each taking one id: ``run_job(job_id)`` and ``deliver(delivery_id)``
(``TaskName``). Their bodies are ``api.tasks.run_job`` and ``api.tasks.deliver``
on both queues, so the code that does the work is the same everywhere:

- ``PostgresQueue``: procrastinate (PostgreSQL only: its tables come with
  migration 0004). A task is a row in ``procrastinate_jobs``; any process deferring
  it may die afterwards. ``microfab worker`` processes (and, with
  ``queue_api_concurrency``, the API processes) run the tasks; each writes a
  heartbeat, and a worker silent for ``worker_stalled_s`` is taken for dead: its
  tasks are put back in the queue (``reap_stalled``), so a kill -9 loses nothing.
- ``InProcessQueue``: asyncio tasks of the one SQLite server process; what was not
  finished when the process stopped is resumed from the database at its next start
  (``api.tasks.resume``).

A body that wants another try raises ``RetryLater(delay_s)``: procrastinate schedules
the retry (``_Retry``), the in-process queue sleeps. The body itself decides when to
give up (dead letter), so both queues retry the same way.
"""

from __future__ import annotations

import asyncio
import datetime
import enum
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


class TaskName(enum.StrEnum):
    """The queue's tasks, by their name in procrastinate (and the keyword of their one argument)."""

    RUN_JOB = "microfab.run_job"
    DELIVER = "microfab.deliver"

    @property
    def argument(self) -> str:
        return "job_id" if self is TaskName.RUN_JOB else "delivery_id"


#: a task body bound to its runtime: called with the task's one id
Body = Callable[[str], Awaitable[None]]


#: a body that raised something else than ``RetryLater`` (a bug, or the database gone mid-task) runs again after
#: this long [s], at most ``UNEXPECTED_RUNS`` times: a job must end, not stay "running" for ever
UNEXPECTED_RETRY_S = 30.0
UNEXPECTED_RUNS = 10


class RetryLater(Exception):  # noqa: N818  (a signal to the queue, not an error of the task)
    """Raised by a task body: run me again in ``delay_s`` seconds (the body recorded why). ``unexpected``: the
    queue's own retry of a body that failed outside its own error handling (at most ``UNEXPECTED_RUNS``)."""

    def __init__(self, delay_s: float, reason: str, unexpected: bool = False) -> None:
        super().__init__(reason)
        self.delay_s = delay_s
        self.unexpected = unexpected


async def call_body(body: Body, task: TaskName, ident: str) -> None:
    """Run a body; anything it raises becomes a ``RetryLater`` (an unexpected one logged)."""
    try:
        await body(ident)
    except RetryLater:
        raise
    except Exception as err:
        log.exception("task %s(%s) failed outside its error handling: it runs again in %.0f s", task.value, ident,
                      UNEXPECTED_RETRY_S)
        raise RetryLater(UNEXPECTED_RETRY_S, f"{type(err).__name__}: {err}", unexpected=True) from err


@dataclass(frozen=True)
class Backoff:
    """Runs of a task and the waits between them: ``first_s``, then doubling."""

    attempts: int
    first_s: float

    def delay_s(self, attempt: int) -> float:
        """The wait after run number ``attempt`` (1-based) failed [s]."""
        return float(self.first_s * 2 ** max(0, attempt - 1))

    def gives_up(self, attempt: int) -> bool:
        """Whether run number ``attempt`` was the last one."""
        return attempt >= self.attempts


class InProcessQueue:
    """Tasks as asyncio tasks of this process (SQLite, one server process); not durable by itself: the
    jobs and deliveries left unfinished are resumed from the database at start (``api.tasks.resume``)."""

    durable = False

    def __init__(self, bodies: Mapping[TaskName, Body]) -> None:
        self.bodies = dict(bodies)
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        return None

    async def submit(self, task: TaskName, ident: str, delay_s: float = 0.0) -> str | None:
        """Run ``task(ident)`` after ``delay_s`` seconds; no queue id (None)."""
        running = asyncio.get_running_loop().create_task(self._run(task, ident, delay_s))
        self._tasks.add(running)
        running.add_done_callback(self._tasks.discard)
        return None

    async def _run(self, task: TaskName, ident: str, delay_s: float) -> None:
        unexpected = 0
        while True:
            if delay_s > 0:
                await asyncio.sleep(delay_s)
            try:
                await call_body(self.bodies[task], task, ident)
                return
            except RetryLater as again:
                unexpected += again.unexpected
                if unexpected >= UNEXPECTED_RUNS:
                    log.error("task %s(%s) given up after %d unexpected failures", task.value, ident, unexpected)
                    return
                delay_s = again.delay_s

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait until no task is left (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def psycopg_conninfo(database_url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq takes it (without the ``+driver``)."""
    scheme, sep, rest = database_url.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}"


@dataclass(frozen=True)
class WorkerOptions:
    """How a queue worker runs: tasks at once, heartbeat, when a silent worker counts as dead [s]."""

    concurrency: int = 1
    heartbeat_s: float = 5.0
    stalled_s: float = 30.0
    name: str = "microfab"


class PostgresQueue:
    """Tasks on procrastinate: durable rows in PostgreSQL, run by any worker process."""

    durable = True

    def __init__(self, database_url: str, bodies: Mapping[TaskName, Body], pool_max: int = 10) -> None:
        import procrastinate

        self.app = procrastinate.App(connector=procrastinate.PsycopgConnector(
            conninfo=psycopg_conninfo(database_url), min_size=1, max_size=pool_max))
        retry = _retry_strategy()
        for name, body in bodies.items():
            self.app.task(name=name.value, queue="microfab", retry=retry)(_task_function(name, body))
        self._opened = False

    async def start(self) -> None:
        await self.app.open_async()
        self._opened = True

    async def submit(self, task: TaskName, ident: str, delay_s: float = 0.0) -> str | None:
        """Defer ``task(ident)`` (after ``delay_s`` seconds): its procrastinate job id."""
        deferrer = self.app.configure_task(task.value, schedule_in={"seconds": delay_s} if delay_s > 0 else None)
        return str(await deferrer.defer_async(**{task.argument: ident}))

    async def run_worker(self, options: WorkerOptions, sweep: Callable[[], Awaitable[object]] | None = None) -> None:
        """Run tasks until cancelled (or a signal, in ``microfab worker``), putting back the tasks of dead
        workers and calling ``sweep`` (queue what was written but never queued) every heartbeat."""
        watchdog = asyncio.get_running_loop().create_task(self._watch(options, sweep))
        try:
            await self.app.run_worker_async(
                concurrency=options.concurrency, name=options.name, install_signal_handlers=False,
                update_heartbeat_interval=options.heartbeat_s, stalled_worker_timeout=options.stalled_s,
                fetch_job_polling_interval=min(5.0, options.heartbeat_s), delete_jobs="successful")
        finally:
            watchdog.cancel()
            await asyncio.gather(watchdog, return_exceptions=True)

    async def _watch(self, options: WorkerOptions, sweep: Callable[[], Awaitable[object]] | None) -> None:
        while True:
            await asyncio.sleep(options.heartbeat_s)
            try:
                await self.reap_stalled(options.stalled_s)
                if sweep is not None:
                    await sweep()
            except Exception:  # the database may be restarting: try again at the next beat
                log.warning("queue watchdog: could not check for stalled tasks", exc_info=True)

    async def reap_stalled(self, stalled_s: float) -> int:
        """Put back in the queue the tasks whose worker stopped sending heartbeats; how many."""
        manager = self.app.job_manager
        count = 0
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_s):
            try:
                await manager.retry_job(job)
            except Exception:  # another worker put it back first
                continue
            count += 1
            log.warning("task %s(%s) of a dead worker: queued again", job.task_name, job.task_kwargs)
        return count

    @property
    def in_flight(self) -> int:
        return 0

    async def drain(self, timeout_s: float = 120.0, horizon_s: float = 60.0) -> None:
        """Wait until no task due within ``horizon_s`` is queued or running (tests), at most ``timeout_s``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            row = await self.app.connector.execute_query_one_async(query=_PENDING_TASKS, horizon_s=horizon_s)
            if not row["n"]:
                return
            await asyncio.sleep(0.1)

    async def close(self) -> None:
        if self._opened:
            await self.app.close_async()
            self._opened = False


#: tasks queued or running and due soon (``PostgresQueue.drain``)
_PENDING_TASKS = ("SELECT count(*) AS n FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
                  "AND (scheduled_at IS NULL OR scheduled_at < NOW() + (%(horizon_s)s || ' SECOND')::INTERVAL)")


def _task_function(name: TaskName, body: Body) -> Callable[..., Awaitable[None]]:
    """The procrastinate task of ``body`` (keyword argument ``name.argument``)."""
    async def task(**kwargs: Any) -> None:
        await call_body(body, name, str(kwargs[name.argument]))

    task.__name__ = name.value.rsplit(".", 1)[-1]
    task.__qualname__ = task.__name__
    return task


def _retry_strategy() -> Any:
    """procrastinate's retry decision: a ``RetryLater`` is run again after its delay (an unexpected one at most
    ``UNEXPECTED_RUNS`` times in all), anything else is not."""
    import procrastinate

    class _Retry(procrastinate.BaseRetryStrategy):
        def get_retry_decision(self, *, exception: BaseException, job: Any) -> Any:
            if isinstance(exception, RetryLater) and not (exception.unexpected and job.attempts + 1 >= UNEXPECTED_RUNS):
                return procrastinate.RetryDecision(
                    retry_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=exception.delay_s))
            return None

    return _Retry()


Queue = InProcessQueue | PostgresQueue

__all__ = ["UNEXPECTED_RETRY_S", "UNEXPECTED_RUNS", "Backoff", "Body", "InProcessQueue", "PostgresQueue", "Queue",
           "RetryLater", "TaskName", "WorkerOptions", "call_body", "psycopg_conninfo"]
