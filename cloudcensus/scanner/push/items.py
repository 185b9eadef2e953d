"""What a finished scan sends to the registry, as outbox items (wire protocol v1).

One scan becomes, in delivery order:

1. `open`: `ScanOpen` (the agent-generated `scan_uid`, agent version, start, providers);
2. `findings` x n: `FindingBatch`es of at most `batch_size` OCSF events (and at most
   `BATCH_BYTES` of JSON), each with a `batch_uid` derived from the scan uid and the
   batch number (uuid5), so the key of a batch is stable whatever happens later;
3. `explanations`: `ExplanationsUpload`, every loaded explanation with its state (sent
   even when empty: "no explanation in force" is information too);
4. `complete`: `ScanComplete` with the scan's status, its number of events and coverage.

Events are `finding_to_ocsf` output (the same events as `findings.ocsf.json`, with the
resource tags joined from the inventory). Batch bodies are assembled as JSON directly
rather than validated through `FindingBatch` event by event (that would cost more than
the mapping itself); tests check that every body validates against the wire models.
Bodies are stored gzip-compressed (level `GZIP_LEVEL`, mtime 0: same bytes every time).
"""

from __future__ import annotations

import gzip
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

from pydantic_core import to_json

from cloudcensus.policies.explanation_usage import ExplanationReport
from cloudcensus.policies.explanations import ExplanationSet
from cloudcensus.scanner.report.ocsf import finding_to_ocsf
from cloudcensus.scanner.store.outbox import Outbox, OutboxItem
from cloudcensus.scanner.store.store import Store
from cloudcensus.wire import v1

__all__ = [
    "BATCH_BYTES",
    "GZIP_LEVEL",
    "KIND_COMPLETE",
    "KIND_EXPLANATIONS",
    "KIND_FINDINGS",
    "KIND_OPEN",
    "build_items",
    "enqueue_scan",
    "explanation_records",
]

KIND_OPEN = "open"
KIND_FINDINGS = "findings"
KIND_EXPLANATIONS = "explanations"
KIND_COMPLETE = "complete"

#: Uncompressed JSON budget of one batch: the wire limit less room for the envelope.
BATCH_BYTES = v1.MAX_BODY_BYTES - 64 * 1024
#: zlib's fast levels (1-3) cost a third of the default's time here; 3 compresses best
#: of them (about 10:1 on OCSF events, against 15:1 at 6). See benchmarks/README.md.
GZIP_LEVEL = 3


def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def _item(kind: str, key: str, body: bytes, records: int = 0) -> OutboxItem:
    return OutboxItem(kind=kind, idempotency_key=key, body=_gzip(body), records=records)


def batch_uid(scan_uid: uuid.UUID, number: int) -> uuid.UUID:
    """The stable idempotency key of batch `number` (1-based) of a scan."""
    return uuid.uuid5(scan_uid, f"findings/{number}")


def explanation_records(
    explanations: ExplanationSet | None, report: ExplanationReport | None
) -> list[v1.ExplanationRecord]:
    """Every loaded explanation with its state after the scan (wire precedence order)."""
    if explanations is None:
        return []
    states: dict[str, v1.ExplanationState] = {}
    if report is not None:
        ordered = (
            (v1.ExplanationState.EXPIRED, report.expired),
            (v1.ExplanationState.WRONG_VERSION, report.wrong_version),
            (v1.ExplanationState.STALE, report.stale),
            (v1.ExplanationState.EXPIRING, report.expiring),
        )
        for state, entries in ordered:
            for entry in entries:
                states.setdefault(str(entry["id"]), state)
    records = []
    for explanation in explanations.explanations:
        spec = explanation.spec
        fallback = (
            v1.ExplanationState.EXPIRED
            if explanations.is_expired(explanation)
            else v1.ExplanationState.VALID
        )
        state = states.get(spec.id, fallback)
        records.append(
            v1.ExplanationRecord(
                id=spec.id,
                rule=spec.rule,
                reason=spec.reason,
                category=spec.category,
                requested_by=spec.requested_by,
                approved_by=spec.approved_by,
                approved_on=spec.approved_on,
                expires=spec.expires,
                reference=spec.reference,
                state=state,
            )
        )
    return records


def _batches(
    store: Store, scan_id: int, scan_uid: uuid.UUID, batch_size: int, counter: list[int]
) -> Iterator[OutboxItem]:
    """The scan's findings as `findings` items; `counter[0]` ends as the event count."""
    tags = store.resource_tags(scan_id)
    events: list[bytes] = []
    size = 0
    number = 0

    def flush() -> OutboxItem:
        nonlocal events, size, number
        number += 1
        uid = batch_uid(scan_uid, number)
        body = b'{"batch_uid":"%s","events":[%s]}' % (str(uid).encode(), b",".join(events))
        item = _item(KIND_FINDINGS, str(uid), body, len(events))
        events, size = [], 0
        return item

    for finding in store.findings(scan_id):
        event = to_json(finding_to_ocsf(finding, tags=tags.get(finding.resource_id)))
        if events and (len(events) >= batch_size or size + len(event) + 1 > BATCH_BYTES):
            yield flush()
        events.append(event)
        size += len(event) + 1
        counter[0] += 1
    if events:
        yield flush()


def build_items(
    store: Store,
    scan_id: int,
    scan_uid: uuid.UUID,
    *,
    batch_size: int = 1000,
    explanations: ExplanationSet | None = None,
    report: ExplanationReport | None = None,
) -> Iterator[OutboxItem]:
    """The outbox items of a finished scan, in delivery order (see the module doc)."""
    if not 1 <= batch_size <= v1.MAX_BATCH_EVENTS:
        raise ValueError(f"batch_size must be 1..{v1.MAX_BATCH_EVENTS}")
    record = store.scan(scan_id)
    if record.finished is None:
        raise ValueError(f"scan {scan_id} is not finished")
    opening = v1.ScanOpen(
        scan_uid=scan_uid,
        agent_version=record.agent_version,
        started=record.started,
        providers=list(record.providers),
    )
    yield _item(KIND_OPEN, f"{scan_uid}/open", v1.encode(opening))
    counter = [0]
    yield from _batches(store, scan_id, scan_uid, batch_size, counter)
    upload = v1.ExplanationsUpload(explanations=explanation_records(explanations, report))
    yield _item(KIND_EXPLANATIONS, f"{scan_uid}/explanations", v1.encode(upload))
    completion = v1.ScanComplete(
        finished=record.finished.astimezone(UTC),
        status=v1.ScanOutcome(record.status.value),
        findings=counter[0],
        coverage=store.coverage(scan_id),
    )
    yield _item(KIND_COMPLETE, f"{scan_uid}/complete", v1.encode(completion))


def enqueue_scan(
    store: Store,
    conn: sqlite3.Connection,
    scan_id: int,
    *,
    batch_size: int = 1000,
    explanations: ExplanationSet | None = None,
    report: ExplanationReport | None = None,
    scan_uid: uuid.UUID | None = None,
) -> int:
    """Write a finished scan's items to the outbox inside the open transaction `conn`
    (pass it as `Store.finish_scan(outbox=...)`); returns how many items."""
    uid = scan_uid or uuid.uuid4()
    items = build_items(
        store, scan_id, uid, batch_size=batch_size, explanations=explanations, report=report
    )
    return Outbox.add_scan(conn, scan_id, str(uid), items, datetime.now(UTC))
