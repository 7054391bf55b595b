"""HTML rendering of the page shells: Jinja2 templates under ``api/templates/web``.

Autoescape is on for every template: a value is HTML-escaped unless it is a ``Markup``
(already safe HTML made here); a name a template uses and the page does not give is an
error (``StrictUndefined``). Data for the page's JavaScript goes into one JSON island.
Each page extends ``base.html`` and fills its ``body`` block.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

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


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, auto_reload=False)


def json_island(data: Any) -> Markup:
    """``data`` as a JSON ``<script>`` block the page's JavaScript reads (``<`` escaped)."""
    text = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(f'<script type="application/json" id="boot">{text}</script>')


def render(name: str, title: str, status: int = 200, **values: Any) -> HTMLResponse:
    """The page ``name`` (which extends ``base.html``); ``nav`` and ``scripts`` default to nothing."""
    page = _environment().get_template(name).render(
        {"nav": Markup(""), "scripts": Markup(""), **values, "title": title})
    return HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)


__all__ = ["IMPORT_MAP", "SECURITY_HEADERS", "THREE", "TEMPLATE_DIR", "Markup", "json_island", "render"]
