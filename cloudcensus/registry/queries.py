"""Queries shared by the read endpoints: finding filters, row views, explanations in force.

Every finding query is scoped to the institutions the caller may read; an institution
outside that scope answers exactly like one that does not exist (404, or no rows).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, func, literal_column, or_, select
from sqlalchemy.orm import Session, defer

from cloudcensus.registry.deps import readable_institution, require
from cloudcensus.registry.models import Explanation, Finding, Institution, Scan
from cloudcensus.registry.tokens import Principal, Role

__all__ = [
    "PAGE_MAX",
    "SEARCH_TEXT",
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

#: What the `text` filter searches: resource id, title and message joined by newlines,
#: lower case. A text without a newline is a substring of this exactly when it is one
#: of a field. On PostgreSQL a trigram index covers this very expression (migration
#: 0002, `ix_findings_text`): keep the two spelled alike.
SEARCH_TEXT: ColumnElement[str] = literal_column(
    "lower(findings.resource_id || '\n' || findings.title || '\n' || "
    "coalesce(findings.message, ''))"
)


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
    query = select(Finding, Institution.name).join(Institution)
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
        query = query.where(_text_filter(f.text))
    query = query.order_by(Finding.id)
    return query if with_event else query.options(defer(Finding.event))


def _text_filter(value: str) -> ColumnElement[bool]:
    """Case-insensitive substring of resource id, title or message."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped.lower()}%"
    if "\n" not in value:
        return SEARCH_TEXT.like(pattern, escape="\\")
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
    """The explanations of the latest-started scan that uploaded a set (possibly empty)."""
    scan_id = (
        select(Scan.id)
        .where(Scan.institution_id == institution_id, Scan.explanations_uploaded.is_not(None))
        .order_by(Scan.started.desc(), Scan.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return select(Explanation).where(Explanation.scan_id == scan_id)


def explanation_view(row: Explanation, today: date) -> dict[str, Any]:
    keys = ("rule", "reason", "category", "requested_by", "approved_by", "approved_on",
            "expires", "reference", "state")  # fmt: skip
    out: dict[str, Any] = {"id": row.explanation_id, **{k: getattr(row, k) for k in keys}}
    out["days_left"] = (row.expires - today).days
    return out
