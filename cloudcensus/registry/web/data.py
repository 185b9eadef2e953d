"""Queries the web pages need and the read API does not answer (SQLAlchemy Core).

Everything here takes the institution ids the caller may read (from `visible`), never a
name the caller typed: scoping is decided once, by `visible` or by
`cloudcensus.registry.deps.readable_institution`. Each filter leads with an indexed
column (`institution_id`, `rule`, `scan_id`, the `scan_findings` primary key). Counts,
lists and trends the API already serves are read through the API's own functions
(`cloudcensus.registry.read`, `.detail`, `.queries`), so tuning those tunes the pages.

`changes` compares two scans row by row (every finding uid of the latest scan): it is
the one query here whose cost grows with the institution's findings, so it has a page
of its own rather than a place on the institution page.

A "scan" here is a run (`cloudcensus.registry.runs`): an unsharded scan, or the
completed shard scans of one run, shown and compared as one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from cloudcensus.registry.models import Coverage, Finding, Institution, ScanFinding
from cloudcensus.registry.queries import EventReader
from cloudcensus.registry.runs import Run, latest_runs
from cloudcensus.registry.tokens import Principal, Role

__all__ = [
    "STATUSES",
    "Changes",
    "Counts",
    "ScanRef",
    "changes",
    "gap_counts",
    "latest_scans",
    "rule_info",
    "visible",
]

STATUSES = ("pass", "explained", "fail", "error")
_KINDS = {"pass": "comply", "explained": "explained", "fail": "violating", "error": "error"}


@dataclass
class Counts:
    """Open findings by status, with the rates the read API reports (fractions of total)."""

    by_status: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, summary: Mapping[str, Any]) -> Counts:
        """From a read API summary (or one of its breakdown entries)."""
        return cls({status: int(summary.get(kind) or 0) for status, kind in _KINDS.items()})

    def add(self, status: str, count: int) -> None:
        self.by_status[status] = self.by_status.get(status, 0) + count

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def get(self, status: str) -> int:
        return self.by_status.get(status, 0)

    def rate(self, status: str) -> float | None:
        return self.get(status) / self.total if self.total else None


@dataclass(frozen=True)
class ScanRef:
    """A completed run, as the pages show it: an unsharded scan, or the completed shard
    scans of one run (`id` and `uid` are its latest-started scan, `scan_ids` all of them;
    `shards` its shard count and `missing` the shards without a completed scan)."""

    id: int
    uid: str
    started: datetime
    finished: datetime | None
    status: str
    scan_ids: tuple[int, ...] = ()
    run: str | None = None
    shards: int | None = None
    missing: tuple[int, ...] = ()

    @classmethod
    def of(cls, run: Run) -> ScanRef:
        latest = run.latest
        return cls(latest.id, latest.uid, run.started, run.finished, run.status,
                   tuple(run.ids), run.run, run.count, tuple(run.missing))  # fmt: skip

    @property
    def ids(self) -> tuple[int, ...]:
        """The scans the run is made of."""
        return self.scan_ids or (self.id,)


def visible(session: Session, principal: Principal) -> list[tuple[int, str]]:
    """(id, name) of every institution the principal may read, by name."""
    if principal.role not in (Role.READER, Role.ADMIN):
        return []
    rows = session.execute(select(Institution.id, Institution.name).order_by(Institution.name))
    return [(id_, name) for id_, name in rows if principal.can_read(id_)]


def latest_scans(
    session: Session, institution_ids: list[int], per: int = 2
) -> dict[int, list[ScanRef]]:
    """The latest `per` completed runs of each institution, newest first (start time)."""
    return {
        id_: [ScanRef.of(run) for run in latest_runs(session, id_, per)] for id_ in institution_ids
    }


def gap_counts(session: Session, scans: list[ScanRef]) -> dict[int, int]:
    """Coverage units not read completely, plus missing shards, per run (by `ScanRef.id`)."""
    owner = {scan_id: ref.id for ref in scans for scan_id in ref.ids}
    out = {ref.id: len(ref.missing) for ref in scans}
    if not owner:
        return out
    rows = session.execute(
        select(Coverage.scan_id, func.count())
        .where(Coverage.scan_id.in_(list(owner)), Coverage.status != "complete")
        .group_by(Coverage.scan_id)
    )
    for scan_id, count in rows:
        out[owner[scan_id]] += count
    return out


@dataclass
class Changes:
    """What the latest completed scan changed compared with the one before it.

    `moved` counts findings by (status before, status now); `None` before means the
    previous scan did not report it (new). `resolved` are findings the previous scan
    reported, the latest did not, and that are resolved now (their scope was read
    completely); `unverified` are the ones kept open because it was not.
    """

    latest: ScanRef
    previous: ScanRef
    moved: dict[tuple[str | None, str], int]
    resolved: int
    unverified: int
    items: list[dict[str, Any]]

    @property
    def total(self) -> int:
        return sum(self.moved.values()) + self.resolved + self.unverified


def changes(
    session: Session, institution_id: int, latest: ScanRef, previous: ScanRef, limit: int = 20
) -> Changes:
    """Differences between two completed scans of one institution, with up to `limit`
    changed findings (the new and status-changed first, then the resolved)."""
    now, before = aliased(ScanFinding), aliased(ScanFinding)
    pair = (before.scan_id.in_(previous.ids), before.uid == now.uid)
    moved_rows = session.execute(
        select(before.status, now.status, func.count())
        .select_from(now)
        .outerjoin(before, and_(*pair))
        .where(now.scan_id.in_(latest.ids))
        .where((before.uid.is_(None)) | (before.status != now.status))
        .group_by(before.status, now.status)
    )
    moved: dict[tuple[str | None, str], int] = {(w, n): c for w, n, c in moved_rows}
    gone = (
        select(before.uid)
        .where(before.scan_id.in_(previous.ids))
        .where(~exists().where(now.scan_id.in_(latest.ids), now.uid == before.uid))
        .subquery()
    )
    gone_rows = session.execute(
        select(Finding.resolved_at.is_not(None), func.count())
        .join(gone, gone.c.uid == Finding.uid)
        .where(Finding.institution_id == institution_id)
        .group_by(Finding.resolved_at.is_not(None))
    )
    gone_counts = {bool(resolved): count for resolved, count in gone_rows}
    items = _changed_items(session, institution_id, latest, previous, limit)
    return Changes(
        latest, previous, moved, gone_counts.get(True, 0), gone_counts.get(False, 0), items
    )


def _changed_items(
    session: Session, institution_id: int, latest: ScanRef, previous: ScanRef, limit: int
) -> list[dict[str, Any]]:
    now, before = aliased(ScanFinding), aliased(ScanFinding)
    columns = (Finding.uid, Finding.rule, Finding.severity, Finding.resource_id, Finding.title)
    moved = session.execute(
        select(*columns, before.status, now.status)
        .select_from(now)
        .join(Finding, and_(Finding.institution_id == institution_id, Finding.uid == now.uid))
        .outerjoin(before, and_(before.scan_id.in_(previous.ids), before.uid == now.uid))
        .where(now.scan_id.in_(latest.ids))
        .where((before.uid.is_(None)) | (before.status != now.status))
        .order_by(Finding.id)
        .limit(limit)
    ).all()
    items = [_item(row[:5], row[5], row[6]) for row in moved]
    if len(items) < limit:
        gone = session.execute(
            select(*columns, before.status, Finding.resolved_at.is_not(None))
            .select_from(before)
            .join(
                Finding, and_(Finding.institution_id == institution_id, Finding.uid == before.uid)
            )
            .where(before.scan_id.in_(previous.ids))
            .where(~exists().where(now.scan_id.in_(latest.ids), now.uid == before.uid))
            .order_by(Finding.id)
            .limit(limit - len(items))
        ).all()
        items += [_item(r[:5], r[5], "resolved" if r[6] else "unverified") for r in gone]
    return items


def _item(row: Any, was: str | None, is_: str) -> dict[str, Any]:
    uid, rule, severity, resource_id, title = row
    return {"uid": uid, "rule": rule, "severity": severity, "resource_id": resource_id,
            "title": title, "was": was, "now": is_}  # fmt: skip


def rule_info(session: Session, rule: str, institution_ids: list[int]) -> dict[str, Any] | None:
    """Title, severity, pack and version of a rule, from its newest visible finding;
    None when no visible institution ever had a finding of it."""
    if not institution_ids:
        return None
    row = session.scalar(
        select(Finding)
        .where(Finding.rule == rule, Finding.institution_id.in_(institution_ids))
        .order_by(Finding.id.desc())  # the newest row: id order follows the rule index
        .limit(1)
    )
    if row is None:
        return None
    title, severity, event = row.title, row.severity, EventReader(session).event(row)
    unmapped = (event.get("unmapped") or {}).get("cloudcensus") or {}
    return {
        "rule": rule,
        "title": title,
        "severity": severity,
        "pack": unmapped.get("pack"),
        "version": unmapped.get("rule_version"),
    }
