"""Issue 16, hardening: one test per item, each written to fail on the code before the fix.

Small STL meshes (trimesh boxes) keep the parses fast; apps that need unusual settings
(rate limits, a bounded parse queue) get their own.
"""

from __future__ import annotations

import asyncio
import io
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trimesh
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.settings import Settings
from tests.api.conftest import assert_problem, make_key, settings_for


def _box_stl(x: float = 20.0, y: float = 10.0, z: float = 5.0) -> bytes:
    data: bytes = trimesh.creation.box(extents=(x, y, z)).export(file_type="stl")
    return data


BOX = _box_stl()


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    db = tmp_path_factory.mktemp("db")
    return settings_for(f"sqlite:///{db}/microfab.db", tmp_path_factory.mktemp("api"), parse_workers=0)


def _client(tmp: Path, **overrides: Any) -> TestClient:
    return TestClient(create_app(settings_for(f"sqlite:///{tmp}/microfab.db", tmp, **overrides)))


# ---- 1. calibration reads only the files of its own upload ------------------------------------------------

def _row(file: str) -> Any:
    from quoting.calibration_history import HistoryRow

    return HistoryRow(line=2, file=file, process="cnc_milling", material="al6061", quantity=1, price_eur=100.0)


def test_calibration_row_outside_the_archive_is_refused_alike(tmp_path: Path) -> None:
    """Absolute, '..' and missing paths: one message, whether or not the path exists; no server path in it."""
    from geometry.errors import MicrofabError
    from quoting.calibration_samples import row_features

    folder = tmp_path / "files"
    folder.mkdir()
    secret = tmp_path / "secret.stl"
    secret.write_bytes(BOX)
    messages = []
    for name in (str(secret), "../secret.stl", "/etc/passwd", "/no/such/file.stl", "missing.stl"):
        with pytest.raises(MicrofabError) as err:
            row_features(_row(name), folder)
        messages.append(err.value.message.replace(name, "<row file>"))
        assert "not in the uploaded archive" in err.value.message
        assert str(tmp_path) not in err.value.message.replace(name, "<row file>")
    assert len(set(messages)) == 1, messages


def test_calibration_zip_name_clash_and_long_name_are_clear_errors(tmp_path: Path) -> None:
    from api.calibrations import extract_zip
    from quoting.errors import InvalidRequestError

    clash = io.BytesIO()
    with zipfile.ZipFile(clash, "w") as z:
        z.writestr("a.stl", BOX)
        z.writestr("a.stl/b.stl", BOX)
    long = io.BytesIO()
    with zipfile.ZipFile(long, "w") as z:
        z.writestr("x" * 300 + ".stl", BOX)
    for i, data in enumerate((clash.getvalue(), long.getvalue())):
        dest = tmp_path / str(i)
        dest.mkdir()
        with pytest.raises(InvalidRequestError) as err:
            extract_zip(data, dest, 10**9)
        assert str(tmp_path) not in err.value.message


# ---- 2. bounded memory: uploads spooled to disk, a bounded parse queue, rate limits ------------------------

def test_upload_is_spooled_to_disk_not_held_in_memory(tmp_path: Path) -> None:
    from fastapi import UploadFile

    from api.uploads import spool_upload

    big = tmp_path / "big.bin"
    big.write_bytes(b"\1" * (24 * 1024 * 1024))
    with big.open("rb") as fh:
        upload = UploadFile(fh, filename="big.stl")
        tracemalloc.start()
        spooled = asyncio.run(spool_upload(upload, 100 * 1024 * 1024, tmp_path))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert spooled.size_bytes == 24 * 1024 * 1024 and spooled.path.stat().st_size == spooled.size_bytes
    assert peak < 8 * 1024 * 1024, f"{peak / 1e6:.0f} MB held while spooling a 24 MB upload"


def test_parse_queue_is_bounded(tmp_path: Path) -> None:
    hang = b"MICROFAB-TEST-HANG" + b"\0" * 100
    with _client(tmp_path, parse_workers=1, parser_test_hooks=True, parse_timeout_s=6, parse_queue_max=0,
                 allow_anonymous=True) as c:
        first: dict[str, Any] = {}
        t = threading.Thread(target=lambda: first.update(r=c.post("/v1/parts", files={"file": ("h.stl", hang)})))
        t.start()
        time.sleep(1.5)
        r = c.post("/v1/parts", files={"file": ("b.stl", BOX)})
        t.join()
    assert_problem(r, 503, "parse_queue_full")
    assert int(r.headers["retry-after"]) >= 1


