"""S3-compatible object storage of OpenStack clouds, read by the real provider through the
fake's Keystone (EC2 credentials) and its S3 API (moto behind it).

OVHcloud's S3 buckets are a product of their own, beside the Swift containers; Cleura's
and Infomaniak's S3 API is another door to the Swift containers, so there each container
is counted once and completed by what S3 says about it. Keys come from Keystone or an
AWS profile, never reach a message, a log or the inventory, and a project without them
is a gap that says how to give it some.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cloudcensus.providers.openstack import objectstore, s3
from cloudcensus.providers.openstack.fake import (
    FakeCloud,
    FakeOpenStack,
    Fault,
    Seeder,
    seed_bucket,
)
from cloudcensus.scanner.coverage import ErrorKind
from tests.openstack.conftest import Scan, password_cloud
from tests.openstack.estate import PASSWORD, TestEstate, seed_s3
from tests.support.collecting import Collected

STORAGE = (*objectstore.COLLECTORS, *s3.COLLECTORS)
SWIFT, S3_BUCKET = "OS::Swift::Container", "OS::S3::Bucket"


def _ovh(fake: FakeOpenStack, **s3_settings: Any) -> dict[str, Any]:
    """The estate's `web` project as OVHcloud, its S3 regions all served by the fake."""
    s3_section = {"endpoint": fake.url, **s3_settings}
    return {"cloud": "ovh", "profile": "ovhcloud", "projects": ["web"], "s3": s3_section}


def _buckets(got: Collected) -> dict[str, Any]:
    return {str(r.name): r for r in got.of_type("storage.bucket") if r.native_type == S3_BUCKET}


# -- a cloud whose S3 API shows the Swift containers (Cleura: Ceph radosgw) -----------------


@pytest.fixture
def cleura(moto_endpoint: str, s3_backend: str) -> Iterator[tuple[FakeOpenStack, Any]]:
    """A Cleura project in Stockholm: three Swift containers, the same three through S3."""
    cloud = FakeCloud(["Sto2"], seed=5)
    shop = cloud.add_project("shop")
    user = cloud.add_user("cloudcensus-reader", PASSWORD, [shop])
    store = Seeder(cloud, shop.id, "Sto2")
    store.container("site")  # no Swift ACL ...
    store.container("media", read_acl=".r:*")
    store.container("ledger", headers={"X-Container-Meta-Owner": "finance"})
    with FakeOpenStack(cloud, s3_backend=s3_backend) as fake:
        key = cloud.add_ec2_credential(user, shop)
        seed_bucket(fake.url, key, "sto2", "site", public=True)  # ... public through S3
        seed_bucket(fake.url, key, "sto2", "media")
        seed_bucket(fake.url, key, "sto2", "ledger", encrypted=True, versioning=True)
        yield fake, key


def test_a_shared_backend_counts_each_container_once_with_its_s3_grants(
    cleura: tuple[FakeOpenStack, Any],
    write_clouds: Callable[[dict[str, Any]], Path],
    scan: Scan,
) -> None:
    fake, _ = cleura
    write_clouds({"cleura": password_cloud(fake)})
    got = scan([{"cloud": "cleura", "profile": "cleura", "s3": {"endpoint": fake.url}}], STORAGE)
    assert got.gaps == []
    containers = {r.name: r for r in got.of_type("storage.bucket")}
    assert set(containers) == {"site", "media", "ledger"}  # not six
    assert {r.native_type for r in containers.values()} == {SWIFT}
    assert not [e for e in got.coverage if e.collector == "s3.buckets"]  # no bucket of its own
    site = containers["site"].properties
    assert (site["public"], site["public_via"]) == (True, ["acl"])  # an S3 public-read ACL
    assert containers["media"].properties["public"] is True  # the Swift read ACL
    ledger = containers["ledger"]
    assert ledger.properties["public"] is False
    assert (ledger.properties["encrypted"], ledger.properties["key_management"]) == (
        True,
        "provider",
    )
    assert ledger.properties["versioning"] is True
    assert ledger.tags == {"owner": "finance"}
    assert (ledger.location.country, ledger.location.eu) == ("SE", True)
    assert ledger.jurisdiction is not None
    assert ledger.jurisdiction.operator == "Cleura AB"


def test_a_shared_backend_without_keys_leaves_exposure_unknown_not_private(
    cleura: tuple[FakeOpenStack, Any],
    write_clouds: Callable[[dict[str, Any]], Path],
    scan: Scan,
) -> None:
    fake, key = cleura
    del fake.cloud.ec2_credentials[key.access]  # the scanning user has no EC2 credential
    write_clouds({"cleura": password_cloud(fake)})
    got = scan([{"cloud": "cleura", "profile": "cleura", "s3": {"endpoint": fake.url}}], STORAGE)
    assert got.gaps == []  # the containers are listed; what S3 grants is unknown
    containers = {r.name: r for r in got.of_type("storage.bucket")}
    assert containers["site"].properties["public"] is None
    assert containers["ledger"].properties["public"] is None
    assert containers["media"].properties["public"] is True  # Swift alone says so
    reason = containers["site"].raw["cloudcensus"]["s3_error"]
    assert "openstack ec2 credentials create --project" in reason
    # `s3.enabled: false` accepts the Swift view alone, as the user's own choice
    quiet = scan([{"cloud": "cleura", "profile": "cleura", "s3": {"enabled": False}}], STORAGE)
    assert {r.name: r.properties["public"] for r in quiet.of_type("storage.bucket")} == {
        "site": False,
        "media": True,
        "ledger": False,
    }


# -- a cloud whose S3 buckets are their own (OVHcloud) -------------------------------------------


