"""The local store on real SQLite files: round trips, WAL, schema, retention, stale inventory."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel

from cloudcensus.policies.findings import Finding, Severity, Status, finding_uid
from cloudcensus.providers.base import CollectionTask, Scope
from cloudcensus.scanner.collect import collect
from cloudcensus.scanner.coverage import ANY, CoverageEntry, CoverageStatus, ErrorKind
from cloudcensus.scanner.inventory import Jurisdiction, Location, Resource
from cloudcensus.scanner.store import (
    SCHEMA_VERSION,
    ScanStatus,
    SchemaError,
    Store,
    StoreError,
    StoreSink,
    UnknownScan,
)


def bucket(account: str, n: int, **properties: Any) -> Resource:
    return Resource(
        provider="aws",
        account=account,
        region="eu-west-1",
        type="storage.bucket",
        native_type="AWS::S3::Bucket",
        id=f"arn:aws:s3:::{account}-b{n}",
        name=f"b{n}",
        tags={"owner": "ops"},
        created=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        location=Location(country="IE", eu=True, eea=True),
        jurisdiction=Jurisdiction(
            offering="aws",
            operator="AWS EMEA",
            legal_seat="LU",
            parent="Amazon",
            parent_country="US",
            non_eu_law=True,
            certifications=("c5",),
        ),
        properties={"public": False, "ingress": [{"port": 22}], **properties},
        raw={"Name": f"{account}-b{n}", "CreationDate": "2025-01-02"},
    )


def unit(account: str, status: CoverageStatus = CoverageStatus.COMPLETE) -> CoverageEntry:
    kind = ErrorKind.ACCESS_DENIED if status is CoverageStatus.FAILED else None
    return CoverageEntry(
        provider="aws",
        account=account,
        region="eu-west-1",
        collector="s3.buckets",
        status=status,
        error_kind=kind,
    )


KEY_111 = ("aws", "111", "eu-west-1", "s3.buckets")
KEY_222 = ("aws", "222", "eu-west-1", "s3.buckets")


def test_resources_round_trip_exactly_and_stream_in_id_order(tmp_path: Path) -> None:
    written = [bucket("111", n) for n in range(2500)] + [bucket("222", 1)]
    with Store.open(tmp_path / "state" / "cloudcensus.sqlite3") as store:
        scan = store.begin_scan(["aws"])
        assert store.add_resources(scan, KEY_111, written[:2500]) == 2500
        store.add_resources(scan, KEY_222, written[2500:])
        back = list(store.resources(scan))
        assert back == sorted(written, key=lambda r: r.id)
        assert list(store.resources(scan, account="222")) == [written[2500]]
        assert store.accounts(scan) == [("aws", "111"), ("aws", "222")]


def test_file_is_wal_owner_only_and_schema_versioned(tmp_path: Path) -> None:
    path = tmp_path / "cloudcensus.sqlite3"
    Store.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        conn.execute("UPDATE schema_version SET version = version + 1")
        conn.commit()
    finally:
        conn.close()
    with pytest.raises(SchemaError, match="newer"):
        Store.open(path)


def test_a_file_that_is_not_a_database_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match=str(path)):
        Store.open(path)


def test_scan_lifecycle_coverage_and_retention(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3", retention=3) as store:
        ids = []
        for n in range(5):
            scan = store.begin_scan(["aws"], agent_version="9.9")
            store.add_resources(scan, KEY_111, [bucket("111", n)])
            store.add_coverage(scan, [unit("111")])
            store.finish_scan(scan, ScanStatus.COMPLETE, {"resources": 1})
            ids.append(scan)
        assert [s.id for s in store.scans()] == ids[:1:-1]
        newest = store.scan(ids[-1])
        assert (newest.status, newest.agent_version, newest.summary) == (
            ScanStatus.COMPLETE,
            "9.9",
            {"resources": 1},
        )
        assert store.coverage(ids[-1]) == [unit("111")]
        with pytest.raises(UnknownScan):
            store.scan(ids[0])
        bodies = store.connection.execute("SELECT count(*) FROM bodies").fetchone()[0]
        assert bodies == 3  # pruned scans' bodies went with them
        assert [s.id for s in store.last_complete_scans(2)] == [ids[4], ids[3]]


def test_denied_account_keeps_its_last_inventory_as_stale(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as store:
        first = store.begin_scan(["aws"])
        store.add_resources(first, KEY_111, [bucket("111", 1)])
        store.add_resources(first, KEY_222, [bucket("222", 1), bucket("222", 2)])
        store.add_coverage(first, [unit("111"), unit("222")])
        store.finish_scan(first, ScanStatus.COMPLETE)

        second = store.begin_scan(["aws"])
        store.add_resources(second, KEY_111, [bucket("111", 1)])
        denied = CoverageEntry(
            provider="aws",
            account="222",
            region=ANY,
            collector=ANY,
            status=CoverageStatus.FAILED,
            error_kind=ErrorKind.ACCESS_DENIED,
        )
        store.add_coverage(second, [unit("111"), denied])
        running = sorted(r.id for r in store.stale_resources(second))
        assert running == ["arn:aws:s3:::222-b1", "arn:aws:s3:::222-b2"]
        assert store.finish_scan(second, ScanStatus.PARTIAL) == 2
        assert sorted(r.id for r in store.stale_resources(second)) == running
        assert [r.id for r in store.resources(second)] == ["arn:aws:s3:::111-b1"]

        third = store.begin_scan(["aws"])  # still denied: the inventory is carried again
        store.add_resources(third, KEY_111, [bucket("111", 1)])
        store.add_coverage(third, [unit("111"), denied])
        store.finish_scan(third, ScanStatus.PARTIAL)
        assert sorted(r.id for r in store.stale_resources(third)) == running


def finding(n: int, status: Status, severity: Severity) -> Finding:
    rid = f"arn:aws:s3:::111-b{n}"
    return Finding(
        uid=finding_uid("BASE-EXP-01", rid),
        rule_id="BASE-EXP-01",
        rule_version=1,
        rule_title="Buckets are private",
        pack="baseline",
        severity=severity,
        status=status,
        resource_id=rid,
        resource_type="storage.bucket",
        native_type="AWS::S3::Bucket",
        provider="aws",
        account="111",
        region="eu-west-1",
        evidence={"public": n % 2 == 0},
        message="m",
        evaluated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_findings_round_trip_and_filter(tmp_path: Path) -> None:
    stored = [
        finding(n, Status.FAIL if n % 2 else Status.PASS, Severity.HIGH if n % 3 else Severity.LOW)
        for n in range(1500)
    ]
    with Store.open(tmp_path / "s.sqlite3") as store:
        scan = store.begin_scan(["aws"])
        assert store.add_findings(scan, iter(stored)) == 1500
        assert sorted(store.findings(scan), key=lambda f: f.uid) == sorted(
            stored, key=lambda f: f.uid
        )
        failing_high = list(store.findings(scan, status=Status.FAIL, min_severity=Severity.HIGH))
        expected = [f for f in stored if f.status is Status.FAIL and f.severity is Severity.HIGH]
        assert sorted(f.uid for f in failing_high) == sorted(f.uid for f in expected)
        one = stored[7]
        assert list(store.findings(scan, resource_id=one.resource_id)) == [one]


class StaticProvider:
    """A real provider over a fixed estate: three accounts of ten buckets."""

    name: ClassVar[str] = "aws"
    settings_model: ClassVar[type[BaseModel]] = BaseModel

    def scopes(self) -> list[Scope]:
        return [Scope(provider="aws", account=a, offering="aws") for a in ("111", "222", "333")]

    def tasks(self, scope: Scope) -> list[CollectionTask]:
        return [
            CollectionTask(
                provider="aws",
                account=scope.account,
                region="eu-west-1",
                collector="s3.buckets",
                fetch=lambda: range(10),
                normalise=lambda n: bucket(scope.account, n),
            )
        ]

    def classify(self, error: BaseException) -> tuple[ErrorKind, str]:
        return ErrorKind.UNEXPECTED, type(error).__name__


def test_collect_into_the_store_through_the_sink(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as store:
        scan = store.begin_scan(["aws"])
        summary = collect([StaticProvider()], StoreSink(store, scan), workers=2, batch_size=7)
        store.finish_scan(scan, ScanStatus.COMPLETE, {"resources": summary.resources})
        assert sum(1 for _ in store.resources(scan)) == summary.resources == 30
        assert {e.account for e in store.coverage(scan)} == {"111", "222", "333"}
        assert all(e.resources == 10 for e in store.coverage(scan))
