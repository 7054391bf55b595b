"""Re-pricing a workshop's stored parts after a rate-card change: the job of ``POST /v1/workshops/{id}/repricings``
and of ``microfab batch reprice``.

The parts are those whose quotes name the workshop (its rate card priced an offer),
optionally quoted since a date; each is priced again with the workshop's current
card, from its stored measurement and the request of its latest quote naming the
workshop (``quoting.batch_reprice``, on Dask as ``POST /v1/batches``). Nothing is
measured again unless the stored measurement is stale: the API measures those
through ``Service.current_measurement`` (the parse workers, the row updated); the
command line through ``geometry.measure`` and the features cache in the task.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.db import QuoteRow, TenantPartRow
from api.job_results import RESULT_FORMATS
from api.storage import BlobStore, PartStore
from geometry.errors import MicrofabError
from quoting.batch_reprice import RepriceItem, RepriceRow, RepriceStatus, old_lines, stored_request

if TYPE_CHECKING:
    from api.service import Service
    from quoting.ratecard import RateCard

def result_path(blob_dir: Path, job_id: str, fmt: str) -> Path:
    return Path(blob_dir) / "repricings" / job_id / RESULT_FORMATS[fmt]


def latest_quotes(sessions: sessionmaker[Session], workshop_id: str,
                  since: dt.datetime | None = None) -> list[tuple[str, str]]:
    """(part id, quote id) of the latest quote of each part naming ``workshop_id``, quoted since ``since``.

    The rate-card versions of each quote say which workshops priced it; the quote
    documents themselves are read later, one per part.
    """
    query = (select(QuoteRow.id, QuoteRow.part_id, QuoteRow.ratecard_versions)
             .where(QuoteRow.part_id.is_not(None))
             .order_by(QuoteRow.created_at.desc(), QuoteRow.id.desc()))
    if since is not None:
        query = query.where(QuoteRow.created_at >= since)
    latest: dict[str, str] = {}
    with sessions() as session:
        for quote_id, part_id, versions in session.execute(query).yield_per(1000):
            if part_id is not None and part_id not in latest and workshop_id in (versions or {}):
                latest[part_id] = quote_id
    return sorted(latest.items())


def stored_items(sessions: sessionmaker[Session], parts: PartStore, blobs: BlobStore, workshop_id: str,
                 since: dt.datetime | None = None) -> list[RepriceItem]:
    """One item per part to re-price: its stored measurement, its stored file, its latest request and lines."""
    items = []
    for part_id, quote_id in latest_quotes(sessions, workshop_id, since):
        with sessions() as session:
            tenant = session.get(TenantPartRow, part_id)
            doc = session.scalar(select(QuoteRow.quote).where(QuoteRow.id == quote_id))
        if tenant is None or doc is None:
            continue
        base = RepriceItem(part_id, tenant.filename, None, quote_id=quote_id)
        try:
            measured = parts.named(tenant.measurement_id, tenant.filename)
            args = parts.measure_args(parts.get(tenant.measurement_id))
            items.append(RepriceItem(
                part_id, tenant.filename, stored_request(doc), old_lines(doc, workshop_id), quote_id,
                measured.features, measured.components, str(blobs.path(args.sha256)), args.units,
                args.thickness_mm))
        except MicrofabError as err:
            items.append(replace(base, code=err.code, message=err.message))
        except (KeyError, TypeError, ValueError) as err:  # a stored quote of an older schema
            items.append(replace(base, code="unreadable_quote",
                                 message=f"quote {quote_id}: {type(err).__name__}: {err}"))
    return items


def store_measurements(parts: PartStore, blobs: BlobStore, sessions: sessionmaker[Session],
                       items: list[RepriceItem]) -> int:
    """Store the measurement of each item measured again (``quoting.batch_reprice.measure_stale``); how many.

    The shared measurement row of the part is updated, as ``Service.current_measurement``
    does, and its preview GLB removed: its face ids were the old measurement's, and the
    preview route makes a new one on the next view.
    """
    from geometry import Measured

    stored = 0
    for item in items:
        if not item.measured or item.code or item.features is None:
            continue
        with sessions() as session:
            tenant = session.get(TenantPartRow, item.part_id)
        if tenant is None:
            continue
        mid = tenant.measurement_id
        measured = Measured(item.features, item.components)
        parts.update_measurement(mid, measured.features.to_dict(), measured.components_to_list())
        blobs.path(mid, ".glb").unlink(missing_ok=True)
        stored += 1
    return stored


async def measured_now(svc: Service, item: RepriceItem) -> RepriceItem:
    """The item with a current measurement: a stale one measured again by ``Service.current_measurement``
    (the parse workers; the stored row updated), or the error that stopped it as the item's own."""
    from geometry import Measured

    if item.code or item.features is None or Measured(item.features, item.components).is_current:
        return item
    with svc.sessions() as session:
        tenant = session.get(TenantPartRow, item.part_id)
    try:
        if tenant is None:
            raise LookupError(item.part_id)
        measured = await svc.current_measurement(item.part_id, tenant.owner)
    except MicrofabError as err:
        return replace(item, code=err.code, message=err.message)
    except LookupError:
        return replace(item, code="not_found", message=f"part {item.part_id} is no longer stored")
    return replace(item, features=measured.features, components=measured.components, measured=True, source=None)