def test_a_project_without_keys_is_a_gap_per_s3_region_that_says_what_to_do(
    fake: FakeOpenStack, ovh_cloud: str, scan: Scan
) -> None:
    got = scan([_ovh(fake)], STORAGE)
    gaps = {e.region: e for e in got.gaps}
    assert set(gaps) == {"GRA", "BHS"}  # GRA11 -> GRA, BHS5 -> BHS
    assert {e.collector for e in gaps.values()} == {"s3.buckets"}
    assert {e.error_kind for e in gaps.values()} == {ErrorKind.ACCESS_DENIED}
    assert "no EC2 credential for project" in (gaps["GRA"].message or "")
    assert "s3.aws_profile" in (gaps["GRA"].message or "")
    swift = [r for r in got.resources if r.native_type == SWIFT]
    assert {r.name for r in swift} == {"assets", "db-dumps"}  # Swift is read all the same


def test_keys_from_an_aws_profile_read_the_buckets(
    fake: FakeOpenStack,
    estate: TestEstate,
    ovh_cloud: str,
    s3_backend: str,
    scan: Scan,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_s3(estate, fake.url)
    # the S3 user's keys, not the scanning user's: Keystone does not list them to it
    s3_user = fake.cloud.add_user("user-s3", "other-password", [estate.web])
    key = fake.cloud.add_ec2_credential(s3_user, estate.web)
    for credential in list(fake.cloud.ec2_credentials.values()):
        if credential.user_id == estate.user.id:
            del fake.cloud.ec2_credentials[credential.access]
    shared = tmp_path / "aws-credentials"
    shared.write_text(
        f"[ovh-web]\naws_access_key_id = {key.access}\naws_secret_access_key = {key.secret}\n"
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    got = scan([_ovh(fake, aws_profile="ovh-web")], STORAGE)
    assert got.gaps == []
    assert set(_buckets(got)) == {"assets", "www", "backups", "ca-exports"}
    missing = scan([_ovh(fake, aws_profile="nobody")], s3.COLLECTORS).gaps
    assert {e.error_kind for e in missing} == {ErrorKind.ACCESS_DENIED}
    assert all(
        "AWS profile 'nobody' (s3.aws_profile) has no keys" in (e.message or "") for e in missing
    )


def test_a_bucket_in_a_location_not_read_is_counted_once_where_it_is(
    fake: FakeOpenStack, estate: TestEstate, ovh_cloud: str, s3_backend: str, scan: Scan
) -> None:
    keys = seed_s3(estate, fake.url)
    seed_bucket(fake.url, keys["web"], "waw", "warsaw-logs")  # no WAW region in this catalog
    got = scan([_ovh(fake)], s3.COLLECTORS)
    assert got.gaps == []
    buckets = [r for r in got.resources if r.name == "warsaw-logs"]
    assert len(buckets) == 1  # listed at both endpoints, read by one
    assert (buckets[0].region, buckets[0].location.country) == ("WAW", "PL")
    regions = {r.name: r.region for r in got.resources}
    assert (regions["www"], regions["ca-exports"]) == ("GRA", "BHS")  # each at its own


def test_refused_reads_make_a_bucket_unknown_and_a_failed_listing_a_gap(
    fake: FakeOpenStack, estate: TestEstate, ovh_cloud: str, s3_backend: str, scan: Scan
) -> None:
    seed_s3(estate, fake.url)
    fake.cloud.fail(Fault("s3", 403, times=None, path="/www"))  # every read of one bucket
    fake.cloud.fail(Fault("s3", 500, times=None, region="bhs"))  # the BHS endpoint is down
    got = scan([{**_ovh(fake), "retries": 1}], s3.COLLECTORS)
    [down] = got.gaps
    assert (down.region, down.collector, down.error_kind) == (
        "BHS",
        "s3.buckets",
        ErrorKind.UNEXPECTED,
    )
    assert "S3 ListBuckets: HTTP 500 InternalError" in (down.message or "")
    www = _buckets(got)["www"]
    assert (www.properties["public"], www.properties["encrypted"]) == (None, None)
    assert www.raw["Errors"]["Acl"] == "AccessDenied"
    assert _buckets(got)["backups"].properties["encrypted"] is True  # the others are read


def test_without_boto3_the_gap_says_what_to_install(
    fake: FakeOpenStack,
    estate: TestEstate,
    ovh_cloud: str,
    s3_backend: str,
    scan: Scan,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_s3(estate, fake.url)
    monkeypatch.setitem(sys.modules, "boto3", None)  # as with `pip install cloudcensus[openstack]`
    gaps = scan([_ovh(fake)], s3.COLLECTORS).gaps
    assert {e.error_kind for e in gaps} == {ErrorKind.NOT_ENABLED}
    assert all("pip install 'cloudcensus[openstack]'" in (e.message or "") for e in gaps)


def test_s3_keys_never_reach_messages_logs_or_the_inventory(
    fake: FakeOpenStack,
    estate: TestEstate,
    ovh_cloud: str,
    s3_backend: str,
    scan: Scan,
    caplog: pytest.LogCaptureFixture,
) -> None:
    keys = seed_s3(estate, fake.url)
    fake.cloud.fail(Fault("s3", 403, times=None, region="bhs"))
    with caplog.at_level(logging.DEBUG, logger="cloudcensus"):
        got = scan([_ovh(fake)], STORAGE)
    assert [e.region for e in got.gaps] == ["BHS"]
    assert got.gaps[0].error_kind is ErrorKind.ACCESS_DENIED
    written = "".join(
        [
            *(r.model_dump_json() for r in got.resources),
            *(e.model_dump_json() for e in got.coverage),
            caplog.text,
        ]
    )
    for key in keys.values():
        assert key.secret not in written
        assert key.access not in written
