"""`cloudcensus registry check [--repair]`: the numbers the registry keeps, checked
against the rows they count.

Two things are kept up to date by every write instead of being computed when read
(`cloudcensus.registry.counts`, `cloudcensus.registry.batches`): the open findings per
institution, rule, severity, provider and status (`finding_counts`, what the summary
shows), and how many findings point to each stored batch body (`event_batches.refs`,
which decides when a body is deleted). A database restored from a backup taken
mid-write, or edited by hand, can leave them wrong; this check recomputes both from
`findings` and, with `--repair`, writes the recomputed values and deletes the batch
bodies no finding points to. A finding whose batch body is missing cannot be repaired
(its event is lost); the check names how many there are and where.

The whole check runs in one transaction that first takes every institution's writer
lock (PostgreSQL; SQLite: the database's write lock), so that no batch or completion
changes the rows while they are compared.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from cloudcensus.registry.counts import (
    CountKey,
    kept_counts,
    lock_institution,
    open_counts,
    recount,
)
from cloudcensus.registry.models import EventBatch, Finding, Institution, Scan, ScanFinding

__all__ = ["Report", "check"]


@dataclass
class Report:
    """What the check found (and, with `repair`, mended)."""

    #: institution name -> {(rule, severity, provider, status): (kept, actual)}
    counts: dict[str, dict[CountKey, tuple[int, int]]] = field(default_factory=dict)
    #: batch id -> (kept refs, findings pointing to it); 0 findings: an unused body
    refs: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: institution name -> findings whose batch body is missing (events lost)
    missing_events: dict[str, int] = field(default_factory=dict)
    #: "table.column" -> rows pointing to no row (no foreign key checks them: migration
    #: 0007); not repaired: what they belonged to is gone
    dangling: dict[str, int] = field(default_factory=dict)
    repaired: bool = False

    @property
    def consistent(self) -> bool:
        return not (self.counts or self.refs or self.missing_events or self.dangling)

    def lines(self) -> list[str]:
        """The findings, one line each, as the command prints them."""
        out = []
        for name, keys in sorted(self.counts.items()):
            for (rule, severity, provider, status), (kept, actual) in sorted(keys.items()):
                out.append(
                    f"finding_counts {name} {rule}/{severity}/{provider}/{status}: "
                    f"kept {kept}, findings {actual}"
                )
        unused = sorted(b for b, (_, actual) in self.refs.items() if actual == 0)
        wrong = sorted(b for b, (_, actual) in self.refs.items() if actual > 0)
        for batch in wrong:
            kept, actual = self.refs[batch]
            out.append(f"event_batches {batch}: refs {kept}, findings pointing to it {actual}")
        if unused:
            out.append(f"event_batches: {len(unused)} body(ies) no finding points to")
        for name, n in sorted(self.missing_events.items()):
            out.append(f"findings {name}: {n} whose event batch is missing (events lost)")
        for column, n in sorted(self.dangling.items()):
            out.append(f"{column}: {n} row(s) pointing to no row (not repaired)")
        return out


def _lock_all(session: Session) -> list[tuple[int, str]]:
    """Every institution's writer lock, in id order (a writer takes one lock only)."""
    institutions = [(i, n) for i, n in session.execute(
        select(Institution.id, Institution.name).order_by(Institution.id))]  # fmt: skip
    for institution_id, _ in institutions:
        lock_institution(session, institution_id)
    return institutions


def _counts(session: Session, institution_id: int) -> dict[CountKey, tuple[int, int]]:
    kept, actual = kept_counts(session, institution_id), open_counts(session, institution_id)
    return {k: (kept[k], actual[k]) for k in kept.keys() | actual.keys() if kept[k] != actual[k]}


def _repair_refs(session: Session, refs: dict[int, tuple[int, int]]) -> None:
    unused = [batch for batch, (_, actual) in refs.items() if actual == 0]
    for batch, (_, actual) in refs.items():
        if actual:
            session.execute(update(EventBatch).where(EventBatch.id == batch).values(refs=actual))
    for first in range(0, len(unused), 1000):
        chunk = unused[first : first + 1000]
        session.execute(delete(EventBatch).where(EventBatch.id.in_(chunk)))


def check(session: Session, *, repair: bool = False) -> Report:
    """Compare (and with `repair` rewrite) the kept counts and batch references; the
    caller commits."""
    report = Report()
    institutions = _lock_all(session)
    for institution_id, name in institutions:
        wrong = _counts(session, institution_id)
        if wrong:
            report.counts[name] = wrong
            if repair:
                recount(session, institution_id)
    pointing = Counter(
        {
            batch: n
            for batch, n in session.execute(
                select(Finding.events_id, func.count())
                .where(Finding.events_id.is_not(None))
                .group_by(Finding.events_id)
            )
        }
    )
    stored = {b: refs for b, refs in session.execute(select(EventBatch.id, EventBatch.refs))}
    for batch, refs in stored.items():
        if refs != pointing[batch]:
            report.refs[batch] = (refs, pointing[batch])
    names = dict(institutions)
    for institution_id, n in session.execute(
        select(Finding.institution_id, func.count())
        .where(Finding.events_id.is_not(None), Finding.events_id.not_in(select(EventBatch.id)))
        .group_by(Finding.institution_id)
    ):
        report.missing_events[names.get(institution_id, f"#{institution_id}")] = n
    report.dangling = _dangling(session)
    if repair and report.refs:
        _repair_refs(session, report.refs)
    report.repaired = repair
    return report


def _dangling(session: Session) -> dict[str, int]:
    """Rows of the per-finding tables whose institution or scan does not exist."""
    probes = {
        "findings.institution_id": (Finding.institution_id, Institution.id),
        "findings.last_scan_id": (Finding.last_scan_id, Scan.id),
        "scan_findings.scan_id": (ScanFinding.scan_id, Scan.id),
    }
    found = {}
    for name, (column, target) in probes.items():
        n = session.scalar(select(func.count()).where(column.not_in(select(target))))
        if n:
            found[name] = n
    return found