async def run(svc: Service, job_id: str, workshop_id: str, since: dt.datetime | None) -> dict[str, Any]:
    """Re-price the workshop's parts on Dask and write the results; the job's result says where and what changed."""
    from fastapi.concurrency import run_in_threadpool

    from api.shared_state import refresh_cost_models

    refresh_cost_models(svc)
    svc.forget_cards()  # the card changed maybe a moment ago, through another process
    cards, versions = svc.cards()
    card = next((c for c in cards if c.id == workshop_id), None)
    items = await run_in_threadpool(stored_items, svc.sessions, svc.parts, svc.blobs, workshop_id, since)
    items = [await measured_now(svc, item) for item in items]
    rows = [] if card is None else await run_in_threadpool(
        _reprice, items, card, svc.cost_models, str(Path(svc.settings.blob_dir) / "features"))
    for fmt in RESULT_FORMATS:
        write(rows, result_path(svc.settings.blob_dir, job_id, fmt))
    return summary(rows, len(items)) | {
        "workshop_id": workshop_id, "ratecard_version": versions.get(workshop_id),
        "since": since.isoformat() if since else None,
        "results": {fmt: f"/v1/workshops/{workshop_id}/repricings/{job_id}/results.{fmt}" for fmt in RESULT_FORMATS},
    }


def _reprice(items: list[RepriceItem], card: RateCard, cost_models: Any, cache_dir: str) -> list[RepriceRow]:
    from api.batches import BatchSettings
    from quoting.batch_dask import ClusterSpec
    from quoting.batch_reprice import run_reprice

    where = BatchSettings.from_env()
    return run_reprice(items, [card], card.id, cluster=ClusterSpec(where.scheduler, where.workers, where.processes),
                       cache_dir=cache_dir, cost_models=cost_models)


def write(rows: list[RepriceRow], out: Path) -> Path:
    from quoting.batch_reprice import write_reprice_rows

    return write_reprice_rows(rows, out)


def summary(rows: list[RepriceRow], parts: int) -> dict[str, Any]:
    """Counts of the rows by status, the total change of the repriced lines [cents], the failed parts."""
    by_status = {status.value: sum(r.status == status.value for r in rows) for status in RepriceStatus}
    failed = sorted({(r.part_id, r.file, r.code, r.message) for r in rows if r.status == RepriceStatus.ERROR.value})
    return {
        "parts": parts, "rows": len(rows), "by_status": by_status,
        "change_cents": sum(r.change_cents or 0 for r in rows),
        "failed": [{"part_id": pid, "file": name, "code": code, "detail": detail}
                   for pid, name, code, detail in failed],
    }


__all__ = ["latest_quotes", "measured_now", "result_path", "run", "store_measurements",
           "stored_items", "summary", "write"]
