"""Pooled database connections on the quote path: no ping per check-out, yet a dropped connection costs no
request (``api.db``: ping after ``PING_IDLE_S`` idle, ``retry_dropped`` on the hot path); and the reads and the
insert of a re-quote are single statements without BEGIN / COMMIT round trips on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from api import db


def _requote(client: TestClient, part_id: str, headers: dict[str, str]) -> None:
    r = client.post(f"/v1/parts/{part_id}/quotes", json={"material": "al6061", "quantities": [1, 5]},
                    headers=headers)
    assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def stored_part(client: TestClient, keys: dict[str, dict[str, str]], plate_step: bytes) -> str:
    r = client.post("/v1/parts", files={"file": ("plate.step", plate_step)}, headers=keys["buyer"])
    assert r.status_code in (200, 201), r.text
    part_id: str = r.json()["id"]
    return part_id


def _postgres(client: TestClient) -> Any:
    engine = client.app.state.service.sessions.kw["bind"]  # type: ignore[attr-defined]
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's connections (MICROFAB_TEST_POSTGRES_URL)")
    return engine


def _drop_connections(engine: Any) -> int:
    """Terminate every connection of the app's database (what a database restart does to the pool), from a
    connection of its own (not the pool's: it would be the one left alive)."""
    import psycopg

    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as connection:
        return len(connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                      "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall())


@pytest.fixture
def statements(client: TestClient) -> Iterator[list[tuple[str, bool]]]:
    """(first word, autocommit?) of each statement a pooled connection sends while the test runs."""
    engine = _postgres(client)
    sent: list[tuple[str, bool]] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append((statement.split()[0].upper(), bool(conn.connection.dbapi_connection.autocommit)))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_requote_is_three_statements_without_transaction_round_trips(
        client: TestClient, keys: dict[str, dict[str, str]], stored_part: str, statements: list[tuple[str, bool]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client.app.state.service.ratecards, "check_s", 0.0)  # type: ignore[attr-defined]
    _requote(client, stored_part, keys["buyer"])  # warm: the part, the cards
    statements.clear()
    _requote(client, stored_part, keys["buyer"])
    # the API key and the quote through the pool, each its own transaction (autocommit: no BEGIN, COMMIT or
    # ROLLBACK sent around it) and no ping; the rate-card versions once, on the pricing thread's own connection
    assert sorted(statements) == [("INSERT", True), ("SELECT", True)], statements
    reader = client.app.state.service.ratecards._reader  # type: ignore[attr-defined]
    assert len(reader._opened) == 1 and reader._opened[0].autocommit


def test_connections_dropped_while_recently_used_cost_no_request(
        client: TestClient, keys: dict[str, dict[str, str]], stored_part: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _postgres(client)
    monkeypatch.setattr(client.app.state.service.ratecards, "check_s", 0.0)  # type: ignore[attr-defined]
    _requote(client, stored_part, keys["buyer"])
    assert _drop_connections(engine) >= 1
    _requote(client, stored_part, keys["buyer"])  # not pinged (used just now): the statement retried once
    _requote(client, stored_part, keys["buyer"])


def test_idle_connections_are_pinged_and_replaced(client: TestClient, keys: dict[str, dict[str, str]],
                                                  stored_part: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _postgres(client)
    monkeypatch.setattr(client.app.state.service.ratecards, "check_s", 0.0)  # type: ignore[attr-defined]
    _requote(client, stored_part, keys["buyer"])
    monkeypatch.setattr(db, "PING_IDLE_S", 0.0)  # every pooled connection counts as idle: pinged at check-out
    assert _drop_connections(engine) >= 1
    _requote(client, stored_part, keys["buyer"])
    r = client.get(f"/v1/parts/{stored_part}", headers=keys["buyer"])  # an ORM session's connection too
    assert r.status_code == 200, r.text


def test_only_the_first_threads_get_a_connection_of_their_own(client: TestClient) -> None:
    import threading

    from api.ratecard_versions import VersionsReader

    reader = VersionsReader(_postgres(client), direct_threads=1)
    try:
        first = reader.read()
        others: list[Any] = []
        worker = threading.Thread(target=lambda: others.append(reader.read()))  # reads through the pool
        worker.start()
        worker.join()
        assert others == [first] and len(first) >= 1
        assert len(reader._opened) == 1
    finally:
        reader.close()
    assert reader._opened == []
