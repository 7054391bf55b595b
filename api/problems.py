"""RFC 9457 problem+json: the one place that maps errors to HTTP answers."""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from geometry.errors import MicrofabError

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


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
        return problem(err.http_status, err.code, type(err).__name__, err.message, request.url.path, **fields)

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
        return problem(err.status_code, code, str(err.detail), str(err.detail), request.url.path)

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
