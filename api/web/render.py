"""HTML rendering of the page shells: ``string.Template`` files under ``api/templates/web``.

Every value is HTML-escaped unless it is passed through ``Markup`` (already safe
HTML made here); data for the page's JavaScript goes into one JSON island.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from fastapi.responses import HTMLResponse

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "web"
THREE = "/static/vendor/three"
_IMPORTS = json.dumps({"imports": {"three": f"{THREE}/three.module.min.js", "three/addons/": f"{THREE}/jsm/"}},
                      separators=(",", ":"))
#: maps the bare ``three`` import of three.js's add-ons to the vendored module (allowed by its CSP hash)
IMPORT_MAP = f'<script type="importmap">{_IMPORTS}</script>'
_IMPORTS_HASH = base64.b64encode(hashlib.sha256(_IMPORTS.encode()).digest()).decode()
#: no framing by other sites, no sniffing, scripts and styles from this origin only
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
                               f"script-src 'self' 'sha256-{_IMPORTS_HASH}'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class Markup(str):
    """A string that is already safe HTML."""


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATE_DIR / name).read_text(encoding="utf-8"))


def json_island(data: Any) -> Markup:
    """``data`` as a JSON ``<script>`` block the page's JavaScript reads (``<`` escaped)."""
    text = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(f'<script type="application/json" id="boot">{text}</script>')


def render(name: str, title: str, status: int = 200, **values: Any) -> HTMLResponse:
    """The page ``name`` inside ``base.html``."""
    safe = {k: v if isinstance(v, Markup) else html.escape(str(v)) for k, v in values.items()}
    body = _template(name).substitute(safe)
    nav = values.get("nav", Markup(""))
    page = _template("base.html").substitute(title=html.escape(title), body=body,
                                             nav=nav if isinstance(nav, Markup) else html.escape(str(nav)),
                                             scripts=safe.get("scripts", ""))
    return HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)


__all__ = ["IMPORT_MAP", "SECURITY_HEADERS", "THREE", "TEMPLATE_DIR", "Markup", "json_island", "render"]
