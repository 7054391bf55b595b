"""The web pages: a buyer's quote page and a workshop owner's rate-card and calibration pages.

The pages are HTML shells rendered on the server (``api/templates/web``) whose
JavaScript (``api/static/web``) calls the public ``/v1`` API; nothing here
quotes a part. Owners sign in with their workshop's API key, which is kept in an
HttpOnly, SameSite=Strict cookie; ``session.KeyFromCookie`` hands it to ``/v1``
as a Bearer token for same-origin calls that carry the session's CSRF token.
Third-party assets (three.js) are vendored under ``api/static/vendor`` by
``api/web/vendor.sh`` at a pinned npm version: no CDN.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web.pages import router
from api.web.session import KeyFromCookie

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def install(app: FastAPI) -> None:
    """Add the pages, their static files and the cookie-to-Bearer middleware to ``app``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(KeyFromCookie)


__all__ = ["STATIC_DIR", "install"]
