"""Storage: SQLAlchemy 2 models (SQLite by default, PostgreSQL in production), migrated by Alembic."""

from __future__ import annotations

import datetime as dt
import logging
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: the PostgreSQL advisory lock held while migrating (any constant; the same in every process)
MIGRATION_LOCK = 4_711_015
#: a pooled PostgreSQL connection idle this long is pinged at its next check-out (a busy one is not: a
#: connection dropped while in use fails its statement, and the hot path tries once more, ``retry_dropped``)
PING_IDLE_S = 2.0
T = TypeVar("T")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(t: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


#: column types by annotation: ``Mapped[Id32]`` is a ``String(32)``, ``Mapped[Json]`` JSON, and so on
Id32 = Annotated[str, 32]
Id64 = Annotated[str, 64]
Json = dict[str, Any]
#: when the row was written (UTC)
Created = Annotated[dt.datetime, mapped_column(default=now_utc)]


class Base(DeclarativeBase):
    type_annotation_map = {
        Id32: String(32),
        Id64: String(64),
        Json: JSON,
        list[Json]: JSON,
        dt.datetime: DateTime(timezone=True),
    }


class WorkshopRow(Base):
    __tablename__ = "workshops"
    id: Mapped[Id64] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    demo: Mapped[bool] = mapped_column(default=False)
    #: the current rate card (a copy of ratecard_versions[ratecard_version])
    ratecard: Mapped[Json]
    ratecard_sha256: Mapped[Id64]
    ratecard_version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[Created]


class RateCardVersionRow(Base):
    """Every rate card a workshop ever had: quotes point at the version that priced them."""

    __tablename__ = "ratecard_versions"
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    ratecard: Mapped[Json]
    sha256: Mapped[Id64]
    created_by: Mapped[Id32 | None]
    created_at: Mapped[Created]


class PartRow(Base):
    """A measured file (the measurement shared by its owners, see ``TenantPartRow``), keyed by
    ``api.storage.part_id_for`` (file sha256, effective unit, thickness)."""

    __tablename__ = "parts"
    sha256: Mapped[Id64] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(16))
    units: Mapped[str] = mapped_column(String(8))
    size_bytes: Mapped[int] = mapped_column(default=0)
    features: Mapped[Json]
    #: a file of several distinct solids: [{"count": n, "features": {...}}, ...] (geometry.split_solids order);
    #: [] for one solid; NULL for a part stored before this column (measured again on its next upload)
    components: Mapped[list[Json] | None] = mapped_column(default=None)
    created_at: Mapped[Created]


class TenantPartRow(Base):
    """A part as its owner sees it (issue 16): private to the owner, its measurement shared.

    ``id`` hashes (owner, file sha256, effective unit, thickness) (``api.storage.tenant_part_id``); the
    measurement is the ``parts`` row ``measurement_id``, shared by every owner of the same file.
    """

    __tablename__ = "tenant_parts"
    id: Mapped[Id64] = mapped_column(primary_key=True)
    #: the API key id, or "anonymous"
    owner: Mapped[Id32] = mapped_column(index=True)
    measurement_id: Mapped[str] = mapped_column(String(64), ForeignKey("parts.sha256"), index=True)
    file_sha256: Mapped[Id64] = mapped_column(index=True)
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[Created]


class QuoteRow(Base):
    __tablename__ = "quotes"
    id: Mapped[Id32] = mapped_column(primary_key=True)
    #: the measurement priced (``parts``)
    part_sha256: Mapped[str] = mapped_column(ForeignKey("parts.sha256"), index=True)
    #: the owner's part (``tenant_parts``); NULL for a quote stored before parts were private
    part_id: Mapped[Id64 | None] = mapped_column(default=None)
    quote: Mapped[Json]
    offers: Mapped[int]
    #: {workshop id: rate card version} of the cards that priced this quote
    ratecard_versions: Mapped[Json] = mapped_column(default=dict)
    valid_until: Mapped[dt.datetime]
    key_id: Mapped[Id32 | None]
    created_at: Mapped[Created]


class ApiKeyRow(Base):
    """An API key: only its sha256 is stored; the key itself is shown once, at creation."""

    __tablename__ = "api_keys"
    id: Mapped[Id32] = mapped_column(primary_key=True)
    key_sha256: Mapped[Id64] = mapped_column(unique=True)
    role: Mapped[str] = mapped_column(String(16))
    workshop_id: Mapped[Id64 | None]
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[Created]
    revoked_at: Mapped[dt.datetime | None]


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"
    #: the API key id, or "anonymous"
    owner: Mapped[Id32] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_sha256: Mapped[Id64]
    quote_id: Mapped[Id32]
    created_at: Mapped[Created]


class JobRow(Base):
    """A job (``api.jobs``): its state for /v1/jobs and what its task needs to run (again) after a crash."""

    __tablename__ = "jobs"
    id: Mapped[Id32] = mapped_column(primary_key=True)
    kind: Mapped[Id32]
    #: queued, running, retrying, succeeded, failed (``api.schemas.JobStatus``)
    status: Mapped[str] = mapped_column(String(16), index=True)
    owner: Mapped[Id32]
    result: Mapped[Json | None]
    error: Mapped[Json | None]
    created_at: Mapped[Created]
    finished_at: Mapped[dt.datetime | None]
    #: the task's arguments (JSON): a job whose worker died runs again from them; NULL for jobs of before 0004
    args: Mapped[Json | None] = mapped_column(JSON(none_as_null=True), default=None)
    #: runs started so far (a run cut off by a dead worker counts)
    attempts: Mapped[int] = mapped_column(default=0)
    #: the queue's id of the task that runs it (procrastinate job id); NULL until it is queued
    task_id: Mapped[str | None] = mapped_column(String(32), default=None)
    updated_at: Mapped[dt.datetime | None] = mapped_column(default=now_utc)


