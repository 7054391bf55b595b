"""The OpenAPI document as the contract: what FastAPI generates, completed where it says too little.

``install(app)`` replaces ``app.openapi`` and adds the ``API-Version`` header to every answer. The document
gets: ``servers``; the package version as ``info.version``; one ``Problem`` schema on every error answer
(400, 405 with its ``Allow`` header, 422, 429, 500 and 503 on every operation, 401 where a key is read,
404 where a path names something, 413 where a body is sent), in place of FastAPI's ``HTTPValidationError``;
uploads as ``format: binary``; bearer security that is optional where anonymous quoting may be allowed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.schemas import ERROR_TEXT, Problem
from quoting.engine import microfab_version

API_VERSION_HEADER = "API-Version"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
BEARER = "HTTPBearer"
#: answers any operation can get: a bad body, a wrong method, a bad parameter, a rate limit, a failure
EVERY_OPERATION = (400, 405, 422, 429, 500, 503)
SERVERS = [{"url": "/", "description": "this server (relative to where the document was read)"}]


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


def _api_routes(routes: Any) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # FastAPI's included router
            yield from _api_routes(route.original_router.routes)


def _auth_modes(app: FastAPI) -> dict[str, str]:
    """operation id -> "required" (a key is needed), "optional" (anonymous may be allowed) or absent."""
    from api.deps import keyed, principal

    modes: dict[str, str] = {}
    for route in _api_routes(app.routes):
        if route.operation_id:
            calls = set(_calls(route.dependant))
            if keyed in calls:
                modes[route.operation_id] = "required"
            elif principal in calls:
                modes[route.operation_id] = "optional"
    return modes


def _examples(schemas: dict[str, Any]) -> None:
    """The models' examples as written: FastAPI drops their null values (a required ``error: null``)."""
    import api.quote_schema
    import api.schemas

    for module in (api.schemas, api.quote_schema):
        for name, model in vars(module).items():
            extra = getattr(model, "model_config", {}).get("json_schema_extra")
            if name in schemas and isinstance(extra, dict) and "examples" in extra:
                schemas[name]["examples"] = extra["examples"]


def _problem_response(status: int, old: dict[str, Any] | None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": (old or {}).get("description") or ERROR_TEXT.get(status, "Error"),
                              "content": {"application/problem+json": {"schema": PROBLEM_REF}}}
    if status == 405:
        answer["headers"] = {"Allow": {"description": "the methods this path accepts",
                                       "schema": {"type": "string"}}}
    if answer["description"] in ("Validation Error", "Successful Response"):
        answer["description"] = ERROR_TEXT.get(status, "Error")
    return answer


def _binary(node: Any) -> None:
    """``contentMediaType: application/octet-stream`` (FastAPI on OpenAPI 3.1) -> ``format: binary``."""
    if isinstance(node, dict):
        if node.get("contentMediaType") == "application/octet-stream":
            node.pop("contentMediaType")
            node["format"] = "binary"
        for value in node.values():
            _binary(value)
    elif isinstance(node, list):
        for value in node:
            _binary(value)


LOCATION = {"description": "the URL of the created (201) or replayed (200) resource, or of the job (202)",
            "schema": {"type": "string"}}
#: the operations whose answers carry a Location header (the created part or quote, or the job)
SENDS_LOCATION = frozenset({"create_part", "create_quote", "quote_part", "create_calibration"})
REPLAYED = {"description": "true when the answer is the first one of the same Idempotency-Key and request",
            "schema": {"type": "string", "enum": ["true", "false"]}}


def _success_headers(op: dict[str, Any], responses: dict[str, Any]) -> None:
    """``Location`` on the answers of a POST that creates, ``Idempotent-Replayed`` where Idempotency-Key is read."""
    idempotent = any(p.get("name") == "Idempotency-Key" for p in op.get("parameters", []))
    for status in ("200", "201", "202"):
        if status in responses and op.get("operationId") in SENDS_LOCATION:
            headers = responses[status].setdefault("headers", {})
            headers["Location"] = LOCATION
            if idempotent and status != "202":
                headers["Idempotent-Replayed"] = REPLAYED


def _complete_operation(op: dict[str, Any], path: str, auth: str | None) -> None:
    responses: dict[str, Any] = op.setdefault("responses", {})
    _success_headers(op, responses)
    statuses = set(EVERY_OPERATION)
    if auth:
        statuses.add(401)
    if "{" in path:
        statuses.add(404)
    if "requestBody" in op:
        statuses.add(413)
    statuses |= {int(s) for s in responses if s.isdigit() and int(s) >= 400}
    for status in sorted(statuses):
        responses[str(status)] = _problem_response(status, responses.get(str(status)))
    for answer in responses.values():
        content = answer.get("content", {})
        for media_type, media in content.items():
            binary = not media_type.startswith(("text/", "application/json", "application/problem+json"))
            media.setdefault("schema", {"type": "string", **({"format": "binary"} if binary else {})})
    if auth == "required":
        op["security"] = [{BEARER: []}]
    elif auth == "optional":
        op["security"] = [{}, {BEARER: []}]
    else:
        op.pop("security", None)


def build(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(title=app.title, version=microfab_version(), description=app.description,
                      routes=getattr(app.state, "declared_routes", app.routes), servers=SERVERS)
    modes = _auth_modes(app)
    for path, item in doc.get("paths", {}).items():
        for op in item.values():
            _complete_operation(op, path, modes.get(op.get("operationId", "")))
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}"))
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    _examples(schemas)
    _binary(doc)
    return doc


def _header_middleware(app: Any) -> Any:
    version = microfab_version().encode()

    async def with_version(scope, receive, send) -> None:  # noqa: ANN001
        async def send_version(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"api-version", version)]
            await send(message)

        await app(scope, receive, send_version if scope["type"] == "http" else send)

    return with_version


def install(app: FastAPI) -> None:
    """The completed document at /openapi.json, and ``API-Version`` on every answer."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(_header_middleware)
