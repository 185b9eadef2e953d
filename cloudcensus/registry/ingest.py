"""Ingest API (wire protocol v1, see `cloudcensus.wire.v1`): agents deliver scans.

Scans of one institution are ordered by their start time; a scan delivered late may be
*superseded* and change nothing, and a completion resolves findings only where its
coverage allows (`cloudcensus.registry.order`).

Every write of an institution's findings (a batch, a completion) runs under
`counts.lock_institution` and keeps `finding_counts` in step. A batch is read and
written by `cloudcensus.registry.batches` (msgspec decodes and checks it); a batch's
digest, which tells a replay from a conflicting reuse of its uid, is the SHA-256 of the
body as received (decompressed).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request, Response
from pydantic import ValidationError
from sqlalchemy import (
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cloudcensus.registry import batches
from cloudcensus.registry.body import received_gzip
from cloudcensus.registry.counts import apply_delta, lock_institution, resolution_delta
from cloudcensus.registry.db import insert_of
from cloudcensus.registry.deps import UNPROCESSABLE, Caller, Db, require
from cloudcensus.registry.models import (
    Batch,
    Coverage,
    Explanation,
    Finding,
    Institution,
    Scan,
    ScanCount,
    ScanFinding,
)
from cloudcensus.registry.order import covered_accounts, superseded
from cloudcensus.registry.tokens import Principal, Role
from cloudcensus.wire import v1
from cloudcensus.wire.v1 import shard_index

__all__ = ["BATCH_BODY", "covered_accounts", "document_batch_body", "received_findings", "router"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["ingest"])

#: The request body of the findings route, for the OpenAPI spec: the route reads the
#: raw body itself (see `cloudcensus.registry.batches`), so FastAPI cannot infer it.
BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FindingBatch"}}},
    }
}


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
        if _shard_of(existing) != body.shard:
            raise HTTPException(409, "scan uid already opened with another shard")
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
        shard_index=body.shard.index if body.shard else None,
        shard_count=body.shard.count if body.shard else None,
        run=body.shard.run if body.shard else None,
    )
    session.add(scan)
    session.commit()
    return _opened(session, scan)


def _shard_of(scan: Scan) -> v1.ScanShard | None:
    """The shard a stored scan was opened with (None: the whole estate)."""
    if scan.shard_index is None or scan.shard_count is None or scan.run is None:
        return None
    return v1.ScanShard(index=scan.shard_index, count=scan.shard_count, run=scan.run)


def received_findings(session: Session, scan_id: int) -> int:
    """Distinct finding uids the registry holds for a scan."""
    count = session.scalar(
        select(func.count()).select_from(ScanFinding).where(ScanFinding.scan_id == scan_id)
    )
    return count or 0


def document_batch_body(spec: dict[str, Any]) -> None:
    """Add `FindingBatch` and the models it uses to the spec's components, rendered by
    FastAPI exactly as for a route declaring it as its body."""
    shadow = FastAPI()

    @shadow.post("/")
    def _batch(body: v1.FindingBatch) -> None:
        """Never served: only its OpenAPI rendering is used."""

    components = spec.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in shadow.openapi()["components"]["schemas"].items():
        components.setdefault(name, schema)


async def _raw_body(request: Request) -> bytes:
    """The request body, gunzipped and size-checked by `BodyLimitMiddleware`."""
    return await request.body()


def _gzip_body(request: Request) -> bytes | None:
    """The body as received when gzip-compressed: stored as is (`batches.envelope`)."""
    return received_gzip(request.scope)


def _same_events(known: Batch, digest: str, raw: bytes) -> bool:
    """A replay: the stored digest is the body's, or (a batch stored by a registry of
    schema 0001, which hashed the batch as it re-encoded it) the re-encoded body's."""
    if known.events_sha256 == digest:
        return True
    try:
        legacy = v1.encode(v1.FindingBatch.model_validate_json(raw))
    except ValidationError:
        return False
    return known.events_sha256 == hashlib.sha256(legacy).hexdigest()


def _known_batch(session: Session, scan: Scan, batch_uid: UUID) -> Batch | None:
    return session.scalar(
        select(Batch).where(Batch.scan_id == scan.id, Batch.batch_uid == str(batch_uid))
    )


def _claim(session: Session, scan: Scan, batch_uid: UUID, digest: str, accepted: int) -> bool:
    """Claim the batch's uid (its `batches` row, first of its writes); False when a batch
    of that uid is stored. The same batch in flight twice at once (a retry racing its
    first attempt) waits here for the first to end: stored, it is then a replay."""
    values = {"scan_id": scan.id, "batch_uid": str(batch_uid), "events_sha256": digest,
              "accepted": accepted, "received": datetime.now(UTC)}  # fmt: skip
    statement = insert_of(session)(Batch).values(values)
    claimed = statement.on_conflict_do_nothing(index_elements=["scan_id", "batch_uid"])
    return session.scalar(claimed.returning(Batch.id)) is not None


def _replayed(
    known: Batch, digest: str, raw: bytes, answer: v1.BatchAccepted, response: Response
) -> v1.BatchAccepted:
    """The answer to a batch already stored: as then, or 409 for other events."""
    if not _same_events(known, digest, raw):
        raise HTTPException(409, "batch_uid already used with different events")
    response.headers[v1.REPLAYED_HEADER] = "true"
    return answer.model_copy(update={"accepted": known.accepted})


