"""Read API, per finding and over time: a finding's detail and history, the trend.

Included by `cloudcensus.registry.read` (same prefix, same tenancy rules): a finding or
institution outside the caller's scope answers 404, like one that does not exist.

History and trend show runs (`cloudcensus.registry.runs`): an unsharded scan, or the
shard scans of one run merged into one logical scan.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudcensus.registry.deps import Caller, Db, readable_institution
from cloudcensus.registry.models import Explanation, Finding, Scan, ScanCount, ScanFinding
from cloudcensus.registry.queries import (
    EventReader,
    explanation_view,
    explanations_in_force,
    finding_view,
)
from cloudcensus.registry.runs import Run, latest_runs

__all__ = ["router"]

router = APIRouter(tags=["read"])


def _run_view(run: Run) -> dict[str, Any]:
    """A run as the API shows it: `scan_uid` is its latest-started scan; `run` and
    `shards` (`{count, completed, missing}`) are null for an unsharded scan."""
    return {
        "scan_uid": run.latest.uid,
        "started": run.started,
        "finished": run.finished,
        "scan_status": run.status,
        "run": run.run,
        "shards": run.shards(),
        "scan_uids": run.uids,
    }


def _history(session: Session, institution_id: int, uid: str, limit: int) -> list[Any]:
    """The finding's status in each of the institution's latest runs, newest first,
    back to the first scan that reported it; `absent` where a run did not."""
    observed: dict[int, str] = {}
    first: tuple[datetime, int] | None = None
    for scan_id, status, started in session.execute(
        select(ScanFinding.scan_id, ScanFinding.status, Scan.started)
        .join(Scan, Scan.id == ScanFinding.scan_id)
        .where(Scan.institution_id == institution_id, ScanFinding.uid == uid)
    ):
        observed[scan_id] = status
        first = min(first or (started, scan_id), (started, scan_id))
    if first is None:
        return []
    runs = latest_runs(session, institution_id, limit, completed=False)
    kept = [run for run in runs if (run.latest.started, run.latest.id) >= first]
    out = []
    for run in kept:
        newest_first = sorted(run.scans, key=lambda s: (s.started, s.id), reverse=True)
        seen = [observed[s.id] for s in newest_first if s.id in observed]
        out.append({**_run_view(run), "status": seen[0] if seen else "absent"})
    return out


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
        "event": (event := EventReader(session).event(finding)),
        "evidence": event.get("evidences", []),
        "explanation": explanation,
        "history": _history(session, owner.id, uid, history),
    }


@router.get("/institutions/{name}/trend")
def trend(
    name: str,
    session: Db,
    caller: Caller,
    scans: Annotated[int, Query(ge=1, le=500, description="latest completed runs")] = 10,
) -> dict[str, Any]:
    """Per completed run (latest `scans`, oldest first; a run is an unsharded scan or the
    completed shard scans of one run): findings it reported by status, how many its
    completions resolved, its shards and which are missing."""
    institution = readable_institution(session, caller, name)
    runs = latest_runs(session, institution.id, scans)[::-1]
    counts: dict[int, dict[str, int]] = {id_: {} for run in runs for id_ in run.ids}
    stored = session.execute(
        select(ScanCount.scan_id, ScanCount.status, ScanCount.n).where(
            ScanCount.scan_id.in_(list(counts))
        )
    )
    for scan_id, status, count in stored:  # written when each scan completed
        counts[scan_id][status] = count
    points = []
    for run in runs:
        by_status = {
            s: sum(counts[id_].get(s, 0) for id_ in run.ids)
            for s in ("pass", "fail", "explained", "error")
        }
        resolved = sum((scan.completion or {}).get("resolved", 0) for scan in run.scans)
        points.append(
            {**_run_view(run), "total": sum(by_status.values()), **by_status,
             "resolved": resolved}
        )  # fmt: skip
    return {"institution": name, "scans": points}
