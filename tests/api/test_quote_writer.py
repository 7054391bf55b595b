"""Group commit of quote rows (``api.quote_writer``): rows that wait are committed together, a row alone at
once, and one bad row fails only its own request."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from api.db import PartRow, QuoteRow, init_db, make_engine
from api.encoding import stored
from api.quote_writer import QuoteWriter
from tests.api.conftest import DATABASES, POSTGRES, _pg_admin

PART = "p" * 64


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/writer.db"
    else:
        name = f"microfab_writer_{uuid.uuid4().hex[:8]}"
        _pg_admin(f"CREATE DATABASE {name}")
        url = f"{POSTGRES.rpartition('/')[0]}/{name}"
    engine = make_engine(url)
    sessions = init_db(engine, seed_demo=False)
    with sessions.begin() as session:
        session.add(PartRow(sha256=PART, filename="p.step", format="step", units="mm", features={}))
    try:
        yield engine
    finally:
        engine.dispose()
        if request.param != "sqlite":
            _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _row(part: str = PART) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "part_sha256": part, "part_id": "t" * 64, "quote": stored(b'{"a":1}'),
            "offers": 1, "ratecard_versions": {"w": 1}, "valid_until": dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
            "key_id": None}


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(QuoteRow)).scalar_one())


def _held_writer(engine: Engine) -> tuple[QuoteWriter, threading.Event, list[int]]:
    """A writer whose first insert waits for ``release`` (``submit`` returns once it is held there);
    ``commits`` counts the transactions committed."""
    release, held, first = threading.Event(), threading.Event(), [True]
    commits: list[int] = []

    def hold(*args: Any) -> None:
        if first[0]:
            first[0] = False
            held.set()
            assert release.wait(30)

    event.listen(engine, "before_cursor_execute", hold)
    event.listen(engine, "commit", lambda conn: commits.append(1))
    writer = QuoteWriter(engine)
    submit = writer.submit

    def submit_first(values: dict[str, Any]) -> Any:
        writer.submit = submit  # type: ignore[method-assign]
        done = submit(values)
        assert held.wait(30)
        return done

    writer.submit = submit_first  # type: ignore[method-assign]
    return writer, release, commits


def test_rows_that_wait_are_committed_together(engine: Engine) -> None:
    writer, release, commits = _held_writer(engine)
    try:
        first = writer.submit(_row())  # held in its insert: the next ones wait for it
        rest = [writer.submit(_row()) for _ in range(10)]
        release.set()
        for done in [first, *rest]:
            done.result(timeout=30)
        assert _count(engine) == 11
        assert len(commits) == 2  # the first row, then the ten that waited: one transaction
        writer.submit(_row()).result(timeout=30)  # a row alone is written at once
        assert _count(engine) == 12
    finally:
        writer.close()


def test_a_bad_row_fails_alone(engine: Engine) -> None:
    writer, release, _ = _held_writer(engine)
    try:
        first = writer.submit(_row())
        good = [writer.submit(_row()) for _ in range(3)]
        bad = writer.submit(_row(part="x" * 64))  # no such part: the foreign key refuses it
        release.set()
        first.result(timeout=30)
        for done in good:
            done.result(timeout=30)
        with pytest.raises(IntegrityError):
            bad.result(timeout=30)
        assert _count(engine) == 4
    finally:
        writer.close()


def test_close_stores_what_waits_then_refuses(engine: Engine) -> None:
    writer, release, _ = _held_writer(engine)
    pending = [writer.submit(_row()) for _ in range(5)]
    release.set()
    writer.close()
    assert all(done.done() and done.exception() is None for done in pending)
    assert _count(engine) == 5
    with pytest.raises(RuntimeError):
        writer.submit(_row())
