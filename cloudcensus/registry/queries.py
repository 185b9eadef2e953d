"""Queries shared by the read endpoints: finding filters, row views, explanations in force.

Every finding query is scoped to the institutions the caller may read; an institution
outside that scope answers exactly like one that does not exist (404, or no rows).
"""

from __future__ import annotations

import base64
import json
from collections import OrderedDict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

import msgspec
from fastapi import HTTPException, Query
from isal import isal_zlib
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, case, false, func, or_, select
from sqlalchemy.orm import Session, defer

from cloudcensus.registry import texts
from cloudcensus.registry.deps import readable_institution, require
from cloudcensus.registry.models import EventBatch, Explanation, Finding, Institution, Scan
from cloudcensus.registry.runs import group_runs
from cloudcensus.registry.tokens import Principal, Role

__all__ = [
    "PAGE_MAX",
    "EventReader",
    "Filters",
    "FindingFilters",
    "FindingQuery",
    "after",
    "cursor",
    "explanation_view",
    "explanations_in_force",
    "finding_query",
    "finding_view",
    "pages",
]

FindingQuery = Select[Finding, str]
PAGE_MAX = 1000


class FindingFilters(BaseModel):
    """Every given filter must match; `status` defaults to all open (unresolved) findings.

    Times without a zone are taken as UTC; `*_after` bounds are inclusive, `*_before`
    bounds exclusive.
    """

    institution: str | None = None
    provider: str | None = None
    account: str | None = None
    region: str | None = None
    rule: str | None = None
    severity: str | None = None
    status: Literal["pass", "fail", "explained", "error", "resolved"] | None = None
    text: str | None = Field(default=None, max_length=200, description="in id, title, message")
    first_seen_after: datetime | None = None
    first_seen_before: datetime | None = None
    last_seen_after: datetime | None = None
    last_seen_before: datetime | None = None


Filters = Annotated[FindingFilters, Query()]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def finding_query(
    session: Session, principal: Principal, f: FindingFilters, *, with_event: bool = False
) -> FindingQuery:
    """Findings and their institution's name, filtered and scoped, in id order. The OCSF
    event (a few KB each) is loaded only `with_event`."""
    require(principal, Role.READER, Role.ADMIN)
    query = select(Finding, Institution.name).join(
        Institution, Institution.id == Finding.institution_id
    )
    if f.institution is not None:
        query = query.where(Finding.institution_id == readable_institution(
            session, principal, f.institution).id)  # fmt: skip
    elif principal.readable is not None:
        query = query.where(Finding.institution_id.in_(principal.readable))
    for column, value in (
        (Finding.provider, f.provider), (Finding.account, f.account),
        (Finding.region, f.region), (Finding.rule, f.rule), (Finding.severity, f.severity),
    ):  # fmt: skip
        if value is not None:
            query = query.where(column == value)
    for seen, low, high in (
        (Finding.first_seen, f.first_seen_after, f.first_seen_before),
        (Finding.last_seen, f.last_seen_after, f.last_seen_before),
    ):
        if low is not None:
            query = query.where(seen >= _utc(low))
        if high is not None:
            query = query.where(seen < _utc(high))
    if f.status == "resolved":
        query = query.where(Finding.resolved_at.is_not(None))
    else:
        query = query.where(Finding.resolved_at.is_(None))
        if f.status is not None:
            query = query.where(Finding.status == f.status)
    if f.text:
        query = query.where(_text_filter(session, f.text))
    query = query.order_by(Finding.id)
    return query if with_event else query.options(defer(Finding.event))


def _text_filter(session: Session, value: str) -> ColumnElement[bool]:
    """Case-insensitive substring of resource id, title or message: through the texts
    stored once (`cloudcensus.registry.texts`); a text with a newline reads the rows."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped.lower()}%"
    if "\n" not in value:
        return texts.matching(session, pattern)
    return or_(*(
        func.lower(c).like(pattern, escape="\\")
        for c in (Finding.resource_id, Finding.title, Finding.message)
    ))  # fmt: skip


def pages(session: Session, query: FindingQuery) -> Iterator[list[tuple[Finding, str]]]:
    """The query's rows, `PAGE_MAX` at a time (keyset on id): for streamed exports."""
    last = 0
    while True:
        rows = [(f, n) for f, n in session.execute(query.where(Finding.id > last).limit(PAGE_MAX))]
        yield rows
        if len(rows) < PAGE_MAX:
            return
        last = rows[-1][0].id


