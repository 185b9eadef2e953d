"""Reading and writing one finding batch (`POST /api/v1/scans/{scan_uid}/findings`).

The fast path, taken by every batch an agent sends: `envelope` finds `batch_uid` and the
`events` array in the body by their fixed place (`{"batch_uid":"...","events":[...]}`,
as `cloudcensus.wire.v1` bodies are written) without parsing the events; `store` hands
the array to the database (`cloudcensus.registry.stage`), which parses, checks and
stages them; the rest is set-based SQL from the staging table. No event is parsed by
Python.

The slow path, for anything else (another key order, a body the checks refuse):
`validated` parses and validates the body exactly as FastAPI would for a `FindingBatch`
parameter (same 422 details), `storable` refuses what the `findings` columns cannot
hold, and `canonical` re-encodes the events, which the fast path's checks then accept.

`store` writes, in the caller's transaction (which holds `counts.lock_institution`):
the uids the scan reported (`scan_findings`, first report of a uid kept), and unless
the scan is superseded the findings upsert (a row last written by a later-started scan
is kept; within a batch the last event of a uid wins) with its `finding_counts` delta.
"""

from __future__ import annotations

import email.message
import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import and_, case, delete, distinct, func, literal, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cloudcensus.registry.counts import CountKey, apply_delta
from cloudcensus.registry.models import Finding, Scan, ScanFinding
from cloudcensus.registry.stage import MAX_TIME_MS, fill, stage
from cloudcensus.wire import v1

__all__ = [
    "NotCanonical",
    "Parsed",
    "canonical",
    "envelope",
    "refused_by_database",
    "started",
    "storable",
    "store",
    "validated",
]

_ENVELOPE = re.compile(
    rb'\A\s*\{\s*"batch_uid"\s*:\s*"([0-9a-fA-F-]{36})"\s*,\s*"events"\s*:\s*(?=\[)'
)
#: A NUL character, escaped: the slow path names the field (the columns cannot hold it).
_NUL = b"\\u0000"
#: SQLSTATE classes the database raises for events it cannot parse or hold: data
#: exceptions (22: malformed JSON, not an object, \u0000 in text) and program limits (54).
_REFUSED_STATES = ("22", "54")


class NotCanonical(Exception):
    """The database's checks refused at least one event: take the slow path."""


@dataclass(frozen=True)
class Parsed:
    """A batch's key and its `events` array as JSON text."""

    batch_uid: UUID
    events: str


def envelope(raw: bytes) -> Parsed | None:
    """The batch uid and events array of a body in the wire layout, else None (also when
    it escapes a NUL character anywhere)."""
    found = _ENVELOPE.match(raw)
    body = raw.rstrip()
    if found is None or not body.endswith(b"}") or _NUL in raw:
        return None
    array = body[found.end() : -1].rstrip()
    if not array.endswith(b"]"):
        return None
    try:
        return Parsed(UUID(found.group(1).decode()), array.decode())
    except (ValueError, UnicodeDecodeError):
        return None


def _json_invalid(position: int, reason: str) -> dict[str, Any]:
    return {"type": "json_invalid", "loc": ("body", position), "msg": "JSON decode error",
            "input": {}, "ctx": {"error": reason}}  # fmt: skip


def _json_body(raw: bytes, content_type: str | None) -> Any:
    """The body as FastAPI reads a JSON body parameter: parsed when JSON, else bytes."""
    if not raw:
        return None
    if content_type:
        message = email.message.Message()
        message["content-type"] = content_type
        subtype = message.get_content_subtype()
        is_json = message.get_content_maintype() == "application" and (
            subtype == "json" or subtype.endswith("+json")
        )
        if not is_json:
            return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise RequestValidationError([_json_invalid(error.pos, error.msg)]) from error
    except UnicodeDecodeError as error:
        raise RequestValidationError([_json_invalid(error.start, str(error))]) from error


