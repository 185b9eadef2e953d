"""Reading and writing one finding batch (`POST /api/v1/scans/{scan_uid}/findings`).

The fast path, taken by every batch an agent sends: `envelope` decodes and checks the
body in one pass (`cloudcensus.registry.stage.decode`, msgspec); `store` stages its rows
and writes them with set-based SQL. Pydantic never sees the batch.

The slow path, for anything the fast decoder refuses: `validated` parses and validates
the body exactly as FastAPI would for a `FindingBatch` parameter (same 422 details),
`storable` refuses what the `findings` columns cannot hold, and `canonical` re-encodes
the events, which the fast decoder then accepts.

`prepare` runs first, before the caller takes the institution's writer lock
(`counts.lock_institution`): the rows' search texts (new ones inserted and committed at
once, `cloudcensus.registry.texts`), the staging table, and the uids the scan reported
(`scan_findings`, in uid order; a uid already recorded for the scan keeps its first
status). `store` then writes, under that lock taken shared (batches in flight write side
by side; a completion waits for them, and they for it): unless the scan is superseded,
it locks the stored rows of its uids (`FOR UPDATE`, uid order), inserts the new ones
(a uid another batch inserted meanwhile is then locked and written over like a stored
row) and writes over the stored ones (a row last written by a later-started scan is
kept; within a batch the last event of a uid wins), with the `finding_counts` delta of
exactly the rows it replaced (counts rows updated in key order).
The batch body is kept once (`event_batches`), when at least one row points to it; each
batch's `refs` counts the rows pointing to it, and a batch no row points to any more
(every finding it held was written again by a later batch) is deleted in the same
transaction.
"""

from __future__ import annotations

import email.message
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from pydantic_core import PydanticSerializationError
from sqlalchemy import (
    delete,
    insert,
    literal,
    null,
    select,
    true,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cloudcensus.registry.counts import CountKey, apply_delta
from cloudcensus.registry.db import insert_of, one_of
from cloudcensus.registry.models import EventBatch, Finding, Scan, ScanFinding
from cloudcensus.registry.stage import MAX_TIME_MS, Row, Staged, decode, fill, stage
from cloudcensus.registry.texts import ids as search_ids
from cloudcensus.registry.texts import message_text
from cloudcensus.wire import v1

__all__ = [
    "NotCanonical",
    "Parsed",
    "canonical",
    "envelope",
    "prepare",
    "refused_by_database",
    "started",
    "storable",
    "store",
    "validated",
]

#: SQLSTATE classes the database raises for values it cannot hold: data exceptions (22)
#: and program limits (54).
_REFUSED_STATES = ("22", "54")


class NotCanonical(Exception):
    """The fast decoder refused the re-encoded events: they cannot be stored."""


@dataclass(frozen=True)
class Parsed:
    """A batch's key and its checked events."""

    batch_uid: UUID
    events: Staged


def envelope(raw: bytes, gzipped: bytes | None = None) -> Parsed | None:
    """The batch when the fast decoder accepts the body as is, else None. `gzipped`, the
    body as received when compressed, is the form kept (else `raw`)."""
    staged = decode(raw, gzipped)
    return None if staged is None else Parsed(staged.batch_uid, staged)


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
    """The validated events re-encoded as the agent would send them; `NotCanonical` when
    even that form is refused (e.g. a lone surrogate escape in a string)."""
    try:
        staged = decode(v1.encode(batch))
    except PydanticSerializationError as error:
        raise NotCanonical(str(error)) from error
    if staged is None:
        raise NotCanonical("the re-encoded events are refused by the fast decoder")
    return Parsed(batch.batch_uid, staged)


def refused_by_database(error: DBAPIError) -> bool:
    """True when the database refused the events' content (not a failure of its own)."""
    state = str(getattr(error.orig, "sqlstate", "") or "")
    return state[:2] in _REFUSED_STATES


def started(scan: Scan) -> Any:
    """The scan's start time as SQL (no naive/aware mix-up across dialects)."""
    return select(Scan.started).where(Scan.id == scan.id).scalar_subquery()


def _observe(session: Session, scan: Scan) -> None:
    """Record which uids this scan reported (a replayed or duplicated uid counts once), in
    uid order: two batches of a scan that share a uid wait for each other in one order."""
    rows = select(literal(scan.id), stage.c.uid, stage.c.status).where(true()).order_by(stage.c.uid)
    statement = insert_of(session)(ScanFinding).from_select(["scan_id", "uid", "status"], rows)
    session.connection().execute(
        statement.on_conflict_do_nothing(index_elements=["scan_id", "uid"])
    )


@dataclass
class _Plan:
    """What the writes do: their `finding_counts` delta (+1 per row written under its
    new key, -1 per open row it replaces under the old key), how many rows they write,
    and how many rows each older event batch loses."""

    delta: Counter[CountKey]
    written: int
    released: Counter[int]


#: A stored row of a batch's uid: uid, whether this scan may replace it (the stored
#: row's scan started no later), its count key, whether it is open, its event batch.
_StoredRow = tuple[str, bool, str, str, str, str, bool, int | None]


def _lock_rows(session: Session, scan: Scan, uids: list[str]) -> list[_StoredRow]:
    """The stored rows of `uids`, locked until commit (`FOR UPDATE`, in uid order, as
    every batch takes them: a batch in flight writing one of them waits for the other,
    then reads what it wrote)."""
    replaced = Finding.last_started <= started(scan)
    rows = session.connection().execute(
        select(Finding.uid, replaced, Finding.rule, Finding.severity, Finding.provider,
               Finding.status, Finding.resolved_at.is_(None), Finding.events_id)
        .where(
            Finding.institution_id == scan.institution_id,
            one_of(session, Finding.uid, uids),
        )
        .order_by(Finding.uid)
        .with_for_update()
    )  # fmt: skip
    return [tuple(row) for row in rows]


def _tally(stored: list[_StoredRow], rows: list[Row]) -> _Plan:
    """The plan of writing `rows` over the `stored` rows of their uids."""
    plan = _Plan(Counter(), 0, Counter())
    kept: set[str] = set()
    for uid, replaced, rule, severity, provider, status, open_, events_id in stored:
        if not replaced:
            kept.add(uid)
            continue
        if open_:
            plan.delta[(rule, severity, provider, status)] -= 1
        if events_id is not None:
            plan.released[events_id] += 1
    for row in rows:
        if row.uid not in kept:
            plan.delta[(row.rule, row.severity, row.provider, row.status)] += 1
            plan.written += 1
    return plan


def _from_stage(session: Session, scan: Scan, events_id: int, uids: list[str] | None) -> Any:
    """INSERT of the staged rows (those of `uids`, else all) into `findings`, in uid order."""
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
        "event": null(),  # (a row written before migration 0005 held it)
        "events_id": literal(events_id),
        "event_index": stage.c.ord,
        "resource_text_id": stage.c.resource_text_id,
        "message_text_id": stage.c.message_text_id,
    }
    rows = select(*values.values()).where(true()).order_by(stage.c.uid)
    if uids is not None:
        rows = rows.where(one_of(session, stage.c.uid, uids))
    return insert_of(session)(Finding).from_select(list(values), rows)


