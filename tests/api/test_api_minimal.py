"""The minimal API: health and a quote from a real file upload (TestClient, SQLite in tmp_path)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests import parts as cadparts


@pytest.fixture()
def client(tmp_path: Path):
    # a generous synchronous wait: in a fresh clone the first parse worker fills the Numba cache first
    settings = Settings(database_url=f"sqlite:///{tmp_path}/t.db", blob_dir=tmp_path / "blobs", allow_anonymous=True,
                        parse_workers=1, sync_wait_s=300, parse_timeout_s=120)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def plate() -> bytes:
    return cadparts.step_bytes(cadparts.plate_with_holes())


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_quote_upload(client: TestClient, plate: bytes) -> None:
    r = client.post("/v1/quotes", files={"file": ("plate.step", plate)},
                    data={"material": "al6061", "quantities": "1,10", "ship_to": "45.76,4.84"})
    assert r.status_code in (200, 201), r.text
    q = r.json()
    assert q["schema"] == "microfab.quote/1"
    assert q["part"]["filename"] == "plate.step"
    assert q["offers"] and all(len(o["lines"]) == 2 for o in q["offers"])


@pytest.mark.parametrize(
    ("files", "data", "status", "code"),
    [
        ({"file": ("e.stl", b"")}, {"material": "al6061"}, 422, "empty_file"),
        ({"file": ("x.bin", b"\x00garbage" * 20)}, {"material": "al6061"}, 415, "unsupported_format"),
        (None, {"material": "al6061"}, 422, "invalid_request"),
        ({"file": ("p.step", None)}, {"material": "nope"}, 422, "unknown_material"),
        ({"file": ("p.step", None)}, {"material": "al6061", "quantities": "x"}, 422, "invalid_request"),
    ],
)
def test_quote_errors_are_problem_json(client: TestClient, plate: bytes, files, data, status, code) -> None:
    if files and files["file"][1] is None:
        files = {"file": (files["file"][0], plate)}
    r = client.post("/v1/quotes", files=files, data=data)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == code and "Traceback" not in r.text
