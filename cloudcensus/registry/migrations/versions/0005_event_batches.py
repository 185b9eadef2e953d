"""events kept once per batch

A finding's OCSF event (2.5 KB) was stored in its `findings` row and rewritten by every
scan; it is now kept in the body of the batch that last wrote the finding
(`event_batches`, one row per batch, `refs` counting the findings that point to it), and
the row records where (`events_id`, `event_index`). Rows written before keep their event
in `findings.event` (now nullable) until a scan writes them again; nothing is converted.

PostgreSQL: batch bodies are compressed with lz4 where the server has it (as
`findings.event` was since 0002).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import json
import zlib

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refs", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_batches")),
    )
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("events_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("event_index", sa.Integer(), nullable=True))
        batch.alter_column("event", existing_type=sa.JSON(), nullable=True)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        lz4 = bind.scalar(
            sa.text(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression'"
            )
        )
        if lz4:
            op.execute("ALTER TABLE event_batches ALTER COLUMN body SET COMPRESSION lz4")


def downgrade() -> None:
    """Back to events in their rows (each finding's event copied out of its batch)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, events_id, event_index FROM findings WHERE events_id IS NOT NULL")
    ).all()
    bodies: dict[int, list[str]] = {}
    for finding, batch, index in rows:
        if batch not in bodies:
            query = sa.text("SELECT body FROM event_batches WHERE id = :id")
            body = bytes(bind.scalar(query, {"id": batch}))
            if body[:2] == b"\x1f\x8b":  # kept as the agent sent it: the first gzip member
                body = zlib.decompressobj(wbits=31).decompress(body)
            bodies[batch] = [json.dumps(e) for e in json.loads(body)["events"]]
        bind.execute(
            sa.text("UPDATE findings SET event = :event WHERE id = :id"),
            {"event": bodies[batch][index], "id": finding},
        )
    with op.batch_alter_table("findings") as batch_op:
        batch_op.alter_column("event", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("event_index")
        batch_op.drop_column("events_id")
    op.drop_table("event_batches")
