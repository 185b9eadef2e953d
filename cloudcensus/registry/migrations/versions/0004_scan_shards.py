"""scan shards

A large estate is scanned by N agents, each given one shard (`--shard I/N`) of the
accounts, all with the same run id (the nightly run). `scans` records which shard a scan
was and of which run, so that the registry merges the shards of one run into one view and
a shard's completion never supersedes or resolves what its sibling shards reported.
Scans pushed without a shard (the usual single agent) keep NULL in all three.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("shard_index", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("shard_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("run", sa.String(length=128), nullable=True))
    op.create_index("ix_scans_institution_id_run", "scans", ["institution_id", "run"])


def downgrade() -> None:
    op.drop_index("ix_scans_institution_id_run", table_name="scans")
    with op.batch_alter_table("scans") as batch:
        batch.drop_column("run")
        batch.drop_column("shard_count")
        batch.drop_column("shard_index")
