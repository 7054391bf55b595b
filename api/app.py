"""The FastAPI application: routes map HTTP to the quoting service functions.

``create_app(settings)`` builds the app; its lifespan migrates the database,
seeds the demo workshops, starts the parse workers and the webhook dispatcher.
"""

from __future__ import annotations

import gc
import logging
import time
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from api import openapi, problems, web
from api.db import init_db, make_engine
from api.metrics import Metrics
from api.routes import batches, ops, parts, repricings, workshops
from api.service import Service
from api.settings import Settings, get_settings
from api.webhooks import Dispatcher
from api.workers import ParsePool
from geometry.errors import FileTooLargeError
from quoting.engine import microfab_version

log = logging.getLogger(__name__)
#: room for the multipart envelope and the form fields around the file
MULTIPART_SLACK_BYTES = 1024 * 1024

DESCRIPTION = """Instant, explainable quotes for CAD parts from local workshops.

Upload a part (`POST /v1/parts`), quote it (`POST /v1/quotes` or `POST /v1/parts/{id}/quotes`), read the
stored quote (`GET /v1/quotes/{id}`). Workshop owners keep their rate card (`/v1/workshops/{id}/rate-card`)
and calibrate it on their past prices. Authenticate with `Authorization: Bearer mfk_...` (an API key made by
`microfab keys create`). Every error is RFC 9457 `application/problem+json` with a stable `code`.
"""


class _Edge:
    """ASGI middleware: the upload limit while the body streams in, and request metrics."""

    def __init__(self, app, settings: Settings, metrics: Metrics) -> None:  # noqa: ANN001
        self.app = app
        self.limit = settings.max_upload_bytes + MULTIPART_SLACK_BYTES
        self.metrics = metrics

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                body = problems.problem_bytes(413, FileTooLargeError.code, "FileTooLargeError",
                                              f"the request is over the {self.limit / 1e6:.0f} MB upload limit",
                                              scope.get("path", ""))
                await _send_bytes(send, 413, body)
                self._observe(scope, 413, start)
                return
        seen = 0

        async def limited_receive():  # noqa: ANN202
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise FileTooLargeError(f"the request is over the {self.limit / 1e6:.0f} MB upload limit",
                                            size_limit_bytes=self.limit)
            return message

        async def send_status(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = security_headers(scope.get("path", ""), list(message.get("headers", ())))
            await send(message)

        try:
            await self.app(scope, limited_receive, send_status)
        finally:
            self._observe(scope, status["code"], start)

    def _observe(self, scope, status: int, start: float) -> None:  # noqa: ANN001
        route = scope.get("route")
        path = getattr(route, "path", None) or "unmatched"
        self.metrics.http_requests.labels(method=scope.get("method", ""), route=path, status=str(status)).inc()
        self.metrics.http_duration.labels(route=path).observe(time.perf_counter() - start)


#: Content-Security-Policy of HTML pages that set none themselves: this origin only, plus the CDN that
#: FastAPI's /docs and /redoc pages load Swagger UI and ReDoc from
HTML_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
            "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
            "https://cdn.redoc.ly; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'")
#: paths of answers that may be cached (public, the same for every caller)
PUBLIC_PREFIXES = ("/healthz", "/readyz", "/openapi.json", "/docs", "/redoc", "/static")


def security_headers(path: str, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` with nosniff, no referrer, CSP on HTML and ``Cache-Control: no-store`` on private answers."""
    names = {name.lower() for name, _ in headers}
    extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
    content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
    if content_type.startswith(b"text/html"):
        extra.append((b"content-security-policy", HTML_CSP.encode()))
    if not path.startswith(PUBLIC_PREFIXES):
        extra.append((b"cache-control", b"no-store"))
    return headers + [(n, v) for n, v in extra if n not in names]


async def _send_bytes(send, status: int, body: bytes) -> None:  # noqa: ANN001
    await send({"type": "http.response.start", "status": status,
                "headers": security_headers("", [(b"content-type", problems.PROBLEM_JSON.encode()),
                                                 (b"content-length", str(len(body)).encode()),
                                                 (b"connection", b"close")])})
    await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        started = time.perf_counter()
        engine = make_engine(settings.database_url, settings.sqlite_synchronous)
        sessions = init_db(engine, settings.seed_demo)
        migrated = time.perf_counter()
        settings.blob_dir.mkdir(parents=True, exist_ok=True)
        pool = ParsePool(settings.parse_workers, settings.parse_timeout_s, settings.parse_memory_mb,
                         settings.max_upload_bytes, settings.parser_test_hooks, metrics, settings.parse_queue_max)
        await pool.start(settings.parse_workers_prestart)
        log.info("start-up: database migrated in %.2f s, parse workers ready %.2f s later",
                 migrated - started, time.perf_counter() - migrated)
        hooks = Dispatcher(sessions, metrics, settings.webhook_attempts, settings.webhook_backoff_s,
                           settings.webhook_timeout_s, settings.webhook_allow_private)
        service = Service(settings, sessions, pool, metrics, hooks)
        await service.start_queue()  # the job queue (api.tasks); SQLite: resumes what a stopped server left
        service.reload_cost_models()
        app.state.service = service
        _freeze_startup_objects()
        try:
            yield
        finally:
            await service.close()
            await hooks.close()
            await pool.close()
            engine.dispose()
            metrics.process_stopped()
            gc.unfreeze()  # collectable again (a process that starts another app, as the tests do, frees this one)

    app = FastAPI(title="microfab", version=microfab_version(), lifespan=lifespan, description=DESCRIPTION)
    app.state.settings = settings
    problems.install(app)
    openapi.install(app)
    app.include_router(ops.router)
    app.include_router(parts.router)
    app.include_router(workshops.router)
    web.install(app)  # the web pages (issue 14): HTML shells whose JavaScript calls /v1

    app.include_router(batches.router)
    app.include_router(repricings.router)
    _match_first(app, parts.router)
    app.add_middleware(_Edge, settings=settings, metrics=metrics)
    return app


def _freeze_startup_objects() -> None:
    """Leave what start-up made (modules, the geometry and pricing stacks, the app) out of every later garbage
    collection: a full collection then looks only at objects made since, instead of pausing the process for
    0.2-0.5 s every few thousand re-quotes (the event loop with it: /healthz waited behind it)."""
    gc.freeze()


def _match_first(app: FastAPI, router: APIRouter) -> None:
    """Try ``router``'s routes (parts and quotes: the re-quote's) first when matching a request, before the
    docs, ops and workshop routes; the OpenAPI document keeps the declared order (``api.openapi.build`` reads
    ``app.state.declared_routes``). No other route's path and method is one of ``router``'s
    (tests/api/test_routes_order.py), so every request reaches the same route as before."""
    routes = app.router.routes
    app.state.declared_routes = list(routes)
    first = [r for r in routes if getattr(r, "original_router", None) is router]
    routes[:] = first + [r for r in routes if all(r is not f for f in first)]
    mark_changed = getattr(app.router, "_mark_routes_changed", None)  # FastAPI's cache of the match order
    if mark_changed is not None:
        mark_changed()
