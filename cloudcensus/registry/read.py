"""Read API for security teams: findings, summary, coverage gaps, explanations, exports.

Every query is scoped to the institutions the caller may read; an institution outside
that scope answers exactly like one that does not exist (404, or no rows). The finding
detail and the trend live in `cloudcensus.registry.detail` (included here).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudcensus.registry import detail
from cloudcensus.registry.counts import summary_counts
from cloudcensus.registry.deps import UNPROCESSABLE, Caller, Db, readable_institution, require
from cloudcensus.registry.models import Coverage, Explanation, Finding, Institution
from cloudcensus.registry.queries import (
    PAGE_MAX,
    EventReader,
    Filters,
    FindingQuery,
    after,
    cursor,
    explanation_view,
    explanations_in_force,
    finding_query,
    finding_view,
    pages,
)
from cloudcensus.registry.runs import latest_runs
from cloudcensus.registry.tokens import Role
from cloudcensus.wire.v1 import API_PREFIX

__all__ = ["router", "summary_of"]

router = APIRouter(prefix=API_PREFIX, tags=["read"])


@router.get("/findings", responses=UNPROCESSABLE)
def list_findings(
    session: Db,
    caller: Caller,
    filters: Filters,
    cursor_: Annotated[str | None, Query(alias="cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 100,
) -> dict[str, Any]:
    """Findings matching every given filter, oldest first; follow `next_cursor`."""
    query = finding_query(session, caller, filters)
    rows = session.execute(query.where(Finding.id > after(cursor_)).limit(limit + 1)).all()
    items = [finding_view(finding, name) for finding, name in rows[:limit]]
    more = len(rows) > limit
    return {"items": items, "next_cursor": cursor(rows[limit - 1][0].id) if more else None}


_CSV_COLUMNS = [
    "institution", "uid", "rule", "title", "severity", "status", "provider", "account",
    "region", "resource_id", "resource_type", "message", "explanation_id", "first_seen",
    "last_seen", "resolved_at",
]  # fmt: skip


def _csv_rows(session: Session, query: FindingQuery) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, _CSV_COLUMNS)
    writer.writeheader()
    for rows in pages(session, query):
        for finding, name in rows:
            writer.writerow(finding_view(finding, name))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


@router.get("/exports/findings.csv", response_class=StreamingResponse)
def export_csv(session: Db, caller: Caller, filters: Filters) -> StreamingResponse:
    """The filtered findings as CSV, streamed page by page (never built in memory)."""
    query = finding_query(session, caller, filters)
    return StreamingResponse(
        _csv_rows(session, query),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="findings.csv"'},
    )


def _jsonl_rows(session: Session, query: FindingQuery) -> Iterator[str]:
    reader = EventReader(session)
    for rows in pages(session, query):
        yield "".join(json.dumps(reader.event(f), separators=(",", ":")) + "\n" for f, _ in rows)


@router.get("/exports/findings.ocsf.jsonl", response_class=StreamingResponse)
def export_ocsf(session: Db, caller: Caller, filters: Filters) -> StreamingResponse:
    """The filtered findings as OCSF Compliance Finding events, one JSON object a line,
    exactly as the agent sent them; streamed page by page (never built in memory)."""
    query = finding_query(session, caller, filters, with_event=True)
    return StreamingResponse(
        _jsonl_rows(session, query),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="findings.ocsf.jsonl"'},
    )


@router.get("/institutions")
def list_institutions(session: Db, caller: Caller) -> list[str]:
    require(caller, Role.READER, Role.ADMIN)
    names = session.execute(select(Institution.id, Institution.name).order_by(Institution.name))
    return [name for id_, name in names if caller.can_read(id_)]


_KINDS = {"pass": "comply", "explained": "explained", "fail": "violating", "error": "error"}


def _counts(by_status: dict[str, int]) -> dict[str, Any]:
    total = sum(by_status.values())
    out: dict[str, Any] = {"total": total}
    out.update({kind: by_status.get(status, 0) for status, kind in _KINDS.items()})
    for key in ("comply", "explained", "violating"):
        out[f"{key}_rate"] = round(out[key] / total, 4) if total else None
    return out


def summary_of(session: Session, institution_id: int) -> dict[str, Any]:
    """Open findings of an institution: counts and rates overall and by rule, severity
    and provider (from `finding_counts`, a few hundred rows whatever the findings)."""
    overall: dict[str, int] = {}
    grouped: dict[str, dict[str, dict[str, int]]] = {
        "by_rule": {}, "by_severity": {}, "by_provider": {}
    }  # fmt: skip
    for rule, severity, provider, status, n in summary_counts(session, institution_id):
        overall[status] = overall.get(status, 0) + n
        for key, value in (("by_rule", rule), ("by_severity", severity),
                           ("by_provider", provider)):  # fmt: skip
            counts = grouped[key].setdefault(value, {})
            counts[status] = counts.get(status, 0) + n
    out: dict[str, Any] = _counts(overall)
    for key, values in grouped.items():
        out[key] = {value: _counts(values[value]) for value in sorted(values)}
    return out


@router.get("/institutions/{name}/summary")
def summary(name: str, session: Db, caller: Caller) -> dict[str, Any]:
    """Open findings: comply (pass), explained, violating (fail), error; with rates;
    overall and broken down by rule, severity and provider."""
    institution = readable_institution(session, caller, name)
    return {"institution": name, **summary_of(session, institution.id)}


@router.get("/institutions/{name}/coverage-gaps")
def coverage_gaps(name: str, session: Db, caller: Caller) -> dict[str, Any]:
    """Units of the last completed run (latest started: an unsharded scan, or the
    completed shard scans of one run) that were not read completely; for a sharded run
    also `missing_shards`, the shards without a completed scan (their scopes were not
    read at all)."""
    institution = readable_institution(session, caller, name)
    found = latest_runs(session, institution.id, 1)
    if not found:
        return {"institution": name, "scan_uid": None, "run": None, "scan_uids": [],
                "missing_shards": [], "gaps": []}  # fmt: skip
    run = found[0]
    rows = session.scalars(
        select(Coverage)
        .where(Coverage.scan_id.in_(run.ids), Coverage.status != "complete")
        .order_by(Coverage.provider, Coverage.account, Coverage.region, Coverage.collector)
    )
    keys = ("provider", "account", "region", "collector", "status", "error_kind", "message")
    gaps = [{k: getattr(row, k) for k in keys} for row in rows]
    return {"institution": name, "scan_uid": run.latest.uid, "run": run.run,
            "scan_uids": run.uids, "missing_shards": run.missing, "gaps": gaps}  # fmt: skip


@router.get("/institutions/{name}/explanations")
def explanations(
    name: str,
    session: Db,
    caller: Caller,
    expiring_within: Annotated[int | None, Query(ge=0, le=3650)] = None,
) -> dict[str, Any]:
    """The explanations in force: the set uploaded by the latest-started scan that
    uploaded one (an empty upload empties it), soonest expiry first."""
    institution = readable_institution(session, caller, name)
    query = explanations_in_force(session, institution.id)
    today = datetime.now(UTC).date()
    if expiring_within is not None:
        query = query.where(Explanation.expires <= today + timedelta(days=expiring_within))
    rows = session.scalars(query.order_by(Explanation.expires, Explanation.explanation_id))
    return {"institution": name, "items": [explanation_view(e, today) for e in rows]}


router.include_router(detail.router)
