"""Read API for security teams: findings, summary, coverage gaps, explanations, CSV.

Every query is scoped to the institutions the caller may read; an institution outside
that scope answers exactly like one that does not exist (404, or no rows).
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from cloudcensus.registry.deps import Caller, Db, readable_institution, require
from cloudcensus.registry.models import Coverage, Explanation, Finding, Institution, Scan
from cloudcensus.registry.tokens import Principal, Role
from cloudcensus.wire.v1 import API_PREFIX

__all__ = ["router"]

FindingQuery = Select[Finding, str]

router = APIRouter(prefix=API_PREFIX, tags=["read"])
_PAGE_MAX = 1000


class FindingFilters(BaseModel):
    """Every given filter must match; `status` defaults to all open (unresolved) findings."""

    institution: str | None = None
    provider: str | None = None
    account: str | None = None
    region: str | None = None
    rule: str | None = None
    severity: str | None = None
    status: Literal["pass", "fail", "explained", "error", "resolved"] | None = None
    text: str | None = Field(default=None, max_length=200, description="in id, title, message")


Filters = Annotated[FindingFilters, Query()]


def _query(session: Session, principal: Principal, f: FindingFilters) -> FindingQuery:
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
    if f.status == "resolved":
        query = query.where(Finding.resolved_at.is_not(None))
    else:
        query = query.where(Finding.resolved_at.is_(None))
        if f.status is not None:
            query = query.where(Finding.status == f.status)
    if f.text:
        escaped = f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped.lower()}%"
        query = query.where(or_(*(
            func.lower(c).like(pattern, escape="\\")
            for c in (Finding.resource_id, Finding.title, Finding.message)
        )))  # fmt: skip
    return query.order_by(Finding.id)


def _view(finding: Finding, institution: str) -> dict[str, Any]:
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


def _cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode()


def _after(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as error:
        raise HTTPException(422, "malformed cursor") from error


@router.get("/findings")
def list_findings(
    session: Db,
    caller: Caller,
    filters: Filters,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=_PAGE_MAX)] = 100,
) -> dict[str, Any]:
    """Findings matching every given filter, oldest first; follow `next_cursor`."""
    query = _query(session, caller, filters).where(Finding.id > _after(cursor)).limit(limit + 1)
    rows = session.execute(query).all()
    items = [_view(finding, name) for finding, name in rows[:limit]]
    more = len(rows) > limit
    return {"items": items, "next_cursor": _cursor(rows[limit - 1][0].id) if more else None}


_CSV_COLUMNS = [
    "institution", "uid", "rule", "title", "severity", "status", "provider", "account",
    "region", "resource_id", "resource_type", "message", "explanation_id", "first_seen",
    "last_seen", "resolved_at",
]  # fmt: skip


def _csv_rows(session: Session, query: FindingQuery) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, _CSV_COLUMNS)
    writer.writeheader()
    last = 0
    while True:
        rows = session.execute(query.where(Finding.id > last).limit(_PAGE_MAX)).all()
        for finding, name in rows:
            writer.writerow(_view(finding, name))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < _PAGE_MAX:
            return
        last = rows[-1][0].id


@router.get("/exports/findings.csv", response_class=StreamingResponse)
def export_csv(session: Db, caller: Caller, filters: Filters) -> StreamingResponse:
    """The filtered findings as CSV, streamed page by page (never built in memory)."""
    query = _query(session, caller, filters)
    return StreamingResponse(
        _csv_rows(session, query),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="findings.csv"'},
    )


@router.get("/institutions")
def list_institutions(session: Db, caller: Caller) -> list[str]:
    require(caller, Role.READER, Role.ADMIN)
    names = session.execute(select(Institution.id, Institution.name).order_by(Institution.name))
    return [name for id_, name in names if caller.can_read(id_)]


@router.get("/institutions/{name}/summary")
def summary(name: str, session: Db, caller: Caller) -> dict[str, Any]:
    """Open findings: comply (pass), explained, violating (fail), error; with rates."""
    institution = readable_institution(session, caller, name)
    counts = dict(
        session.execute(
            select(Finding.status, func.count())
            .where(Finding.institution_id == institution.id, Finding.resolved_at.is_(None))
            .group_by(Finding.status)
        ).all()
    )
    total = sum(counts.values())
    out: dict[str, Any] = {
        "institution": name,
        "total": total,
        "comply": counts.get("pass", 0),
        "explained": counts.get("explained", 0),
        "violating": counts.get("fail", 0),
        "error": counts.get("error", 0),
    }
    for key in ("comply", "explained", "violating"):
        out[f"{key}_rate"] = round(out[key] / total, 4) if total else None
    return out


def _last_scan(session: Session, institution_id: int) -> Scan | None:
    return session.scalar(
        select(Scan)
        .where(Scan.institution_id == institution_id, Scan.status.is_not(None))
        .order_by(Scan.finished.desc(), Scan.id.desc())
        .limit(1)
    )


@router.get("/institutions/{name}/coverage-gaps")
def coverage_gaps(name: str, session: Db, caller: Caller) -> dict[str, Any]:
    """Units of the last completed scan that were not read completely."""
    institution = readable_institution(session, caller, name)
    scan = _last_scan(session, institution.id)
    if scan is None:
        return {"institution": name, "scan_uid": None, "gaps": []}
    rows = session.scalars(
        select(Coverage)
        .where(Coverage.scan_id == scan.id, Coverage.status != "complete")
        .order_by(Coverage.provider, Coverage.account, Coverage.region, Coverage.collector)
    )
    keys = ("provider", "account", "region", "collector", "status", "error_kind", "message")
    gaps = [{k: getattr(row, k) for k in keys} for row in rows]
    return {"institution": name, "scan_uid": scan.uid, "gaps": gaps}


@router.get("/institutions/{name}/explanations")
def explanations(
    name: str,
    session: Db,
    caller: Caller,
    expiring_within: Annotated[int | None, Query(ge=0, le=3650)] = None,
) -> dict[str, Any]:
    """Explanations of the last scan that uploaded any, soonest expiry first."""
    institution = readable_institution(session, caller, name)
    scan_id = session.scalar(
        select(Explanation.scan_id)
        .join(Scan)
        .where(Explanation.institution_id == institution.id)
        .order_by(Scan.received.desc(), Scan.id.desc())
        .limit(1)
    )
    query = select(Explanation).where(Explanation.scan_id == scan_id)
    today = datetime.now(UTC).date()
    if expiring_within is not None:
        query = query.where(Explanation.expires <= today + timedelta(days=expiring_within))
    items = [_explanation(e, today) for e in session.scalars(query.order_by(Explanation.expires))]
    return {"institution": name, "items": items}


def _explanation(row: Explanation, today: date) -> dict[str, Any]:
    keys = ("rule", "reason", "category", "requested_by", "approved_by", "approved_on",
            "expires", "reference", "state")  # fmt: skip
    out: dict[str, Any] = {"id": row.explanation_id, **{k: getattr(row, k) for k in keys}}
    out["days_left"] = (row.expires - today).days
    return out
