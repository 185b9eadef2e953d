"""What the CLI shows a person at a terminal: logging, scan progress, summaries, drift.

Kept apart from `cli` so the commands stay thin and these pieces can be reused by the
demo. Everything writes to a `rich.Console` it is given; nothing here reads settings.
Text from clouds is passed as `Text` (never parsed as markup): a resource called
"[red]x" prints as written.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import date
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from cloudcensus.policies.explanation_usage import ExplanationReport
from cloudcensus.providers.base import Scope
from cloudcensus.scanner.coverage import CoverageEntry
from cloudcensus.scanner.pipeline import ScanResult
from cloudcensus.scanner.report import DriftCounts, ExplanationNotice, print_summary
from cloudcensus.scanner.store.drift import Diff

__all__ = [
    "QUIET_LOGGERS",
    "ScanProgress",
    "diff_document",
    "print_diff",
    "print_result",
    "setup_logging",
]

#: Libraries whose INFO/DEBUG chatter drowns the scanner's own messages.
QUIET_LOGGERS = (
    "botocore",
    "boto3",
    "urllib3",
    "werkzeug",
    "s3transfer",
    "keystoneauth",
    "openstack",
    "stevedore",
    "azure",
    "google",
    "scaleway",
)


def setup_logging(level: str, console: Console) -> None:
    """Readable logs on the terminal (stderr console); library noise at WARNING."""
    handler = RichHandler(console=console, show_path=False, markup=False, rich_tracebacks=False)
    logging.basicConfig(level=level.upper(), handlers=[handler], format="%(message)s", force=True)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


class ScanProgress:
    """A `CollectProgress` drawing one bar: collection units done out of units planned."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[resources]} resources, {task.fields[gaps]} gaps"),
            TimeElapsedColumn(),
            console=console,
            disable=not enabled,
            transient=False,
        )
        self._task = self._progress.add_task("scanning", total=None, resources=0, gaps=0)
        self._planned = 0
        self._resources = 0
        self._gaps = 0

    def __enter__(self) -> ScanProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.update(self._task, description="scanned")
        self._progress.stop()

    def scopes_found(self, provider: str, count: int) -> None:
        self._progress.update(self._task, description=f"scanning {provider}")

    def tasks_planned(self, scope: Scope, count: int) -> None:
        self._planned += count
        self._progress.update(self._task, total=self._planned)

    def unit_done(self, entry: CoverageEntry) -> None:
        if entry.status.value != "complete":
            self._gaps += 1
        planned = max(self._planned, 1)
        self._progress.update(self._task, advance=1, gaps=self._gaps, total=planned)

    def resources_collected(self, count: int) -> None:
        self._resources += count
        self._progress.update(self._task, resources=self._resources)


def _notices(entries: list[dict[str, Any]]) -> list[ExplanationNotice]:
    return [
        ExplanationNotice(id=e["id"], rule=e["rule"], expires=date.fromisoformat(e["expires"]))
        for e in entries
    ]


def _drift_counts(drift: Diff | None) -> DriftCounts | None:
    if drift is None:
        return None
    return DriftCounts(len(drift.added), len(drift.removed), len(drift.changed))


def print_result(console: Console, result: ScanResult, *, rule_limit: int = 20) -> None:
    """The end-of-run summary: findings, failing rules, gaps, explanations, drift."""
    report: ExplanationReport | None = result.explanations
    print_summary(
        console,
        result.tally,
        coverage=result.coverage,
        expiring=_notices(report.expiring) if report else [],
        stale=_notices(report.stale) if report else [],
        drift=_drift_counts(result.drift),
        rule_limit=rule_limit,
    )
    if report and report.expired:
        ids = ", ".join(e["id"] for e in report.expired)
        console.print(Text(f"Expired explanations (no longer applied): {ids}", "yellow"))
    if report and report.wrong_version:
        ids = ", ".join(e["id"] for e in report.wrong_version)
        console.print(Text(f"Explanations for another rule version: {ids}", "yellow"))


def diff_document(drift: Diff) -> dict[str, Any]:
    """The diff as JSON-ready data (`cloudcensus inventory diff --json`)."""
    return {
        "old_scan": drift.old_scan,
        "new_scan": drift.new_scan,
        "added": [asdict(ref) for ref in drift.added],
        "removed": [asdict(ref) for ref in drift.removed],
        "changed": [
            {"resource": asdict(c.resource), "fields": [asdict(f) for f in c.fields]}
            for c in drift.changed
        ],
        "unverified": [asdict(ref) for ref in drift.unverified],
        "unchanged": drift.unchanged,
    }


def print_diff(console: Console, drift: Diff, *, limit: int = 200) -> None:
    """Added, removed and changed resources (with the changed fields) as one table."""
    title = f"Inventory changes: scan {drift.old_scan} -> {drift.new_scan}"
    table = Table(title=title, title_justify="left")
    for column in ("change", "type", "account", "region", "resource", "fields"):
        table.add_column(column)
    rows: list[tuple[str, str, Any, str]] = []
    rows += [("added", "green", ref, "") for ref in drift.added]
    rows += [("removed", "red", ref, "") for ref in drift.removed]
    rows += [
        ("changed", "yellow", c.resource, ", ".join(f.path for f in c.fields))
        for c in drift.changed
    ]
    for kind, style, ref, fields in rows[:limit]:
        table.add_row(
            Text(kind, style),
            Text(ref.type),
            Text(ref.account),
            Text(ref.region),
            Text(ref.name or ref.id),
            Text(fields),
        )
    console.print(table)
    if len(rows) > limit:
        console.print(f"... and {len(rows) - limit} more (use --json for all)")
    if drift.unverified:
        console.print(
            Text(
                f"{len(drift.unverified)} resource(s) missing from the newer scan in scopes it "
                "could not read completely: not counted as removed",
                "dim",
            )
        )
    console.print(f"{drift.unchanged} unchanged")
