"""Read API, per finding and over time: a finding's detail and history, the trend.

Included by `cloudcensus.registry.read` (same prefix, same tenancy rules): a finding or
institution outside the caller's scope answers 404, like one that does not exist.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cloudcensus.registry.deps import Caller, Db, readable_institution
from cloudcensus.registry.models import Explanation, Finding, Scan, ScanFinding
from cloudcensus.registry.queries import explanation_view, explanations_in_force, finding_view

__all__ = ["router"]

router = APIRouter(tags=["read"])


def _scan_view(scan: Scan) -> dict[str, Any]:
    return {
        "scan_uid": scan.uid,
        "started": scan.started,
        "finished": scan.finished,
        "scan_status": scan.status or "open",
    }


def _history(session: Session, institution_id: int, uid: str, limit: int) -> list[Any]:
    """The finding's status in each of the institution's latest scans, newest first,
    back to the first scan that reported it; `absent` where a scan did not."""
    observed: dict[int, str] = {}
    first: tuple[datetime, int] | None = None
    for scan_id, status, started in session.execute(
        select(ScanFinding.scan_id, ScanFinding.status, Scan.started)
        .join(Scan)
        .where(Scan.institution_id == institution_id, ScanFinding.uid == uid)
    ):
        observed[scan_id] = status
        first = min(first or (started, scan_id), (started, scan_id))
    if first is None:
        return []
    scans = session.scalars(
        select(Scan)
        .where(Scan.institution_id == institution_id)
        .order_by(Scan.started.desc(), Scan.id.desc())
        .limit(limit)
    )
    kept = [scan for scan in scans if (scan.started, scan.id) >= first]
    return [{**_scan_view(s), "status": observed.get(s.id, "absent")} for s in kept]


@router.get("/findings/{uid}")
def finding_detail(
    uid: str,
    institution: str,
    session: Db,
    caller: Caller,
    history: Annotated[int, Query(ge=1, le=500, description="latest scans to cover")] = 20,
) -> dict[str, Any]:
    """One finding: its current state, the OCSF event as sent (with its evidence), the
    explanation in force that covers it, and its status in each recent scan."""
    owner = readable_institution(session, caller, institution)
    finding = session.scalar(
        select(Finding).where(Finding.institution_id == owner.id, Finding.uid == uid)
    )
    if finding is None:
        raise HTTPException(404, f"no finding {uid!r} in institution {institution!r}")
    explanation = None
    if finding.explanation_id is not None:
        row = session.scalar(
            explanations_in_force(session, owner.id).where(
                Explanation.explanation_id == finding.explanation_id
            )
        )
        if row is not None:
            explanation = explanation_view(row, datetime.now(UTC).date())
    return {
        **finding_view(finding, owner.name),
        "event": finding.event,
        "evidence": finding.event.get("evidences", []),
        "explanation": explanation,
        "history": _history(session, owner.id, uid, history),
    }


@router.get("/institutions/{name}/trend")
def trend(
    name: str,
    session: Db,
    caller: Caller,
    scans: Annotated[int, Query(ge=1, le=500, description="latest completed scans")] = 10,
) -> dict[str, Any]:
    """Per completed scan (latest `scans`, oldest first): findings it reported by status,
    and how many its completion resolved."""
    institution = readable_institution(session, caller, name)
    rows = list(
        session.scalars(
            select(Scan)
            .where(Scan.institution_id == institution.id, Scan.status.is_not(None))
            .order_by(Scan.started.desc(), Scan.id.desc())
            .limit(scans)
        )
    )[::-1]
    counts: dict[int, dict[str, int]] = {scan.id: {} for scan in rows}
    grouped = session.execute(
        select(ScanFinding.scan_id, ScanFinding.status, func.count())
        .where(ScanFinding.scan_id.in_(list(counts)))
        .group_by(ScanFinding.scan_id, ScanFinding.status)
    )
    for scan_id, status, count in grouped:
        counts[scan_id][status] = count
    points = []
    for scan in rows:
        by_status = {s: counts[scan.id].get(s, 0) for s in ("pass", "fail", "explained", "error")}
        resolved = (scan.completion or {}).get("resolved", 0)
        points.append(
            {**_scan_view(scan), "total": sum(by_status.values()), **by_status,
             "resolved": resolved}
        )  # fmt: skip
    return {"institution": name, "scans": points}