def _insert_new(session: Session, scan: Scan, events_id: int, uids: list[str] | None) -> set[str]:
    """Insert the staged rows of uids not stored (`uids`, else all); returns the uids
    inserted: a uid another batch in flight inserted first is left out."""
    statement = _from_stage(session, scan, events_id, uids)
    conflicts = ["institution_id", "uid"]
    inserted = statement.on_conflict_do_nothing(index_elements=conflicts).returning(Finding.uid)
    return set(session.connection().scalars(inserted))


def _upsert(session: Session, scan: Scan, events_id: int, uids: list[str] | None) -> None:
    """Write the staged rows of stored uids (`uids`, else all) over them; a row of a
    later-started scan is kept."""
    statement = _from_stage(session, scan, events_id, uids)
    kept = {"id", "institution_id", "uid", "first_seen", "resolved_at"}
    changes: dict[str, Any] = {
        c.name: statement.excluded[c.name] for c in Finding.__table__.c if c.name not in kept
    }
    changes["resolved_at"] = None  # a finding reported again is open again
    session.connection().execute(
        statement.on_conflict_do_update(
            index_elements=["institution_id", "uid"],
            set_=changes,
            where=Finding.last_started <= statement.excluded.last_started,
        )
    )


def _release(session: Session, released: Counter[int]) -> None:
    """Take the replaced rows off their event batches (in id order, as every batch does);
    delete the batches left unused."""
    if not released:
        return
    connection = session.connection()
    for events_id, n in sorted(released.items()):
        connection.execute(
            update(EventBatch).where(EventBatch.id == events_id).values(refs=EventBatch.refs - n)
        )
    connection.execute(
        delete(EventBatch).where(EventBatch.id.in_(sorted(released)), EventBatch.refs <= 0)
    )


def prepare(session: Session, scan: Scan, events: Staged) -> None:
    """The batch's texts (new ones committed at once), staged rows and reported uids
    (before the writer lock)."""
    pairs = [(row.resource_id, message_text(row.title, row.message)) for row in events.rows]
    ids = search_ids(session, [text for pair in pairs for text in pair])
    fill(session, events.rows, [(ids[resource], ids[message]) for resource, message in pairs])
    _observe(session, scan)


def store(session: Session, scan: Scan, events: Staged, *, superseded: bool) -> int:
    """Write the prepared events; returns how many the batch holds.

    Under the institution's writer lock in its shared form (`lock_institution`): batches
    in flight write side by side, each row by one of them at a time (the stored rows
    are locked first; a new uid is inserted by one batch, the others then write over
    it), so that each batch's counts delta is exact."""
    if superseded:
        return events.count
    rows = events.rows
    stored = _lock_rows(session, scan, [row.uid for row in rows])
    found = {entry[0] for entry in stored}
    new = [row.uid for row in rows if row.uid not in found]
    plan = _tally(stored, rows)
    if not plan.written:
        return events.count  # every row is kept: a later-started scan wrote them
    connection = session.connection()
    events_id = connection.scalar(
        insert(EventBatch).values(refs=plan.written, body=events.body).returning(EventBatch.id)
    )
    assert events_id is not None
    if new:
        inserted = _insert_new(session, scan, events_id, new if found else None)
        lost = [uid for uid in new if uid not in inserted]
        if lost:  # inserted by another batch since: written over like stored rows
            stored += _lock_rows(session, scan, lost)
            found.update(lost)
            planned, plan = plan.written, _tally(stored, rows)
            mine = EventBatch.id == events_id
            if not plan.written:
                connection.execute(delete(EventBatch).where(mine))
            elif plan.written != planned:
                connection.execute(update(EventBatch).where(mine).values(refs=plan.written))
    if found:
        _upsert(session, scan, events_id, sorted(found) if new else None)
    apply_delta(session, scan.institution_id, plan.delta)
    _release(session, plan.released)
    return events.count
