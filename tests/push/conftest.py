"""Stores holding finished scans queued for the registry, and pushers wired to a fake."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from cloudcensus.policies.explanation_usage import ExplanationReport
from cloudcensus.policies.explanations import Explanation, ExplanationSet, ExplanationSpec
from cloudcensus.policies.findings import Finding, Severity, Status, finding_uid
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus
from cloudcensus.scanner.inventory import Resource
from cloudcensus.scanner.push import Pusher, enqueue_scan
from cloudcensus.scanner.store import ScanStatus, Store
from tests.registry.conftest import postgres_url  # noqa: F401 - the fixture, for faults

from .fakeregistry import TOKEN, FakeRegistry

STARTED = datetime(2026, 3, 14, 2, 0, tzinfo=UTC)
KEY = ("aws", "111111111111", "eu-west-1", "s3.buckets")


def resource(n: int) -> Resource:
    return Resource(
        provider="aws",
        account="111111111111",
        region="eu-west-1",
        type="storage.bucket",
        native_type="AWS::S3::Bucket",
        id=f"arn:aws:s3:::bucket-{n:05d}",
        name=f"bucket-{n:05d}",
        tags={"owner": "ops"} if n % 2 else {},
    )


def finding(n: int, status: Status = Status.FAIL) -> Finding:
    rid = f"arn:aws:s3:::bucket-{n:05d}"
    return Finding(
        uid=finding_uid("BASE-ENC-01", rid),
        rule_id="BASE-ENC-01",
        rule_version=1,
        rule_title="Buckets are encrypted",
        pack="baseline",
        severity=Severity.HIGH,
        status=status,
        resource_id=rid,
        resource_type="storage.bucket",
        native_type="AWS::S3::Bucket",
        provider="aws",
        account="111111111111",
        region="eu-west-1",
        evidence={"encrypted": False},
        message="bucket is not encrypted",
        evaluated_at=STARTED + timedelta(minutes=5),
        controls={"NIS2": ["21(2)(h)"]},
        remediation="Turn on default encryption.",
    )


def explanation_set(today: date = date(2026, 3, 14)) -> ExplanationSet:
    def spec(ident: str, expires: date) -> Explanation:
        return Explanation(
            spec=ExplanationSpec.model_validate(
                {
                    "id": ident,
                    "rule": "BASE-ENC-01",
                    "resources": {"ids": ["arn:aws:s3:::bucket-0000*"]},
                    "reason": "Public data set.",
                    "category": "waiver",
                    "requested_by": "ops@example.org",
                    "approved_by": "ciso@example.org",
                    "approved_on": date(2026, 1, 1),
                    "expires": expires,
                }
            ),
            file="explanations.yaml",
            line=1,
        )

    return ExplanationSet(
        [spec("EXP-1", date(2026, 12, 31)), spec("EXP-2", date(2026, 2, 1))], today
    )


def finished_scan(
    store: Store,
    findings: int,
    *,
    batch_size: int = 4,
    status: ScanStatus = ScanStatus.COMPLETE,
    explanations: ExplanationSet | None = None,
    report: ExplanationReport | None = None,
) -> int:
    """A scan with `findings` buckets and findings, finished and queued for the registry."""
    scan = store.begin_scan(["aws"], started=STARTED)
    store.add_resources(scan, KEY, [resource(n) for n in range(findings)])
    store.add_coverage(
        scan,
        [
            CoverageEntry(
                provider="aws",
                account=KEY[1],
                region=KEY[2],
                collector=KEY[3],
                status=CoverageStatus.COMPLETE,
                resources=findings,
            )
        ],
    )
    store.add_findings(scan, [finding(n) for n in range(findings)])
    store.finish_scan(
        scan,
        status,
        {"findings": findings},
        outbox=lambda conn: enqueue_scan(
            store, conn, scan, batch_size=batch_size, explanations=explanations, report=report
        ),
    )
    return scan


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "state" / "cloudcensus.sqlite") as opened:
        yield opened


@pytest.fixture
def registry() -> FakeRegistry:
    return FakeRegistry()


class Sleeps(list[float]):
    """The injected sleep: records the delays, never sleeps."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_client(registry: FakeRegistry, token: str = TOKEN) -> httpx.Client:
    return httpx.Client(
        base_url="https://registry.test",
        transport=httpx.MockTransport(registry),
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture
def pusher(registry: FakeRegistry, store: Store, sleeps: Sleeps) -> Iterator[Pusher]:
    """One item at a time: the fake's scripted faults go to requests in the order sent
    (`test_concurrency.py` covers batches in flight together)."""
    with make_client(registry) as client:
        yield Pusher(client, store, max_retries=3, concurrency=1, sleep=sleeps, random=lambda: 0.5)