class WebhookRow(Base):
    __tablename__ = "webhooks"
    id: Mapped[Id32] = mapped_column(primary_key=True)
    owner: Mapped[Id32] = mapped_column(index=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[Created]


class WebhookDeliveryRow(Base):
    __tablename__ = "webhook_deliveries"
    id: Mapped[Id32] = mapped_column(primary_key=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[Id32]
    #: pending, delivered, failed
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[Created]
    #: the event sent (JSON), fixed when the job ended; NULL for deliveries of before 0004
    body: Mapped[str | None] = mapped_column(Text, default=None)
    #: the queue's id of the task that delivers it; NULL until it is queued
    task_id: Mapped[str | None] = mapped_column(String(32), default=None)


def ours(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's ``include_name``: the schema objects of these models, not procrastinate's (``procrastinate_*``
    tables, created from its own schema by migration 0004)."""
    return not (name or "").startswith(("procrastinate_", "idx_procrastinate_"))


def make_engine(url: str, sqlite_synchronous: str = "full") -> Engine:
    """The engine of ``url``; on SQLite (WAL) ``sqlite_synchronous`` is ``full`` (a commit is on disk when it
    returns: it survives a power loss) or ``normal`` (it survives a crash of the process; a power loss may
    roll back the last commits, never corrupting the file; one fsync fewer per commit, ~0.25 ms of CPU)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    from api.encoding import dumps

    kwargs: dict[str, Any] = {"json_serializer": dumps}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs.update(pool_size=10, max_overflow=20)
    engine = create_engine(url, **kwargs)
    if not url.startswith("sqlite"):
        _ping_when_idle(engine)
    if url.startswith("sqlite"):
        synchronous = {"full": "FULL", "normal": "NORMAL"}[sqlite_synchronous]

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.close()
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection at check-out only when it sat idle ``PING_IDLE_S`` or more (SQLAlchemy's
    ``pool_pre_ping`` pings at every check-out: one more round trip per statement under load); a connection
    that does not answer is replaced (``DisconnectionError``: the pool takes another, up to 3 times)."""

    @event.listens_for(engine, "checkin")
    def _idle_since(dbapi_conn, record) -> None:  # noqa: ANN001
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, proxy) -> None:  # noqa: ANN001
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since < PING_IDLE_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
            dbapi_conn.rollback()  # the ping's implicit transaction: idle again, as the pool handed it out
        except Exception as err:  # the driver's own error: the connection is gone  # noqa: BLE001
            raise DisconnectionError(f"a pooled connection did not answer a ping: {err}") from err
        if not alive:
            raise DisconnectionError("a pooled connection did not answer a ping")


def autocommit(engine: Engine) -> Engine:
    """``engine`` whose connections run each statement in its own transaction on PostgreSQL (no BEGIN and
    COMMIT round trips around a lone read or insert: the hot path of a quote); ``engine`` itself on SQLite."""
    if engine.dialect.name == "sqlite":
        return engine
    view = _AUTOCOMMIT.get(engine)
    if view is None:
        view = _AUTOCOMMIT[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return view


#: ``autocommit``'s engine of each engine (made once: a new one per call would cost a copy of the options)
_AUTOCOMMIT: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def retry_dropped(work: Callable[[], T]) -> T:
    """``work()``, once more when it failed because its pooled connection was dropped (a database restart:
    SQLAlchemy then drops the pool's older connections, and the second try gets a new one)."""
    try:
        return work()
    except DBAPIError as err:
        if not err.connection_invalidated:
            raise
    return work()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (creates it on an empty database)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    tables = set(inspect(engine).get_table_names())
    if "workshops" in tables and "alembic_version" not in tables and engine.url.get_backend_name() == "sqlite" \
            and engine.url.database and engine.url.database != ":memory:":
        # a dev SQLite file from before migrations: keep it aside and start a fresh one
        old = Path(engine.url.database)
        engine.dispose()
        aside = old.with_name(f"{old.name}.pre-migrations-{now_utc():%Y%m%d%H%M%S}")
        old.replace(aside)
        for suffix in ("-wal", "-shm"):
            Path(f"{old}{suffix}").unlink(missing_ok=True)
        logging.getLogger(__name__).warning("%s predates migrations: moved to %s, starting a new database",
                                            old, aside)
        tables = set()
    if "workshops" in tables and "alembic_version" not in tables:
        raise RuntimeError(f"the database {engine.url!r} predates migrations: delete it (a dev SQLite file in ./var "
                           "is safe to delete) or point MICROFAB_DATABASE_URL at a new one")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # API processes and queue workers may start together: one at a time
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def seed_demo_workshops(factory: sessionmaker[Session]) -> None:
    from quoting.workshops import demo_workshops

    with factory.begin() as session:
        existing = set(session.scalars(select(WorkshopRow.id)))
        for card in demo_workshops():
            if card.id in existing:
                continue
            doc = card.to_dict()
            session.add(WorkshopRow(id=card.id, name=card.name, demo=True, ratecard=doc,
                                    ratecard_sha256=card.version_hash, ratecard_version=1))
            session.flush()
            session.add(RateCardVersionRow(workshop_id=card.id, version=1, ratecard=doc, sha256=card.version_hash))


def init_db(engine: Engine, seed_demo: bool) -> sessionmaker[Session]:
    """Migrate the schema and, when asked, seed the demo workshops that are missing."""
    migrate(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    if seed_demo:
        seed_demo_workshops(factory)
    return factory
