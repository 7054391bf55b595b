"""FastAPI dependencies: the service and who is calling.

They are ``async`` so that FastAPI runs them on the event loop, not in its thread
pool: under concurrent quotes the thread hops cost more than the work (an API key
lookup is one indexed query). Keys are not cached: a key revoked by any process
(``microfab keys revoke``) is refused by every process at its next request.
Each caller is counted against the rate limits (``api.ratelimit``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import ANONYMOUS, Principal, Role, authenticate
from api.errors import ForbiddenError, UnauthorizedError
from api.service import Service

_bearer = HTTPBearer(auto_error=False, description="an API key: `Authorization: Bearer mfk_...`")


async def get_service(request: Request) -> Service:
    return request.app.state.service


Svc = Annotated[Service, Depends(get_service)]


async def principal(request: Request,
                    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    """Who calls; an anonymous caller or a bad key counts against its address's limit, a good key its own.

    The service is read from the app here, not through ``Svc``: every request of every route solves this
    dependency, and each sub-dependency costs FastAPI a resolution (cached or not) per request."""
    svc: Service = request.app.state.service
    address = request.client.host if request.client else "unknown"
    if creds is None:
        svc.ip_limits.hit(address)
        return ANONYMOUS
    try:
        who = authenticate(svc.sessions, creds.credentials)
    except UnauthorizedError:
        svc.ip_limits.hit(address)
        raise
    svc.key_limits.hit(who.owner)
    return who


async def quoter(request: Request, who: Annotated[Principal, Depends(principal)]) -> Principal:
    """Anyone with a key; anonymous callers only when the server allows anonymous quoting."""
    if who.anonymous and not request.app.state.service.settings.allow_anonymous:
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
