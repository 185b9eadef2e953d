"""Ingest over HTTP against a real registry process: round trip, replay, resolution."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

from cloudcensus.wire import v1
from tests.registry.scans import (
    complete,
    deliver,
    event,
    explanation,
    failed,
    finish,
    open_findings,
    open_scan,
    send_batch,
)
from tests.registry.server import Registry


def test_a_delivered_scan_is_readable_as_findings_summary_explanations_and_csv(
    registry: Registry,
) -> None:
    tenant = registry.tenant()
    events = [
        event("arn:aws:s3:::open-bucket"),
        event("arn:aws:s3:::archive", status="explained"),
        event("arn:aws:s3:::fine", status="pass", severity="low"),
    ]
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        scan_uid = open_scan(agent)
        accepted = send_batch(agent, scan_uid, events)
        assert accepted.status_code == 200
        assert accepted.json()["accepted"] == 3
        soon = datetime.now(UTC).date() + timedelta(days=10)
        put = agent.put(
            v1.EXPLANATIONS_PATH.format(scan_uid=scan_uid),
            json={"explanations": [explanation("EXP-1", soon)]},
        )
        assert put.json()["accepted"] == 1
        done = finish(agent, scan_uid, 3, [complete("111111111111")])
        assert done.json()["findings"] == 3

        found = {f["resource_id"]: f for f in open_findings(reader, institution=tenant.name)}
        assert set(found) == {
            "arn:aws:s3:::open-bucket",
            "arn:aws:s3:::archive",
            "arn:aws:s3:::fine",
        }
        assert found["arn:aws:s3:::archive"]["status"] == "explained"
        assert found["arn:aws:s3:::archive"]["explanation_id"] == "EXP-1"
        assert found["arn:aws:s3:::fine"]["severity"] == "low"
        assert found["arn:aws:s3:::open-bucket"]["account"] == "111111111111"

        summary = reader.get(f"/api/v1/institutions/{tenant.name}/summary").json()
        assert (summary["comply"], summary["explained"], summary["violating"]) == (1, 1, 1)

        expiring = reader.get(
            f"/api/v1/institutions/{tenant.name}/explanations", params={"expiring_within": 30}
        ).json()["items"]
        assert [(e["id"], e["days_left"]) for e in expiring] == [("EXP-1", 10)]

        export = reader.get("/api/v1/exports/findings.csv", params={"status": "fail"})
        assert export.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(export.text)))
        assert [r["resource_id"] for r in rows] == ["arn:aws:s3:::open-bucket"]


def test_a_replayed_batch_changes_nothing_and_gets_the_same_answer(registry: Registry) -> None:
    tenant = registry.tenant()
    events = [event(f"arn:aws:s3:::b{i}") for i in range(3)]
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        scan_uid = open_scan(agent)
        again = agent.post(
            v1.SCANS_PATH,
            json={"scan_uid": str(scan_uid), "agent_version": "0.1.0",
                  "started": "2026-05-04T02:00:00Z", "providers": ["aws"]},
        )  # fmt: skip
        assert again.status_code == 200
        assert again.headers[v1.REPLAYED_HEADER] == "true"
        batch_uid = uuid.uuid4()
        first = send_batch(agent, scan_uid, events, batch_uid)
        replay = send_batch(agent, scan_uid, events, batch_uid, gzipped=False)
        assert replay.status_code == first.status_code == 200
        assert replay.json() == first.json()
        assert replay.headers[v1.REPLAYED_HEADER] == "true"
        other = send_batch(agent, scan_uid, events[:1], batch_uid)
        assert other.status_code == 409
        # the replay did not count twice: completion with 3 findings is accepted
        done = finish(agent, scan_uid, 3, [complete("111111111111")])
        assert done.json()["findings"] == 3
        assert finish(agent, scan_uid, 3, [complete("111111111111")]).json() == done.json()
        assert len(open_findings(reader, institution=tenant.name)) == 3


def test_completion_waits_for_missing_batches(registry: Registry) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        deliver(agent, [event("arn:aws:s3:::old")], [complete("111111111111")])
        scan_uid = open_scan(agent)
        send_batch(agent, scan_uid, [event("arn:aws:s3:::new")]).raise_for_status()
        early = finish(agent, scan_uid, 2, [complete("111111111111")])
        assert early.status_code == 409
        assert "1 of 2" in early.json()["detail"]
        assert {f["resource_id"] for f in open_findings(reader, institution=tenant.name)} == {
            "arn:aws:s3:::old",
            "arn:aws:s3:::new",
        }


def test_resolution_happens_only_in_completely_covered_accounts(registry: Registry) -> None:
    tenant = registry.tenant()
    first = [
        event("arn:covered", account="111111111111"),
        event("arn:region-denied", account="222222222222"),
        event("arn:not-in-coverage", account="333333333333"),
    ]
    coverage = [complete("111111111111"), complete("222222222222")]
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        deliver(agent, first, coverage)
        # second scan sees none of them; 222's second region was denied
        second_coverage = [
            complete("111111111111"),
            complete("222222222222"),
            failed("222222222222", "eu-central-1"),
        ]
        answer = deliver(agent, [], second_coverage, v1.ScanOutcome.PARTIAL)
        assert answer["resolved"] == 1
        assert answer["covered_accounts"] == ["aws:111111111111"]
        resolved = open_findings(reader, institution=tenant.name, status="resolved")
        assert [f["resource_id"] for f in resolved] == ["arn:covered"]
        assert resolved[0]["resolved_at"] is not None
        still_open = {f["resource_id"] for f in open_findings(reader, institution=tenant.name)}
        assert still_open == {"arn:region-denied", "arn:not-in-coverage"}

        # a provider-wide failure or a failed scan resolves nothing
        whole_provider = [complete("222222222222"), failed("*", "*")]
        assert deliver(agent, [], whole_provider)["resolved"] == 0
        coverage_222 = [complete("222222222222")]
        assert deliver(agent, [], coverage_222, v1.ScanOutcome.FAILED)["resolved"] == 0
        assert len(open_findings(reader, institution=tenant.name)) == 2

        # a resolved finding that comes back is open again, first seen kept
        deliver(agent, [event("arn:covered", account="111111111111")], [complete("111111111111")])
        back = open_findings(
            reader, institution=tenant.name, rule="BASE-ENC-01", account="111111111111"
        )
        assert [(f["resource_id"], f["resolved_at"]) for f in back] == [("arn:covered", None)]


def test_coverage_gaps_of_the_last_scan(registry: Registry) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        deliver(agent, [], [complete("111111111111"), failed("111111111111", "eu-central-1")])
        gaps = reader.get(f"/api/v1/institutions/{tenant.name}/coverage-gaps").json()["gaps"]
        assert [(g["region"], g["status"], g["error_kind"]) for g in gaps] == [
            ("eu-central-1", "failed", "access_denied")
        ]