def test_bad_keys_are_rate_limited_per_ip(tmp_path: Path) -> None:
    with _client(tmp_path, rate_limit_ip_per_min=20) as c:
        codes = [c.get("/v1/webhooks", headers={"Authorization": "Bearer mfk_bad_key"}).status_code
                 for _ in range(40)]
        r = c.get("/v1/webhooks", headers={"Authorization": "Bearer mfk_bad_key"})
    assert 429 in codes
    assert_problem(r, 429, "rate_limited")
    assert int(r.headers["retry-after"]) >= 1


def test_keys_are_rate_limited_per_key(tmp_path: Path) -> None:
    with _client(tmp_path, rate_limit_key_per_min=10) as c:
        key = make_key(c, "buyer")
        codes = [c.get("/v1/webhooks", headers=key).status_code for _ in range(15)]
    assert codes[:10] == [200] * 10 and 429 in codes[10:]


# ---- 3. tenant-private parts -------------------------------------------------------------------------------

def test_parts_are_private_to_their_tenant(app_settings: Settings) -> None:
    import hashlib

    with TestClient(create_app(app_settings)) as c:
        a, b = make_key(c, "buyer"), make_key(c, "buyer")
        first = c.post("/v1/parts", files={"file": ("alpha-secret.stl", BOX)}, headers=a)
        assert first.status_code == 201, first.text
        pid = first.json()["id"]
        assert pid != hashlib.sha256(BOX).hexdigest()
        assert c.get(f"/v1/parts/{pid}", headers=b).status_code == 404
        assert c.get(f"/v1/parts/{pid}/mesh", headers=b).status_code == 404
        assert c.post(f"/v1/parts/{pid}/quotes", json={"material": "al6061"}, headers=b).status_code == 404
        theirs = c.post("/v1/parts", files={"file": ("beta.stl", BOX)}, headers=b)
        assert theirs.status_code == 201, theirs.text  # nothing tells b that a uploaded it
        assert theirs.json()["id"] != pid and theirs.json()["filename"] == "beta.stl"
        assert "alpha-secret" not in theirs.text
        again = c.post("/v1/parts", files={"file": ("alpha-secret.stl", BOX)}, headers=a)
        assert again.status_code == 200 and again.json()["id"] == pid
        q = c.post(f"/v1/parts/{theirs.json()['id']}/quotes", json={"material": "al6061"}, headers=b)
        assert q.status_code == 201, q.text
        assert "alpha-secret" not in q.text


# ---- 4. webhooks: pinned resolution, every IPv6 form of a private IPv4 refused ------------------------------

@pytest.mark.parametrize("host", [
    "[2002:7f00:1::]",                      # 6to4 of 127.0.0.1
    "[2002:a00:1::]",                       # 6to4 of 10.0.0.1
    "[64:ff9b::7f00:1]",                    # NAT64 well-known prefix, 127.0.0.1
    "[64:ff9b:1::a00:1]",                   # NAT64 local-use prefix, 10.0.0.1
    "[2001:0:4136:e378:8000:63bf:80ff:fffe]",  # Teredo, client 127.0.0.1
    "[::ffff:127.0.0.1]",                   # IPv4-mapped
    "[::127.0.0.1]",                        # IPv4-compatible
])
def test_webhook_refuses_ipv6_forms_of_private_ipv4(host: str) -> None:
    from api.webhooks import WebhookUrlError, check_url

    with pytest.raises(WebhookUrlError):
        check_url(f"http://{host}/hook")


