"""finding counts and read indexes

`finding_counts`: open findings per (institution, rule, severity, provider, status),
filled from the findings already stored; the summary reads it. `ix_findings_last_scan_id`
goes: no query reads by it, and since every scan rewrites `last_scan_id` of each
finding, it made every upsert touch one more index.

PostgreSQL only: `ix_findings_text`, a trigram index (extension pg_trgm) on the text the
`text` filter searches (`cloudcensus.registry.queries.SEARCH_TEXT`), so that a rare
substring is found without reading every finding; skipped, with a warning, where the
extension cannot be created (the filter then reads the findings); `findings.event`
compressed with lz4 where the server has it (several times faster than pglz); and
`findings` pages filled to half, so that a scan's update of a finding is a HOT update.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_KEY = ("institution_id", "rule", "severity", "provider", "status")
# The expression of `queries.SEARCH_TEXT` (a newline joins the fields): keep them equal.
_SEARCH_TEXT = "lower(resource_id || '\n' || title || '\n' || coalesce(message, ''))"

logger = logging.getLogger(__name__)


def _postgresql_extras(bind: sa.Connection) -> None:
    lz4 = bind.scalar(
        sa.text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
    )
    if lz4:
        op.execute("ALTER TABLE findings ALTER COLUMN event SET COMPRESSION lz4")
    # Half-empty pages: each scan rewrites every finding (times, scan, event) but seldom an
    # indexed column, and with room on its page the new row version is a HOT update,
    # which writes no index entry (3x faster here; new pages only: `VACUUM FULL findings`
    # applies it to existing ones).
    op.execute("ALTER TABLE findings SET (fillfactor = 50)")
    try:
        with bind.begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as error:
        logger.warning(
            "pg_trgm cannot be created (%s): the text filter of findings will read every "
            "finding; see 'Fast text filters' in docs/registry.md",
            type(error.orig).__name__,
        )
        return
    op.execute(f"CREATE INDEX ix_findings_text ON findings USING gin ({_SEARCH_TEXT} gin_trgm_ops)")


def upgrade() -> None:
    op.create_table(
        "finding_counts",
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_finding_counts_institution_id_institutions"),
        ),
        sa.PrimaryKeyConstraint(*_KEY, name=op.f("pk_finding_counts")),
    )
    columns = ", ".join(_KEY)
    op.execute(
        f"INSERT INTO finding_counts ({columns}, n) "  # noqa: S608 - constant column names
        f"SELECT {columns}, count(*) FROM findings WHERE resolved_at IS NULL "
        f"GROUP BY {columns}"
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_last_scan_id"))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _postgresql_extras(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_findings_text")
        op.execute("ALTER TABLE findings RESET (fillfactor)")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_findings_last_scan_id"), ["last_scan_id"], unique=False
        )
    op.drop_table("finding_counts")
