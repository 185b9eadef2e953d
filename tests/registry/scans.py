"""Build real scan payloads (events from `finding_to_ocsf`) and deliver them over HTTP."""

from __future__ import annotations

import gzip
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from cloudcensus.policies.findings import Finding, finding_uid
from cloudcensus.scanner.coverage import ANY, CoverageEntry, CoverageStatus, ErrorKind
from cloudcensus.scanner.report.ocsf import finding_to_ocsf
from cloudcensus.wire import v1

_JSON = {"Content-Type": "application/json"}
NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)


def event(
    resource: str,
    *,
    account: str = "111111111111",
    region: str = "eu-west-1",
    rule: str = "BASE-ENC-01",
    status: str = "fail",
    severity: str = "high",
    message: str = "bucket is not encrypted",
    at: datetime = NOW,
) -> dict[str, Any]:
    finding = Finding(
        uid=finding_uid(rule, resource),
        rule_id=rule,
        rule_version=1,
        rule_title=f"title of {rule}",
        pack="baseline",
        severity=severity,
        status=status,
        resource_id=resource,
        resource_type="storage.bucket",
        native_type="AWS::S3::Bucket",
        provider="aws",
        account=account,
        region=region,
        evidence={"encrypted": False},
        message=message,
        explanation_id="EXP-1" if status == "explained" else None,
        evaluated_at=at,
    )
    return finding_to_ocsf(finding)


def complete(account: str, region: str = "eu-west-1") -> CoverageEntry:
    return CoverageEntry(
        provider="aws",
        account=account,
        region=region,
        collector="s3.buckets",
        status=CoverageStatus.COMPLETE,
    )


def failed(account: str, region: str = "eu-west-1") -> CoverageEntry:
    return CoverageEntry(
        provider="aws",
        account=account,
        region=region,
        collector=ANY if region == ANY else "s3.buckets",
        status=CoverageStatus.FAILED,
        error_kind=ErrorKind.ACCESS_DENIED,
        message="AccessDenied",
    )


def open_scan(
    agent: httpx.Client, scan_uid: uuid.UUID | None = None, *, started: datetime = NOW
) -> uuid.UUID:
    scan_uid = scan_uid or uuid.uuid4()
    body = v1.ScanOpen(scan_uid=scan_uid, agent_version="0.1.0", started=started, providers=["aws"])
    agent.post(v1.SCANS_PATH, content=v1.encode(body), headers=_JSON).raise_for_status()
    return scan_uid


def send_batch(
    agent: httpx.Client,
    scan_uid: uuid.UUID,
    events: list[dict[str, Any]],
    batch_uid: uuid.UUID | None = None,
    *,
    gzipped: bool = True,
) -> httpx.Response:
    batch_uid = batch_uid or uuid.uuid4()
    body = v1.encode(v1.FindingBatch(batch_uid=batch_uid, events=events))
    headers = {v1.IDEMPOTENCY_HEADER: str(batch_uid), "Content-Type": "application/json"}
    if gzipped:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    path = v1.FINDINGS_PATH.format(scan_uid=scan_uid)
    return agent.post(path, content=body, headers=headers)


def finish(
    agent: httpx.Client,
    scan_uid: uuid.UUID,
    findings: int,
    coverage: list[CoverageEntry],
    status: v1.ScanOutcome = v1.ScanOutcome.COMPLETE,
) -> httpx.Response:
    body = v1.ScanComplete(
        finished=NOW + timedelta(minutes=5), status=status, findings=findings, coverage=coverage
    )
    path = v1.COMPLETE_PATH.format(scan_uid=scan_uid)
    return agent.post(path, content=v1.encode(body), headers={"Content-Type": "application/json"})


def deliver(
    agent: httpx.Client,
    events: list[dict[str, Any]],
    coverage: list[CoverageEntry],
    status: v1.ScanOutcome = v1.ScanOutcome.COMPLETE,
    *,
    started: datetime = NOW,
) -> dict[str, Any]:
    """One whole scan, as the agent's pusher delivers it; the completion answer."""
    scan_uid = open_scan(agent, started=started)
    if events:
        send_batch(agent, scan_uid, events).raise_for_status()
    answer = finish(agent, scan_uid, len(events), coverage, status)
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def explanation(ident: str, expires: date) -> dict[str, Any]:
    return {
        "id": ident,
        "rule": "BASE-ENC-01",
        "reason": "legacy archive, migrated in Q3",
        "category": "waiver",
        "requested_by": "ops@example.org",
        "approved_by": "ciso@example.org",
        "approved_on": "2026-01-10",
        "expires": expires.isoformat(),
        "reference": "CHG-42",
        "state": "valid",
    }


def open_findings(reader: httpx.Client, **filters: str) -> list[dict[str, Any]]:
    """Every page of GET findings."""
    items: list[dict[str, Any]] = []
    params: dict[str, str] = {**filters, "limit": "1000"}
    while True:
        page = reader.get("/api/v1/findings", params=params)
        page.raise_for_status()
        body = page.json()
        items += body["items"]
        if body["next_cursor"] is None:
            return items
        params["cursor"] = body["next_cursor"]
