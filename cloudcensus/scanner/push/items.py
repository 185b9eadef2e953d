"""What a finished scan sends to the registry, as outbox items (wire protocol v1).

One scan becomes, in delivery order:

1. `open`: `ScanOpen` (the agent-generated `scan_uid`, agent version, start, providers,
   and for a sharded scan its shard and run, as the store recorded them);
2. `findings` x n: `FindingBatch`es of at most `batch_size` OCSF events (and at most
   `BATCH_BYTES` of JSON), each with a `batch_uid` derived from the scan uid and the
   batch number (uuid5), so the key of a batch is stable whatever happens later;
3. `explanations`: `ExplanationsUpload`, every loaded explanation with its state (sent
   even when empty: "no explanation in force" is information too);
4. `complete`: `ScanComplete` with the scan's status, its number of events and coverage.

Events are `finding_to_ocsf` output (the same events as `findings.ocsf.json`, with the
resource tags joined from the inventory), encoded by `OcsfEncoder` (the same bytes, the
per-rule parts encoded once). The findings are read back from the store by uid, so each
batch covers one slice of the uid space: the registry inserts them into its uid index
in order, 1.6-2 times faster than the same events in evaluation order (which is why the
events are not encoded during the evaluation instead; see benchmarks/README.md). Batch
bodies are assembled as JSON directly rather than validated through `FindingBatch`
event by event (that would cost more than the mapping itself); tests check that every
body validates against the wire models. Bodies are stored gzip-compressed by ISA-L
(`isal`; level `GZIP_LEVEL`, mtime 0: same bytes every time), on a worker thread.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

from isal import igzip
from pydantic_core import from_json

from cloudcensus.policies.explanation_usage import ExplanationReport
from cloudcensus.policies.explanations import ExplanationSet
from cloudcensus.policies.findings import Finding, Severity, Status, build_finding
from cloudcensus.scanner.pushconfig import DEFAULT_BATCH_SIZE
from cloudcensus.scanner.report.ocsfencoder import OcsfEncoder
from cloudcensus.scanner.shard import recorded_run, recorded_shard
from cloudcensus.scanner.store import queries
from cloudcensus.scanner.store.outbox import Outbox, OutboxItem
from cloudcensus.scanner.store.records import ScanRecord
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
#: ISA-L's level 2 (of 0-3) compresses OCSF events as well as zlib's level 3 (about
#: 10:1) in a fifth of its time; level 3 compresses 15 % better at 3.5 times the cost.
#: See benchmarks/README.md.
GZIP_LEVEL = 2
_PAGE = 1000  # rows per store query
_FINDING_FIELDS = Finding.model_fields.keys()


def _gzip(body: bytes) -> bytes:
    return igzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


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


def _stored_finding(body: str) -> Finding:
    """A finding as the store wrote it (`model_dump_json` of a valid `Finding`).

    The agent's own rows need no re-validation: parsing them and rebuilding the typed
    fields costs less than half of `model_validate_json`. A row that does not look like that
    (another field set, a naive time) is validated, so it fails loudly if it is bad.
    """
    data = from_json(body, cache_strings="keys")
    if data.keys() == _FINDING_FIELDS:
        try:
            when = datetime.fromisoformat(data["evaluated_at"])
            if when.tzinfo is not None:
                data["evaluated_at"] = when
                data["severity"] = Severity(data["severity"])
                data["status"] = Status(data["status"])
                return build_finding(data)
        except (TypeError, ValueError):
            pass
    return Finding.model_validate_json(body)


def _stored_findings(store: Store, scan_id: int) -> Iterator[Finding]:
    """The scan's findings, by uid (what `Store.findings` gives, read faster)."""
    params = {"scan": scan_id}
    for body in queries.paged_findings(store.connection, "scan_id = :scan", params, _PAGE):
        yield _stored_finding(body)


def _resource_tags(store: Store, scan_id: int) -> dict[str, dict[str, str]]:
    """The tags of the scan's resources that have some (stale ones included), by id:
    only `tags` is read out of each stored body, no `Resource` is built."""
    tags: dict[str, dict[str, str]] = {}
    params = {"scan": scan_id}
    for body in queries.paged_bodies(store.connection, "r.scan_id = :scan", params, _PAGE):
        resource = from_json(body, cache_strings="keys")
        if resource.get("tags"):
            tags[resource["id"]] = resource["tags"]
    return tags