def _ingest(
    session: Session,
    scan: Scan,
    parsed: batches.Parsed,
    raw: bytes,
    idempotency_key: str | None,
    response: Response,
) -> v1.BatchAccepted:
    if idempotency_key is not None and idempotency_key != str(parsed.batch_uid):
        raise HTTPException(422, f"{v1.IDEMPOTENCY_HEADER} header differs from batch_uid")
    digest = hashlib.sha256(raw).hexdigest()
    answer = v1.BatchAccepted(scan_uid=UUID(scan.uid), batch_uid=parsed.batch_uid, accepted=0)
    known = _known_batch(session, scan, parsed.batch_uid)
    if known is not None:  # a replay (a stored batch never changes): answered at once
        return _replayed(known, digest, raw, answer, response)
    batches.prepare(session, scan, parsed.events)  # side by side with other batches
    lock_institution(session, scan.institution_id, shared=True)
    session.refresh(scan)  # as of the lock: a completion is visible
    if scan.status is not None:
        raise HTTPException(409, "scan is already complete")
    late = superseded(session, scan)
    accepted = parsed.events.count
    if not _claim(session, scan, parsed.batch_uid, digest, accepted):
        session.rollback()
        known = _known_batch(session, scan, parsed.batch_uid)
        if known is None:  # (stored batches are never deleted: not expected)
            raise HTTPException(503, "batch claimed meanwhile; retry", {"Retry-After": "1"})
        return _replayed(known, digest, raw, answer, response)
    batches.store(session, scan, parsed.events, superseded=late)
    session.execute(update(Scan).where(Scan.id == scan.id).values(events=Scan.events + accepted))
    session.commit()
    return answer.model_copy(update={"accepted": accepted})


@router.post(v1.FINDINGS_PATH, responses=UNPROCESSABLE, openapi_extra=BATCH_BODY)
def add_findings(
    scan_uid: UUID,
    raw: Annotated[bytes, Depends(_raw_body)],
    session: Db,
    caller: Caller,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias=v1.IDEMPOTENCY_HEADER)] = None,
    content_type: Annotated[str | None, Header()] = None,
    gzipped: Annotated[bytes | None, Depends(_gzip_body)] = None,
) -> v1.BatchAccepted:
    """A `FindingBatch` (see the wire protocol): stored once, replays answered as such."""
    scan = _agent_scan(session, caller, scan_uid)  # authorization before any other check
    fast = batches.envelope(raw, gzipped)
    if fast is not None:
        try:
            return _ingest(session, scan, fast, raw, idempotency_key, response)
        except batches.NotCanonical:
            session.rollback()
        except DBAPIError as error:
            if not batches.refused_by_database(error):
                raise
            session.rollback()
    batch = batches.validated(raw, content_type)
    batches.storable(batch)
    try:
        return _ingest(session, scan, batches.canonical(batch), raw, idempotency_key, response)
    except (batches.NotCanonical, DBAPIError) as error:
        if isinstance(error, DBAPIError) and not batches.refused_by_database(error):
            raise
        session.rollback()
        logger.warning("scan %s: batch %s not storable: %s", scan_uid, batch.batch_uid, error)
        raise HTTPException(422, "the events cannot be stored by this registry") from None


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


@router.post(v1.COMPLETE_PATH)
def complete_scan(
    scan_uid: UUID, body: v1.ScanComplete, session: Db, caller: Caller, response: Response
) -> v1.ScanCompleted:
    scan = _agent_scan(session, caller, scan_uid)
    lock_institution(session, scan.institution_id)
    session.refresh(scan)
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
    pairs = [] if superseded(session, scan) else covered_accounts(body.coverage, body.status)
    if scan.shard_index is not None and scan.shard_count is not None:
        index, count = scan.shard_index, scan.shard_count
        own = [(p, a) for p, a in pairs if shard_index(p, a, count) == index]
        if len(own) < len(pairs):
            logger.warning(
                "scan %s (shard %d/%d): coverage names %d account(s) of other shards; "
                "nothing resolved there",
                scan.uid, index, count, len(pairs) - len(own),
            )  # fmt: skip
        pairs = own
    resolved = 0
    for provider, account in pairs:
        where = (
            Finding.institution_id == scan.institution_id,
            Finding.provider == provider,
            Finding.account == account,
            Finding.resolved_at.is_(None),
            Finding.last_scan_id != scan.id,
            Finding.last_started <= batches.started(scan),
        )
        delta = resolution_delta(session, where)
        result = session.execute(update(Finding).where(*where).values(resolved_at=body.finished))
        resolved += result.rowcount  # type: ignore[attr-defined]  # CursorResult at runtime
        apply_delta(session, scan.institution_id, delta)
    answer = v1.ScanCompleted(
        scan_uid=scan_uid,
        status=body.status,
        findings=received,
        resolved=resolved,
        covered_accounts=[f"{p}:{a}" for p, a in pairs],
    )
    session.execute(
        insert(ScanCount).from_select(
            ["scan_id", "status", "n"],
            select(ScanFinding.scan_id, ScanFinding.status, func.count())
            .where(ScanFinding.scan_id == scan.id)
            .group_by(ScanFinding.scan_id, ScanFinding.status),
        )
    )
    scan.finished = body.finished
    scan.status = body.status.value
    scan.completion = answer.model_dump(mode="json")
    session.commit()
    return answer
