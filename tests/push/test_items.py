"""A finished scan as wire v1 requests: every body validates, keys are stable."""

from __future__ import annotations

import gzip
import json
import uuid

import pytest
from pydantic import ValidationError

from cloudcensus.policies.explanation_usage import ExplanationReport
from cloudcensus.scanner.push import build_items, explanation_records, items
from cloudcensus.scanner.report.ocsf import finding_to_ocsf
from cloudcensus.scanner.store import Outbox, ScanStatus, Store
from cloudcensus.wire import v1

from .conftest import STARTED, explanation_set, finding, finished_scan

SCAN_UID = uuid.UUID("5b0e3d7c-0000-4000-8000-000000000001")


def test_every_body_validates_against_the_wire_models(store: Store) -> None:
    scan = finished_scan(store, 10, status=ScanStatus.PARTIAL)
    built = list(build_items(store, scan, SCAN_UID, batch_size=4))
    bodies = [gzip.decompress(item.body) for item in built]
    assert [item.kind for item in built] == ["open", *["findings"] * 3, "explanations", "complete"]

    opened = v1.ScanOpen.model_validate_json(bodies[0])
    assert (opened.scan_uid, opened.started, opened.providers) == (SCAN_UID, STARTED, ["aws"])

    batches = [v1.FindingBatch.model_validate_json(body) for body in bodies[1:4]]
    assert [len(b.events) for b in batches] == [4, 4, 2]
    assert [str(b.batch_uid) for b in batches] == [i.idempotency_key for i in built[1:4]]
    assert [b.batch_uid for b in batches] == [items.batch_uid(SCAN_UID, n) for n in (1, 2, 3)]
    assert [i.records for i in built[1:4]] == [4, 4, 2]

    assert v1.ExplanationsUpload.model_validate_json(bodies[4]).explanations == []
    done = v1.ScanComplete.model_validate_json(bodies[5])
    assert (done.status, done.findings) == (v1.ScanOutcome.PARTIAL, 10)
    assert done.coverage == store.coverage(scan)


def test_events_are_the_ocsf_file_events_with_tags(store: Store) -> None:
    scan = finished_scan(store, 2)
    batch = next(i for i in build_items(store, scan, SCAN_UID) if i.kind == "findings")
    events = json.loads(gzip.decompress(batch.body))["events"]
    assert events[0] == finding_to_ocsf(finding(0))
    assert events[1] == finding_to_ocsf(finding(1), tags={"owner": "ops"})


def test_the_same_scan_builds_the_same_bytes(store: Store) -> None:
    scan = finished_scan(store, 7)
    first = [(i.idempotency_key, i.body) for i in build_items(store, scan, SCAN_UID)]
    again = [(i.idempotency_key, i.body) for i in build_items(store, scan, SCAN_UID)]
    assert first == again


def test_batches_also_split_on_bytes(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    scan = finished_scan(store, 6)
    one_event = len(json.dumps(finding_to_ocsf(finding(0))))
    monkeypatch.setattr(items, "BATCH_BYTES", one_event * 2 + 10)
    built = [i for i in build_items(store, scan, SCAN_UID, batch_size=100) if i.records]
    assert [i.records for i in built] == [2, 2, 2]


def test_batch_size_is_bounded_by_the_wire(store: Store) -> None:
    scan = finished_scan(store, 1)
    with pytest.raises(ValueError, match="batch_size"):
        list(build_items(store, scan, SCAN_UID, batch_size=v1.MAX_BATCH_EVENTS + 1))


def test_explanations_carry_their_state() -> None:
    explanations = explanation_set()
    report = ExplanationReport(
        valid=[{"id": "EXP-1", "findings": 0}],
        stale=[{"id": "EXP-1"}],
        expired=[{"id": "EXP-2"}],
    )
    records = explanation_records(explanations, report)
    assert [(r.id, r.state) for r in records] == [
        ("EXP-1", v1.ExplanationState.STALE),
        ("EXP-2", v1.ExplanationState.EXPIRED),
    ]
    assert records[0].approved_by == "ciso@example.org"
    assert [(r.id, r.state.value) for r in explanation_records(explanations, None)] == [
        ("EXP-1", "valid"),
        ("EXP-2", "expired"),
    ]


def test_explanations_travel_with_the_scan(store: Store) -> None:
    scan = finished_scan(store, 1, explanations=explanation_set())
    outbox = Outbox(store)
    body = outbox._conn.execute(
        "SELECT body FROM outbox_items WHERE scan_id = ? AND kind = 'explanations'", (scan,)
    ).fetchone()[0]
    upload = v1.ExplanationsUpload.model_validate_json(gzip.decompress(body))
    assert [r.id for r in upload.explanations] == ["EXP-1", "EXP-2"]


def test_batches_follow_the_uid_order(store: Store) -> None:
    """Each batch is one slice of the uid space: the registry's uid index takes it in
    order (much faster than the same events scattered; see benchmarks/README.md)."""
    scan = finished_scan(store, 30)
    uids = [
        event["finding_info"]["uid"]
        for item in build_items(store, scan, SCAN_UID, batch_size=4)
        if item.kind == "findings"
        for event in json.loads(gzip.decompress(item.body))["events"]
    ]
    assert uids == sorted(finding(n).uid for n in range(30))


def test_stored_findings_are_read_back_as_written_and_bad_rows_fail_loudly(
    store: Store,
) -> None:
    scan = store.begin_scan(["aws"], started=STARTED)
    store.add_findings(scan, [finding(0), finding(1)])
    store.finish_scan(scan, ScanStatus.COMPLETE)

    def rewrite(n: int, change: dict[str, object]) -> None:
        row = json.loads(finding(n).model_dump_json()) | change
        store.connection.execute(
            "UPDATE findings SET json = ? WHERE scan_id = ? AND uid = ?",
            (json.dumps(row), scan, finding(n).uid),
        )
        store.connection.commit()

    rewrite(0, {"evaluated_at": "2026-03-14T04:05:00+02:00"})  # the same instant
    built = [i for i in build_items(store, scan, SCAN_UID) if i.kind == "findings"]
    events = json.loads(gzip.decompress(built[0].body))["events"]
    by_uid = {e["finding_info"]["uid"]: e for e in events}
    assert by_uid[finding(0).uid] == finding_to_ocsf(finding(0))
    assert by_uid[finding(1).uid] == finding_to_ocsf(finding(1))

    rewrite(1, {"colour": "red"})  # not a finding this version wrote
    with pytest.raises(ValidationError, match="colour"):
        list(build_items(store, scan, SCAN_UID))
