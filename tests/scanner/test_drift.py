"""Drift between two stored scans: only a completely read unit can lose resources."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cloudcensus.scanner.coverage import ANY, CoverageEntry, CoverageStatus, ErrorKind
from cloudcensus.scanner.inventory import Location, Resource
from cloudcensus.scanner.store import FieldChange, ScanStatus, Store, diff


def res(account: str, n: int, collector: str = "ec2.instances", **fields: Any) -> Resource:
    data: dict[str, Any] = {
        "provider": "aws",
        "account": account,
        "region": "eu-west-1",
        "type": "compute.instance",
        "native_type": "AWS::EC2::Instance",
        "id": f"arn:aws:ec2:eu-west-1:{account}:{collector}/{n}",
        "name": f"vm{n}",
        "tags": {"owner": "ops"},
        "location": Location(country="IE", eu=True, eea=True),
        "properties": {"public": False, "state": "running"},
        "raw": {"InstanceId": f"i-{n}"},
    }
    return Resource.model_validate(data | fields)


def entry(account: str, collector: str, status: CoverageStatus) -> CoverageEntry:
    kind = None if status is CoverageStatus.COMPLETE else ErrorKind.THROTTLED
    return CoverageEntry(
        provider="aws",
        account=account,
        region="eu-west-1",
        collector=collector,
        status=status,
        error_kind=kind,
    )


def scan(store: Store, resources: Iterable[Resource], coverage: list[CoverageEntry]) -> int:
    scan_id = store.begin_scan(["aws"])
    by_unit: dict[tuple[str, str, str, str], list[Resource]] = {}
    for r in resources:
        collector = r.id.split(":")[-1].split("/")[0]
        by_unit.setdefault(("aws", r.account, r.region, collector), []).append(r)
    for key, batch in by_unit.items():
        store.add_resources(scan_id, key, batch)
    store.add_coverage(scan_id, coverage)
    store.finish_scan(scan_id, ScanStatus.COMPLETE)
    return scan_id


OK = CoverageStatus.COMPLETE


def test_added_removed_and_changed_with_the_changed_keys(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as store:
        old = scan(store, [res("111", n) for n in range(4)], [entry("111", "ec2.instances", OK)])
        newer = [
            res("111", 0),
            res("111", 1, properties={"public": True, "state": "running", "ip": "1.2.3.4"}),
            res("111", 2, tags={"owner": "dev"}, name="renamed"),
            res("111", 3, raw={"InstanceId": "i-3", "LastSeen": "now"}),  # raw only: no drift
            res("111", 9),
        ]
        new = scan(store, newer, [entry("111", "ec2.instances", OK)])
        result = diff(store, old, new)
    assert [r.id for r in result.added] == [newer[4].id]
    assert result.removed == []
    assert result.unverified == []
    assert result.unchanged == 2
    changes = {c.resource.id: c.fields for c in result.changed}
    assert changes == {
        newer[1].id: (
            FieldChange("properties.ip", "added", None, "1.2.3.4"),
            FieldChange("properties.public", "changed", False, True),
        ),
        newer[2].id: (
            FieldChange("name", "changed", "vm2", "renamed"),
            FieldChange("tags.owner", "changed", "ops", "dev"),
        ),
    }


def test_missing_resources_are_removed_only_where_the_unit_was_complete(tmp_path: Path) -> None:
    before = [res("111", 1), res("111", 2, collector="ebs.volumes"), res("222", 1), res("333", 1)]
    full = [entry(a, c, OK) for a in ("111", "222", "333") for c in ("ec2.instances",)]
    full.append(entry("111", "ebs.volumes", OK))
    account_denied = CoverageEntry(
        provider="aws",
        account="222",
        region=ANY,
        collector=ANY,
        status=CoverageStatus.FAILED,
        error_kind=ErrorKind.ACCESS_DENIED,
    )
    with Store.open(tmp_path / "s.sqlite3") as store:
        old = scan(store, before, full)
        coverage = [
            entry("111", "ec2.instances", OK),  # complete: its missing instance is removed
            entry("111", "ebs.volumes", CoverageStatus.PARTIAL),  # partial: unverified
            account_denied,  # whole account failed: unverified
            # 333 has no entry at all in the new scan: unverified
        ]
        new = scan(store, [], coverage)
        result = diff(store, old, new)
        assert [r.id for r in result.removed] == [before[0].id]
        assert sorted(r.id for r in result.unverified) == sorted(r.id for r in before[1:])

        # The next scan reads everything again: the carried-forward inventory is compared
        # with what is really there, and only then can it be removed.
        latest = scan(store, [res("222", 1)], full)
        again = diff(store, new, latest)
        assert sorted(r.id for r in again.removed) == sorted([before[1].id, before[3].id])
        assert again.unchanged == 1
        assert again.added == []


def test_a_provider_wide_failure_removes_nothing(tmp_path: Path) -> None:
    wide = CoverageEntry(
        provider="aws",
        account=ANY,
        region=ANY,
        collector=ANY,
        status=CoverageStatus.FAILED,
        error_kind=ErrorKind.ACCESS_DENIED,
    )
    with Store.open(tmp_path / "s.sqlite3") as store:
        old = scan(store, [res("111", 1)], [entry("111", "ec2.instances", OK)])
        new = scan(store, [], [entry("111", "ec2.instances", OK), wide])
        result = diff(store, old, new)
    assert result.removed == []
    assert [r.id for r in result.unverified] == [res("111", 1).id]


def test_diff_of_6k_resources_is_done_in_sql(tmp_path: Path) -> None:
    old_set = [res(f"{a:03}", n) for a in range(6) for n in range(1000)]
    new_set = old_set[500:] + [res("999", n) for n in range(300)]
    new_set[0] = res(new_set[0].account, 500, name="changed")
    coverage = [entry(f"{a:03}", "ec2.instances", OK) for a in (*range(6), 999)]
    with Store.open(tmp_path / "s.sqlite3") as store:
        old = scan(store, old_set, coverage)
        new = scan(store, new_set, coverage)
        started = time.perf_counter()
        result = diff(store, old, new)
        elapsed = time.perf_counter() - started
    assert (len(result.added), len(result.removed), len(result.changed)) == (300, 500, 1)
    assert result.unchanged == 5_499
    assert elapsed < 5, elapsed
