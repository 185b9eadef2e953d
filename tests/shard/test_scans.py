"""Real scans of a small AWS organisation (moto) split in shards: together they read the
whole estate exactly once, each records its shard and run, a shard's store never sees
another shard's scopes (no false "removed"), and a store refuses another shard."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.scanner.shard import Shard, ShardMismatch, recorded_run, recorded_shard
from cloudcensus.scanner.store import ScanStatus, Store

from .conftest import scan, settings_for
from .estate import CONFIG, REGION, ROLE, Organisation

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Snapshot:
    """What one scan read and found, from its store."""

    status: ScanStatus
    accounts: set[str]
    resources: list[str]  # ids, duplicates kept
    findings: list[str]  # uids, duplicates kept
    coverage_accounts: set[str]
    gaps: int


def _snapshot(store: Store, scan_id: int) -> Snapshot:
    coverage = store.coverage(scan_id)
    return Snapshot(
        status=store.scan(scan_id).status,
        accounts={account for _, account in store.accounts(scan_id)},
        resources=[r.id for r in store.resources(scan_id, include_stale=True)],
        findings=[f.uid for f in store.findings(scan_id)],
        coverage_accounts={e.account for e in coverage},
        gaps=sum(1 for e in coverage if e.status.value != "complete"),
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shards")
    (root / "cloudcensus.yaml").write_text(CONFIG)
    return root


@pytest.fixture(scope="module")
def whole(organisation: tuple[MotoServer, Organisation], workdir: Path) -> Iterator[Snapshot]:
    """The whole estate in one unsharded scan: what the shards must add up to."""
    result, store = scan(settings_for(workdir / "cloudcensus.yaml", workdir / "whole"))
    with store:
        yield _snapshot(store, result.scan_id)


@pytest.mark.parametrize("count", [2, 3])
def test_the_shards_together_read_the_estate_exactly_once(
    whole: Snapshot, organisation: tuple[MotoServer, Organisation], workdir: Path, count: int
) -> None:
    _, org = organisation
    assert whole.status is ScanStatus.COMPLETE
    assert whole.accounts == set(org.accounts)
    resources: list[str] = []
    findings: list[str] = []
    for index in range(count):
        shard = Shard(index=index, count=count)
        settings = settings_for(
            workdir / "cloudcensus.yaml", workdir / f"{count}-{index}", shard=str(shard)
        )
        result, store = scan(settings, run=f"nightly-{count}")
        with store:
            part = _snapshot(store, result.scan_id)
            record = store.scan(result.scan_id)
            assert (recorded_shard(record), recorded_run(record)) == (shard, f"nightly-{count}")
        mine = {a for a in org.accounts if shard.owns("aws", a)}
        assert part.accounts == mine  # its own accounts, all of them
        assert part.coverage_accounts <= mine  # others are neither read nor gaps
        assert part.gaps == 0
        assert part.status is ScanStatus.COMPLETE
        assert (result.shard, result.run) == (shard, f"nightly-{count}")
        resources += part.resources
        findings += part.findings
    assert sorted(resources) == sorted(whole.resources)  # each resource once, none missing
    assert sorted(findings) == sorted(whole.findings)


def test_a_shard_owning_no_scope_is_complete_and_empty(
    organisation: tuple[MotoServer, Organisation], workdir: Path
) -> None:
    _, org = organisation
    count = 64
    index = next(
        i
        for i in range(count)
        if not any(Shard(index=i, count=count).owns("aws", a) for a in org.accounts)
    )
    settings = settings_for(
        workdir / "cloudcensus.yaml", workdir / "empty", shard=f"{index}/{count}"
    )
    result, store = scan(settings)
    with store:
        assert result.status is ScanStatus.COMPLETE
        assert result.coverage == []
        assert result.tally.total == 0
        assert recorded_run(store.scan(result.scan_id)) is None  # a lone scan: no run


def _bucket(org_endpoint: str, account: str, name: str, *, delete: bool = False) -> None:
    sts = boto3.client("sts", endpoint_url=org_endpoint, region_name=REGION)
    keys = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="test")
    credentials = keys["Credentials"]
    s3 = boto3.client(
        "s3",
        endpoint_url=org_endpoint,
        region_name=REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    if delete:
        s3.delete_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})


def test_a_shards_drift_never_sees_the_other_shards(
    organisation: tuple[MotoServer, Organisation], workdir: Path
) -> None:
    """A bucket deleted in this shard's account is removed; one deleted in the other
    shard's account is not this shard's business: neither removed nor unverified."""
    server, org = organisation
    shard = Shard(index=0, count=2)
    ours = next(a for a in org.accounts if shard.owns("aws", a))
    theirs = next(a for a in org.accounts if not shard.owns("aws", a))
    _bucket(server.endpoint, ours, "shard-drift-ours")
    _bucket(server.endpoint, theirs, "shard-drift-theirs")
    settings = settings_for(workdir / "cloudcensus.yaml", workdir / "drift", shard=str(shard))
    try:
        scan(settings)[1].close()
    finally:
        _bucket(server.endpoint, ours, "shard-drift-ours", delete=True)
        _bucket(server.endpoint, theirs, "shard-drift-theirs", delete=True)
    second, store = scan(settings)
    with store:
        assert second.drift is not None
        assert [r.id for r in second.drift.removed] == ["arn:aws:s3:::shard-drift-ours"]
        assert second.drift.unverified == []
        assert second.drift.added == []
        assert list(store.stale_resources(second.scan_id)) == []


def test_a_store_keeps_the_scans_of_one_shard(
    whole: Snapshot, organisation: tuple[MotoServer, Organisation], workdir: Path
) -> None:
    """Sharing a store would carry the other shard's inventory forward as stale, and
    this shard would evaluate and report it again every night: refused, nothing run."""
    _, org = organisation
    count = 64
    empty = [
        i
        for i in range(count)
        if not any(Shard(index=i, count=count).owns("aws", a) for a in org.accounts)
    ]
    config, state = workdir / "cloudcensus.yaml", workdir / "shared"
    scan(settings_for(config, state, shard=f"{empty[0]}/{count}"))[1].close()
    with pytest.raises(ShardMismatch, match=rf"holds the scans of shard {empty[0]}/{count}"):
        scan(settings_for(config, state, shard=f"{empty[1]}/{count}"))
    with Store.open(state / "cloudcensus.sqlite") as store:
        assert len(store.scans()) == 1  # the refused scan left no trace
    # Nor may a shard take over the store of an agent that scanned the whole estate.
    copy = workdir / "was-whole"
    copy.mkdir()
    with (
        sqlite3.connect(workdir / "whole" / "cloudcensus.sqlite") as source,
        sqlite3.connect(copy / "cloudcensus.sqlite") as target,
    ):
        source.backup(target)
    with pytest.raises(ShardMismatch, match="holds the scans of the whole estate"):
        scan(settings_for(config, copy, shard=f"{empty[0]}/{count}"))
