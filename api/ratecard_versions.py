"""The read of every workshop's rate-card version: on every quote when several API processes share a
database (``api.shared_state``: ``ratecard_check_s`` 0), so it is made as cheap as a read can be.

On PostgreSQL each thread that prices keeps a psycopg connection of its own, outside the pool, in autocommit:
the statement goes straight to the driver (psycopg: ~0.015 ms of CPU, where SQLAlchemy's pool check-out
and execution context cost ~0.15 ms for the same read). A dropped connection is replaced and the read
made again once. Elsewhere (SQLite: one process, the versions read at most once a second) the read goes
through SQLAlchemy Core.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from api.db import WorkshopRow, autocommit, retry_dropped

#: the versions of every rate card (one statement object: SQLAlchemy computes its cache key once)
VERSIONS = select(WorkshopRow.id, WorkshopRow.ratecard_version)
_VERSIONS_SQL = "SELECT id, ratecard_version FROM workshops"

Versions = list[tuple[str, int]]


class VersionsReader:
    """``read()``: (workshop id, rate-card version) of every workshop, as the database has them now."""

    def __init__(self, engine: Engine, direct_threads: int = 2) -> None:
        self._engine = engine
        #: the threads that get a connection of their own (the pricing threads and the event loop come first;
        #: any further thread, a job's or a sync route's, reads through the pool instead)
        self._direct_threads = direct_threads
        self._direct = (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    def read(self) -> Versions:
        if not self._direct or not self._has_own_connection():
            return retry_dropped(self._read_core)
        try:
            return self._read_direct()
        except self._driver_errors():
            self._drop()  # a database restart, a killed backend: a new connection, once
            return self._read_direct()

    def close(self) -> None:
        """Close the threads' own connections (the app stops)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()

    def _has_own_connection(self) -> bool:
        """Whether this thread has (or may open) a connection of its own."""
        if getattr(self._local, "connection", None) is not None:
            return True
        with self._lock:
            return len(self._opened) < self._direct_threads

    def _read_core(self) -> Versions:
        with autocommit(self._engine).connect() as connection:
            return [(wid, version) for wid, version in connection.execute(VERSIONS)]

    def _read_direct(self) -> Versions:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            import psycopg

            # a new connection (not the pool's: one of those may be dead since a restart, and unpinged)
            url = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            connection = psycopg.connect(url, autocommit=True)
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        with connection.cursor() as cursor:
            cursor.execute(_VERSIONS_SQL)
            return [(str(wid), int(version)) for wid, version in cursor.fetchall()]

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with self._lock:
                self._opened = [c for c in self._opened if c is not connection]
            try:
                connection.close()
            except Exception:  # noqa: BLE001  # closing a broken connection: nothing left to do
                pass

    def _driver_errors(self) -> tuple[type[BaseException], ...]:
        import psycopg

        return (psycopg.OperationalError, psycopg.InterfaceError)


__all__ = ["VERSIONS", "Versions", "VersionsReader"]
