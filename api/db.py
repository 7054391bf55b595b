"""Storage: SQLAlchemy models for workshops, parts and quotes (SQLite by default)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WorkshopRow(Base):
    __tablename__ = "workshops"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    demo: Mapped[bool] = mapped_column(default=False)
    ratecard: Mapped[dict[str, Any]] = mapped_column(JSON)
    ratecard_sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class PartRow(Base):
    __tablename__ = "parts"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(16))
    units: Mapped[str] = mapped_column(String(8))
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class QuoteRow(Base):
    __tablename__ = "quotes"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    part_sha256: Mapped[str] = mapped_column(ForeignKey("parts.sha256"))
    quote: Mapped[dict[str, Any]] = mapped_column(JSON)
    offers: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()
    return engine


def init_db(engine: Engine, seed_demo: bool) -> sessionmaker[Session]:
    """Create the tables and, on an empty database, seed the demo workshops."""
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    if seed_demo:
        from quoting.workshops import demo_workshops

        with factory.begin() as session:
            existing = set(session.scalars(select(WorkshopRow.id)))
            for card in demo_workshops():
                if card.id not in existing:
                    session.add(WorkshopRow(id=card.id, name=card.name, demo=True, ratecard=card.to_dict(),
                                            ratecard_sha256=card.version_hash))
    return factory
