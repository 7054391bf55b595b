"""Operations (health, readiness, metrics) and webhooks."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy import select, text

from api.auth import Principal, Role
from api.db import WebhookDeliveryRow, WebhookRow, aware
from api.deps import Keyed, Svc
from api.lookup import check_id, get_or_404
from api.metrics import CONTENT_TYPE
from api.paging import DEFAULT_LIMIT, Cursor, Limit, by_created, created_key, decode_cursor, page, paged
from api.schemas import DeliveryView, Health, WebhookCreate, WebhookView, problems
from api.service import Service
from api.webhooks import check_url
from quoting.engine import microfab_version
from quoting.errors import NotFoundError

router = APIRouter()


@router.get("/healthz", tags=["ops"], operation_id="healthz", response_model=Health)
async def healthz() -> Any:
    """The process answers (liveness)."""
    return {"status": "ok", "version": microfab_version(), "checks": {}}


@router.get("/readyz", tags=["ops"], operation_id="readyz", response_model=Health, responses=problems(503))
def readyz(svc: Svc) -> Any:
    """The database answers and the parse workers are up (readiness)."""
    checks: dict[str, str] = {}
    try:
        with svc.sessions() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as err:  # any database failure means not ready
        checks["database"] = f"failing: {type(err).__name__}"
    checks["parse_workers"] = "ok" if svc.pool.alive() else "failing: no worker"
    ok = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if ok else "unavailable", "version": microfab_version(), "checks": checks}
    if ok:
        return body
    return JSONResponse({"type": "https://microfab.dev/problems/not_ready", "title": "Not ready", "status": 503,
                         "detail": "; ".join(f"{k}: {v}" for k, v in checks.items()), "code": "not_ready",
                         **body}, status_code=503, media_type="application/problem+json")


@router.get("/metrics", tags=["ops"], operation_id="metrics", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain; version=0.0.4": {}}, "description": "Prometheus text"}})
def metrics(svc: Svc) -> Any:
    """Prometheus metrics (text exposition format 0.0.4; every server process's in multiprocess mode)."""
    return Response(svc.metrics.render(), media_type=CONTENT_TYPE)


def _hook_view(row: WebhookRow, secret: str | None = None) -> dict[str, Any]:
    return {"id": row.id, "url": row.url, "created_at": aware(row.created_at).isoformat(), "secret": secret}


@router.post("/v1/webhooks", tags=["webhooks"], operation_id="create_webhook", status_code=201,
             response_model=WebhookView, responses=problems(401, 422))
def create_webhook(svc: Svc, who: Keyed, body: WebhookCreate) -> Any:
    """Be told (POST, HMAC-signed) when this key's async jobs finish. The secret is shown once."""
    check_url(body.url, svc.settings.webhook_allow_private)
    secret = "whsec_" + secrets.token_urlsafe(32)
    row = WebhookRow(id=secrets.token_hex(8), owner=who.owner, url=body.url, secret=secret)
    with svc.sessions.begin() as session:
        session.add(row)
    return _hook_view(row, secret)


@router.get("/v1/webhooks", tags=["webhooks"], operation_id="list_webhooks", response_model=list[WebhookView],
            responses=paged(problems(401)))
def list_webhooks(svc: Svc, who: Keyed, request: Request, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Any:
    """This key's webhooks, by id; paged (`limit`, `cursor`)."""
    query = select(WebhookRow).where(WebhookRow.owner == who.owner).order_by(WebhookRow.id).limit(limit + 1)
    start = decode_cursor(cursor)
    if start is not None:
        query = query.where(WebhookRow.id > str(start[0]))
    with svc.sessions() as session:
        return page(request, list(session.scalars(query)), limit, lambda r: [r.id], _hook_view)


def _own_hook(svc: Service, who: Principal, hook_id: str) -> WebhookRow:
    check_id("webhook", hook_id)
    missing = f"no webhook {hook_id!r}"
    with svc.sessions() as session:
        row = get_or_404(session, WebhookRow, hook_id, missing, webhook=hook_id)
    if row.owner != who.owner and who.role is not Role.ADMIN:
        raise NotFoundError(missing, webhook=hook_id)
    return row


@router.delete("/v1/webhooks/{hook_id}", tags=["webhooks"], operation_id="delete_webhook", status_code=204,
               responses=problems(401, 404))
def delete_webhook(svc: Svc, who: Keyed, hook_id: str) -> Response:
    row = _own_hook(svc, who, hook_id)
    with svc.sessions.begin() as session:
        session.delete(session.get(WebhookRow, row.id))
    return Response(status_code=204)


@router.get("/v1/webhooks/{hook_id}/deliveries", tags=["webhooks"], operation_id="list_webhook_deliveries",
            response_model=list[DeliveryView], responses=paged(problems(401, 404)))
def list_deliveries(svc: Svc, who: Keyed, request: Request, hook_id: str, limit: Limit = DEFAULT_LIMIT,
                    cursor: Cursor = None) -> Any:
    """The deliveries of a webhook, oldest first: status (pending, delivered, failed), attempts, last error."""
    _own_hook(svc, who, hook_id)
    query = by_created(WebhookDeliveryRow, cursor, limit, newest_first=False).where(
        WebhookDeliveryRow.webhook_id == hook_id)
    with svc.sessions() as session:
        return page(request, list(session.scalars(query)), limit, created_key,
                    lambda r: {"id": r.id, "job_id": r.job_id, "status": r.status, "attempts": r.attempts,
                               "last_error": r.last_error})
