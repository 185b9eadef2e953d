"""A GCP organisation scanned end to end: the real `GcpProvider` through the real
pipeline (`run_scan`: collection engine, SQLite store, policy engine) against the fake
Cloud Asset API, with one project refused, one malformed asset and quota exhaustion.

What a user depends on: every readable project is inventoried with the attributes the
rules read, the built-in rules give the verdicts the estate deserves on GCP without
GCP-specific changes, and the coverage says exactly what was missed and why.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from cloudcensus.providers.gcp import GcpProvider
from cloudcensus.providers.gcp.fake import FakeAssetServer
from cloudcensus.providers.gcp.settings import GcpSettings
from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.coverage import CoverageStatus, ErrorKind
from cloudcensus.scanner.pipeline import Policy, ScanResult, run_scan
from cloudcensus.scanner.store import ScanStatus, Store

from .conftest import TODAY, Sleeps
from .estate import ORG_ID, build_org

NOW = datetime.combine(TODAY, time(12), tzinfo=UTC)
BUCKETS = "//storage.googleapis.com/"
WEB = "//compute.googleapis.com/projects/web-dev"


def _scan(
    server: FakeAssetServer, state: Path, sleeps: Sleeps, policy: Policy, client: str
) -> tuple[Store, ScanResult]:
    gcp = {
        "client": client,
        "organization": ORG_ID,
        "credentials": "anonymous",
        "api_endpoint": server.endpoint,
        "list_assets_per_minute": 100_000,
        "search_per_minute": 100_000,
    }
    settings = AgentSettings(state_dir=state, workers=4, providers={"gcp": gcp})
    section = settings.providers["gcp"]
    assert isinstance(section, GcpSettings)
    store = Store.open(state / "cloudcensus.sqlite")
    provider = GcpProvider(section, sleep=sleeps)
    return store, run_scan(settings, [provider], store, policy, NOW)


@pytest.fixture(scope="module", params=["json", "sdk"])
def client(request: pytest.FixtureRequest) -> str:
    """Both readers: the provider's JSON pages, and google-cloud-asset's client."""
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def waits() -> Sleeps:
    return Sleeps()


@pytest.fixture(scope="module")
def scanned(
    tmp_path_factory: pytest.TempPathFactory, waits: Sleeps, policy: Policy, client: str
) -> Iterator[tuple[Store, ScanResult]]:
    """One scan per reader: secret-proj refused; with the JSON reader, the first three
    calls throttled (the SDK's own retries sleep for real and ignore Retry-After)."""
    with FakeAssetServer(build_org()) as fake:
        fake.faults.denied.add("projects/secret-proj")
        if client == "json":
            fake.faults.throttle_next = 3
            fake.faults.retry_after = "2"
        store, result = _scan(fake, tmp_path_factory.mktemp("scan"), waits, policy, client)
    with store:
        yield store, result


def _verdicts(store: Store, result: ScanResult) -> dict[tuple[str, str], str]:
    return {(f.rule_id, f.resource_id): f.status.value for f in store.findings(result.scan_id)}


def test_the_coverage_names_the_refused_project_and_the_malformed_asset(
    scanned: tuple[Store, ScanResult], waits: Sleeps, client: str
) -> None:
    _, result = scanned
    entries = {(e.account, e.collector): e for e in result.coverage}
    assert result.status is ScanStatus.PARTIAL
    for collector in ("assets.resources", "assets.search"):
        assert entries["fin-prod", collector].status is CoverageStatus.COMPLETE
        refused = entries["secret-proj", collector]
        assert refused.status is CoverageStatus.FAILED
        assert refused.error_kind is ErrorKind.ACCESS_DENIED
        assert refused.message is not None
        assert refused.message.startswith("403 PERMISSION_DENIED: The caller does not have")
    broken = entries["web-dev", "assets.resources"]
    assert broken.status is CoverageStatus.PARTIAL
    assert broken.error_kind is ErrorKind.MALFORMED
    assert broken.message is not None
    assert "//storage.googleapis.com/web-broken" in broken.message
    assert "resource.data.iamConfiguration: expected an object, got a string" in broken.message
    if client == "json":  # three 429s with `Retry-After: 2` waited out, then the scan went on
        assert waits.waits.count(2.0) == 3


def test_readable_projects_are_inventoried_with_the_rule_attributes(
    scanned: tuple[Store, ScanResult],
) -> None:
    store, result = scanned
    resources = {r.id: r for r in store.resources(result.scan_id)}
    assert {r.account for r in resources.values()} == {"fin-prod", "web-dev"}
    public = resources[BUCKETS + "web-public"]
    assert (public.type, public.region, public.location.country) == ("storage.bucket", "US", "US")
    assert public.properties["public"] is True
    assert public.properties["public_via"] == ["policy"]
    archive = resources[BUCKETS + "fin-archive"]
    assert (archive.region, archive.location.country, archive.location.eu) == ("EU", None, True)
    assert archive.properties["key_management"] == "customer"
    assert BUCKETS + "web-broken" not in resources  # malformed: reported, not guessed
    topic = resources["//pubsub.googleapis.com/projects/web-dev/topics/orders"]
    assert (topic.type, topic.native_type) == ("other", "pubsub.googleapis.com/Topic")
    account = resources["//cloudresourcemanager.googleapis.com/projects/1001"]
    assert account.type == "account"
    assert account.properties["region_guardrail_readable"] is True
    assert "europe-west1" in account.properties["region_guardrail"]["allowed_regions"]
    assert "us-east1" not in account.properties["region_guardrail"]["allowed_regions"]
    assert account.properties["region_guardrail"]["policy_ids"] == [
        "folders/111/policies/gcp.resourceLocations"
    ]
    key = next(r for r in resources.values() if r.type == "identity.access_key")
    assert (key.properties["status"], key.properties["owner"]) == (
        "active",
        "deployer@web-dev.iam.gserviceaccount.com",
    )


@pytest.mark.parametrize(
    ("rule", "resource", "verdict"),
    [
        ("BASE-EXP-01", BUCKETS + "web-public", "fail"),
        ("BASE-EXP-01", BUCKETS + "fin-ledgers", "pass"),
        ("BASE-EXP-04", BUCKETS + "web-public", "fail"),
        ("BASE-EXP-02", f"{WEB}/global/firewalls/allow-ssh", "fail"),
        ("BASE-EXP-02", f"{WEB}/global/firewalls/allow-https", "pass"),
        ("BASE-EXP-05", f"{WEB}/zones/europe-west1-c/instances/web-1", "fail"),
        ("BASE-EXP-03", "//cloudsql.googleapis.com/projects/web-dev/instances/web-db", "fail"),
        ("BASE-GCP-02", "//cloudsql.googleapis.com/projects/web-dev/instances/web-db", "fail"),
        ("BASE-BCK-01", "//cloudsql.googleapis.com/projects/web-dev/instances/web-db", "fail"),
        ("BASE-BCK-01", "//cloudsql.googleapis.com/projects/fin-prod/instances/ledger-db", "pass"),
        (
            "BASE-ENC-01",
            "//compute.googleapis.com/projects/fin-prod/zones/europe-west1-b/disks/ledger-disk",
            "pass",
        ),
        ("SOV-KEY-01", BUCKETS + "fin-ledgers", "pass"),
        ("SOV-KEY-01", BUCKETS + "web-public", "fail"),
        ("SOV-RES-01", BUCKETS + "fin-ledgers", "pass"),
        ("SOV-RES-01", BUCKETS + "web-public", "fail"),
        ("SOV-JUR-01", BUCKETS + "fin-ledgers", "fail"),
        (
            "BASE-KEY-01",
            "//cloudkms.googleapis.com/projects/web-dev/locations/europe-west1/keyRings/web/cryptoKeys/tokens",
            "fail",
        ),
        (
            "BASE-KEY-01",
            "//cloudkms.googleapis.com/projects/fin-prod/locations/europe-west1/keyRings/finance/cryptoKeys/data",
            "pass",
        ),
        ("SOV-GRD-01", "//cloudresourcemanager.googleapis.com/projects/1001", "pass"),
        ("SOV-GRD-01", "//cloudresourcemanager.googleapis.com/projects/1002", "fail"),
        ("BASE-LOG-01", "//cloudresourcemanager.googleapis.com/projects/1002", "pass"),
        ("BASE-GCP-01", "//cloudresourcemanager.googleapis.com/projects/1001/auditConfig", "pass"),
        ("BASE-GCP-01", "//cloudresourcemanager.googleapis.com/projects/1002/auditConfig", "fail"),
    ],
)
def test_the_built_in_rules_judge_gcp_resources(
    scanned: tuple[Store, ScanResult], rule: str, resource: str, verdict: str
) -> None:
    store, result = scanned
    assert _verdicts(store, result)[rule, resource] == verdict


def test_the_old_service_account_key_fails_both_key_age_rules(
    scanned: tuple[Store, ScanResult],
) -> None:
    store, result = scanned
    failing = {
        (f.rule_id, f.resource_type)
        for f in store.findings(result.scan_id)
        if f.rule_id in ("BASE-IAM-02", "BASE-IAM-03") and f.status.value == "fail"
    }
    assert failing == {("BASE-IAM-02", "identity.user"), ("BASE-IAM-03", "identity.access_key")}
