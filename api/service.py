"""The API's state and the operations the routes share: storing parts, quoting, jobs.

Business rules stay in ``quoting``: this module loads what the engine needs from
storage, calls ``quoting.engine.quote_components`` and stores what comes back.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Principal
from api.db import IdempotencyRow, JobRow, PartRow, QuoteRow, WorkshopRow, aware, now_utc
from api.errors import IdempotencyConflictError
from api.metrics import Metrics
from api.problems import http_status
from api.settings import Settings
from api.webhooks import Dispatcher
from api.workers import ParsePool
from geometry.errors import MicrofabError
from geometry.features import PartFeatures
from geometry.loaders.sniff import sniff_format
from quoting.engine import quote_components
from quoting.errors import NotFoundError
from quoting.ratecard import RateCard
from quoting.request import QuoteRequest

log = logging.getLogger(__name__)
#: a part's features and, for a file of several distinct solids, [(features, count), ...] per solid
Measured = tuple[PartFeatures, list[tuple[PartFeatures, int]]]


class JobAccepted(Exception):
    """Not an error: the work goes on as a job; the route answers 202 with its URL."""

    def __init__(self, job_id: str) -> None:
        super().__init__(job_id)
        self.job_id = job_id


_IDS = {
    "part": re.compile(r"^[0-9a-f]{64}$"),
    "quote": re.compile(r"^[0-9a-f]{32}$"),
    "job": re.compile(r"^[0-9a-f]{24}$"),
    "workshop": re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$"),
    "webhook": re.compile(r"^[0-9a-f]{16}$"),
}


def check_id(kind: str, value: str) -> str:
    """A malformed id is simply not found (and never reaches the database)."""
    if not _IDS[kind].match(value):
        raise NotFoundError(f"no {kind} {value[:80]!r}", **{f"{kind}_id": value[:80]})
    return value


def clean_text(value: str, limit: int = 255) -> str:
    """Text safe to store anywhere: no control characters, at most ``limit`` characters."""
    return "".join(ch for ch in value if ch >= " " and ch != "\x7f")[:limit]


def part_id_for(sha256: str, units: str | None, thickness_mm: float | None = None) -> str:
    """A part's id: the file's sha256; when the caller gave a unit or a sheet thickness (which change
    the measured part), sha256 of "<sha256>:<unit>" or "<sha256>:<unit>:<thickness>"."""
    if not units and thickness_mm is None:
        return sha256
    key = f"{sha256}:{(units or '').strip().lower()}"
    if thickness_mm is not None:
        key += f":{float(thickness_mm)!r}"
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class Service:
    settings: Settings
    sessions: sessionmaker[Session]
    pool: ParsePool
    metrics: Metrics
    webhooks: Dispatcher
    _features: OrderedDict[str, Measured] = field(default_factory=OrderedDict)
    _cards: dict[str, tuple[int, RateCard]] = field(default_factory=dict)
    #: (monotonic time of the check, cards, versions): reused for ``settings.ratecard_check_s``
    _cards_checked: tuple[float, list[RateCard], dict[str, int]] | None = None
    _jobs: set[asyncio.Task] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    cost_models: dict[str, Any] = field(default_factory=dict)

    def reload_cost_models(self) -> None:
        """The calibrated cost models in ``model_dir`` (a model that cannot be used is left out, logged)."""
        try:
            from models import load_cost_models

            self.cost_models = load_cost_models(self.settings.model_dir)
        except MicrofabError as err:
            log.warning("calibrated cost models not loaded: %s", err.message)
            self.cost_models = {}

    # ---- blobs -------------------------------------------------------------------------------------
    def blob_path(self, sha256: str, suffix: str = "") -> Path:
        return self.settings.blob_dir / sha256[:2] / f"{sha256}{suffix}"

    def write_blob(self, sha256: str, data: bytes, suffix: str = "") -> None:
        path = self.blob_path(sha256, suffix)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)

    # ---- parts -------------------------------------------------------------------------------------
    def get_part(self, part_id: str) -> PartRow:
        check_id("part", part_id)
        with self.sessions() as session:
            row = session.get(PartRow, part_id)
        if row is None:
            raise NotFoundError(f"no part {part_id!r}: upload the file with POST /v1/parts", part_id=part_id)
        return row

    def features(self, part_id: str) -> PartFeatures:
        return self.measured(part_id)[0]

    def measured(self, part_id: str) -> Measured:
        """A stored part's features and, for a file of several distinct solids, each solid's with its count."""
        with self._lock:
            cached = self._features.get(part_id)
            if cached is not None:
                self._features.move_to_end(part_id)
                return cached
        row = self.get_part(part_id)
        measured = (PartFeatures.from_dict(row.features),
                    [(PartFeatures.from_dict(c["features"]), int(c["count"])) for c in row.components or ()])
        with self._lock:
            self._features[part_id] = measured
            while len(self._features) > 512:
                self._features.popitem(last=False)
        return measured

    async def parse_and_store(self, data: bytes, filename: str, units: str | None,
                              thickness_mm: float | None = None) -> tuple[PartRow, bool]:
        """Parse an upload (deduplicated by content) and store it; (row, created)."""
        sha = hashlib.sha256(data).hexdigest()
        pid = part_id_for(sha, units, thickness_mm)
        with self.sessions() as session:
            existing = session.get(PartRow, pid)
        if existing is not None and not (existing.components is None and existing.features.get("solids", 1) > 1):
            return existing, False
        # new, or a multi-solid part stored before parts had components: parse (again)
        if not (self.settings.parser_test_hooks and data.startswith(b"MICROFAB-TEST-")):
            sniff_format(data, filename)  # empty or unknown content fails here, without a worker
        try:
            parsed = await self.pool.parse(data, filename, units, thickness_mm)
        except MicrofabError as err:
            self.metrics.inc("microfab_parts_parsed_total", outcome=err.code)
            raise
        self.metrics.inc("microfab_parts_parsed_total", outcome="ok")
        self.write_blob(sha, data)
        if parsed.glb:
            self.write_blob(pid, parsed.glb, ".glb")
        if existing is not None:
            with self.sessions.begin() as session:
                session.execute(update(PartRow).where(PartRow.sha256 == pid).values(components=parsed.components))
            with self._lock:
                self._features.pop(pid, None)
            return self.get_part(pid), False
        src = parsed.features["source"]
        row = PartRow(sha256=pid, filename=clean_text(filename) or "part", format=str(src.get("format", "")),
                      units=str(src.get("units", "mm"))[:8], size_bytes=len(data), features=parsed.features,
                      components=parsed.components)
        try:
            with self.sessions.begin() as session:
                session.add(row)
        except IntegrityError:  # the same file, stored meanwhile by another request
            return self.get_part(pid), False
        return row, True

    # ---- workshops and quotes ----------------------------------------------------------------------
    def cards(self) -> tuple[list[RateCard], dict[str, int]]:
        """The current rate cards (parsed once per version) and their versions.

        The versions are read from the database at most every ``ratecard_check_s`` seconds; a rate card
        stored by this process is seen at once (``forget_cards``), one stored by another server process
        within that delay. A quote names the versions that priced it either way.
        """
        checked = self._cards_checked
        if checked is not None and time.monotonic() - checked[0] < self.settings.ratecard_check_s:
            return checked[1], checked[2]
        started = time.monotonic()
        with self.sessions() as session:
            rows = session.execute(select(WorkshopRow.id, WorkshopRow.ratecard_version)).all()
            cards = dict(self._cards)
            stale = [wid for wid, v in rows if cards.get(wid, (None,))[0] != v]
            if stale:
                for w in session.scalars(select(WorkshopRow).where(WorkshopRow.id.in_(stale))):
                    cards[w.id] = (w.ratecard_version, RateCard.from_dict(w.ratecard, w.id))
        versions = {wid: v for wid, v in rows}
        cards = {wid: cards[wid] for wid in versions if wid in cards}
        self._cards = cards
        current = [cards[wid][1] for wid in sorted(cards)]
        self._cards_checked = (started, current, versions)
        return current, versions

    def forget_cards(self) -> None:
        """A rate card changed: the next quote reads the versions again."""
        self._cards_checked = None

    def create_quote(self, part_id: str, request: QuoteRequest, principal: Principal,
                     idempotency_key: str | None, request_hash: str) -> tuple[dict[str, Any], bool]:
        """Price a stored part and store the quote; (body, replayed)."""
        if idempotency_key:
            replay = self._replay(principal.owner, idempotency_key, request_hash)
            if replay is not None:
                return replay, True
        features, components = self.measured(part_id)
        cards, versions = self.cards()
        q = quote_components(features, components, request, cards, cost_models=self.cost_models)
        body = q.to_dict()
        used = {o.workshop_id: versions[o.workshop_id] for o in q.offers if o.workshop_id in versions}
        values = {"id": q.id, "part_sha256": part_id, "quote": body, "offers": len(q.offers),
                  "ratecard_versions": used, "valid_until": q.valid_until, "key_id": principal.key_id}
        row = QuoteRow(**values)
        try:
            with self.sessions.begin() as session:
                session.execute(insert(QuoteRow), [values])  # a core insert: the ORM's unit of work costs more
                if idempotency_key:
                    session.add(IdempotencyRow(owner=principal.owner, key=idempotency_key,
                                               request_sha256=request_hash, quote_id=q.id))
        except IntegrityError:
            if idempotency_key:  # a concurrent request with the same key won the race
                replay = self._replay(principal.owner, idempotency_key, request_hash)
                if replay is not None:
                    return replay, True
            raise
        self.metrics.inc("microfab_quotes_total")
        return quote_view(row), False

    def _replay(self, owner: str, key: str, request_hash: str) -> dict[str, Any] | None:
        with self.sessions() as session:
            idem = session.get(IdempotencyRow, (owner, key))
            if idem is None:
                return None
            if idem.request_sha256 != request_hash:
                raise IdempotencyConflictError(
                    "this Idempotency-Key was used with a different request: use a new key for a new request",
                    idempotency_key=key)
            row = session.get(QuoteRow, idem.quote_id)
        return quote_view(row) if row is not None else None

    def get_quote(self, quote_id: str) -> QuoteRow:
        check_id("quote", quote_id)
        with self.sessions() as session:
            row = session.get(QuoteRow, quote_id)
        if row is None:
            raise NotFoundError(f"no quote {quote_id!r}", quote_id=quote_id)
        return row

    # ---- jobs --------------------------------------------------------------------------------------
    def new_job(self, kind: str, principal: Principal) -> str:
        job_id = secrets.token_hex(12)
        with self.sessions.begin() as session:
            session.add(JobRow(id=job_id, kind=kind, status="running", owner=principal.owner))
        return job_id

    def run_job(self, job_id: str, work: asyncio.Future | asyncio.Task, on_result) -> None:  # noqa: ANN001
        """Finish job ``job_id`` when ``work`` completes: ``on_result(result)`` gives the job's result."""

        async def finish() -> None:
            try:
                result = on_result(await work)
                status, error = "succeeded", None
            except MicrofabError as err:
                status, result = "failed", None
                error = {"code": err.code, "status": http_status(err), "detail": err.message}
            except Exception as err:  # a job must always end; the log has the details
                log.exception("job %s failed", job_id)
                status, result = "failed", None
                error = {"code": "internal_error", "status": 500, "detail": f"the job failed ({type(err).__name__})"}
            with self.sessions.begin() as session:
                row = session.get(JobRow, job_id)
                row.status, row.result, row.error, row.finished_at = status, result, error, now_utc()
                owner, kind = row.owner, row.kind
            self.metrics.inc("microfab_jobs_total", kind=kind, status=status)
            self.webhooks.job_finished(owner, self.job_view(job_id))

        task = asyncio.get_running_loop().create_task(finish())
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    def get_job(self, job_id: str) -> JobRow:
        check_id("job", job_id)
        with self.sessions() as session:
            row = session.get(JobRow, job_id)
        if row is None:
            raise NotFoundError(f"no job {job_id!r}", job_id=job_id)
        return row

    def job_view(self, job_id: str) -> dict[str, Any]:
        row = self.get_job(job_id)
        return {"id": row.id, "kind": row.kind, "status": row.status, "result": row.result, "error": row.error,
                "created_at": aware(row.created_at).isoformat(),
                "finished_at": aware(row.finished_at).isoformat() if row.finished_at else None,
                "url": f"/v1/jobs/{row.id}"}

    def interrupt_stale_jobs(self) -> None:
        interrupt_stale_jobs(self.sessions)

    async def close(self) -> None:
        for t in list(self._jobs):
            t.cancel()
        if self._jobs:
            await asyncio.gather(*self._jobs, return_exceptions=True)


def interrupt_stale_jobs(sessions: sessionmaker[Session]) -> None:
    """Jobs left running by a stopped server fail (their work died with it): clients submit again."""
    with sessions.begin() as session:
        session.execute(update(JobRow).where(JobRow.status.in_(("queued", "running"))).values(
            status="failed", finished_at=now_utc(),
            error={"code": "job_interrupted", "status": 503, "detail": "the server restarted: submit again"}))


def quote_view(row: QuoteRow) -> dict[str, Any]:
    """The stored quote as the API shows it: the document, its status and the rate card versions."""
    expired = aware(row.valid_until) < now_utc()
    return {**row.quote, "status": "expired" if expired else "valid", "ratecard_versions": row.ratecard_versions}


def request_fingerprint(part: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps({"part": part, **fields}, sort_keys=True, default=str).encode()).hexdigest()
