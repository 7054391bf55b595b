"""Alembic environment: run by api.db.migrate (connection passed in) or by `alembic -c api/alembic.ini`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from api.db import Base, ours

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # noqa: ANN001
    context.configure(connection=connection, target_metadata=target_metadata, include_name=ours,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    import os

    section = config.get_section(config.config_ini_section) or {}
    section["sqlalchemy.url"] = os.environ.get("MICROFAB_DATABASE_URL", "sqlite:///var/microfab.db")
    engine = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against a database")
run_migrations_online()
