"""Owner sessions: the API key in an HttpOnly, SameSite=Strict cookie, and CSRF tokens derived from it.

The CSRF token is an HMAC of the key under a per-process secret, so a page can
send it (a hidden form field or the ``X-CSRF-Token`` header) without the key
itself ever reaching JavaScript. Several server processes share the secret
through ``MICROFAB_WEB_SECRET`` when set.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import Any

SESSION_COOKIE = "mf_session"
LOGIN_COOKIE = "mf_login"
CSRF_HEADER = "x-csrf-token"
SESSION_MAX_AGE_S = 8 * 3600
_SECRET = (os.environ.get("MICROFAB_WEB_SECRET") or secrets.token_hex(32)).encode()
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(value: str) -> str:
    """The CSRF token that goes with a session key (or a login nonce)."""
    return hmac.new(_SECRET, value.encode(), hashlib.sha256).hexdigest()


def csrf_ok(value: str | None, token: str | None) -> bool:
    return bool(value) and bool(token) and hmac.compare_digest(csrf_token(value or ""), token or "")


def cookie_args(secure: bool) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "secure": secure, "path": "/"}


def _cookie(headers: list[tuple[bytes, bytes]], name: str) -> str | None:
    for key, value in headers:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None


class KeyFromCookie:
    """ASGI middleware: a ``/v1`` call with the session cookie and no Authorization header gets the key.

    Reads (GET, HEAD) need only the cookie (SameSite=Strict keeps it off cross-site
    requests); every other method needs the session's CSRF token in ``X-CSRF-Token``,
    else the call goes on without the key (and is answered as anonymous).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith("/v1/"):
            headers = list(scope.get("headers", ()))
            key = _cookie(headers, SESSION_COOKIE)
            if key and not any(k == b"authorization" for k, _ in headers) and self._allowed(scope, headers, key):
                scope = dict(scope, headers=headers + [(b"authorization", f"Bearer {key}".encode("latin-1"))])
        await self.app(scope, receive, send)

    @staticmethod
    def _allowed(scope: Any, headers: list[tuple[bytes, bytes]], key: str) -> bool:
        if scope.get("method", "GET") in _SAFE_METHODS:
            return True
        token = next((v.decode("latin-1") for k, v in headers if k == CSRF_HEADER.encode()), None)
        return csrf_ok(key, token)


__all__ = ["CSRF_HEADER", "KeyFromCookie", "LOGIN_COOKIE", "SESSION_COOKIE", "SESSION_MAX_AGE_S", "cookie_args",
           "csrf_ok", "csrf_token"]
