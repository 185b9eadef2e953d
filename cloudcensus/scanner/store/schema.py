"""The store's SQLite schema, as an ordered list of migrations applied on open.

Layout, and why:

- `scans`: one row per run. `id` is AUTOINCREMENT so an id is never reused after pruning.
- `units`: one row per (scan, provider, account, region, collector). It is both the
  coverage table (status NULL means no coverage entry was recorded) and the unit key the
  resources of that scan point to, so the key is stored once per unit, not per resource.
- `bodies`: resource JSON, content-addressed by `body_hash`. Each scan is a full
  snapshot (exact reloads, plain queries), but an unchanged resource costs one small row
  per scan, not a copy of its payload: 30 retained scans of 100k resources stay small.
- `resources`: one row per (scan, resource id): indexed columns for filters and drift,
  `digest` (hash of the normalised view, drift), `body_hash` (the stored JSON), and `stale`
  (1: carried forward from an earlier scan because its unit was not read completely).
- `findings`: the Finding JSON plus the indexed columns filters use.
- `outbox_scans`, `outbox_items` (migration 2): what a finished scan must deliver to the
  registry, written in the transaction that finishes the scan, before any push. No
  foreign key to `scans`: retention must never delete an undelivered item. Items are
  ordered by `seq` within their scan; `body` is the gzip-compressed request body, so a
  retry sends the very bytes (and idempotency key) of the first attempt.

A migration is a tuple of statements run in one transaction; never edit a released one,
append a new one.
"""

from __future__ import annotations

import sqlite3

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SchemaError", "migrate", "swept_sql"]


class SchemaError(Exception):
    """The database was written by a newer cloudcensus, or is not a cloudcensus store."""


MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE scans (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started TEXT NOT NULL,
            finished TEXT,
            status TEXT NOT NULL
                CHECK (status IN ('running', 'complete', 'partial', 'failed')),
            agent_version TEXT NOT NULL,
            providers TEXT NOT NULL,
            summary TEXT
        )""",
        """CREATE TABLE units (
            id INTEGER PRIMARY KEY,
            scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
            provider TEXT NOT NULL,
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            collector TEXT NOT NULL,
            status TEXT CHECK (status IN ('complete', 'partial', 'failed')),
            error_kind TEXT,
            message TEXT,
            resources INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            duration_s REAL NOT NULL DEFAULT 0,
            UNIQUE (scan_id, provider, account, region, collector)
        )""",
        """CREATE TABLE bodies (
            hash TEXT PRIMARY KEY,
            json TEXT NOT NULL
        ) WITHOUT ROWID""",
        """CREATE TABLE resources (
            scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            unit_id INTEGER NOT NULL,
            provider TEXT NOT NULL,
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            type TEXT NOT NULL,
            name TEXT,
            digest TEXT NOT NULL,
            body_hash TEXT NOT NULL,
            stale INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (scan_id, id)
        ) WITHOUT ROWID""",
        "CREATE INDEX resources_account ON resources (scan_id, provider, account)",
        "CREATE INDEX resources_body ON resources (body_hash)",
        """CREATE TABLE findings (
            scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
            uid TEXT NOT NULL,
            rule_id TEXT NOT NULL,
            status TEXT NOT NULL,
            severity TEXT NOT NULL,
            severity_rank INTEGER NOT NULL,
            resource_id TEXT NOT NULL,
            provider TEXT NOT NULL,
            account TEXT NOT NULL,
            json TEXT NOT NULL,
            PRIMARY KEY (scan_id, uid)
        ) WITHOUT ROWID""",
        "CREATE INDEX findings_status ON findings (scan_id, status, severity_rank)",
        "CREATE INDEX findings_rule ON findings (scan_id, rule_id)",
        "CREATE INDEX findings_resource ON findings (scan_id, resource_id)",
    ),
    (
        """CREATE TABLE outbox_scans (
            scan_id INTEGER PRIMARY KEY,
            scan_uid TEXT NOT NULL UNIQUE,
            created TEXT NOT NULL,
            items INTEGER NOT NULL,
            delivered TEXT,
            attempted TEXT,
            error TEXT
        )""",
        """CREATE TABLE outbox_items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            scan_id INTEGER NOT NULL REFERENCES outbox_scans (scan_id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            records INTEGER NOT NULL DEFAULT 0,
            body BLOB NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            delivered TEXT,
            UNIQUE (scan_id, seq)
        )""",
        "CREATE INDEX outbox_pending ON outbox_items (scan_id, seq) WHERE delivered IS NULL",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to `SCHEMA_VERSION`, one transaction per migration."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    current = int(row[0] or 0)
    if current > SCHEMA_VERSION:
        raise SchemaError(
            f"store schema version {current} is newer than this cloudcensus "
            f"(knows {SCHEMA_VERSION}): upgrade cloudcensus or use another state directory"
        )
    for version in range(current + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version - 1]:
                conn.execute(statement)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return SCHEMA_VERSION


def swept_sql(unit: str, scan: str) -> str:
    """SQL condition: the unit `unit` (an alias of `units`) was read completely in scan
    `scan` (a parameter or column), and no provider- or account-wide entry of that scan
    failed. Only such a unit may lose resources (drift) or have its old inventory dropped
    (stale carry-forward). PARTIAL is not enough: the missing item may be the malformed one.
    """
    return f"""(
        EXISTS (SELECT 1 FROM units c WHERE c.scan_id = {scan} AND c.status = 'complete'
                AND c.provider = {unit}.provider AND c.account = {unit}.account
                AND c.region = {unit}.region AND c.collector = {unit}.collector)
        AND NOT EXISTS (SELECT 1 FROM units f WHERE f.scan_id = {scan} AND f.status = 'failed'
                AND f.provider = {unit}.provider AND f.account IN ({unit}.account, '*')
                AND f.region IN ({unit}.region, '*')
                AND f.collector IN ({unit}.collector, '*'))
    )"""  # noqa: S608 - aliases and parameter names, never data
