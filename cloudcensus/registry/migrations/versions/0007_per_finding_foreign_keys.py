"""no foreign-key checks on the per-finding tables

`findings` (its institution, the scan that last wrote it) and `scan_findings` (its
scan) lose their foreign-key constraints: the database checked them once per row
written, three index probes per finding of every batch (about 8 ms of PostgreSQL CPU per
1,000 findings, a tenth of what a batch costs). The registry writes these columns only
from a scan it has just read under the institution's lock, never deletes a scan or an
institution, and `cloudcensus registry check` counts rows pointing nowhere.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_DROPPED = [
    ("findings", "fk_findings_institution_id_institutions", "institutions", "institution_id"),
    ("findings", "fk_findings_last_scan_id_scans", "scans", "last_scan_id"),
    ("scan_findings", "fk_scan_findings_scan_id_scans", "scans", "scan_id"),
]


def upgrade() -> None:
    for table in ("findings", "scan_findings"):
        with op.batch_alter_table(table) as batch:
            for name in (d[1] for d in _DROPPED if d[0] == table):
                batch.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    for table in ("findings", "scan_findings"):
        with op.batch_alter_table(table) as batch:
            for _, name, referred, column in (d for d in _DROPPED if d[0] == table):
                batch.create_foreign_key(name, referred, [column], ["id"])
