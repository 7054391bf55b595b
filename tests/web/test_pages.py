"""The page routes without a browser: shells, security headers, sign-in and CSRF, assets and their weight."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.web import STATIC_DIR
from api.web.session import SESSION_COOKIE, csrf_token
from tests.api.conftest import make_key, settings_for

MAX_JS_BYTES = 1_000_000


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("web")
    with TestClient(create_app(settings_for(f"sqlite:///{tmp}/web.db", tmp, allow_anonymous=True))) as c:
        yield c


def _key(client: TestClient, role: str, workshop: str | None = None) -> str:
    return make_key(client, role, workshop)["Authorization"].removeprefix("Bearer ")


def test_buyer_page_is_a_shell_with_a_strict_policy(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    policy = r.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "http" not in policy
    assert 'id="boot"' in r.text and "/static/web/buyer.js" in r.text
    assert "cdn" not in r.text.lower() and "https://" not in r.text
    assert client.get("/q/0123abcd").status_code == 200


def test_every_control_has_a_label() -> None:
    for template in (Path(STATIC_DIR).parent / "templates" / "web").glob("*.html"):
        text = template.read_text()
        labels = set(re.findall(r'<label for="([^"]+)"', text))
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", text):
            if 'type="hidden"' in tag or "aria-label=" in tag:
                continue
            found = re.search(r'id="([^"]+)"', tag)
            assert found and found.group(1) in labels, f"{template.name}: {tag} has no label"


def _login_token(client: TestClient) -> str:
    """The sign-in form's CSRF token (a new nonce cookie with each form)."""
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/shop/login").text)
    assert found
    return found.group(1)


def test_owner_pages_need_the_owners_key(client: TestClient) -> None:
    r = client.get("/shop/lyon-usinage", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/shop/login"
    lyon = _key(client, "owner", "lyon-usinage")
    assert "expired" in client.post("/shop/login", data={"api_key": lyon, "csrf": _login_token(client)[:-2]}).text
    assert "not a workshop owner" in client.post("/shop/login", data={"api_key": _key(client, "buyer"),
                                                                      "csrf": _login_token(client)}).text
    assert "unknown or revoked" in client.post("/shop/login", data={"api_key": "mfk_nope",
                                                                    "csrf": _login_token(client)}).text
    r = client.post("/shop/login", data={"api_key": lyon, "csrf": _login_token(client)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/shop/lyon-usinage"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert client.get("/shop/lyon-usinage").status_code == 200
    assert client.get("/shop/lille-microfab").status_code == 403
    client.cookies.clear()


def test_the_session_key_reaches_v1_only_with_the_csrf_token(client: TestClient) -> None:
    key = _key(client, "owner", "lyon-usinage")
    client.cookies.set(SESSION_COOKIE, key)
    try:
        assert client.get("/v1/workshops/lyon-usinage/rate-card").status_code == 200
        assert client.get("/v1/workshops/lille-microfab/rate-card").status_code == 403
        card = client.get("/v1/workshops/lyon-usinage/rate-card").json()["ratecard"]
        assert client.put("/v1/workshops/lyon-usinage/rate-card", json=card).status_code == 401
        r = client.put("/v1/workshops/lyon-usinage/rate-card", json=card, headers={"X-CSRF-Token": csrf_token(key)})
        assert r.status_code == 200
    finally:
        client.cookies.clear()


def test_assets_are_vendored_with_their_licence_and_light_enough(client: TestClient) -> None:
    three = Path(STATIC_DIR) / "vendor" / "three"
    assert "MIT License" in (three / "LICENSE").read_text()
    assert "three@0.170.0" in (three / "VERSION").read_text()
    assert client.get("/static/vendor/three/three.module.min.js").status_code == 200
    own = sum(p.stat().st_size for p in (Path(STATIC_DIR) / "web").glob("*.js"))
    vendored = sum(p.stat().st_size for p in three.rglob("*.js"))
    assert own + vendored < MAX_JS_BYTES, f"{own} + {vendored} bytes of JavaScript"


def test_templates_escape_what_they_are_given(client: TestClient) -> None:
    """Jinja2 with autoescape: text from a request is escaped; a name a template lacks is an error."""
    import jinja2

    from api.web.render import Markup, render

    r = client.get("/shop/login", params={"error": '<script>alert("x")</script>'})
    assert r.status_code == 200 and "<script>alert" not in r.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in r.text
    page = render("error.html", "a <title>", message="<b>bold</b>", nav=Markup('<a href="/">home</a>'))
    text = bytes(page.body).decode()
    assert "<title>a &lt;title&gt;</title>" in text and "&lt;b&gt;bold&lt;/b&gt;" in text
    assert '<a href="/">home</a>' in text
    with pytest.raises(jinja2.UndefinedError):
        render("error.html", "no message")
