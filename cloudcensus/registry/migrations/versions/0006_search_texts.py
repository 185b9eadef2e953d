"""search texts stored once; no scan_findings index by uid

The `text` filter searched an expression of every finding row (resource id, title and
message), covered on PostgreSQL by a trigram index: each new finding wrote a trigram
entry per three characters of ~180, most of which its rule's title and message repeat
in every other finding of that rule. The texts are now `search_texts` rows, each stored
once (`cloudcensus.registry.texts`), and a finding points to two of them
(`resource_text_id`, `message_text_id`, each indexed); the trigram index covers
`search_texts` instead (PostgreSQL, where pg_trgm can be created, as in 0002).

`scan_findings` loses its index by uid: every finding of every scan wrote an entry in it,
and its one reader (a finding's history) probes the primary key once per scan instead.

Existing findings are given their texts here (one pass over the distinct texts).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import hashlib
import logging

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

logger = logging.getLogger(__name__)

# 0002's index expression, recreated by the downgrade.
_OLD_TEXT = "lower(resource_id || '\n' || title || '\n' || coalesce(message, ''))"


def _digest(value: str) -> bytes:  # as cloudcensus.registry.texts.digest (frozen here)
    return hashlib.blake2b(value.encode(), digest_size=16).digest()


def _has_trigrams(bind: sa.Connection) -> bool:
    installed = bind.scalar(sa.text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'"))
    if installed:
        return True
    try:
        with bind.begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as error:
        logger.warning(
            "pg_trgm cannot be created (%s): the text filter of findings will read every "
            "search text; see 'Fast text filters' in docs/registry.md",
            type(error.orig).__name__,
        )
        return False
    return True


def _backfill(bind: sa.Connection) -> None:
    """Give every stored finding its two texts (set-based: joins on the texts)."""
    newline = "chr(10)" if bind.dialect.name == "postgresql" else "char(10)"
    message = f"findings.title || {newline} || coalesce(findings.message, '')"
    values = bind.scalars(
        sa.text(f"SELECT resource_id FROM findings UNION SELECT {message} FROM findings")  # noqa: S608
    ).all()
    if not values:
        return
    search = sa.table("search_texts", sa.column("digest"), sa.column("text"))
    for first in range(0, len(values), 10_000):
        chunk = values[first : first + 10_000]
        bind.execute(search.insert(), [{"digest": _digest(v), "text": v} for v in chunk])
    for column, expression in (
        ("resource_text_id", "findings.resource_id"),
        ("message_text_id", message),
    ):
        bind.execute(
            sa.text(
                f"UPDATE findings SET {column} = search_texts.id "  # noqa: S608
                f"FROM search_texts WHERE search_texts.text = {expression}"
            )
        )


def upgrade() -> None:
    op.create_table(
        "search_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_texts")),
        sa.UniqueConstraint("digest", name=op.f("uq_search_texts_digest")),
    )
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("resource_text_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("message_text_id", sa.Integer(), nullable=True))
    bind = op.get_bind()
    _backfill(bind)
    op.create_index(op.f("ix_findings_resource_text_id"), "findings", ["resource_text_id"])
    op.create_index(op.f("ix_findings_message_text_id"), "findings", ["message_text_id"])
    op.drop_index("ix_scan_findings_uid", table_name="scan_findings")
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_findings_text")
        if _has_trigrams(bind):
            op.execute(
                "CREATE INDEX ix_search_texts_trigrams ON search_texts "
                "USING gin (lower(text) gin_trgm_ops)"
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_texts_trigrams")
        installed = bind.scalar(
            sa.text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
        )
        if installed:
            op.execute(
                f"CREATE INDEX ix_findings_text ON findings USING gin ({_OLD_TEXT} gin_trgm_ops)"
            )
    op.create_index("ix_scan_findings_uid", "scan_findings", ["uid"])
    op.drop_index(op.f("ix_findings_message_text_id"), table_name="findings")
    op.drop_index(op.f("ix_findings_resource_text_id"), table_name="findings")
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("message_text_id")
        batch.drop_column("resource_text_id")
    op.drop_table("search_texts")
