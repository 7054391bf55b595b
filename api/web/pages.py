"""The page routes: ``/`` and ``/q/{id}`` (buyer), ``/shop/...`` (workshop owner).

These render HTML shells only; the data comes from ``/v1`` in the browser. The
owner pages check the session's key here (who may see which workshop) so that a
buyer or another shop gets a plain "not yours" page, never the form.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import Principal, Role, authenticate
from api.errors import UnauthorizedError
from api.web.render import IMPORT_MAP, Markup, json_island, render
from api.web.session import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    cookie_args,
    csrf_ok,
    csrf_token,
)
from quoting.options import finish_keys, tolerance_keys

router = APIRouter(include_in_schema=False)


def _module(name: str) -> str:
    return f'<script type="module" src="/static/web/{name}"></script>'


def _nav(who: Principal | None) -> Markup:
    links = ['<a href="/">Get a quote</a>']
    if who is not None and who.workshop_id:
        links.append(f'<a href="/shop/{who.workshop_id}">Rate card</a>')
        links.append(f'<a href="/shop/{who.workshop_id}/calibration">Calibration</a>')
    links.append('<a href="/shop/login">Workshop sign-in</a>' if who is None else
                 '<a href="/shop/logout">Sign out</a>')
    return Markup(" ".join(links))


def _session(request: Request) -> tuple[Principal | None, str | None]:
    key = request.cookies.get(SESSION_COOKIE)
    if not key:
        return None, None
    try:
        return authenticate(request.app.state.service.sessions, key), key
    except UnauthorizedError:
        return None, None


def _buyer(request: Request, quote_id: str | None) -> HTMLResponse:
    who, _ = _session(request)
    boot = {"quote_id": quote_id, "finishes": list(finish_keys()), "tolerances": list(tolerance_keys())}
    return render("buyer.html", "microfab: instant quote" if quote_id is None else f"microfab quote {quote_id}",
                  nav=_nav(who), boot=json_island(boot), scripts=Markup(IMPORT_MAP + _module("buyer.js")))


@router.get("/", response_class=HTMLResponse)
def buyer_page(request: Request) -> HTMLResponse:
    return _buyer(request, None)


@router.get("/q/{quote_id}", response_class=HTMLResponse)
def quote_page(request: Request, quote_id: str) -> HTMLResponse:
    return _buyer(request, quote_id)


@router.get("/shop/login", response_class=HTMLResponse)
def login_page(request: Request, error: str = "") -> HTMLResponse:
    nonce = secrets.token_urlsafe(24)
    page = render("login.html", "microfab: workshop sign-in", nav=_nav(None), csrf=csrf_token(nonce),
                  error=error)
    page.set_cookie(LOGIN_COOKIE, nonce, max_age=600, **cookie_args(request.url.scheme == "https"))
    return page


@router.post("/shop/login")
def login(request: Request, api_key: Annotated[str, Form(max_length=200)],
          csrf: Annotated[str, Form(max_length=100)]) -> Response:
    if not csrf_ok(request.cookies.get(LOGIN_COOKIE), csrf):
        return login_page(request, "The form expired: please sign in again.")
    try:
        who = authenticate(request.app.state.service.sessions, api_key.strip())
    except UnauthorizedError:
        return login_page(request, "That key is unknown or revoked: ask your microfab admin for a new one.")
    if who.role is not Role.OWNER or not who.workshop_id:
        return login_page(request, "That is not a workshop owner's key: buyers need no sign-in to quote.")
    out = RedirectResponse(f"/shop/{who.workshop_id}", status_code=303)
    out.set_cookie(SESSION_COOKIE, api_key.strip(), max_age=SESSION_MAX_AGE_S,
                   **cookie_args(request.url.scheme == "https"))
    out.delete_cookie(LOGIN_COOKIE, path="/")
    return out


@router.get("/shop/logout")
def logout() -> Response:
    out = RedirectResponse("/", status_code=303)
    out.delete_cookie(SESSION_COOKIE, path="/")
    return out


def _owner_page(request: Request, workshop_id: str, template: str, title: str, script: str) -> Response:
    who, key = _session(request)
    if who is None or key is None:
        return RedirectResponse("/shop/login", status_code=303)
    if not who.can_manage(workshop_id):
        return render("error.html", "microfab: not your workshop", status=403, nav=_nav(who),
                      message=f"This key manages workshop {who.workshop_id or '-'}, not {workshop_id}.")
    boot: dict[str, Any] = {"workshop_id": workshop_id, "csrf": csrf_token(key)}
    return render(template, title, nav=_nav(who), workshop_id=workshop_id, boot=json_island(boot),
                  scripts=Markup(_module(script)))


@router.get("/shop/{workshop_id}", response_class=HTMLResponse)
def ratecard_page(request: Request, workshop_id: str) -> Response:
    return _owner_page(request, workshop_id, "ratecard.html", "microfab: rate card", "ratecard.js")


@router.get("/shop/{workshop_id}/calibration", response_class=HTMLResponse)
def calibration_page(request: Request, workshop_id: str) -> Response:
    return _owner_page(request, workshop_id, "calibration.html", "microfab: calibration", "calibration.js")


__all__ = ["router"]
