"""Ingest API (wire protocol v1, see `cloudcensus.wire.v1`): agents deliver scans.

Scans of one institution are ordered by their start time. Scans may arrive out of
order (an agent's outbox delivering late): a scan started before a scan of the same
institution that has already completed is *superseded*: its batches are recorded (for
idempotency, the completion count and the history) but change no finding, and its
completion resolves nothing. A finding row is only written by a scan that started no
earlier than the scan that last wrote it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, HTTPException, Response
from sqlalchemy import ColumnElement, delete, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from cloudcensus.registry.deps import UNPROCESSABLE, Caller, Db, require
from cloudcensus.registry.models import (
    Batch,
    Coverage,
    Explanation,
    Finding,
    Institution,
    Scan,
    ScanFinding,
)
from cloudcensus.registry.tokens import Principal, Role
from cloudcensus.scanner.coverage import ANY, CoverageEntry, CoverageStatus
from cloudcensus.wire import v1

__all__ = ["covered_accounts", "received_findings", "router"]

router = APIRouter(tags=["ingest"])


def _agent_scan(session: Session, principal: Principal, scan_uid: UUID) -> Scan:
    require(principal, Role.AGENT)
    scan = session.scalar(select(Scan).where(Scan.uid == str(scan_uid)))
    if scan is None or scan.institution_id != principal.institution_id:
        raise HTTPException(404, f"no scan {scan_uid} for this token's institution")
    return scan


def _opened(session: Session, scan: Scan) -> v1.ScanOpened:
    name = session.scalars(select(Institution.name).where(Institution.id == scan.institution_id))
    state = "complete" if scan.status else "open"
    return v1.ScanOpened(scan_uid=UUID(scan.uid), institution=name.one(), state=state)


@router.post(v1.SCANS_PATH, status_code=201)
def open_scan(body: v1.ScanOpen, session: Db, caller: Caller, response: Response) -> v1.ScanOpened:
    require(caller, Role.AGENT)
    existing = session.scalar(select(Scan).where(Scan.uid == str(body.scan_uid)))
    if existing is not None:
        if existing.institution_id != caller.institution_id:
            raise HTTPException(409, "scan uid already in use")
        response.status_code = 200
        response.headers[v1.REPLAYED_HEADER] = "true"
        return _opened(session, existing)
    assert caller.institution_id is not None  # agent tokens always have one (issue_token)
    scan = Scan(
        uid=str(body.scan_uid),
        institution_id=caller.institution_id,
        agent_version=body.agent_version,
        started=body.started.astimezone(UTC),
        providers=body.providers,
        received=datetime.now(UTC),
        events=0,
    )
    session.add(scan)
    session.commit()
    return _opened(session, scan)


def _row(scan: Scan, event: v1.ComplianceFindingEvent) -> dict[str, Any]:
    seen = datetime.fromtimestamp(event.time / 1000, UTC)
    resource = event.resources[0]
    return {
        "institution_id": scan.institution_id,
        "uid": event.finding_info.uid,
        "provider": event.cloud.provider,
        "account": event.cloud.account.uid,
        "region": resource.region or event.cloud.region or "global",
        "rule": event.compliance.control,
        "severity": event.severity.lower(),
        "status": event.unmapped.cloudcensus.status.value,
        "resource_id": resource.uid,
        "resource_type": resource.type,
        "title": event.finding_info.title,
        "message": event.message,
        "explanation_id": event.unmapped.cloudcensus.explanation_id,
        "first_seen": seen,
        "last_seen": seen,
        "resolved_at": None,
        "last_scan_id": scan.id,
        "last_started": scan.started,
        "event": v1.event_to_json(event),
    }


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert or update findings; a row last written by a later-started scan is kept."""
    statement = _insert(session)(Finding)
    kept = {"id", "institution_id", "uid", "first_seen"}
    changes = {
        c.name: statement.excluded[c.name] for c in Finding.__table__.c if c.name not in kept
    }
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["institution_id", "uid"],
            set_=changes,
            where=Finding.last_started <= statement.excluded.last_started,
        ),
        rows,
    )


def _observe(session: Session, scan: Scan, rows: list[dict[str, Any]]) -> None:
    """Record which uids this scan reported (a replayed or duplicated uid counts once)."""
    statement = _insert(session)(ScanFinding).on_conflict_do_nothing(
        index_elements=["scan_id", "uid"]
    )
    session.execute(
        statement, [{"scan_id": scan.id, "uid": r["uid"], "status": r["status"]} for r in rows]
    )


def _started(scan: Scan) -> Any:
    """This scan's start time as SQL (no naive/aware mix-up across dialects)."""
    return select(Scan.started).where(Scan.id == scan.id).scalar_subquery()


def _superseded(session: Session, scan: Scan) -> bool:
    """A later-started scan of the same institution has completed already."""
    newer = aliased(Scan)
    condition: ColumnElement[bool] = exists().where(
        newer.institution_id == scan.institution_id,
        newer.id != scan.id,
        newer.status.is_not(None),
        newer.started > _started(scan),
    )
    return bool(session.scalar(select(condition)))


