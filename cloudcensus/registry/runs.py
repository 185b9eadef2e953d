"""Runs: the scans of an institution as the read side shows them, one logical scan each.

An unsharded scan is a run of its own. The shard scans of one run (`Scan.run`, sent by
the agents as `ScanOpen.shard`) make one run: per shard slot (index, count) the
latest-started attempt counts (a retried shard replaces the earlier attempt), and the
run's shard count is that of its latest-started scan. A shard without a completed scan
is *missing*: the run read only part of the estate (a coverage gap), whether that shard
failed or has not been delivered yet.

Runs are ordered by their latest-started scan, newest first, like scans before them.
`latest_runs` reads an institution's scans newest first, page by page, until it has
seen enough runs, then loads every scan of those runs (index `(institution_id, run)`):
its cost follows the runs asked for, not the institution's history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudcensus.registry.models import Scan

__all__ = ["Run", "group_runs", "latest_runs", "run_of"]

#: Scans read per page while looking for the latest runs.
_PAGE = 200


@dataclass(frozen=True)
class Run:
    """One logical scan: an unsharded scan, or the shard scans of one run."""

    run: str | None  # None: an unsharded scan
    count: int | None  # the run's number of shards (None: unsharded)
    scans: tuple[Scan, ...]  # per shard slot the attempt that counts, by shard index

    @property
    def latest(self) -> Scan:
        """The latest-started scan: the run's representative (its `scan_uid`)."""
        return max(self.scans, key=lambda s: (s.started, s.id))

    @property
    def started(self) -> datetime:
        return min(scan.started for scan in self.scans)

    @property
    def finished(self) -> datetime | None:
        """When the last of its scans finished (None while one is open)."""
        ends = [scan.finished for scan in self.scans]
        return None if None in ends else max(e for e in ends if e is not None)

    @property
    def ids(self) -> list[int]:
        return [scan.id for scan in self.scans]

    @property
    def uids(self) -> list[str]:
        return [scan.uid for scan in self.scans]

    @property
    def completed(self) -> int:
        """Shards of the run's count with a completed scan (1 or 0 when unsharded)."""
        return sum(1 for scan in self._current if scan.status is not None)

    @property
    def missing(self) -> list[int]:
        """Shard indexes (of the run's count) without a completed scan."""
        if self.count is None:
            return []
        done = {scan.shard_index for scan in self._current if scan.status is not None}
        return [index for index in range(self.count) if index not in done]

    @property
    def status(self) -> str:
        """`open` while a scan counted is open; `failed` when every one failed; `partial`
        when one is partial or failed, or a shard is missing; else `complete`."""
        statuses = [scan.status for scan in self.scans]
        if None in statuses:
            return "open"
        if all(status == "failed" for status in statuses):
            return "failed"
        if self.missing or any(status != "complete" for status in statuses):
            return "partial"
        return "complete"

    def shards(self) -> dict[str, Any] | None:
        """`{count, completed, missing}` of a sharded run; None for an unsharded scan."""
        if self.count is None:
            return None
        return {"count": self.count, "completed": self.completed, "missing": self.missing}

    @property
    def _current(self) -> list[Scan]:
        return [scan for scan in self.scans if scan.shard_count == self.count]


def run_of(scan: Scan) -> tuple[str, str | int]:
    """The key grouping scans into runs: the run id, or the scan's own id."""
    return ("run", scan.run) if scan.run is not None else ("scan", scan.id)


def _attempt_order(scan: Scan) -> tuple[bool, datetime, int]:
    """Which attempt of a slot counts: a completed one before an open one, then the
    latest started."""
    return (scan.status is not None, scan.started, scan.id)


def group_runs(scans: Iterable[Scan]) -> list[Run]:
    """The runs the scans make, newest first (latest-started scan)."""
    grouped: dict[tuple[str, str | int], dict[tuple[int | None, int | None], Scan]] = {}
    for scan in scans:
        slots = grouped.setdefault(run_of(scan), {})
        slot = (scan.shard_index, scan.shard_count)
        kept = slots.get(slot)
        if kept is None or _attempt_order(scan) > _attempt_order(kept):
            slots[slot] = scan
    runs = []
    for key, slots in grouped.items():
        members = sorted(slots.values(), key=lambda s: (s.shard_index or 0, s.shard_count or 0))
        newest = max(members, key=lambda s: (s.started, s.id))
        run = key[1] if key[0] == "run" else None
        runs.append(Run(run if isinstance(run, str) else None, newest.shard_count, tuple(members)))
    return sorted(runs, key=lambda r: (r.latest.started, r.latest.id), reverse=True)


def latest_runs(
    session: Session, institution_id: int, limit: int, *, completed: bool = True
) -> list[Run]:
    """The institution's latest `limit` runs, newest first. With `completed`, only
    completed scans count (a run shows once one of its shards completed)."""
    where: list[Any] = [Scan.institution_id == institution_id]
    if completed:
        where.append(Scan.status.is_not(None))
    keys: list[tuple[str, str | int]] = []
    loose: list[Scan] = []
    offset = 0
    while len(keys) < limit:
        page: Sequence[Scan] = session.scalars(
            select(Scan)
            .where(*where)
            .order_by(Scan.started.desc(), Scan.id.desc())
            .offset(offset)
            .limit(_PAGE)
        ).all()
        for scan in page:
            key = run_of(scan)
            if key not in keys:
                if len(keys) == limit:
                    break
                keys.append(key)
            if scan.run is None:
                loose.append(scan)
        if len(page) < _PAGE:
            break
        offset += _PAGE
    names = [key[1] for key in keys if key[0] == "run"]
    sharded: Sequence[Scan] = []
    if names:
        sharded = session.scalars(select(Scan).where(*where, Scan.run.in_(names))).all()
    return group_runs([*loose, *sharded])[:limit]