class _Batcher:
    """Encoded events -> `findings` items of at most `batch_size` events and
    `BATCH_BYTES`; each batch is gzip-compressed on a worker thread (ISA-L releases the
    GIL) while the next one is encoded. Items come out in batch order."""

    def __init__(self, scan_uid: uuid.UUID, batch_size: int) -> None:
        if not 1 <= batch_size <= v1.MAX_BATCH_EVENTS:
            raise ValueError(f"batch_size must be 1..{v1.MAX_BATCH_EVENTS}")
        self.scan_uid = scan_uid
        self.batch_size = batch_size
        self.records = 0
        self._events: list[bytes] = []
        self._size = 0
        self._number = 0
        self._pending: deque[tuple[str, int, Future[bytes]]] = deque()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="outbox-gzip")

    def add(self, event: bytes) -> None:
        events = self._events
        if events and (len(events) >= self.batch_size or self._size + len(event) + 1 > BATCH_BYTES):
            self._flush()
            events = self._events
        events.append(event)
        self._size += len(event) + 1
        self.records += 1

    def _flush(self) -> None:
        self._number += 1
        uid = str(batch_uid(self.scan_uid, self._number))
        body = b'{"batch_uid":"%s","events":[%s]}' % (uid.encode(), b",".join(self._events))
        self._pending.append((uid, len(self._events), self._pool.submit(_gzip, body)))
        self._events, self._size = [], 0

    def take(self, keep: int = 0) -> Iterator[OutboxItem]:
        """The finished batches but the last `keep` (waiting for their compression)."""
        while len(self._pending) > keep:
            uid, records, body = self._pending.popleft()
            yield OutboxItem(KIND_FINDINGS, uid, body.result(), records)

    def finish(self) -> Iterator[OutboxItem]:
        """Every remaining batch, the last partial one included; then the worker stops."""
        if self._events:
            self._flush()
        yield from self.take()
        self.close()

    def close(self) -> None:
        """Drop what is not taken yet and stop the worker."""
        for _, _, body in self._pending:
            body.cancel()
        self._pending.clear()
        self._events = []
        self._pool.shutdown(wait=False)


def _batches(
    store: Store, scan_id: int, scan_uid: uuid.UUID, batch_size: int, counter: list[int]
) -> Iterator[OutboxItem]:
    """The scan's stored findings as `findings` items; `counter[0]` ends as the event
    count. At most two batches are held at a time."""
    tags = _resource_tags(store, scan_id)
    encoder = OcsfEncoder()
    batcher = _Batcher(scan_uid, batch_size)
    try:
        for finding in _stored_findings(store, scan_id):
            batcher.add(encoder.encode(finding, tags.get(finding.resource_id)))
            yield from batcher.take(keep=1)
        yield from batcher.finish()
    finally:
        batcher.close()
    counter[0] = batcher.records


def _wire_shard(record: ScanRecord, scan_uid: uuid.UUID) -> v1.ScanShard | None:
    """The shard and run the store recorded for the scan (None: the whole estate); a
    shard scanned without a run id sends its own scan uid as the run."""
    shard = recorded_shard(record)
    if shard is None:
        return None
    run = recorded_run(record) or str(scan_uid)
    return v1.ScanShard(index=shard.index, count=shard.count, run=run)


def build_items(
    store: Store,
    scan_id: int,
    scan_uid: uuid.UUID,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    explanations: ExplanationSet | None = None,
    report: ExplanationReport | None = None,
) -> Iterator[OutboxItem]:
    """The outbox items of a finished scan, in delivery order (see the module doc)."""
    if not 1 <= batch_size <= v1.MAX_BATCH_EVENTS:
        raise ValueError(f"batch_size must be 1..{v1.MAX_BATCH_EVENTS}")
    record = store.scan(scan_id)
    if record.finished is None:
        raise ValueError(f"scan {scan_id} is not finished")
    shard = _wire_shard(record, scan_uid)
    opening = v1.ScanOpen(
        scan_uid=scan_uid,
        agent_version=record.agent_version,
        started=record.started,
        providers=list(record.providers),
        # only when sharded: the open of a whole-estate scan stays as older registries read it
        **({"shard": shard} if shard is not None else {}),
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
    batch_size: int = DEFAULT_BATCH_SIZE,
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
