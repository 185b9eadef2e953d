"""deploy/iam/scaleway: the policy holds exactly the permission sets a full scan needs, and a
scan only reads.

The real ScalewayProvider scans the demo organisation on the project's fake Scaleway API
(Object Storage behind it on moto) while the fake records every request. Each request is
a GET or HEAD of an API path of `deploy/iam/scaleway/permissions.yaml`, or a bucket-level
Object Storage read it lists; the permission sets those rows name are exactly the sets
of the file, from which main.tf builds the policy (tests/deploy/test_iam_terraform.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudcensus.demo.scalewaycloud import ScalewayDemoCloud
from cloudcensus.providers.scaleway import ScalewayProvider
from cloudcensus.providers.scaleway.fake.state import RequestRecord
from cloudcensus.providers.scaleway.settings import ScalewaySettings
from tests.support.collecting import collect_into

IAM = Path(__file__).resolve().parents[2] / "deploy" / "iam" / "scaleway"
READS = {"GET", "HEAD"}


def _table() -> dict[str, Any]:
    table: dict[str, Any] = yaml.safe_load((IAM / "permissions.yaml").read_text())
    return table


@pytest.fixture(scope="module")
def requests() -> list[RequestRecord]:
    """Every request of a full scan of the demo organisation (its seeding left out)."""
    with ScalewayDemoCloud() as demo, pytest.MonkeyPatch.context() as patch:
        for name in ("SCW_PROFILE", "SCW_DEFAULT_PROJECT_ID", "SCW_DEFAULT_REGION"):
            patch.delenv(name, raising=False)
        patch.delenv("SCW_DEFAULT_ZONE", raising=False)
        for name, value in demo.environment().items():
            patch.setenv(name, value)
        state = demo.state
        with state.lock:
            state.requests.clear()
        provider = ScalewayProvider(ScalewaySettings.model_validate(dict(demo.provider_settings())))
        try:
            sink = collect_into([provider])
        finally:
            provider.close()
        with state.lock:
            recorded = list(state.requests)
    assert sink.failed == []
    assert recorded, "the fake recorded no request"
    return recorded


def _object_storage_call(record: RequestRecord) -> str | None:
    """`GET /{bucket}?acl` for a bucket-level S3 request; None for anything deeper."""
    segments = [s for s in record.path.split("/") if s]
    if len(segments) > 1:
        return None
    keys = "&".join(sorted(record.query))
    return f"{record.method} {'/{bucket}' if segments else '/'}" + (f"?{keys}" if keys else "")


def _needed_sets(records: list[RequestRecord]) -> tuple[set[str], list[str]]:
    """The permission sets the requests need, and the requests no row covers."""
    table = _table()
    needed: set[str] = set()
    unknown: list[str] = []
    for record in records:
        rows = [a for a in table["apis"] if record.path.startswith(a["path"])]
        if rows:
            needed.update(s for row in rows for s in row["permission_sets"])
        elif _object_storage_call(record) in table["object_storage"]["calls"]:
            needed.update(table["object_storage"]["permission_sets"])
        else:
            unknown.append(f"{record.method} {record.path} {sorted(record.query)}")
    return needed, unknown


def test_a_scan_only_reads(requests: list[RequestRecord]) -> None:
    writes = sorted({f"{r.method} {r.path}" for r in requests if r.method not in READS})
    assert writes == []


def test_every_call_is_a_documented_api(requests: list[RequestRecord]) -> None:
    _, unknown = _needed_sets(requests)
    assert unknown == [], f"add to deploy/iam/scaleway/permissions.yaml: {sorted(set(unknown))}"


def test_the_policy_holds_exactly_the_sets_the_calls_need(
    requests: list[RequestRecord],
) -> None:
    table = _table()
    granted = {s for api in table["apis"] for s in api["permission_sets"]}
    granted |= set(table["object_storage"]["permission_sets"])
    needed, _ = _needed_sets(requests)
    assert needed == granted
    called = {
        a["path"] for a in table["apis"] if any(r.path.startswith(a["path"]) for r in requests)
    }
    assert called == {a["path"] for a in table["apis"]}  # no stale row
    listed = set(table["object_storage"]["calls"])
    assert {_object_storage_call(r) for r in requests} >= listed


def test_objects_are_never_read(requests: list[RequestRecord]) -> None:
    buckets = [r for r in requests if _object_storage_call(r) is not None]
    assert buckets, "Object Storage was not read"
    # /{bucket}/{key}: an object; an API path's second segment is its version (/rdb/v1/...)
    objects = [
        r.path
        for r in requests
        if len(parts := [s for s in r.path.split("/") if s]) > 1
        and not re.fullmatch(r"v\d+(alpha|beta)?\d*", parts[1])
    ]
    assert objects == []


def test_every_permission_set_is_read_only() -> None:
    table = _table()
    names = [s for api in table["apis"] for s in api["permission_sets"]]
    names += table["object_storage"]["permission_sets"]
    assert all(n.endswith(("ReadOnly", "BucketsRead")) for n in names), names
    assert {a["scope"] for a in table["apis"]} == {"organization", "projects"}
    assert table["object_storage"]["scope"] == "projects"


def test_terraform_builds_the_policy_from_the_table() -> None:
    text = (IAM / "main.tf").read_text()
    assert 'yamldecode(file("${path.module}/permissions.yaml"))' in text
    assert "ReadOnly" not in text  # every set comes from the table
