"""The store's SQL, kept apart from the `Store` API so each statement is written once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from typing import Any

from cloudcensus.policies.findings import Finding
from cloudcensus.scanner.collect import UnitKey
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus, ErrorKind
from cloudcensus.scanner.store.schema import swept_sql

__all__ = [
    "STALE_WHERE",
    "UPSERT_COVERAGE",
    "UPSERT_FINDING",
    "UPSERT_RESOURCE",
    "carry_forward",
    "coverage_entry",
    "finding_row",
    "paged_bodies",
    "paged_findings",
    "unit_id",
]

# A fresh row replaces a stale (carried-forward) copy; a fresh duplicate is ignored.
UPSERT_RESOURCE = """
INSERT INTO resources
    (scan_id, id, unit_id, provider, account, region, type, name, digest, body_hash, stale)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
ON CONFLICT (scan_id, id) DO UPDATE SET
    unit_id = excluded.unit_id, provider = excluded.provider, account = excluded.account,
    region = excluded.region, type = excluded.type, name = excluded.name,
    digest = excluded.digest, body_hash = excluded.body_hash, stale = 0
WHERE resources.stale = 1
"""

UPSERT_COVERAGE = """
INSERT INTO units (scan_id, provider, account, region, collector,
                   status, error_kind, message, resources, errors, duration_s)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (scan_id, provider, account, region, collector) DO UPDATE SET
    status = excluded.status, error_kind = excluded.error_kind, message = excluded.message,
    resources = excluded.resources, errors = excluded.errors, duration_s = excluded.duration_s
"""

UPSERT_FINDING = """
INSERT OR REPLACE INTO findings (scan_id, uid, rule_id, status, severity, severity_rank,
                                 resource_id, provider, account, json)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

#: Rows `r` (joined with their unit `u`) of scan :previous that scan :scan neither read
#: again nor covered completely: the inventory carried forward as stale.
STALE_WHERE = f"""
r.scan_id = :previous AND NOT {swept_sql("u", ":scan")}
AND NOT EXISTS (SELECT 1 FROM resources n WHERE n.scan_id = :scan AND n.id = r.id AND n.stale = 0)
"""  # noqa: S608 - aliases and parameter names, never data


def unit_id(conn: sqlite3.Connection, scan_id: int, key: UnitKey) -> int:
    """The id of the unit row for `key` in `scan_id`, created on first use."""
    conn.execute(
        "INSERT INTO units (scan_id, provider, account, region, collector) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (scan_id, *key),
    )
    row = conn.execute(
        "SELECT id FROM units WHERE scan_id = ? AND provider = ? AND account = ? "
        "AND region = ? AND collector = ?",
        (scan_id, *key),
    ).fetchone()
    return int(row[0])


def carry_forward(conn: sqlite3.Connection, scan_id: int, previous_id: int) -> int:
    """Copy the stale inventory of `previous_id` into `scan_id`, under the same unit keys,
    so that a gap lasting several scans still carries the last known inventory."""
    params = {"scan": scan_id, "previous": previous_id}
    conn.execute(
        f"""INSERT INTO units (scan_id, provider, account, region, collector)
        SELECT DISTINCT :scan, u.provider, u.account, u.region, u.collector
        FROM resources r JOIN units u ON u.id = r.unit_id WHERE {STALE_WHERE}
        ON CONFLICT DO NOTHING""",  # noqa: S608 - constant SQL
        params,
    )
    cursor = conn.execute(
        f"""INSERT INTO resources (scan_id, id, unit_id, provider, account, region, type,
                                   name, digest, body_hash, stale)
        SELECT :scan, r.id, nu.id, r.provider, r.account, r.region, r.type, r.name,
               r.digest, r.body_hash, 1
        FROM resources r JOIN units u ON u.id = r.unit_id
        JOIN units nu ON nu.scan_id = :scan AND nu.provider = u.provider
            AND nu.account = u.account AND nu.region = u.region AND nu.collector = u.collector
        WHERE {STALE_WHERE}
        ON CONFLICT (scan_id, id) DO NOTHING""",  # noqa: S608 - constant SQL
        params,
    )
    return cursor.rowcount


def paged_bodies(
    conn: sqlite3.Connection, where: str, params: Mapping[str, Any], page: int
) -> Iterator[str]:
    """Resource bodies matching `where` (aliases r, u), by id, one page per query."""
    sql = f"""SELECT r.id, b.json FROM resources r
        JOIN units u ON u.id = r.unit_id JOIN bodies b ON b.hash = r.body_hash
        WHERE {where} AND r.id > :after ORDER BY r.id LIMIT :page"""  # noqa: S608
    yield from _paged(conn, sql, params, page)


def paged_findings(
    conn: sqlite3.Connection, where: str, params: Mapping[str, Any], page: int
) -> Iterator[str]:
    """Finding bodies matching `where`, by uid, one page per query."""
    sql = f"""SELECT uid, json FROM findings WHERE {where} AND uid > :after
        ORDER BY uid LIMIT :page"""  # noqa: S608
    yield from _paged(conn, sql, params, page)


def _paged(
    conn: sqlite3.Connection, sql: str, params: Mapping[str, Any], page: int
) -> Iterator[str]:
    after = ""
    while True:
        rows = conn.execute(sql, {**params, "after": after, "page": page}).fetchall()
        for row in rows:
            yield row[1]
        if len(rows) < page:
            return
        after = rows[-1][0]


def coverage_entry(row: sqlite3.Row) -> CoverageEntry:
    return CoverageEntry(
        provider=row["provider"],
        account=row["account"],
        region=row["region"],
        collector=row["collector"],
        status=CoverageStatus(row["status"]),
        error_kind=ErrorKind(row["error_kind"]) if row["error_kind"] else None,
        message=row["message"],
        resources=row["resources"],
        errors=row["errors"],
        duration_s=row["duration_s"],
    )


def finding_row(scan_id: int, finding: Finding) -> tuple[Any, ...]:
    return (
        scan_id,
        finding.uid,
        finding.rule_id,
        finding.status.value,
        finding.severity.value,
        finding.severity.rank,
        finding.resource_id,
        finding.provider,
        finding.account,
        finding.model_dump_json(),
    )
