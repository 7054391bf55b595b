"""The API's state and the operations the routes share: storing parts, quoting them, jobs.

``Service`` composes the pieces (``api.storage`` for files and parts,
``api.idempotency``, ``api.jobs``, ``api.quotes`` for rate cards and stored
quotes). Business rules stay in ``quoting``: this module loads what the engine
needs from storage, calls ``quoting.engine.quote_components`` and stores what
comes back.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import Counter
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Principal
from api.db import JobRow, PartRow, QuoteRow
from api.idempotency import IdempotencyKeys, request_fingerprint
from api.jobs import JobAccepted, Jobs, interrupt_stale_jobs
from api.metrics import Metrics
from api.quotes import RateCards, quote_view, stored_quote
from api.settings import Settings
from api.shared_state import refresh_cost_models
from api.storage import BlobStore, PartStore, clean_text, part_id_for
from api.webhooks import Dispatcher
from api.workers import Parsed, ParsePool
from geometry import Measured
from geometry.errors import MicrofabError
from geometry.features import PartFeatures
from geometry.loaders.sniff import sniff_format
from quoting.engine import quote_components
from quoting.errors import NotFoundError
from quoting.ratecard import RateCard
from quoting.request import QuoteRequest

#: re-exported for the routes
__all__ = ["JobAccepted", "Service", "clean_text", "part_id_for", "quote_view", "request_fingerprint"]

log = logging.getLogger(__name__)


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

    def __post_init__(self) -> None:
        self.blobs = BlobStore(self.settings.blob_dir)
        self.parts = PartStore(self.sessions)
        self.idempotency = IdempotencyKeys(self.sessions)
        self.jobs = Jobs(self.sessions, self.metrics, self.webhooks)
        self.ratecards = RateCards(self.sessions, self.settings.ratecard_check_s)

    def reload_cost_models(self) -> None:
        """The calibrated cost models in ``model_dir`` (a model that cannot be used is left out, logged)."""
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

    def get_part(self, part_id: str) -> PartRow:
        return self.parts.get(part_id)

    def measured(self, part_id: str) -> Measured:
        """A stored part's measurement as stored (see ``current_measurement``)."""
        return self.parts.measured(part_id)

    def features(self, part_id: str) -> PartFeatures:
        return self.parts.measured(part_id).features

    async def parse_and_store(self, data: bytes, filename: str, units: str | None,
                              thickness_mm: float | None = None) -> tuple[PartRow, bool]:
        """Parse an upload (deduplicated by content) and store it; (row, created).

        A part stored before is measured again when its measurement is stale: older
        geometry code, or a file of several solids stored before parts had components.
        """
        sha = hashlib.sha256(data).hexdigest()
        pid = part_id_for(sha, units, thickness_mm)
        existing = self.parts.find(pid)
        if existing is not None and not _stale(existing):
            return existing, False
        if not (self.settings.parser_test_hooks and data.startswith(b"MICROFAB-TEST-")):
            sniff_format(data, filename)  # empty or unknown content fails here, without a worker
        parsed = await self._parse(data, filename, units, thickness_mm, self.metrics.parts_parsed)
        self.blobs.write(sha, data)
        if parsed.glb:
            self.blobs.write(pid, parsed.glb, ".glb")
        if existing is not None:
            self.parts.update_measurement(pid, parsed.features, parsed.components)
            return self.parts.get(pid), False
        src = parsed.features["source"]
        return self.parts.add(PartRow(
            sha256=pid, filename=clean_text(filename) or "part", format=str(src.get("format", "")),
            units=str(src.get("units", "mm"))[:8], size_bytes=len(data), features=parsed.features,
            components=parsed.components))

    async def current_measurement(self, part_id: str) -> Measured:
        """A stored part's measurement by the running geometry code: a stale one is measured again.

        The part's file is measured again from its blob in a parse worker and the row
        updated, before anything is priced from it. Raises ``NotFoundError`` (upload the
        file again) when the file is no longer stored.
        """
        measured = self.parts.measured(part_id)
        if measured.is_current:
            return measured
        row = self.parts.get(part_id)
        args = self.parts.measure_args(row)
        data = self.blobs.read(args.sha256)
        if data is None:
            self.metrics.parts_remeasured.labels(outcome="file_missing").inc()
            raise NotFoundError(f"part {part_id} was measured by an older version of microfab and its file is no "
                                "longer stored: upload the file again (POST /v1/parts)", part_id=part_id)
        log.info("part %s: measured by geometry %r, measuring it again", part_id, measured.geometry_version)
        parsed = await self._parse(data, args.filename, args.units, args.thickness_mm, self.metrics.parts_remeasured)
        self.parts.update_measurement(part_id, parsed.features, parsed.components)
        return self.parts.measured(part_id)

    async def _parse(self, data: bytes, filename: str, units: str | None, thickness_mm: float | None,
                     outcomes: Counter) -> Parsed:
        """Parse in the worker pool, counting the outcome (``ok`` or the error code) in ``outcomes``."""
        try:
            parsed = await self.pool.parse(data, filename, units, thickness_mm)
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
                     idempotency_key: str | None, request_hash: str) -> tuple[dict[str, Any], bool]:
        """Price a stored part and store the quote; (body, replayed).

        The routes call ``current_measurement`` first, so a stale measurement is never priced.
        """
        if idempotency_key:
            replay = self._replay(principal.owner, idempotency_key, request_hash)
            if replay is not None:
                return replay, True
        measured = self.parts.measured(part_id)
        refresh_cost_models(self)  # a model fitted through another process is used from this quote on
        cards, versions = self.cards()
        q = quote_components(measured.features, measured.components, request, cards, cost_models=self.cost_models)
        used = {o.workshop_id: versions[o.workshop_id] for o in q.offers if o.workshop_id in versions}
        values = {"id": q.id, "part_sha256": part_id, "quote": q.to_dict(), "offers": len(q.offers),
                  "ratecard_versions": used, "valid_until": q.valid_until, "key_id": principal.key_id}
        try:
            with self.sessions.begin() as session:
                session.execute(insert(QuoteRow), [values])  # a core insert: the ORM's unit of work costs more
                if idempotency_key:
                    self.idempotency.remember(session, principal.owner, idempotency_key, request_hash, q.id)
        except IntegrityError:
            if idempotency_key:  # a concurrent request with the same key won the race
                replay = self._replay(principal.owner, idempotency_key, request_hash)
                if replay is not None:
                    return replay, True
            raise
        self.metrics.quotes.inc()
        return quote_view(QuoteRow(**values)), False

    def _replay(self, owner: str, key: str, request_hash: str) -> dict[str, Any] | None:
        """The quote first answered to this Idempotency-Key (``api.idempotency``); the routes use it too."""
        return self.idempotency.replay(owner, key, request_hash)

    def get_quote(self, quote_id: str) -> QuoteRow:
        return stored_quote(self.sessions, quote_id)

    # ---- jobs --------------------------------------------------------------------------------------
    def new_job(self, kind: str, principal: Principal) -> str:
        return self.jobs.new(kind, principal)

    def run_job(self, job_id: str, work: Awaitable[Any], on_result: Callable[[Any], dict[str, Any]]) -> None:
        """Finish job ``job_id`` when ``work`` completes: ``on_result(result)`` gives the job's result."""
        self.jobs.run(job_id, work, on_result)

    def get_job(self, job_id: str) -> JobRow:
        return self.jobs.get(job_id)

    def job_view(self, job_id: str) -> dict[str, Any]:
        return self.jobs.view(job_id)

    def interrupt_stale_jobs(self) -> None:
        interrupt_stale_jobs(self.sessions)

    async def close(self) -> None:
        await self.jobs.close()


def _stale(row: PartRow) -> bool:
    """Measured by older geometry code, or a file of several solids stored before parts had components."""
    if row.components is None and row.features.get("solids", 1) > 1:
        return True
    return not Measured.from_stored(row.features, row.components).is_current
