"""End to end: two OVHcloud clouds (OVH SAS in Gravelines and Beauharnois, OVH US in
Virginia) scanned by the real provider through the real pipeline (`run_scan`: collection
engine, SQLite store, the built-in rule packs), then the verdicts a security team reads:
residency fails in Canada and the US, OVH SAS passes the jurisdiction rule where OVH US
does not, exposure and encryption findings (Swift containers and S3 buckets alike), and
a coverage that names the denied project.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cloudcensus.providers.openstack.fake import FakeCloud, FakeOpenStack, Seeder
from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.coverage import CoverageStatus, ErrorKind
from cloudcensus.scanner.pipeline import build_providers, load_policy, run_scan
from cloudcensus.scanner.store import ScanStatus, Store
from tests.openstack.conftest import password_cloud
from tests.openstack.estate import PASSWORD, TestEstate, seed_s3

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
S3_BUCKET = "OS::S3::Bucket"


@pytest.fixture
def ovh_us() -> Iterator[FakeOpenStack]:
    """OVHcloud US: its own Keystone, one project in Vint Hill, Virginia."""
    cloud = FakeCloud(["US-EAST-VA-1"], seed=11)
    project = cloud.add_project("us-app")
    cloud.add_user("cloudcensus-reader", PASSWORD, [project])
    Seeder(cloud, project.id, "US-EAST-VA-1").volume(
        "us-data", 50, encrypted=True, metadata={"data-classification": "sensitive"}
    )
    with FakeOpenStack(cloud) as server:
        yield server


def _settings(state: Path, s3_endpoint: str) -> AgentSettings:
    openstack: dict[str, Any] = {
        "clouds": [
            {
                "cloud": "ovh",
                "name": "ovh-eu",
                "profile": "ovhcloud",
                "s3": {"endpoint": s3_endpoint},
            },
            {"cloud": "ovh-us", "name": "ovh-us", "profile": "ovhcloud-us"},
        ]
    }
    return AgentSettings(state_dir=state, workers=6, providers={"openstack": openstack})


def test_scan_of_ovhcloud_projects_gives_residency_jurisdiction_and_coverage(
    fake: FakeOpenStack,
    ovh_us: FakeOpenStack,
    estate: TestEstate,
    write_clouds: Callable[[dict[str, Any]], Path],
    s3_backend: str,
    tmp_path: Path,
) -> None:
    keys = seed_s3(estate, fake.url)
    write_clouds({"ovh": password_cloud(fake), "ovh-us": password_cloud(ovh_us)})
    settings = _settings(tmp_path, fake.url)
    policy = load_policy(settings, NOW.date())
    with Store.open(tmp_path / "cloudcensus.sqlite") as store:
        result = run_scan(settings, build_providers(settings), store, policy, NOW)
        findings = list(store.findings(result.scan_id))
        stored = [r for r in store.resources(result.scan_id) if r.name]
    resources = {str(r.name): r for r in stored if r.native_type != S3_BUCKET}
    buckets = {str(r.name): r for r in stored if r.native_type == S3_BUCKET}

    def verdict(rule: str, name: str, among: dict[str, Any] = resources) -> str:
        [finding] = [f for f in findings if f.rule_id == rule and f.resource_id == among[name].id]
        return finding.status.value

    # residency: Gravelines is France, Beauharnois is Canada, Vint Hill is the US
    assert verdict("SOV-RES-01", "db-data") == "pass"
    assert verdict("SOV-RES-01", "archive-ca") == "fail"
    assert verdict("SOV-RES-01", "ca-1") == "fail"
    assert verdict("SOV-RES-01", "us-data") == "fail"
    # jurisdiction of sensitive data: OVH SAS is French, OVH US LLC is under US law
    assert verdict("SOV-JUR-01", "db-data") == "pass"
    assert verdict("SOV-JUR-01", "archive-ca") == "pass"  # wrong country, right operator
    assert verdict("SOV-JUR-01", "us-data") == "fail"
    us = resources["us-data"].jurisdiction
    assert us is not None
    assert (us.operator, us.non_eu_law) == ("OVH US LLC", True)
    # exposure and encryption, written once for every cloud
    assert verdict("BASE-EXP-02", "admin") == "fail"  # SSH from 0.0.0.0/0
    assert verdict("BASE-EXP-02", "web") == "pass"
    assert verdict("BASE-EXP-01", "assets") == "fail"  # Swift .r:* read ACL
    assert verdict("BASE-EXP-01", "db-dumps") == "pass"
    assert verdict("BASE-EXP-05", "web-1") == "fail"
    assert verdict("BASE-EXP-05", "db-1") == "pass"
    assert verdict("BASE-ENC-01", "db-data") == "pass"
    assert verdict("BASE-ENC-01", "scratch") == "fail"
    assert verdict("BASE-ENC-01", "legacy") == "fail"  # unknown encryption is not compliance
    # OVHcloud's S3 buckets: the same rules as every bucket of every cloud
    assert verdict("BASE-EXP-01", "www", buckets) == "fail"  # public-read ACL
    assert verdict("BASE-EXP-01", "ca-exports", buckets) == "fail"  # bucket policy for *
    assert verdict("BASE-EXP-01", "assets", buckets) == "pass"
    assert verdict("BASE-ENC-02", "backups", buckets) == "pass"
    assert verdict("BASE-ENC-02", "www", buckets) == "fail"
    assert verdict("SOV-RES-01", "ca-exports", buckets) == "fail"  # Beauharnois
    assert verdict("SOV-RES-01", "lake", buckets) == "pass"
    # coverage: the denied project is named, unit by unit; the scan is partial, not failed
    assert result.status is ScanStatus.PARTIAL
    gaps = [e for e in result.coverage if e.status is not CoverageStatus.COMPLETE]
    assert {e.account for e in gaps} == {estate.denied.id}
    assert {e.error_kind for e in gaps} == {ErrorKind.ACCESS_DENIED}
    complete = {e.account for e in result.coverage if e.status is CoverageStatus.COMPLETE}
    assert {estate.web.id, estate.data.id} <= complete
    assert len(complete) == 4  # and OVH US's project, and the denied project's identity
    # the password and the tokens it bought are nowhere in the store
    stored_bytes = b"".join(path.read_bytes() for path in tmp_path.glob("cloudcensus.sqlite*"))
    ec2 = [secret for key in keys.values() for secret in (key.access, key.secret)]
    for secret in (PASSWORD, *estate.cloud.tokens, *ec2):
        assert secret.encode() not in stored_bytes
