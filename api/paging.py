"""Cursor pagination of lists and ETag revalidation of documents.

A list answers a JSON array (as before) of at most ``limit`` items; when more follow, the ``Next-Cursor``
header carries an opaque cursor and ``Link: <...>; rel="next"`` the URL of the next page. A cursor is the
sort key of the page's last item, so pages stay stable while items are added.

A document (quote, part, catalog, rate card) answers with a strong ``ETag`` (sha256 of its JSON); a request
whose ``If-None-Match`` names it gets ``304 Not Modified`` with no body.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy import and_, or_, select

from api.encoding import FastJSONResponse
from quoting.errors import InvalidRequestError

T = TypeVar("T")
DEFAULT_LIMIT = 100
MAX_LIMIT = 200
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="the most items in one page")]
Cursor = Annotated[str | None, Query(max_length=400, pattern=r"^[A-Za-z0-9_-]*$",
                                     description="the Next-Cursor of the previous page")]
PAGE_HEADERS = {
    "Next-Cursor": {"description": "the cursor of the next page; absent on the last page",
                    "schema": {"type": "string"}},
    "Link": {"description": "`<url>; rel=\"next\"` of the next page; absent on the last page",
             "schema": {"type": "string"}},
}
ETAG_HEADERS = {"ETag": {"description": "the document's version: send it in If-None-Match to revalidate",
                         "schema": {"type": "string"}}}
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": "Not modified: the If-None-Match ETag is current", "headers": ETAG_HEADERS}}


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    """The sort key a cursor carries, or None for the first page; a cursor not made here is a 422."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        key = None
    if not isinstance(key, list) or not key or not all(isinstance(k, str | int) for k in key):
        raise InvalidRequestError("the cursor is not one this server gave: start again without it", field="cursor")
    return key


def by_created(model: Any, cursor: str | None, limit: int, *, newest_first: bool = True, ident: Any = None) -> Any:
    """A keyset query on (created_at, id), newest (or oldest) first, after the cursor's row; one row more than
    ``limit`` (``page`` uses it to know there is a next page). Pair it with ``created_key``."""
    ident = model.id if ident is None else ident
    order = (model.created_at.desc(), ident.desc()) if newest_first else (model.created_at, ident)
    query = select(model).order_by(*order).limit(limit + 1)
    start = decode_cursor(cursor)
    if start is None:
        return query
    try:
        at, last = dt.datetime.fromisoformat(str(start[0])), str(start[1])
    except (ValueError, IndexError):
        raise InvalidRequestError("the cursor is not one this server gave: start again without it",
                                  field="cursor") from None
    if newest_first:
        return query.where(or_(model.created_at < at, and_(model.created_at == at, ident < last)))
    return query.where(or_(model.created_at > at, and_(model.created_at == at, ident > last)))


def created_key(row: Any) -> list[str]:
    """The cursor key of a row listed by ``by_created``."""
    return [row.created_at.isoformat(), row.id]


def page(request: Request, items: list[T], limit: int, key: Callable[[T], Sequence[Any]],
         view: Callable[[T], Any]) -> Response:
    """The first ``limit`` of ``items`` (fetched as ``limit + 1`` to know whether more follow)."""
    headers: dict[str, str] = {}
    if len(items) > limit:
        items = items[:limit]
        cursor = encode_cursor(key(items[-1]))
        url = request.url.include_query_params(cursor=cursor, limit=limit)
        headers = {"Next-Cursor": cursor, "Link": f'<{url.path}?{url.query}>; rel="next"'}
    return cached(request, [view(i) for i in items], headers=headers)


def after(items: Sequence[T], cursor: str | None, key: Callable[[T], Sequence[Any]], limit: int) -> list[T]:
    """In-memory paging of a sorted sequence: the items after the cursor's key, ``limit + 1`` of them."""
    start = decode_cursor(cursor)
    rest = [i for i in items if start is None or list(key(i)) > start]
    return rest[:limit + 1]


def etag_of(body: Any) -> str:
    data = orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SORT_KEYS)
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def cached(request: Request, body: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``body`` with its ETag, or 304 when the request's If-None-Match names that ETag (or is ``*``)."""
    tag = etag_of(body)
    sent = request.headers.get("if-none-match", "")
    tags = {t.strip().removeprefix("W/") for t in sent.split(",")}
    if status_code == 200 and (tag in tags or "*" in tags):
        return Response(status_code=304, headers={"ETag": tag})
    return FastJSONResponse(body, status_code=status_code, headers={**(headers or {}), "ETag": tag})


def paged(extra: dict[int | str, dict[str, Any]] | None = None) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a list operation: 200 with the paging headers."""
    return {200: {"description": "one page; Next-Cursor and Link name the next",
                  "headers": {**PAGE_HEADERS, **ETAG_HEADERS}}, **NOT_MODIFIED, **(extra or {})}


def etagged(extra: dict[int | str, dict[str, Any]] | None = None) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a document operation: 200 with its ETag, 304 on a current If-None-Match."""
    return {200: {"description": "the document", "headers": ETAG_HEADERS}, **NOT_MODIFIED, **(extra or {})}


__all__ = ["Cursor", "Limit", "after", "cached", "decode_cursor", "encode_cursor", "etag_of", "etagged", "page",
           "paged"]