def received_findings(session: Session, scan_id: int) -> int:
    """Distinct finding uids the registry holds for a scan."""
    count = session.scalar(
        select(func.count()).select_from(ScanFinding).where(ScanFinding.scan_id == scan_id)
    )
    return count or 0


@router.post(v1.FINDINGS_PATH, responses=UNPROCESSABLE)
def add_findings(
    scan_uid: UUID,
    body: v1.FindingBatch,
    session: Db,
    caller: Caller,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias=v1.IDEMPOTENCY_HEADER)] = None,
) -> v1.BatchAccepted:
    scan = _agent_scan(session, caller, scan_uid)  # authorization before any other check
    if idempotency_key is not None and idempotency_key != str(body.batch_uid):
        raise HTTPException(422, f"{v1.IDEMPOTENCY_HEADER} header differs from batch_uid")
    digest = hashlib.sha256(v1.encode(body)).hexdigest()
    answer = v1.BatchAccepted(scan_uid=scan_uid, batch_uid=body.batch_uid, accepted=0)
    known = session.scalar(
        select(Batch).where(Batch.scan_id == scan.id, Batch.batch_uid == str(body.batch_uid))
    )
    if known is not None:
        if known.events_sha256 != digest:
            raise HTTPException(409, "batch_uid already used with different events")
        response.headers[v1.REPLAYED_HEADER] = "true"
        return answer.model_copy(update={"accepted": known.accepted})
    if scan.status is not None:
        raise HTTPException(409, "scan is already complete")
    rows = list({row["uid"]: row for row in (_row(scan, e) for e in body.events)}.values())
    _observe(session, scan, rows)
    if not _superseded(session, scan):
        _upsert(session, rows)
    session.add(
        Batch(
            scan_id=scan.id,
            batch_uid=str(body.batch_uid),
            events_sha256=digest,
            accepted=len(body.events),
            received=datetime.now(UTC),
        )
    )
    scan.events += len(body.events)
    session.commit()
    return answer.model_copy(update={"accepted": len(body.events)})


@router.put(v1.EXPLANATIONS_PATH, responses=UNPROCESSABLE)
def put_explanations(
    scan_uid: UUID, body: v1.ExplanationsUpload, session: Db, caller: Caller
) -> v1.ExplanationsAccepted:
    scan = _agent_scan(session, caller, scan_uid)
    ids = [record.id for record in body.explanations]
    if len(set(ids)) != len(ids):
        raise HTTPException(422, "explanation ids must be unique within an upload")
    session.execute(delete(Explanation).where(Explanation.scan_id == scan.id))
    scan.explanations_uploaded = datetime.now(UTC)  # an empty upload is a set too
    for record in body.explanations:
        fields = record.model_dump(exclude={"id"}, mode="python")
        session.add(
            Explanation(
                scan_id=scan.id,
                institution_id=scan.institution_id,
                explanation_id=record.id,
                **{**fields, "state": record.state.value},
            )
        )
    session.commit()
    return v1.ExplanationsAccepted(scan_uid=scan_uid, accepted=len(ids))


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


@router.post(v1.COMPLETE_PATH)
def complete_scan(
    scan_uid: UUID, body: v1.ScanComplete, session: Db, caller: Caller, response: Response
) -> v1.ScanCompleted:
    scan = _agent_scan(session, caller, scan_uid)
    if scan.completion is not None:
        response.headers[v1.REPLAYED_HEADER] = "true"
        return v1.ScanCompleted.model_validate(scan.completion)
    received = received_findings(session, scan.id)
    if received < body.findings:
        raise HTTPException(
            409, f"registry holds {received} of {body.findings} findings: send missing batches"
        )
    session.add_all(
        Coverage(scan_id=scan.id, **e.model_dump(exclude={"duration_s"}, mode="json"))
        for e in body.coverage
    )
    pairs = [] if _superseded(session, scan) else covered_accounts(body.coverage, body.status)
    resolved = 0
    for provider, account in pairs:
        result = session.execute(
            update(Finding)
            .where(
                Finding.institution_id == scan.institution_id,
                Finding.provider == provider,
                Finding.account == account,
                Finding.resolved_at.is_(None),
                Finding.last_scan_id != scan.id,
                Finding.last_started <= _started(scan),
            )
            .values(resolved_at=body.finished)
        )
        resolved += result.rowcount  # type: ignore[attr-defined]  # CursorResult at runtime
    answer = v1.ScanCompleted(
        scan_uid=scan_uid,
        status=body.status,
        findings=received,
        resolved=resolved,
        covered_accounts=[f"{p}:{a}" for p, a in pairs],
    )
    scan.finished = body.finished
    scan.status = body.status.value
    scan.completion = answer.model_dump(mode="json")
    session.commit()
    return answer
