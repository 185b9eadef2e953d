"""Open findings per institution, rule, severity, provider and status (`finding_counts`).

The summary of an institution groups its open findings five ways; at a million findings
that grouping takes a second, so the counts are kept up to date instead, in the
transaction of every write that changes `findings`:

- a batch (`cloudcensus.registry.batches`): it locks the stored rows of its uids and
  counts the rows it writes (+1 under their new key) and the open rows they replace (-1
  under their old key), with the very condition its writes apply;
- a completion (`cloudcensus.registry.ingest`): `resolution_delta` counts the rows it is
  about to resolve (-1).

Both read `findings` before writing it. `lock_institution` orders the writers of one
institution (an advisory transaction lock on PostgreSQL; on SQLite, taking the database
write lock at once): batches take it shared, so batches in flight write side by side
(their row locks keep each count exact, and they update counts rows in key order), and
a completion or `registry check` takes it alone. `summary_counts` reads
the table. `recount` rebuilds an institution's rows from `findings` (the repair of
`cloudcensus registry check --repair`, `cloudcensus.registry.check`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import ColumnElement, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from cloudcensus.registry.db import insert_of
from cloudcensus.registry.models import Finding, FindingCount, Institution

__all__ = [
    "CountKey",
    "apply_delta",
    "kept_counts",
    "lock_institution",
    "open_counts",
    "recount",
    "resolution_delta",
    "summary_counts",
]

#: (rule, severity, provider, status)
CountKey = tuple[str, str, str, str]
_KEY_COLUMNS = (Finding.rule, Finding.severity, Finding.provider, Finding.status)
_LOCK_NAMESPACE = 0x63636E74  # "ccnt": the advisory lock class of institution writers


def lock_institution(session: Session, institution_id: int, *, shared: bool = False) -> None:
    """Serialise this transaction with every other writer of the institution's findings;
    `shared`: with every writer but those that take it shared too (finding batches, each
    of which locks the rows it writes). On SQLite, one writer at a time whatever."""
    if session.get_bind().dialect.name == "postgresql":
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        session.execute(
            text(f"SELECT {function}(:space, :institution)"),
            {"space": _LOCK_NAMESPACE, "institution": institution_id},
        )
    else:  # SQLite: a first write takes the database's write lock (waits busy_timeout)
        mine = Institution.id == institution_id
        session.execute(update(Institution).where(mine).values(name=Institution.name))


def resolution_delta(session: Session, where: Iterable[ColumnElement[bool]]) -> Counter[CountKey]:
    """-1 per open finding matching `where` (the rows a resolution is about to close)."""
    rows = session.execute(
        select(*_KEY_COLUMNS, func.count())
        .where(*where, Finding.resolved_at.is_(None))
        .group_by(*_KEY_COLUMNS)
    )
    return Counter({(r, sv, p, st): -n for r, sv, p, st, n in rows})


def apply_delta(session: Session, institution_id: int, delta: Counter[CountKey]) -> None:
    """Add `delta` to the institution's counts (rows are created as needed)."""
    rows = [
        {"institution_id": institution_id, "rule": r, "severity": sv, "provider": p,
         "status": st, "n": n}
        for (r, sv, p, st), n in sorted(delta.items())  # (in key order, as every writer)
        if n
    ]  # fmt: skip
    if not rows:
        return
    statement = insert_of(session)(FindingCount)
    session.connection().execute(
        statement.on_conflict_do_update(
            index_elements=["institution_id", "rule", "severity", "provider", "status"],
            set_={"n": FindingCount.n + statement.excluded.n},
        ),
        rows,
    )


def kept_counts(session: Session, institution_id: int) -> Counter[CountKey]:
    """The institution's `finding_counts` rows as they are (zero and below included)."""
    rows = session.execute(
        select(
            FindingCount.rule,
            FindingCount.severity,
            FindingCount.provider,
            FindingCount.status,
            FindingCount.n,
        ).where(FindingCount.institution_id == institution_id)
    )
    return Counter({(r, sv, p, st): n for r, sv, p, st, n in rows})


def open_counts(session: Session, institution_id: int) -> Counter[CountKey]:
    """The institution's open findings counted from `findings` (what the rows should be)."""
    rows = session.execute(
        select(*_KEY_COLUMNS, func.count())
        .where(Finding.institution_id == institution_id, Finding.resolved_at.is_(None))
        .group_by(*_KEY_COLUMNS)
    )
    return Counter({(r, sv, p, st): n for r, sv, p, st, n in rows})


def summary_counts(session: Session, institution_id: int) -> list[tuple[str, str, str, str, int]]:
    """(rule, severity, provider, status, open findings) of an institution, none zero."""
    kept = kept_counts(session, institution_id)
    return [(*key, n) for key, n in kept.items() if n > 0]


def recount(session: Session, institution_id: int) -> None:
    """Rebuild the institution's counts from `findings` (caller commits)."""
    session.execute(delete(FindingCount).where(FindingCount.institution_id == institution_id))
    grouped = (
        select(Finding.institution_id, *_KEY_COLUMNS, func.count())
        .where(Finding.institution_id == institution_id, Finding.resolved_at.is_(None))
        .group_by(Finding.institution_id, *_KEY_COLUMNS)
    )
    columns = ["institution_id", "rule", "severity", "provider", "status", "n"]
    session.execute(insert(FindingCount).from_select(columns, grouped))
