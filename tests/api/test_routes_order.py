"""The parts and quotes routes are matched first (``api.app._match_first``: the re-quote's route is found
without trying the docs, ops and workshop routes), and that changes no request's route nor the OpenAPI
document's order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.routing import Match

from api.app import create_app
from api.routes import parts
from api.settings import Settings


def _flat(routes: Any) -> Iterator[Any]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's included router
            yield from _flat(route.original_router.routes)
        else:
            yield route


def _scope(path: str, method: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": b""}


def _first_full(routes: list[Any], scope: dict[str, Any]) -> Any:
    return next((r for r in routes if r.matches(dict(scope))[0] is Match.FULL), None)


def _app(tmp_path: Path) -> FastAPI:
    return create_app(Settings(database_url=f"sqlite:///{tmp_path}/routes.db", blob_dir=tmp_path / "blobs"))


def test_the_parts_router_is_matched_first(tmp_path: Path) -> None:
    app = _app(tmp_path)
    assert getattr(app.router.routes[0], "original_router", None) is parts.router
    assert [id(r) for r in app.routes] != [id(r) for r in app.state.declared_routes]


def test_every_route_is_reached_as_in_the_declared_order(tmp_path: Path) -> None:
    app = _app(tmp_path)
    declared, matched = list(_flat(app.state.declared_routes)), list(_flat(app.routes))
    assert sorted(map(id, declared)) == sorted(map(id, matched))
    checked = 0
    for route in declared:
        path = re.sub(r"\{[^}]+\}", "x1", getattr(route, "path", ""))
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            scope = _scope(path, method)
            assert _first_full(matched, scope) is _first_full(declared, scope), (method, path)
            checked += 1
    assert checked > 40


def test_the_openapi_document_keeps_the_declared_order(tmp_path: Path) -> None:
    app = _app(tmp_path)
    paths = list(app.openapi()["paths"])
    assert paths.index("/healthz") < paths.index("/v1/parts/{part_id}/quotes")  # ops were declared first

