"""scan counts

`scan_counts`: how many findings of each status a completed scan reported, written when
the scan completes and filled here from `scan_findings` for the scans completed
before; the trend reads it instead of grouping `scan_findings` (a million rows per scan
of a large institution).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scan_counts",
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name=op.f("fk_scan_counts_scan_id_scans")
        ),
        sa.PrimaryKeyConstraint("scan_id", "status", name=op.f("pk_scan_counts")),
    )
    op.execute(
        "INSERT INTO scan_counts (scan_id, status, n) SELECT f.scan_id, f.status, count(*) "
        "FROM scan_findings f JOIN scans s ON s.id = f.scan_id WHERE s.status IS NOT NULL "
        "GROUP BY f.scan_id, f.status"
    )


def downgrade() -> None:
    op.drop_table("scan_counts")
