"""End to end: the Scaleway organisation scanned by the real provider through the real
pipeline (`run_scan`: collection engine, SQLite store, the built-in packs, report files),
then the verdicts and coverage a security team reads, and the guarantee that the API
key's secret is nowhere: not in logs, coverage, findings, the store or the reports.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cloudcensus.providers.scaleway.fake import ScalewayFakeServer
from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.coverage import CoverageStatus, ErrorKind
from cloudcensus.scanner.outputs import INVENTORY_FILE, write_scan_outputs
from cloudcensus.scanner.pipeline import (
    build_providers,
    load_policy,
    run_evaluate,
    run_scan,
)
from cloudcensus.scanner.store import ScanStatus, Store
from tests.scaleway.conftest import REGIONS, ZONES, scaleway_environment
from tests.scaleway.estate import LEAKED_SECRET, LOCKED, SECRET_KEY
from tests.support.pipeline import Scanned, every_log_line, verdicts

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def _settings(fake: ScalewayFakeServer, state: Path, profile: str | None) -> AgentSettings:
    scaleway = {
        "regions": REGIONS,
        "zones": ZONES,
        "object_storage_endpoint": fake.url,
        "max_retry_wait_s": 0.05,
    }
    return AgentSettings(
        state_dir=state,
        out=state / "out",
        workers=6,
        profile=profile,
        providers={"scaleway": scaleway},
    )


@pytest.fixture(scope="module")
def federal(fake: ScalewayFakeServer, tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """One be-federal scan with every logger at DEBUG, its reports written."""
    state = tmp_path_factory.mktemp("scw-pipeline")
    settings = _settings(fake, state, "be-federal")
    # botocore's own DEBUG trace (its event hooks, a few MB per scan) is left out: it is
    # given the key explicitly and its request dumps carry the access key, not the secret.
    with (
        every_log_line(("botocore", "boto3", "s3transfer")) as logs,
        scaleway_environment(fake, state),
        Store.open(settings.store_path) as store,
    ):
        policy = load_policy(settings, NOW.date())
        result = run_scan(settings, build_providers(settings), store, policy, NOW)
        write_scan_outputs(store, result, settings.out, settings.formats)
        return Scanned(result, verdicts(store, result.scan_id), state, logs)


def test_exposure_encryption_backup_and_key_age_verdicts(federal: Scanned) -> None:
    verdict = federal.verdicts
    assert verdict["BASE-EXP-05", "web-1"] == "fail"  # public IP of its own
    assert verdict["BASE-EXP-05", "db-1"] == "pass"
    assert verdict["BASE-EXP-02", "sg-web"] == "fail"  # SSH from anywhere
    assert verdict["BASE-EXP-02", "sg-default-accept"] == "fail"  # accepts by default
    assert verdict["BASE-EXP-03", "legacy-db"] == "fail"
    assert verdict["BASE-EXP-03", "orders-db"] == "pass"
    assert verdict["BASE-ENC-03", "legacy-db"] == "fail"
    assert verdict["BASE-ENC-03", "orders-db"] == "pass"
    assert verdict["BASE-BCK-01", "legacy-db"] == "fail"
    assert verdict["BASE-EXP-01", "demo-public-assets"] == "fail"
    assert verdict["BASE-EXP-01", "scw-test-policy-public"] == "fail"
    assert verdict["BASE-EXP-01", "scw-test-private"] == "pass"
    assert verdict["BASE-ENC-01", "web-1-data"] == "fail"  # encryption unknown
    assert verdict["BASE-IAM-03", "ci deploy key"] == "fail"  # active since 2023
    assert verdict["BASE-IAM-03", "recent"] == "pass"
    assert verdict["BASE-IAM-03", "expired"] == "pass"  # no longer active
    assert verdict["BASE-KEY-01", "backup-key"] == "pass"
    assert verdict["BASE-KEY-01", "legacy-key"] == "fail"  # no rotation policy
    # the organisation's Audit Trail records every scanned region for every project
    assert verdict["BASE-LOG-01", "default"] == verdict["BASE-LOG-01", "apps"] == "pass"


def test_sovereignty_verdicts_of_a_french_provider_in_eu_regions(federal: Scanned) -> None:
    verdict = federal.verdicts
    assert verdict["SOV-RES-01", "web-1"] == "pass"  # Paris
    assert verdict["SOV-RES-01", "worker-00"] == "pass"  # Warsaw
    assert verdict["SOV-JUR-01", "orders-db"] == "pass"  # sensitive data, Scaleway SAS
    assert verdict["SOV-JUR-01", "db-1"] == "pass"
    # be-federal keeps restricted data in Belgium: Paris and Warsaw fail.
    assert verdict["SOV-RES-02", "db-1"] == "fail"
    assert verdict["SOV-RES-02", "scw-test-private"] == "fail"
    # No preventive region guardrail exists on Scaleway projects.
    assert verdict["SOV-GRD-01", "default"] == "fail"
    # SecNumCloud placement is off unless a profile asks for it.
    assert not [k for k in verdict if k[0] == "SOV-CRT-01"]


def test_the_scan_is_partial_and_names_the_locked_project(federal: Scanned) -> None:
    result = federal.result
    assert result.status is ScanStatus.PARTIAL
    failed = [e for e in result.coverage if e.status is CoverageStatus.FAILED]
    assert {e.account for e in failed} == {LOCKED}
    assert {e.error_kind for e in failed} == {ErrorKind.ACCESS_DENIED}


def test_a_secnumcloud_profile_fails_restricted_data_on_scaleway(
    federal: Scanned, fake: ScalewayFakeServer, tmp_path: Path
) -> None:
    # The saved inventory evaluated again with the French profile: collect once,
    # evaluate many times.
    settings = _settings(fake, tmp_path, "fr-secnumcloud")
    with Store.open(tmp_path / "evaluate.sqlite") as store:
        policy = load_policy(settings, NOW.date())
        inventory = federal.state / "out" / INVENTORY_FILE
        result = run_evaluate(inventory, store, policy, NOW)
        verdict = verdicts(store, result.scan_id)
    assert verdict["SOV-CRT-01", "db-1"] == "fail"  # restricted, not SecNumCloud
    assert verdict["SOV-CRT-01", "orders-db"] == "fail"  # sensitive
    assert ("SOV-CRT-01", "web-1") not in verdict  # internal: not concerned


def test_the_secret_key_is_nowhere(federal: Scanned) -> None:
    texts = [*federal.logs, *(e.model_dump_json() for e in federal.result.coverage)]
    assert any("HTTP Request" in t or "GET /" in t for t in federal.logs)  # DEBUG was on
    files = [p for p in federal.state.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} >= {".sqlite", ".jsonl", ".csv", ".sarif"}
    for secret in (SECRET_KEY, LEAKED_SECRET):
        assert not [t for t in texts if secret in t]
        assert not [p for p in files if secret.encode() in p.read_bytes()]
