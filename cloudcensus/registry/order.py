"""Scan order within an institution: which scan a later one supersedes, and where a
completion may resolve findings.

Scans of one institution are ordered by their start time. Scans may arrive out of
order (an agent's outbox delivering late): a scan started before a scan of the same
institution that has already completed is *superseded*: its batches are recorded (for
idempotency, the completion count and the history) but change no finding, and its
completion resolves nothing. A finding row is only written by a scan that started no
earlier than the scan that last wrote it.

Sharded scans (`ScanOpen.shard`: shard `index` of `count` of a `run`) split the estate
between N agents; the shards of one run make one logical scan (`cloudcensus.registry.runs`
for the read side). Supersession is per shard slot: a scan is superseded only by a
later-started completed scan of the same slot (same index and count: a retried shard
replaces the earlier attempt), by a later-started completed unsharded scan (it read the
whole estate), or by another run every shard of which completed and started later
(when N changes between nights, the new run's shards together read the whole estate).
A shard that completes first therefore never supersedes its siblings. A shard's
completion resolves findings only in the (provider, account) pairs its coverage shows
complete and that belong to its shard (`cloudcensus.scanner.shard.shard_index`): never a
sibling shard's accounts, whatever its coverage says.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, distinct, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from cloudcensus.registry.batches import started
from cloudcensus.registry.models import Scan
from cloudcensus.scanner.coverage import ANY, CoverageEntry, CoverageStatus
from cloudcensus.wire import v1

__all__ = ["covered_accounts", "superseded"]


def superseded(session: Session, scan: Scan) -> bool:
    """A later-started completed scan of the institution replaces this one: of the same
    shard slot, of the whole estate, or every shard of another run (see the module doc)."""
    newer = aliased(Scan)
    later = (
        newer.institution_id == scan.institution_id,
        newer.id != scan.id,
        newer.status.is_not(None),
        newer.started > started(scan),
    )
    replaces: ColumnElement[bool] = newer.shard_count.is_(None)
    if scan.shard_count is not None:
        same_slot = and_(
            newer.shard_index == scan.shard_index, newer.shard_count == scan.shard_count
        )
        replaces = or_(replaces, same_slot)
    other_run = newer.run.is_not(None) if scan.run is None else newer.run != scan.run
    complete_runs = (
        select(newer.run)
        .where(*later, other_run)
        .group_by(newer.run, newer.shard_count)
        .having(func.count(distinct(newer.shard_index)) == newer.shard_count)
    )
    condition = or_(exists().where(*later, replaces), exists(complete_runs))
    return bool(session.scalar(select(condition)))


def covered_accounts(
    coverage: list[CoverageEntry], outcome: v1.ScanOutcome
) -> list[tuple[str, str]]:
    """(provider, account) pairs read completely: every entry complete, no wider failure."""
    if outcome is v1.ScanOutcome.FAILED:
        return []
    broken_providers = {
        e.provider for e in coverage if e.account == ANY and e.status is not CoverageStatus.COMPLETE
    }
    pairs: dict[tuple[str, str], bool] = {}
    for entry in coverage:
        if entry.account == ANY:
            continue
        key = (entry.provider, entry.account)
        pairs[key] = pairs.get(key, True) and entry.status is CoverageStatus.COMPLETE
    return sorted(k for k, ok in pairs.items() if ok and k[0] not in broken_providers)
