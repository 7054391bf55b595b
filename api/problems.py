"""RFC 9457 problem+json: the one place that maps errors to HTTP answers."""

from __future__ import annotations

import json
import logging
import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from geometry.errors import MicrofabError

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"

#: the HTTP status of each error code; an error whose code is not here takes its nearest parent class's
STATUS_BY_CODE: dict[str, int] = {
    "microfab_error": 400,
    "invalid_input": 422,  # every input error unless a more specific code follows
    "unsupported_format": 415,
    "file_too_large": 413,
    "not_manufacturable": 422,
    "model_unusable": 422,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "idempotency_key_reused": 409,
    "not_implemented": 501,
    "parse_workers_unavailable": 503,
    "parse_queue_full": 503,
    "rate_limited": 429,
}


def http_status(err: MicrofabError) -> int:
    """The status that answers ``err``: its code's, else that of the nearest class above it in the tree."""
    status = STATUS_BY_CODE.get(err.code)
    if status is not None:
        return status
    for cls in type(err).__mro__:
        status = STATUS_BY_CODE.get(getattr(cls, "code", ""))
        if status is not None:
            return status
    return 400


def problem(status: int, code: str, title: str, detail: str, instance: str = "", **extra: object) -> JSONResponse:
    body = {"type": f"https://microfab.dev/problems/{code}", "title": title, "status": status, "detail": detail,
            "code": code, **extra}
    if instance:
        body["instance"] = instance
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def problem_bytes(status: int, code: str, title: str, detail: str, instance: str = "") -> bytes:
    body = {"type": f"https://microfab.dev/problems/{code}", "title": title, "status": status, "detail": detail,
            "code": code}
    if instance:
        body["instance"] = instance
    return json.dumps(body).encode()


def install(app: FastAPI) -> None:
    @app.exception_handler(MicrofabError)
    async def _microfab(request: Request, err: MicrofabError) -> JSONResponse:
        fields = {k: v for k, v in err.fields.items() if isinstance(v, str | int | float | bool) or v is None}
        answer = problem(http_status(err), err.code, type(err).__name__, err.message, request.url.path, **fields)
        retry_after = fields.get("retry_after_s")
        if isinstance(retry_after, int | float) and not isinstance(retry_after, bool):
            answer.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
        return answer

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, err: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
                  for e in err.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
        return problem(422, "invalid_request", "Invalid request", detail, request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
        cause = err.__cause__
        if isinstance(cause, MicrofabError):  # e.g. the upload limit hit while FastAPI parsed the form
            return await _microfab(request, cause)
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden",
                400: "bad_request", 413: "file_too_large"}.get(err.status_code, "http_error")
        answer = problem(err.status_code, code, str(err.detail), str(err.detail), request.url.path)
        answer.headers.update(err.headers or {})  # e.g. Allow on a 405
        return answer

    @app.exception_handler(SQLAlchemyError)
    async def _database(request: Request, err: SQLAlchemyError) -> JSONResponse:
        log.exception("database error on %s", request.url.path)
        return problem(503, "database_unavailable", "Database unavailable",
                       "the database could not answer: try again shortly", request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, err: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return problem(500, "internal_error", "Internal error",
                       "the server could not answer this request; it has been logged", request.url.path)
