"""The registry's tables (SQLAlchemy 2). Alembic migrations in `migrations/` create them.

`findings` holds the current state of each finding per institution (one row per finding
uid), not one row per scan: the registry answers "what is true now" fast, and the
scan a finding was last seen in decides resolution. `scan_findings` records which
finding uids each scan reported, with their status: the distinct count checked on
completion, a finding's history across scans and the trend. `finding_counts` keeps the
number of open findings per (institution, rule, severity, provider, status), maintained
by every write to `findings` (`cloudcensus.registry.counts`): the summary reads a few
hundred rows instead of grouping a million. A finding's OCSF event is kept in the body of
the batch that last wrote it (`event_batches`, one row per batch), not in its row: the
rows stay narrow and a batch is written once. `scan_counts` keeps how many findings of
each status a completed scan reported (written at its completion): the trend.
`search_texts` keeps each text the `text` filter searches once (a resource id; a title
and message): a finding points to its two (`resource_text_id`, `message_text_id`), so a
text index covers a few hundred thousand distinct strings instead of every finding.

Scan order within an institution is the scan's start time (UTC): a finding row records
the start of the scan that last wrote it (`last_started`) so an older scan arriving late
never overwrites what a newer one said.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "Batch",
    "Coverage",
    "EventBatch",
    "Explanation",
    "Finding",
    "FindingCount",
    "Institution",
    "Scan",
    "ScanCount",
    "ScanFinding",
    "SearchText",
    "Token",
    "TokenScope",
]

_NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
_TS = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)


class Institution(Base):
    __tablename__ = "institutions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    created: Mapped[datetime] = mapped_column(_TS)


class Token(Base):
    """A bearer token: only its sha256 is stored; `public_id` finds it for the compare."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # agent | reader | admin
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    all_institutions: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(String(256))
    created: Mapped[datetime] = mapped_column(_TS)
    revoked: Mapped[datetime | None] = mapped_column(_TS)


class TokenScope(Base):
    """The institutions a reader token may read (when not `all_institutions`)."""

    __tablename__ = "token_scopes"
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id"), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True)


class Scan(Base):
    __tablename__ = "scans"
    __table_args__ = (Index("ix_scans_institution_id_run", "institution_id", "run"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    agent_version: Mapped[str] = mapped_column(String(64))
    started: Mapped[datetime] = mapped_column(_TS)
    providers: Mapped[list[str]] = mapped_column(JSON)
    received: Mapped[datetime] = mapped_column(_TS)
    events: Mapped[int] = mapped_column(Integer, default=0)
    finished: Mapped[datetime | None] = mapped_column(_TS)
    status: Mapped[str | None] = mapped_column(String(16))  # None while open
    completion: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the answer, replayed
    # set when the agent uploaded its explanations (even none): this scan's set is in force
    explanations_uploaded: Mapped[datetime | None] = mapped_column(_TS)
    # one shard (`--shard I/N`) of a run scanned by N agents; NULL for an unsharded scan
    shard_index: Mapped[int | None] = mapped_column(Integer)
    shard_count: Mapped[int | None] = mapped_column(Integer)
    run: Mapped[str | None] = mapped_column(String(128))


class ScanFinding(Base):
    """A finding uid one scan reported, and its status then (one row per scan and uid).
    Read by scan (the primary key); a finding's history probes it once per scan of its
    institution (no index by uid: every finding of every scan would write one)."""

    __tablename__ = "scan_findings"
    scan_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # (no foreign key: 0007)
    uid: Mapped[str] = mapped_column(String(128), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))


class ScanCount(Base):
    """Findings of one status a completed scan reported (distinct uids); the trend."""

    __tablename__ = "scan_counts"
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class Batch(Base):
    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("scan_id", "batch_uid"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"))
    batch_uid: Mapped[str] = mapped_column(String(36))
    events_sha256: Mapped[str] = mapped_column(String(64))
    accepted: Mapped[int] = mapped_column(Integer)
    received: Mapped[datetime] = mapped_column(_TS)


class Finding(Base):
    """The current state of one finding of an institution (indexes: migration 0002)."""

    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("institution_id", "uid"),
        Index("ix_findings_inst_provider_account", "institution_id", "provider", "account"),
        Index("ix_findings_inst_status", "institution_id", "status", "resolved_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_id: Mapped[int] = mapped_column(Integer)  # (no foreign key: migration 0007)
    uid: Mapped[str] = mapped_column(String(128))
    provider: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(256))
    region: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16))  # pass | fail | explained | error
    resource_id: Mapped[str] = mapped_column(Text)
    resource_type: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    explanation_id: Mapped[str | None] = mapped_column(String(128))
    first_seen: Mapped[datetime] = mapped_column(_TS)
    last_seen: Mapped[datetime] = mapped_column(_TS)
    resolved_at: Mapped[datetime | None] = mapped_column(_TS)
    last_scan_id: Mapped[int] = mapped_column(Integer)  # (no foreign key: migration 0007)
    last_started: Mapped[datetime] = mapped_column(_TS)  # start of scan `last_scan_id`
    # The OCSF event: number `event_index` of the stored batch `events_id` (written since
    # migration 0005, `queries.EventReader` reads it); rows written before keep it in
    # `event` until their next update. No foreign key: the batch's `refs` counts the rows.
    event: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    events_id: Mapped[int | None] = mapped_column(Integer)
    event_index: Mapped[int | None] = mapped_column(Integer)
    # What the `text` filter searches, as `search_texts` rows: the resource id, and the
    # title and message joined by a newline (`cloudcensus.registry.texts`).
    resource_text_id: Mapped[int | None] = mapped_column(Integer, index=True)
    message_text_id: Mapped[int | None] = mapped_column(Integer, index=True)


class SearchText(Base):
    """A text the `text` filter searches, stored once whatever the number of findings
    (and institutions) it belongs to; `digest` (BLAKE2b, 16 bytes) finds it. PostgreSQL
    indexes its trigrams (migration 0006)."""

    __tablename__ = "search_texts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    text: Mapped[str] = mapped_column(Text)


class EventBatch(Base):
    """A finding batch's body as accepted (a `FindingBatch`, JSON): the events of the
    findings pointing to it. `refs` counts those rows; a batch is deleted when the last of
    them moves to a newer batch (`cloudcensus.registry.batches`)."""

    __tablename__ = "event_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    refs: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class Explanation(Base):
    __tablename__ = "explanations"
    __table_args__ = (UniqueConstraint("scan_id", "explanation_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    explanation_id: Mapped[str] = mapped_column(String(128))
    rule: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(256))
    approved_by: Mapped[str] = mapped_column(String(256))
    approved_on: Mapped[date] = mapped_column(Date)
    expires: Mapped[date] = mapped_column(Date, index=True)
    reference: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))


class Coverage(Base):
    __tablename__ = "coverage"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(256))
    region: Mapped[str] = mapped_column(String(64))
    collector: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    error_kind: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)
    resources: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)


class FindingCount(Base):
    """Open (unresolved) findings of an institution per rule, severity, provider and
    status; rows may hold 0. Only `cloudcensus.registry.counts` writes it."""

    __tablename__ = "finding_counts"
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(64), primary_key=True)
    severity: Mapped[str] = mapped_column(String(16), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