def test_webhook_connects_to_the_address_it_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the name resolves to a public address when checked, to 127.0.0.1 afterwards."""
    from api import webhooks
    from api.metrics import Metrics

    answers = iter([["93.184.215.14"]] + [["127.0.0.1"]] * 20)
    monkeypatch.setattr(webhooks, "_resolve", lambda host, port: next(answers))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    class _Sessions:
        def begin(self) -> Any:
            return self

        def __call__(self) -> Any:
            return self

        def __enter__(self) -> Any:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def get(self, *args: object) -> None:
            return None

    hooks = webhooks.Dispatcher(_Sessions(), Metrics(), 1, 0.01, 2.0,  # type: ignore[arg-type]
                                transport=httpx.MockTransport(handler))
    asyncio.run(hooks.attempt("h", "http://hooks.example.com:8080/x", "s", "d", b"{}"))
    assert len(seen) == 1
    assert seen[0].url.host == "93.184.215.14" and seen[0].url.port == 8080
    assert seen[0].headers["host"] == "hooks.example.com:8080"


# ---- 5. pricing off the event loop -------------------------------------------------------------------------

def test_healthz_answers_while_a_quote_is_priced(app_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import api.service

    real = api.service.quote_components

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.5)
        return real(*args, **kwargs)

    with TestClient(create_app(app_settings)) as c:
        key = make_key(c, "buyer")
        pid = c.post("/v1/parts", files={"file": ("p.stl", BOX)}, headers=key).json()["id"]
        monkeypatch.setattr(api.service, "quote_components", slow)
        t = threading.Thread(target=lambda: c.post(f"/v1/parts/{pid}/quotes", json={"material": "al6061"},
                                                   headers=key))
        t.start()
        time.sleep(0.3)
        start = time.perf_counter()
        assert c.get("/healthz").status_code == 200
        waited_s = time.perf_counter() - start
        t.join()
    assert waited_s < 0.5, f"/healthz waited {waited_s:.2f} s behind a quote"


# ---- 6. money that adds up ---------------------------------------------------------------------------------

def _features() -> Any:
    from geometry import measure

    return measure(BOX, filename="box.stl").features


_FEATURES = None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quantities=st.lists(st.integers(1, 5000), min_size=1, max_size=3, unique=True),
       margin=st.floats(0.0, 1.5), min_order=st.floats(0.0, 500.0), tier=st.sampled_from(["economy", "standard",
                                                                                            "expedite"]))
def test_money_is_exact(quantities: list[int], margin: float, min_order: float, tier: str) -> None:
    from quoting.engine import quote
    from quoting.ratecard import RateCard
    from quoting.request import QuoteRequest
    from quoting.workshops import demo_workshops

    global _FEATURES
    _FEATURES = _FEATURES or _features()
    cards = []
    for card in demo_workshops():
        doc = card.to_dict()
        doc["commercial"] = doc["commercial"] | {"margin_fraction": margin, "min_order_eur": min_order}
        cards.append(RateCard.from_dict(doc))
    q = quote(_FEATURES, QuoteRequest.parse(material="al6061", quantities=quantities, tier=tier), cards)
    doc = q.to_dict()
    assert doc["offers"] and doc["currency"] == "EUR"
    for offer in doc["offers"]:
        assert offer["currency"] == "EUR"
        for line in offer["lines"]:
            assert isinstance(line["unit_price_cents"], int) and isinstance(line["total_cents"], int)
            assert line["total_cents"] == line["unit_price_cents"] * line["quantity"]
            assert sum(b["amount_cents"] for b in line["breakdown"]) == line["total_cents"]
            assert line["total_eur"] == line["total_cents"] / 100
            assert line["unit_price_eur"] == line["unit_price_cents"] / 100
            assert line["interval"]["low_cents"] <= line["total_cents"] <= line["interval"]["high_cents"]
    for choice in doc["process_choice"]:
        assert isinstance(choice["total_cents"], int)


# ---- 7. headers, revocation, names, dates, SQLite durability -----------------------------------------------

def test_security_headers(app_settings: Settings) -> None:
    with TestClient(create_app(app_settings)) as c:
        key = make_key(c, "buyer")
        r = c.get("/v1/webhooks", headers=key)
        docs = c.get("/docs")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "no-store" in r.headers["cache-control"]
    assert "default-src" in docs.headers["content-security-policy"]


def test_revocation_is_effective_at_once(app_settings: Settings) -> None:
    from api.auth import create_key, revoke_key

    with TestClient(create_app(app_settings)) as c:
        new = create_key(c.app.state.service.sessions, "buyer")
        headers = {"Authorization": f"Bearer {new.key}"}
        assert c.get("/v1/webhooks", headers=headers).status_code == 200
        revoke_key(c.app.state.service.sessions, new.id)  # as `microfab keys revoke` does, from another process
        assert_problem(c.get("/v1/webhooks", headers=headers), 401, "unauthorized")


def test_filenames_lose_control_and_bidi_characters(app_settings: Settings) -> None:
    with TestClient(create_app(app_settings)) as c:
        key = make_key(c, "buyer")
        name = "invoice\u202egnp.stl" + "\u2066x" * 300
        r = c.post("/v1/parts", files={"file": (name, _box_stl(21.0))}, headers=key)
    assert r.status_code == 201, r.text
    filename = r.json()["filename"]
    assert "\u202e" not in filename and "\u2066" not in filename and len(filename) <= 255


def test_workshop_name_with_script_and_100_kb_is_refused(app_settings: Settings) -> None:
    from quoting.workshops import demo_workshops

    with TestClient(create_app(app_settings)) as c:
        admin = make_key(c, "admin")
        doc = demo_workshops()[0].to_dict() | {"id": "evil-shop", "name": "<script>alert(1)</script>" + "x" * 100_000}
        r = c.post("/v1/workshops", json={"ratecard": doc}, headers=admin)
        listed = c.get("/v1/workshops").text
    assert r.status_code == 422, r.status_code
    assert "<script>" not in listed


def test_need_by_in_1900_is_refused(app_settings: Settings) -> None:
    with TestClient(create_app(app_settings)) as c:
        key = make_key(c, "buyer")
        pid = c.post("/v1/parts", files={"file": ("p.stl", BOX)}, headers=key).json()["id"]
        r = c.post(f"/v1/parts/{pid}/quotes", json={"material": "al6061", "need_by": "1900-01-01"}, headers=key)
    assert_problem(r, 422, "invalid_request")


def test_sqlite_runs_with_synchronous_full(app_settings: Settings) -> None:
    from sqlalchemy import text

    from api.db import make_engine

    engine = make_engine(app_settings.database_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    engine.dispose()


@pytest.fixture(autouse=True)
def _no_stray_threads() -> Iterator[None]:
    yield


@settings(max_examples=200, deadline=None)
@given(amounts=st.lists(st.floats(-50.0, 5000.0, allow_nan=False), min_size=1, max_size=9),
       quantity=st.integers(1, 100_000))
def test_line_cents_add_up_for_any_amounts(amounts: list[float], quantity: int) -> None:
    from quoting.money import absorb_rounding, line_cents, to_cents

    names = [f"item{i}" for i in range(len(amounts) - 1)] + ["margin"]
    cents = line_cents(amounts, quantity)
    items = absorb_rounding(names, cents.item_cents, cents.rounding_cents)
    assert cents.total_cents == cents.unit_cents * quantity == sum(items)
    assert cents.unit_cents == to_cents(sum(amounts) / quantity)
    if cents.total_cents >= 0:  # rounding never turns an item negative that was not
        assert all(c >= 0 for c, a in zip(items, cents.item_cents, strict=True) if a >= 0)


def test_migration_0003_gives_old_parts_to_their_quoters(tmp_path: Path) -> None:
    """A database of 0002 (parts keyed by file hash): each part goes to the keys that quoted it."""
    import datetime as dt

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from api.db import MIGRATIONS, make_engine

    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        conn.execute(text("INSERT INTO parts (sha256, filename, format, units, size_bytes, features, created_at) "
                          "VALUES ('p1', 'a.stl', 'stl', 'mm', 10, :f, :at)"),
                     {"f": '{"source": {"sha256": "f1"}}', "at": now})
        for qid, key in (("q1", "k1"), ("q2", None)):
            conn.execute(text("INSERT INTO quotes (id, part_sha256, quote, offers, ratecard_versions, valid_until, "
                              "key_id, created_at) VALUES (:id, 'p1', '{}', 0, '{}', :at, :k, :at)"),
                         {"id": qid, "k": key, "at": now})
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        owners = dict(conn.execute(text("SELECT owner, id FROM tenant_parts")).fetchall())
        quotes = dict(conn.execute(text("SELECT id, part_id FROM quotes")).fetchall())
        files = {r[0] for r in conn.execute(text("SELECT file_sha256 FROM tenant_parts"))}
    engine.dispose()
    assert set(owners) == {"k1", "anonymous"} and files == {"f1"}
    assert quotes == {"q1": owners["k1"], "q2": owners["anonymous"]}