def validated(raw: bytes, content_type: str | None) -> v1.FindingBatch:
    """The body as a `FindingBatch`; 422 (`RequestValidationError`) as FastAPI words it."""
    value = _json_body(raw, content_type)
    if value is None:
        missing = {"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}
        raise RequestValidationError([missing])
    try:
        return v1.FindingBatch.model_validate(value)
    except ValidationError as error:
        errors = error.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from error


def _problem(loc: tuple[str | int, ...], value: object, msg: str) -> dict[str, Any]:
    return {"type": "value_error", "loc": ("body", *loc), "msg": msg, "input": value}


def _event_problems(n: int, event: v1.ComplianceFindingEvent) -> list[dict[str, Any]]:
    resource = event.resources[0]
    region = resource.region or event.cloud.region or "global"
    texts: list[tuple[tuple[str | int, ...], str | None, int]] = [
        (("severity",), event.severity, 16),
        (("compliance", "control"), event.compliance.control, 64),
        (("cloud", "provider"), event.cloud.provider, 32),
        (("cloud", "account", "uid"), event.cloud.account.uid, 256),
        (("resources", 0, "type"), resource.type, 64),
        (("resources", 0, "region") if resource.region else ("cloud", "region"), region, 64),
        (("unmapped", "cloudcensus", "explanation_id"),
         event.unmapped.cloudcensus.explanation_id, 128),
        (("finding_info", "uid"), event.finding_info.uid, 128),
        (("finding_info", "title"), event.finding_info.title, 0),
        (("resources", 0, "uid"), resource.uid, 0),
        (("message",), event.message, 0),
    ]  # fmt: skip
    problems = []
    if not (event.severity.isascii() and event.severity.isprintable()):
        reason = "severity must be printable ASCII (an OCSF severity caption)"
        problems.append(_problem(("events", n, "severity"), event.severity, reason))
    if not 0 <= event.time < MAX_TIME_MS:
        reason = "time must be epoch milliseconds between 1970 and 9999"
        problems.append(_problem(("events", n, "time"), event.time, reason))
    for loc, value, limit in texts:
        if value is None:
            continue
        if limit and len(value) > limit:
            problems.append(_problem(("events", n, *loc), value, f"at most {limit} characters"))
        elif "\x00" in value:
            problems.append(_problem(("events", n, *loc), value, "contains a NUL character"))
    return problems


def storable(batch: v1.FindingBatch) -> None:
    """422 for what the wire model admits but the `findings` columns cannot hold."""
    problems = [p for n, e in enumerate(batch.events) for p in _event_problems(n, e)]
    if problems:
        raise RequestValidationError(problems)


def canonical(batch: v1.FindingBatch) -> Parsed:
    """The validated events re-encoded as the agent would send them."""
    events = ",".join(
        json.dumps(v1.event_to_json(event), separators=(",", ":")) for event in batch.events
    )
    return Parsed(batch.batch_uid, f"[{events}]")


def refused_by_database(error: DBAPIError) -> bool:
    """True when the database refused the events' content (not a failure of its own)."""
    state = str(getattr(error.orig, "sqlstate", "") or "")
    return state[:2] in _REFUSED_STATES


def started(scan: Scan) -> Any:
    """The scan's start time as SQL (no naive/aware mix-up across dialects)."""
    return select(Scan.started).where(Scan.id == scan.id).scalar_subquery()


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _observe(session: Session, scan: Scan) -> None:
    """Record which uids this scan reported (a replayed or duplicated uid counts once)."""
    rows = select(literal(scan.id), stage.c.uid, stage.c.status).where(true())
    statement = _insert(session)(ScanFinding).from_select(["scan_id", "uid", "status"], rows)
    session.execute(statement.on_conflict_do_nothing(index_elements=["scan_id", "uid"]))


def _delta(session: Session, scan: Scan) -> Counter[CountKey]:
    """What the upsert will change in the counts: +1 per row it writes, -1 per open row
    it replaces (the upsert's own condition: the stored row's scan started no later)."""
    joined = and_(Finding.institution_id == scan.institution_id, Finding.uid == stage.c.uid)
    written = or_(Finding.id.is_(None), Finding.last_started <= started(scan))
    new_key = (stage.c.rule, stage.c.severity, stage.c.provider, stage.c.status)
    old_key = (Finding.rule, Finding.severity, Finding.provider, Finding.status)
    delta: Counter[CountKey] = Counter()
    plus = session.execute(
        select(*new_key, func.count())
        .select_from(stage.outerjoin(Finding, joined))
        .where(written)
        .group_by(*new_key)
    )
    minus = session.execute(
        select(*old_key, func.count())
        .select_from(stage.join(Finding, joined))
        .where(Finding.resolved_at.is_(None), Finding.last_started <= started(scan))
        .group_by(*old_key)
    )
    for rule, severity, provider, status, n in plus:
        delta[(rule, severity, provider, status)] += n
    for rule, severity, provider, status, n in minus:
        delta[(rule, severity, provider, status)] -= n
    return delta


def _upsert(session: Session, scan: Scan) -> None:
    """Insert or update findings from the stage; a row of a later-started scan is kept."""
    values = {
        "institution_id": literal(scan.institution_id),
        "uid": stage.c.uid,
        "provider": stage.c.provider,
        "account": stage.c.account,
        "region": stage.c.region,
        "rule": stage.c.rule,
        "severity": stage.c.severity,
        "status": stage.c.status,
        "resource_id": stage.c.resource_id,
        "resource_type": stage.c.resource_type,
        "title": stage.c.title,
        "message": stage.c.message,
        "explanation_id": stage.c.explanation_id,
        "first_seen": stage.c.seen,
        "last_seen": stage.c.seen,
        "last_scan_id": literal(scan.id),
        "last_started": started(scan),
        "event": stage.c.raw,
    }
    statement = _insert(session)(Finding).from_select(
        list(values), select(*values.values()).where(true())
    )
    kept = {"id", "institution_id", "uid", "first_seen", "resolved_at"}
    changes: dict[str, Any] = {
        c.name: statement.excluded[c.name] for c in Finding.__table__.c if c.name not in kept
    }
    changes["resolved_at"] = None  # a finding reported again is open again
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["institution_id", "uid"],
            set_=changes,
            where=Finding.last_started <= statement.excluded.last_started,
        )
    )


def store(session: Session, scan: Scan, events: str, *, superseded: bool) -> int:
    """Stage and write the events; returns how many the batch holds. `NotCanonical` when
    the checks refuse one (the caller rolls back and takes the slow path)."""
    fill(session, events)
    bad = func.sum(case((stage.c.ok, 0), else_=1))
    count, uids, refused = session.execute(
        select(func.count(), func.count(distinct(stage.c.uid)), bad)
    ).one()
    if refused or not 1 <= count <= v1.MAX_BATCH_EVENTS:
        raise NotCanonical(f"{refused or 0} of {count} events refused by the database checks")
    if uids < count:  # the same uid twice in the batch: the last event wins
        last = select(func.max(stage.c.ord)).group_by(stage.c.uid)
        session.execute(delete(stage).where(stage.c.ord.not_in(last)))
    _observe(session, scan)
    if not superseded:
        delta = _delta(session, scan)
        _upsert(session, scan)
        apply_delta(session, scan.institution_id, delta)
    return int(count)
