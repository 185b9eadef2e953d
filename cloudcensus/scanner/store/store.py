"""The agent's local store: one SQLite file (WAL) with every retained scan's snapshot.

A `Store` wraps one connection and must be used from the thread that opened it (the
collection engine calls its sink from the calling thread only, for this reason). Other
processes may open the same file at the same time (WAL: readers never block the writer).
Reads page through results by primary key, so iterating 100k resources never holds them
all, nor a long read transaction, and writes may be interleaved with an iteration.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from cloudcensus import __version__
from cloudcensus.policies.findings import Finding, Severity, Status
from cloudcensus.scanner.collect import UnitKey
from cloudcensus.scanner.coverage import CoverageEntry
from cloudcensus.scanner.inventory import Resource
from cloudcensus.scanner.store import queries
from cloudcensus.scanner.store.codec import decode, encode
from cloudcensus.scanner.store.records import ScanRecord, ScanStatus, StoreError, UnknownScan
from cloudcensus.scanner.store.schema import migrate

__all__ = ["DEFAULT_RETENTION", "Store"]

logger = logging.getLogger(__name__)

DEFAULT_RETENTION = 30
_PAGE = 1000
_FINISHED = (ScanStatus.COMPLETE.value, ScanStatus.PARTIAL.value)


class Store:
    """Scans, their resources, coverage and findings. Open with `Store.open(path)`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, retention: int) -> None:
        self._conn = conn
        self.path = path
        self.retention = retention

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, retention: int = DEFAULT_RETENTION) -> Store:
        """Open (creating it, mode 0600, and its directory) and migrate the store at `path`."""
        if retention < 1:
            raise ValueError("retention must keep at least one scan")
        file = Path(path)
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            if not file.exists():  # inventory is sensitive: owner-only from the first byte
                os.close(os.open(file, os.O_CREAT | os.O_WRONLY, 0o600))
            conn = sqlite3.connect(file, isolation_level=None)
            conn.row_factory = sqlite3.Row
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                raise StoreError(f"{file}: SQLite refused WAL mode (got {mode!r})")
            for pragma in ("synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=10000"):
                conn.execute(f"PRAGMA {pragma}")
            migrate(conn)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the store {file}: {exc}") from exc
        return cls(conn, file, retention)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The connection, for read queries of the store's own modules (drift)."""
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any error)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # -- scans -----------------------------------------------------------------------------

    def begin_scan(
        self,
        providers: Sequence[str],
        *,
        agent_version: str | None = None,
        started: datetime | None = None,
    ) -> int:
        """Record a running scan and return its id."""
        when = (started or datetime.now(UTC)).isoformat()
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO scans (started, status, agent_version, providers) VALUES (?,?,?,?)",
                (
                    when,
                    ScanStatus.RUNNING.value,
                    agent_version or __version__,
                    json.dumps(list(providers)),
                ),
            )
        return int(cursor.lastrowid or 0)

    def finish_scan(
        self,
        scan_id: int,
        status: ScanStatus,
        summary: Mapping[str, Any] | None = None,
        *,
        outbox: Callable[[sqlite3.Connection], object] | None = None,
    ) -> int:
        """Close a scan, carry forward the stale inventory, apply retention.

        Resources of the previous finished scan whose unit this scan did not read
        completely are copied in as stale rows (an access-denied account keeps its last
        known inventory). Returns how many were carried forward. `outbox`, when given,
        runs inside the same transaction after the scan row is final (it writes the
        scan's push items: a scan is never finished without them, see `store.outbox`).
        """
        if status is ScanStatus.RUNNING:
            raise ValueError("finish_scan needs a final status")
        self.scan(scan_id)
        previous = self.previous_scan(scan_id)
        with self.transaction() as conn:
            carried = 0
            if previous is not None and status is not ScanStatus.FAILED:
                carried = queries.carry_forward(conn, scan_id, previous.id)
            conn.execute(
                "UPDATE scans SET finished = ?, status = ?, summary = ? WHERE id = ?",
                (
                    datetime.now(UTC).isoformat(),
                    status.value,
                    json.dumps(dict(summary)) if summary is not None else None,
                    scan_id,
                ),
            )
            if outbox is not None:
                outbox(conn)
        self.prune()
        return carried

    def scan(self, scan_id: int) -> ScanRecord:
        row = self._conn.execute("SELECT * FROM scans WHERE id = ?", (scan_id,)).fetchone()
        if row is None:
            raise UnknownScan(f"no scan {scan_id} in {self.path}")
        return ScanRecord.from_row(row)

    def scans(self, limit: int = 20) -> list[ScanRecord]:
        """The newest scans first, whatever their status."""
        rows = self._conn.execute("SELECT * FROM scans ORDER BY id DESC LIMIT ?", (limit,))
        return [ScanRecord.from_row(row) for row in rows]

    def last_complete_scans(self, n: int = 2, *, include_partial: bool = True) -> list[ScanRecord]:
        """The newest `n` finished scans, newest first.

        A partial scan (some scope denied) is a valid snapshot: drift treats its gaps
        per unit, as unverified. Without partial scans, one permanently denied account
        would make every diff impossible; `include_partial=False` asks for clean ones only.
        """
        statuses = _FINISHED if include_partial else (ScanStatus.COMPLETE.value,)
        marks = ",".join("?" * len(statuses))
        rows = self._conn.execute(
            f"SELECT * FROM scans WHERE status IN ({marks}) ORDER BY id DESC LIMIT ?",  # noqa: S608
            (*statuses, n),
        )
        return [ScanRecord.from_row(row) for row in rows]

    def previous_scan(self, scan_id: int) -> ScanRecord | None:
        """The newest finished (complete or partial) scan before `scan_id`."""
        row = self._conn.execute(
            "SELECT * FROM scans WHERE id < ? AND status IN (?, ?) ORDER BY id DESC LIMIT 1",
            (scan_id, *_FINISHED),
        ).fetchone()
        return ScanRecord.from_row(row) if row else None

    def prune(self, keep: int | None = None) -> int:
        """Delete all but the newest `keep` scans (default: retention) and orphan bodies."""
        keep = self.retention if keep is None else keep
        with self.transaction() as conn:
            deleted = conn.execute(
                "DELETE FROM scans WHERE id NOT IN (SELECT id FROM scans ORDER BY id DESC LIMIT ?)",
                (keep,),
            ).rowcount
            if deleted:
                conn.execute(
                    "DELETE FROM bodies WHERE NOT EXISTS "
                    "(SELECT 1 FROM resources r WHERE r.body_hash = bodies.hash)"
                )
        return deleted

    # -- inventory and coverage ------------------------------------------------------------

    def add_resources(self, scan_id: int, key: UnitKey, resources: Sequence[Resource]) -> int:
        """Store one batch (one transaction) under its unit; returns the rows written.

        A resource id already stored fresh in this scan keeps its first record (logged):
        two collectors claiming one id is a provider bug, not a reason to flip-flop.
        """
        encoded = [encode(resource) for resource in resources]
        with self.transaction() as conn:
            unit_id = queries.unit_id(conn, scan_id, key)
            before = conn.total_changes
            conn.executemany(
                "INSERT INTO bodies (hash, json) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(e.body_hash, e.body) for e in encoded],
            )
            bodies = conn.total_changes - before
            conn.executemany(
                queries.UPSERT_RESOURCE,
                [
                    (
                        scan_id,
                        e.id,
                        unit_id,
                        e.provider,
                        e.account,
                        e.region,
                        e.type,
                        e.name,
                        e.digest,
                        e.body_hash,
                    )
                    for e in encoded
                ],
            )
            written = conn.total_changes - before - bodies
        if written < len(encoded):
            logger.warning(
                "%s: %d resource id(s) already stored in scan %d were ignored",
                "/".join(key),
                len(encoded) - written,
                scan_id,
            )
        return written

    def add_coverage(self, scan_id: int, entries: Iterable[CoverageEntry]) -> None:
        """Record coverage entries; a second entry for the same unit replaces the first."""
        with self.transaction() as conn:
            conn.executemany(
                queries.UPSERT_COVERAGE,
                [
                    (
                        scan_id,
                        *e.key,
                        e.status.value,
                        e.error_kind.value if e.error_kind else None,
                        e.message,
                        e.resources,
                        e.errors,
                        e.duration_s,
                    )
                    for e in entries
                ],
            )

    def coverage(self, scan_id: int) -> list[CoverageEntry]:
        rows = self._conn.execute(
            "SELECT * FROM units WHERE scan_id = ? AND status IS NOT NULL "
            "ORDER BY provider, account, region, collector",
            (scan_id,),
        )
        return [queries.coverage_entry(row) for row in rows]

    def accounts(self, scan_id: int) -> list[tuple[str, str]]:
        """(provider, account) pairs holding inventory in this scan, stale included."""
        rows = self._conn.execute(
            "SELECT DISTINCT provider, account FROM resources WHERE scan_id = ? "
            "ORDER BY provider, account",
            (scan_id,),
        )
        return [(row["provider"], row["account"]) for row in rows]

    def resources(
        self,
        scan_id: int,
        provider: str | None = None,
        account: str | None = None,
        *,
        include_stale: bool = False,
    ) -> Iterator[Resource]:
        """Stream the scan's resources by id. Stale (carried-forward) ones only on request."""
        where = ["r.scan_id = :scan"]
        where += [] if include_stale else ["r.stale = 0"]
        where += ["r.provider = :provider"] if provider is not None else []
        where += ["r.account = :account"] if account is not None else []
        params = {"scan": scan_id, "provider": provider, "account": account}
        for body in queries.paged_bodies(self._conn, " AND ".join(where), params, _PAGE):
            yield decode(body)

    def stale_resources(self, scan_id: int) -> Iterator[Resource]:
        """The last known inventory of units this scan did not read completely.

        For a finished scan these are its carried-forward rows; for a running one they are
        computed from the previous finished scan with the same rule.
        """
        where, params = "r.scan_id = :scan AND r.stale = 1", {"scan": scan_id, "previous": 0}
        if self.scan(scan_id).status is ScanStatus.RUNNING:
            previous = self.previous_scan(scan_id)
            if previous is None:
                return
            where, params["previous"] = queries.STALE_WHERE, previous.id
        for body in queries.paged_bodies(self._conn, where, params, _PAGE):
            yield decode(body)

    # -- findings ------------------------------------------------------------------------

    def add_findings(self, scan_id: int, findings: Iterable[Finding]) -> int:
        """Store findings in transactions of `_PAGE`; a finding uid seen twice is replaced."""
        count, batch = 0, []
        for finding in findings:
            batch.append(queries.finding_row(scan_id, finding))
            if len(batch) >= _PAGE:
                count += self._write_findings(batch)
                batch = []
        return count + self._write_findings(batch)

    def _write_findings(self, rows: list[tuple[Any, ...]]) -> int:
        if rows:
            with self.transaction() as conn:
                conn.executemany(queries.UPSERT_FINDING, rows)
        return len(rows)

    def findings(
        self,
        scan_id: int,
        *,
        status: Status | None = None,
        severity: Severity | None = None,
        min_severity: Severity | None = None,
        rule_id: str | None = None,
        resource_id: str | None = None,
        account: str | None = None,
    ) -> Iterator[Finding]:
        """Stream the scan's findings (ordered by uid), filtered on indexed columns."""
        filters = {
            "status": status,
            "severity": severity,
            "rule_id": rule_id,
            "resource_id": resource_id,
            "account": account,
        }
        where = ["scan_id = :scan"] + [f"{col} = :{col}" for col, v in filters.items() if v]
        if min_severity is not None:
            where.append("severity_rank >= :rank")
        params: dict[str, Any] = {"scan": scan_id, "rank": min_severity.rank if min_severity else 0}
        params |= {col: str(v) for col, v in filters.items() if v}
        for body in queries.paged_findings(self._conn, " AND ".join(where), params, _PAGE):
            yield Finding.model_validate_json(body)