def finding_view(finding: Finding, institution: str) -> dict[str, Any]:
    return {
        "institution": institution,
        "uid": finding.uid,
        "rule": finding.rule,
        "title": finding.title,
        "severity": finding.severity,
        "status": finding.status,
        "provider": finding.provider,
        "account": finding.account,
        "region": finding.region,
        "resource_id": finding.resource_id,
        "resource_type": finding.resource_type,
        "message": finding.message,
        "explanation_id": finding.explanation_id,
        "first_seen": finding.first_seen,
        "last_seen": finding.last_seen,
        "resolved_at": finding.resolved_at,
    }


class _Body(msgspec.Struct):
    """A stored batch body: its events are sliced out, not parsed, until one is read."""

    events: list[msgspec.Raw]


_BODY = msgspec.json.Decoder(_Body)
_GZIP_MAGIC = b"\x1f\x8b"


def _json(body: bytes) -> bytes:
    """A stored batch body as JSON: gzip (as an agent sent it) is decompressed like the
    registry did on receipt (`BodyLimitMiddleware`: the first gzip member)."""
    if body[:2] != _GZIP_MAGIC:  # JSON text never starts with these bytes
        return body
    return isal_zlib.decompressobj(wbits=31).decompress(body)


class EventReader:
    """The OCSF events of findings, each stored batch read and split once (the latest
    `cache` batches are kept: findings in id order mostly share their batches)."""

    def __init__(self, session: Session, cache: int = 8) -> None:
        self._session = session
        self._cache = cache
        self._batches: OrderedDict[int, list[msgspec.Raw]] = OrderedDict()

    def event(self, finding: Finding) -> dict[str, Any]:
        """The event as the agent sent it (re-encoded by the registry when it had to)."""
        if finding.events_id is None or finding.event_index is None:
            return finding.event or {}  # written before migration 0005
        events = self._batches.get(finding.events_id)
        if events is None:
            body = self._session.scalar(
                select(EventBatch.body).where(EventBatch.id == finding.events_id)
            )
            if body is None:  # never: a batch is kept while a row points to it
                raise LookupError(f"event batch {finding.events_id} of a finding is missing")
            events = _BODY.decode(_json(body)).events
            self._batches[finding.events_id] = events
            if len(self._batches) > self._cache:
                self._batches.popitem(last=False)
        else:
            self._batches.move_to_end(finding.events_id)
        value: dict[str, Any] = json.loads(bytes(events[finding.event_index]))
        return value


def cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode()


def after(value: str | None) -> int:
    if value is None:
        return 0
    try:
        return int(base64.urlsafe_b64decode(value.encode()))
    except ValueError as error:
        raise HTTPException(422, "malformed cursor") from error


def explanations_in_force(session: Session, institution_id: int) -> Select[Explanation]:
    """The explanations of the latest-started scan that uploaded a set (possibly empty).
    When that scan is a shard of a run, the uploads of the run's shards together (latest
    attempt per shard), one row per explanation id: each shard judges `stale` (matched
    no failing finding) on its own accounts only, so an explanation is stale only when
    every shard found it so."""
    uploaded = (Scan.institution_id == institution_id, Scan.explanations_uploaded.is_not(None))
    latest = session.execute(
        select(Scan.id, Scan.run)
        .where(*uploaded)
        .order_by(Scan.started.desc(), Scan.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return select(Explanation).where(false())
    if latest.run is None:
        return select(Explanation).where(Explanation.scan_id == latest.id)
    shards = group_runs(session.scalars(select(Scan).where(*uploaded, Scan.run == latest.run)))
    rank = func.row_number().over(
        partition_by=Explanation.explanation_id,
        order_by=(case((Explanation.state == "stale", 1), else_=0), Scan.started.desc(),
                  Scan.id.desc()),
    )  # fmt: skip
    ranked = (
        select(Explanation.id, rank.label("rank"))
        .join(Scan, Scan.id == Explanation.scan_id)
        .where(Explanation.scan_id.in_(shards[0].ids))
        .subquery()
    )
    chosen = select(ranked.c.id).where(ranked.c.rank == 1)
    return select(Explanation).where(Explanation.id.in_(chosen))


def explanation_view(row: Explanation, today: date) -> dict[str, Any]:
    keys = ("rule", "reason", "category", "requested_by", "approved_by", "approved_on",
            "expires", "reference", "state")  # fmt: skip
    out: dict[str, Any] = {"id": row.explanation_id, **{k: getattr(row, k) for k in keys}}
    out["days_left"] = (row.expires - today).days
    return out
