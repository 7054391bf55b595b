"""The API's state and the operations the routes share: storing parts, quoting them, jobs.

``Service`` composes the pieces (``api.storage`` for files and parts,
``api.idempotency``, ``api.jobs``, ``api.quotes`` for rate cards and stored
quotes). Business rules stay in ``quoting``: this module loads what the engine
needs from storage, calls ``quoting.engine.quote_components`` and stores what
comes back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from prometheus_client import Counter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Principal
from api.db import JobRow, PartRow, QuoteRow, TenantPartRow
from api.encoding import stored
from api.idempotency import IdempotencyKeys, request_fingerprint
from api.jobs import JobAccepted, Jobs, interrupt_stale_jobs
from api.metrics import Metrics
from api.queue import Queue, WorkerOptions
from api.quote_writer import PendingQuote, QuoteWriter
from api.quotes import INSERT_QUOTE, QuoteAnswer, RateCards, quote_view, stored_quote
from api.ratelimit import RateLimiter
from api.settings import Settings
from api.shared_state import folder_signature, refresh_cost_models
from api.storage import (
    BlobStore,
    OwnedPart,
    PartStore,
    as_uploaded,
    clean_text,
    effective_unit,
    part_id_for,
    tenant_part_id,
)
from api.uploads import Spooled
from api.webhooks import Dispatcher
from api.workers import Parsed, ParsePool
from geometry import Measured
from geometry.errors import EmptyFileError, MicrofabError
from geometry.features import PartFeatures
from geometry.units import UnitsSource
from quoting.engine import quote_components
from quoting.errors import NotFoundError
from quoting.offers import EstimateMemo
from quoting.ratecard import RateCard
from quoting.request import QuoteRequest

#: re-exported for the routes
__all__ = ["JobAccepted", "OwnedPart", "QuoteAnswer", "Service", "Spooled", "clean_text", "quote_view",
           "request_fingerprint", "tenant_part_id"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Service:
    settings: Settings
    sessions: sessionmaker[Session]
    pool: ParsePool
    metrics: Metrics
    webhooks: Dispatcher
    cost_models: dict[str, Any] = field(default_factory=dict)
    blobs: BlobStore = field(init=False)
    parts: PartStore = field(init=False)
    idempotency: IdempotencyKeys = field(init=False)
    jobs: Jobs = field(init=False)
    ratecards: RateCards = field(init=False)
    #: rate limits of anonymous callers and bad keys (per address) and of API keys (per key)
    ip_limits: RateLimiter = field(init=False)
    key_limits: RateLimiter = field(init=False)
    #: process estimates of the parts quoted lately, kept across their re-quotes (``quoting.offers.EstimateMemo``)
    estimates: EstimateMemo = field(init=False)

    #: the task queue (``start_queue``) and, on PostgreSQL with ``queue_api_concurrency``, this process's worker
    queue: Queue | None = field(init=False, default=None)
    _queue_worker: asyncio.Task[None] | None = field(init=False, default=None)

    #: threads that price (CPU work, holding the GIL): few, so that the event loop keeps the GIL often enough
    #: to answer /healthz and uploads quickly during a burst of quotes; long-lived, fed by the executor's queue
    #: (cheaper per call than anyio's worker threads and capacity limiter)
    pricing: ThreadPoolExecutor = field(init=False)
    #: stores the new quotes' rows, those that arrive together in one transaction (``api.quote_writer``)
    writer: QuoteWriter = field(init=False)

    async def run_cpu(self, func: Callable[..., T], *args: Any) -> T:
        """Run CPU work (pricing) off the event loop, at most ``settings.pricing_threads`` at a time."""
        return await asyncio.get_running_loop().run_in_executor(self.pricing, func, *args)

    def __post_init__(self) -> None:
        self.blobs = BlobStore(self.settings.blob_dir)
        self.parts = PartStore(self.sessions)
        self.idempotency = IdempotencyKeys(self.sessions)
        self.jobs = Jobs(self.sessions, self.metrics, self.webhooks, self.settings.blob_dir)
        self.ratecards = RateCards(self.sessions, self.settings.ratecard_check_s, self.settings.pricing_threads + 1)
        self.ip_limits = RateLimiter(self.settings.rate_limit_ip_per_min, "address")
        self.key_limits = RateLimiter(self.settings.rate_limit_key_per_min, "API key")
        self.estimates = EstimateMemo()
        self.pricing = ThreadPoolExecutor(self.settings.pricing_threads, thread_name_prefix="pricing")
        self.writer = QuoteWriter(self.sessions.kw["bind"])

    def reload_cost_models(self) -> None:
        """The calibrated cost models in ``model_dir`` (a model that cannot be used is left out, logged)."""
        if not folder_signature(self.settings.model_dir):  # no model file: scikit-learn is not even imported
            self.cost_models = {}
            return
        try:
            from models import load_cost_models

            self.cost_models = dict(load_cost_models(self.settings.model_dir))
        except MicrofabError as err:
            log.warning("calibrated cost models not loaded: %s", err.message)
            self.cost_models = {}

    # ---- files and parts ---------------------------------------------------------------------------
    def blob_path(self, sha256: str, suffix: str = "") -> Path:
        return self.blobs.path(sha256, suffix)

    def write_blob(self, sha256: str, data: bytes, suffix: str = "") -> None:
        self.blobs.write(sha256, data, suffix)

    def get_part(self, part_id: str, owner: str) -> OwnedPart:
        """``owner``'s part; another owner's is a plain 404."""
        return self.parts.owned(part_id, owner)

    def measured(self, part_id: str, owner: str) -> Measured:
        """An owner's part's measurement as stored (see ``current_measurement``), with the owner's filename."""
        part = self.parts.owned(part_id, owner)
        return as_uploaded(self.parts.measured(part.measurement.sha256), part.tenant.filename)

    def features_of_file(self, owner: str, file_sha256: str) -> PartFeatures:
        """The features of ``owner``'s part made from the file ``file_sha256`` (404 when it has none)."""
        part = self.parts.by_file(owner, file_sha256)
        if part is None:
            raise NotFoundError(f"no part of yours has the file sha256 {file_sha256}: upload it first",
                                sha256=file_sha256)
        return self.parts.measured(part.measurement.sha256).features

    async def parse_and_store(self, upload: Spooled, filename: str, units: str | None,
                              thickness_mm: float | None, owner: str) -> tuple[OwnedPart, bool]:
        """Measure a spooled upload (or reuse the measurement of the same file) and give ``owner`` its part;
        (part, created). The spooled file is stored or deleted when this returns.

        A measurement stored before is made again when it is stale: older geometry code,
        or a file of several solids stored before parts had components.
        """
        try:
            unit = effective_unit(units, upload.head())
            mine = self.parts.find_owned(tenant_part_id(owner, upload.sha256, unit, thickness_mm), owner)
            if mine is not None and not _stale(mine.measurement):
                return mine, False
            measurement, unit = await self._measurement(upload, filename, unit, thickness_mm)
            tenant, created = self.parts.add_owned(TenantPartRow(
                id=tenant_part_id(owner, upload.sha256, unit, thickness_mm), owner=owner,
                measurement_id=measurement.sha256, file_sha256=upload.sha256,
                filename=clean_text(filename) or "part", size_bytes=upload.size_bytes))
            return OwnedPart(tenant, measurement), created
        finally:
            upload.discard()

    async def _measurement(self, upload: Spooled, filename: str, unit: str | None,
                           thickness_mm: float | None) -> tuple[PartRow, str | None]:
        """The current measurement of the file (shared by its owners), measured now when missing or stale;
        and the effective unit (None once the file turns out to carry its own)."""
        existing = self.parts.find(part_id_for(upload.sha256, unit, thickness_mm))
        if existing is not None and not _stale(existing):
            return existing, unit
        if upload.size_bytes == 0 or not upload.head().strip():
            raise EmptyFileError(f"{filename} is empty: upload the exported CAD file", file=filename)
        parsed = await self._parse(upload.path, filename, unit, thickness_mm, self.metrics.parts_parsed)
        src = parsed.features["source"]
        if src.get("units_source") == UnitsSource.FILE.value:
            unit = None  # the file carries its unit: the given one changed nothing
        mid = part_id_for(upload.sha256, unit, thickness_mm)
        self.blobs.adopt(upload.sha256, upload.path)
        if parsed.glb:
            self.blobs.write(mid, parsed.glb, ".glb")
        if self.parts.find(mid) is not None:
            self.parts.update_measurement(mid, parsed.features, parsed.components)
            return self.parts.get(mid), unit
        row, _ = self.parts.add(PartRow(
            sha256=mid, filename=clean_text(filename) or "part", format=str(src.get("format", "")),
            units=str(src.get("units", "mm"))[:8], size_bytes=upload.size_bytes, features=parsed.features,
            components=parsed.components))
        return row, unit

    async def current_measurement(self, part_id: str, owner: str) -> Measured:
        """An owner's part's measurement by the running geometry code: a stale one is measured again.

        The part's file is measured again from its blob in a parse worker and the row
        updated, before anything is priced from it. Raises ``NotFoundError`` (upload the
        file again) when the file is no longer stored.
        """
        tenant = self.parts.tenant(part_id, owner)
        mid = tenant.measurement_id
        measured = self.parts.named(mid, tenant.filename)
        if measured.is_current:
            return measured
        args = self.parts.measure_args(self.parts.get(mid))
        blob = self.blobs.path(args.sha256)
        if not blob.exists():
            self.metrics.parts_remeasured.labels(outcome="file_missing").inc()
            raise NotFoundError(f"part {part_id} was measured by an older version of microfab and its file is no "
                                "longer stored: upload the file again (POST /v1/parts)", part_id=part_id)
        log.info("part %s: measured by geometry %r, measuring it again", part_id, measured.geometry_version)
        parsed = await self._parse(blob, args.filename, args.units, args.thickness_mm, self.metrics.parts_remeasured)
        if parsed.glb:  # the preview of the new code too (its face ids follow the new measurement's)
            self.blobs.write(mid, parsed.glb, ".glb")
        self.parts.update_measurement(mid, parsed.features, parsed.components)
        return self.parts.named(mid, tenant.filename)

    async def _parse(self, source: Path, filename: str, units: str | None, thickness_mm: float | None,
                     outcomes: Counter) -> Parsed:
        """Parse in the worker pool, counting the outcome (``ok`` or the error code) in ``outcomes``."""
        try:
            parsed = await self.pool.parse(source, filename, units, thickness_mm)
        except MicrofabError as err:
            outcomes.labels(outcome=err.code).inc()
            raise
        outcomes.labels(outcome="ok").inc()
        return parsed

    # ---- workshops and quotes ----------------------------------------------------------------------
    def cards(self) -> tuple[list[RateCard], dict[str, int]]:
        """The current rate cards and their versions (``api.quotes.RateCards.current``)."""
        return self.ratecards.current()

    def forget_cards(self) -> None:
        """A rate card changed: the next quote reads the versions again."""
        self.ratecards.forget()

    def create_quote(self, part_id: str, request: QuoteRequest, principal: Principal,
                     idempotency_key: str | None, request_hash: str) -> tuple[QuoteAnswer, bool]:
        """Price a stored part and store the quote; (answer, replayed), once the quote is stored.

        The routes call ``current_measurement`` first, so a stale measurement is never priced.
        """
        return self.price_quote(part_id, request, principal, idempotency_key, request_hash).result()

    async def quote_stored_part(self, part_id: str, request: QuoteRequest, principal: Principal,
                                idempotency_key: str | None, request_hash: str) -> tuple[QuoteAnswer, bool]:
        """``create_quote`` for the routes: priced in the pricing thread, stored by the quote writer (grouped
        with the quotes stored at the same time), neither on the event loop."""
        pending = await self.run_cpu(self.price_quote, part_id, request, principal, idempotency_key, request_hash)
        return await pending.stored()

    def price_quote(self, part_id: str, request: QuoteRequest, principal: Principal,
                    idempotency_key: str | None, request_hash: str) -> PendingQuote:
        """Price a stored part; its row is being stored (``PendingQuote``: answer once it is).

        The quote is encoded once (``Quote.to_json``): the row stores those bytes and the
        answer appends the API's members to them (``QuoteAnswer.of_new``). A quote with an
        Idempotency-Key is stored here, with its key, in one transaction.
        """
        if idempotency_key:
            replay = self._replay(principal.owner, idempotency_key, request_hash)
            if replay is not None:
                return PendingQuote(QuoteAnswer.of_view(replay), True)
        tenant = self.parts.tenant(part_id, principal.owner)
        measured = self.parts.named(tenant.measurement_id, tenant.filename)
        refresh_cost_models(self)  # a model fitted through another process is used from this quote on
        cards, versions = self.cards()
        q = quote_components(measured.features, measured.components, request, cards, cost_models=self.cost_models,
                             memo=self.estimates)
        used = {o.workshop_id: versions[o.workshop_id] for o in q.offers if o.workshop_id in versions}
        doc = q.to_json()
        values = {"id": q.id, "part_sha256": tenant.measurement_id, "part_id": part_id, "quote": stored(doc),
                  "offers": len(q.offers),
                  "ratecard_versions": used, "valid_until": q.valid_until, "key_id": principal.key_id}
        answer = QuoteAnswer.of_new(q.id, doc, q.valid_until, used, part_id)
        if not idempotency_key:
            return PendingQuote(answer, False, self.writer.submit(values), self.metrics.quotes)
        try:
            with self.sessions.begin() as session:
                session.execute(INSERT_QUOTE, [values])
                self.idempotency.remember(session, principal.owner, idempotency_key, request_hash, q.id)
        except IntegrityError:  # a concurrent request with the same key won the race
            replay = self._replay(principal.owner, idempotency_key, request_hash)
            if replay is not None:
                return PendingQuote(QuoteAnswer.of_view(replay), True)
            raise
        self.metrics.quotes.inc()
        return PendingQuote(answer, False)

    def _replay(self, owner: str, key: str, request_hash: str) -> dict[str, Any] | None:
        """The quote first answered to this Idempotency-Key (``api.idempotency``); the routes use it too."""
        return self.idempotency.replay(owner, key, request_hash)

    def get_quote(self, quote_id: str) -> QuoteRow:
        return stored_quote(self.sessions, quote_id)

    # ---- jobs ----------------------------------------------------------------------------------------
    def quote_request(self, fields: dict[str, Any]) -> QuoteRequest:
        """A quote request from its fields as sent, parsed once; a finish only a workshop's card prices is
        accepted too. The rate cards are read only for a request with a finish (the others do not depend on
        them): a re-quote then reads the rate-card versions once, when it is priced."""
        if fields.get("finish") in (None, ""):
            return QuoteRequest.parse(**fields)
        cards, _ = self.cards()
        return QuoteRequest.parse(**fields, known_finishes={key for card in cards for key in card.finishes})

    def new_job(self, kind: str, principal: Principal, args: dict[str, Any] | None = None) -> str:
        return self.jobs.new(kind, principal, args)

    def run_job(self, job_id: str, work: Awaitable[Any], on_result: Callable[[Any], dict[str, Any]]) -> None:
        """Finish job ``job_id`` in this process when ``work`` completes: ``on_result(result)`` gives the job's result."""
        self.jobs.run(job_id, work, on_result)

    def get_job(self, job_id: str) -> JobRow:
        return self.jobs.get(job_id)

    def job_view(self, job_id: str) -> dict[str, Any]:
        return self.jobs.view(job_id)

    async def start_queue(self) -> None:
        """Open the task queue (``api.tasks.make_queue``). SQLite: resume what a stopped server left unfinished
        and delete the uploads it left spooled. PostgreSQL: with ``queue_api_concurrency`` > 0 this process also
        runs queued tasks, next to the ``microfab worker`` processes."""
        from api import tasks

        queue = tasks.make_queue(self)
        self.queue = self.jobs.queue = self.webhooks.queue = queue
        await queue.start()
        interrupt_stale_jobs(self.sessions)  # jobs of before durable jobs (no arguments) cannot run again
        if not queue.durable:
            for leftover in (self.settings.blob_dir / "incoming").glob("upload-*.part"):
                leftover.unlink(missing_ok=True)
            await tasks.resume(self)
        elif self.settings.queue_api_concurrency > 0:
            self._queue_worker = asyncio.get_running_loop().create_task(
                self.run_queue_worker(self.settings.queue_api_concurrency, "microfab-api"))

    async def run_queue_worker(self, concurrency: int, name: str) -> None:
        """Run queued tasks until cancelled (PostgreSQL), putting back those of dead workers and queueing what
        was written but never queued."""
        from api import tasks
        from api.queue import PostgresQueue

        assert isinstance(self.queue, PostgresQueue), "queue workers run on PostgreSQL"
        s = self.settings
        await self.queue.run_worker(WorkerOptions(concurrency, s.worker_heartbeat_s, s.worker_stalled_s, name),
                                    sweep=lambda: tasks.sweep(self, s.queue_sweep_after_s))

    async def close(self) -> None:
        if self._queue_worker is not None:
            self._queue_worker.cancel()
            await asyncio.gather(self._queue_worker, return_exceptions=True)
        await self.jobs.close()
        if self.queue is not None:
            await self.queue.close()
        self.pricing.shutdown(wait=False)
        self.writer.close()
        self.ratecards.close()


def _stale(row: PartRow) -> bool:
    """Measured by older geometry code, or a file of several solids stored before parts had components."""
    if row.components is None and row.features.get("solids", 1) > 1:
        return True
    return not Measured.from_stored(row.features, row.components).is_current
