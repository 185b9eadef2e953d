"""The agent's Prometheus metrics, in a collector registry of its own.

Gauges describing "the last scan" (resources, findings, coverage gaps) are read back
from the store after each scan, and at start from the newest finished scan, so a
restarted agent serves the same numbers as before; counters count since the process
started. Every name is listed in docs/agent.md.
"""

from __future__ import annotations

import sqlite3
from collections import Counter as Tally
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest

from cloudcensus import __version__
from cloudcensus.scanner.coverage import CoverageStatus
from cloudcensus.scanner.push import PushReport
from cloudcensus.scanner.store import Outbox, Store

__all__ = ["AgentMetrics"]

#: Scans take minutes to hours.
_DURATION_BUCKETS = (30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800)


def _rows(conn: sqlite3.Connection, sql: str, scan_id: int) -> list[tuple[str, str, int]]:
    return [(row[0], row[1], int(row[2])) for row in conn.execute(sql, (scan_id,))]


class AgentMetrics:
    """The collectors of one agent process."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        Info("cloudcensus_agent", "The running agent.", registry=r).info({"version": __version__})
        self.scan_duration = Histogram(
            "cloudcensus_scan_duration_seconds",
            "Duration of scans, collection to queued findings.",
            buckets=_DURATION_BUCKETS,
            registry=r,
        )
        self.scans = Counter(
            "cloudcensus_scans",
            "Scans run, by outcome (complete, partial, failed, interrupted, error).",
            ["status"],
            registry=r,
        )
        self.scan_running = Gauge("cloudcensus_scan_running", "1 while a scan runs.", registry=r)
        self.skipped = Counter(
            "cloudcensus_scheduled_runs_skipped",
            "Scheduled scans that did not start: overlap (the previous one still ran) "
            "or missed (later than the misfire grace time).",
            ["reason"],
            registry=r,
        )
        self.next_scan = Gauge(
            "cloudcensus_next_scan_timestamp_seconds",
            "When the next scheduled scan is due (Unix time).",
            registry=r,
        )
        self.last_success = Gauge(
            "cloudcensus_last_success_timestamp_seconds",
            "Start of the newest successful (complete or partial, not interrupted) scan.",
            registry=r,
        )
        self.resources = Gauge(
            "cloudcensus_resources",
            "Resources in the last finished scan (stale ones included), by provider and type.",
            ["provider", "type"],
            registry=r,
        )
        self.findings = Gauge(
            "cloudcensus_findings",
            "Findings of the last finished scan, by status and severity.",
            ["status", "severity"],
            registry=r,
        )
        self.gaps = Gauge(
            "cloudcensus_coverage_gaps",
            "Collection units of the last finished scan not read completely, by provider "
            "and error kind.",
            ["provider", "error_kind"],
            registry=r,
        )
        self.outbox_scans = Gauge(
            "cloudcensus_outbox_pending_scans", "Scans waiting for delivery.", registry=r
        )
        self.outbox_requests = Gauge(
            "cloudcensus_outbox_pending_requests", "Requests waiting for delivery.", registry=r
        )
        self.outbox_findings = Gauge(
            "cloudcensus_outbox_pending_findings", "Findings waiting for delivery.", registry=r
        )
        self.push_failures = Counter(
            "cloudcensus_push_failures",
            "Pushes that left something pending (registry unreachable, refused, abandoned).",
            registry=r,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def set_last_success(self, when: datetime | None) -> None:
        if when is not None:
            self.last_success.set(when.timestamp())

    def set_next_scan(self, when: datetime | None) -> None:
        if when is not None:
            self.next_scan.set(when.timestamp())

    def load_scan(self, store: Store, scan_id: int) -> None:
        """The last-scan gauges from a finished scan in the store."""
        conn = store.connection
        self.resources.clear()
        resources = "SELECT provider, type, count(*) FROM resources WHERE scan_id = ? GROUP BY 1, 2"
        for provider, kind, count in _rows(conn, resources, scan_id):
            self.resources.labels(provider=provider, type=kind).set(count)
        self.findings.clear()
        findings = "SELECT status, severity, count(*) FROM findings WHERE scan_id = ? GROUP BY 1, 2"
        for status, severity, count in _rows(conn, findings, scan_id):
            self.findings.labels(status=status, severity=severity).set(count)
        gaps = Tally(
            (entry.provider, entry.error_kind.value if entry.error_kind else "unknown")
            for entry in store.coverage(scan_id)
            if entry.status is not CoverageStatus.COMPLETE
        )
        self.gaps.clear()
        for (provider, kind), count in gaps.items():
            self.gaps.labels(provider=provider, error_kind=kind).set(count)

    def load_outbox(self, store: Store) -> int:
        """The outbox backlog gauges; returns the number of pending scans."""
        pending = Outbox(store).scans(pending_only=True)
        self.outbox_scans.set(len(pending))
        self.outbox_requests.set(sum(s.items - s.delivered_items for s in pending))
        self.outbox_findings.set(sum(s.pending_records for s in pending))
        return len(pending)

    def count_push(self, report: PushReport | None) -> None:
        """A push run: counted as a failure when it left something pending (None: the
        push was abandoned at shutdown)."""
        if report is None or not report.complete:
            self.push_failures.inc()
