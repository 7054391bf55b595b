"""API test fixtures: an app per module on SQLite (and on PostgreSQL when MICROFAB_TEST_POSTGRES_URL is set).

MICROFAB_TEST_POSTGRES_URL is a server URL such as
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``; each module gets a fresh database on it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests import parts as cadparts

POSTGRES = os.environ.get("MICROFAB_TEST_POSTGRES_URL", "")
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES else [])


def _pg_admin(sql: str) -> None:
    import psycopg

    url = POSTGRES.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="module", params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db')}/microfab.db"
        return
    name = f"microfab_test_{secrets.token_hex(4)}"
    _pg_admin(f"CREATE DATABASE {name}")
    base, _, _ = POSTGRES.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        from sqlalchemy import create_engine

        create_engine(f"{base}/{name}").dispose()
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def settings_for(database_url: str, tmp: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {"database_url": database_url, "blob_dir": tmp / "blobs", "model_dir": tmp / "models",
                            "parse_workers": 1, "sync_wait_s": 300,
                            "parse_timeout_s": 120, "allow_anonymous": False, "environment": "test",
                            # the rate limits have their own tests (test_security.py)
                            "rate_limit_ip_per_min": 0, "rate_limit_key_per_min": 0}
    return Settings(**(base | overrides))


@pytest.fixture(scope="module")
def app_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_for(database_url, tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="module")
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings)) as c:
        yield c


def make_key(client: TestClient, role: str, workshop: str | None = None) -> dict[str, str]:
    from api.auth import create_key

    new = create_key(client.app.state.service.sessions, role, workshop)
    return {"Authorization": f"Bearer {new.key}"}


@pytest.fixture(scope="module")
def keys(client: TestClient) -> dict[str, dict[str, str]]:
    return {
        "admin": make_key(client, "admin"),
        "buyer": make_key(client, "buyer"),
        "buyer2": make_key(client, "buyer"),
        "lyon": make_key(client, "owner", "lyon-usinage"),
        "lille": make_key(client, "owner", "lille-microfab"),
    }


@pytest.fixture(scope="session")
def plate_step() -> bytes:
    return cadparts.step_bytes(cadparts.plate_with_holes())


@pytest.fixture(scope="session")
def block_step() -> bytes:
    return cadparts.step_bytes(cadparts.pocketed_block())


def wait_job(client: TestClient, url: str, headers: dict[str, str], timeout_s: float = 300) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        job = client.get(url, headers=headers).json()
        if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def assert_problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    body = r.json()
    assert body["code"] == code, body
    assert body["status"] == status and body["detail"] and "Traceback" not in r.text
    return body
