"""tenant_parts: parts private to the API key (or "anonymous") that uploaded them; quotes.part_id

Issue 16: a part's id is no longer its file's sha256. ``parts`` keeps the measurements
(shared by file); ``tenant_parts`` holds each owner's part (id, filename, upload date).
Existing parts are given to the owners of the quotes made from them (a part never
quoted belongs to nobody: its owner uploads it again and gets a private id, its
measurement reused).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _tenant_id(owner: str, measurement_id: str) -> str:
    # the ids of migrated parts: hash of the owner and the measurement key (new parts: api.storage.tenant_part_id)
    return hashlib.sha256(f"microfab.part/migrated\0{owner}\0{measurement_id}".encode()).hexdigest()


def upgrade() -> None:
    op.create_table(
        "tenant_parts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(32), nullable=False),
        sa.Column("measurement_id", sa.String(64), sa.ForeignKey("parts.sha256"), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tenant_parts_owner", "tenant_parts", ["owner"])
    op.create_index("ix_tenant_parts_measurement_id", "tenant_parts", ["measurement_id"])
    op.create_index("ix_tenant_parts_file_sha256", "tenant_parts", ["file_sha256"])
    with op.batch_alter_table("quotes") as batch:
        batch.add_column(sa.Column("part_id", sa.String(64), nullable=True))
    _give_parts_to_their_quoters()


def _give_parts_to_their_quoters() -> None:
    conn = op.get_bind()
    # DISTINCT over the (part, key) pairs only: PostgreSQL has no equality for json columns
    pairs = conn.execute(sa.text("SELECT d.part_sha256, d.key_id, p.filename, p.size_bytes, p.created_at, p.features "
                                 "FROM (SELECT DISTINCT part_sha256, key_id FROM quotes) d "
                                 "JOIN parts p ON p.sha256 = d.part_sha256")).fetchall()
    for measurement_id, key_id, filename, size_bytes, created_at, features in pairs:
        owner = key_id or "anonymous"
        tid = _tenant_id(owner, measurement_id)
        file_sha = _file_sha(features) or measurement_id
        exists = conn.execute(sa.text("SELECT 1 FROM tenant_parts WHERE id = :id"), {"id": tid}).first()
        if exists is None:
            conn.execute(sa.text("INSERT INTO tenant_parts (id, owner, measurement_id, file_sha256, filename, "
                                 "size_bytes, created_at) VALUES (:id, :owner, :m, :f, :name, :size, :at)"),
                         {"id": tid, "owner": owner, "m": measurement_id, "f": file_sha, "name": filename,
                          "size": size_bytes or 0, "at": created_at})
        conn.execute(sa.text("UPDATE quotes SET part_id = :id WHERE part_sha256 = :m AND "
                             + ("key_id = :k" if key_id else "key_id IS NULL")),
                     {"id": tid, "m": measurement_id, "k": key_id})


def _file_sha(features: object) -> str | None:
    import json

    doc = json.loads(features) if isinstance(features, str) else features
    if isinstance(doc, dict):
        sha = doc.get("source", {}).get("sha256")
        return str(sha) if sha else None
    return None


def downgrade() -> None:
    with op.batch_alter_table("quotes") as batch:
        batch.drop_column("part_id")
    op.drop_index("ix_tenant_parts_file_sha256", "tenant_parts")
    op.drop_index("ix_tenant_parts_measurement_id", "tenant_parts")
    op.drop_index("ix_tenant_parts_owner", "tenant_parts")
    op.drop_table("tenant_parts")
