"""Durable jobs: jobs.args/attempts/task_id/updated_at, webhook_deliveries.body/task_id; procrastinate's schema

Issue 15: a job's task runs on a queue (procrastinate on PostgreSQL, in-process on
SQLite) and can run again from its stored arguments when its worker died. A
webhook delivery keeps the event it sends, so a delivery cut off by a crash is sent
again unchanged. On PostgreSQL this revision also creates procrastinate's tables and
functions (its own ``schema.sql``, the version pinned in pyproject.toml).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("args", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("task_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_jobs_status", ["status"])
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("body", sa.Text(), nullable=True))
        batch.add_column(sa.Column("task_id", sa.String(32), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        exists = bind.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')").scalar()
        if exists is None:
            bind.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("task_id")
        batch.drop_column("body")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_status")
        batch.drop_column("updated_at")
        batch.drop_column("task_id")
        batch.drop_column("attempts")
        batch.drop_column("args")
