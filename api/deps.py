"""FastAPI dependencies: the service and who is calling.

They are ``async`` so that FastAPI runs them on the event loop, not in its thread
pool: under concurrent quotes the thread hops cost more than the work (an API key
lookup is one indexed query, and keys are cached for ``CACHE_S``).
"""

from __future__ import annotations

from typing import Annotated

from cachetools import TTLCache
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import ANONYMOUS, Principal, Role, authenticate
from api.errors import ForbiddenError, UnauthorizedError
from api.service import Service

_bearer = HTTPBearer(auto_error=False, description="an API key: `Authorization: Bearer mfk_...`")
CACHE_S = 10.0
#: API key -> who it is, for ``CACHE_S`` seconds (at most 10,000 keys, least recently used out first)
_cache: TTLCache[str, Principal] = TTLCache(maxsize=10_000, ttl=CACHE_S)


async def get_service(request: Request) -> Service:
    return request.app.state.service


Svc = Annotated[Service, Depends(get_service)]


async def principal(svc: Svc, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    if creds is None:
        return ANONYMOUS
    key = creds.credentials
    who = _cache.get(key)
    if who is None:
        who = _cache[key] = authenticate(svc.sessions, key)
    return who


def forget_cached_keys() -> None:
    _cache.clear()


async def quoter(svc: Svc, who: Annotated[Principal, Depends(principal)]) -> Principal:
    """Anyone with a key; anonymous callers only when the server allows anonymous quoting."""
    if who.anonymous and not svc.settings.allow_anonymous:
        raise UnauthorizedError("this server needs an API key to quote: send `Authorization: Bearer mfk_...`")
    return who


async def keyed(who: Annotated[Principal, Depends(principal)]) -> Principal:
    if who.anonymous:
        raise UnauthorizedError("send an API key: `Authorization: Bearer mfk_...`")
    return who


async def admin(who: Annotated[Principal, Depends(keyed)]) -> Principal:
    if who.role is not Role.ADMIN:
        raise ForbiddenError("only an admin key may do this")
    return who


Quoter = Annotated[Principal, Depends(quoter)]
Keyed = Annotated[Principal, Depends(keyed)]
Admin = Annotated[Principal, Depends(admin)]
