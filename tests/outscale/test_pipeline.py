"""End to end: the OUTSCALE accounts scanned by the real provider through the real
pipeline (`run_scan`: collection engine, SQLite store, the built-in packs with the
fr-secnumcloud profile, report files), then the verdicts a security team reads: the US
Region fails EU residency and jurisdiction, the SecNumCloud Region passes the
certified-offering rule for restricted data where eu-west-2 fails it; coverage names
the broken profiles; and no secret key is anywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.coverage import CoverageStatus, ErrorKind
from cloudcensus.scanner.outputs import write_scan_outputs
from cloudcensus.scanner.pipeline import build_providers, load_policy, run_scan
from cloudcensus.scanner.store import ScanStatus, Store
from tests.outscale.conftest import PROFILES, outscale_environment
from tests.outscale.estate import EIM_SECRET_KEY, OscEstate
from tests.support.pipeline import Scanned, every_log_line, verdicts

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
EU_REGIONS = ["eu-west-2", "cloudgouv-eu-west-1"]


def _settings(estate: OscEstate, state: Path) -> AgentSettings:
    outscale = {
        "profiles": PROFILES,
        "config_file": str(estate.config),
        "requests_per_second": 100,
        "retry_backoff_factor": 0.0,
        "retry_backoff_jitter": 0.0,
    }
    return AgentSettings(
        state_dir=state,
        out=state / "out",
        workers=6,
        profile="fr-secnumcloud",
        params={"SOV-GRD-01": {"allowed_regions": {"outscale": EU_REGIONS}}},
        providers={"outscale": outscale},
    )


@pytest.fixture(scope="module")
def scanned(estate: OscEstate, tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """One scan with every logger (but botocore's own trace) at DEBUG, reports written."""
    state = tmp_path_factory.mktemp("osc-pipeline")
    settings = _settings(estate, state)
    with (
        every_log_line() as logs,
        outscale_environment(),
        Store.open(settings.store_path) as store,
    ):
        policy = load_policy(settings, NOW.date())
        result = run_scan(settings, build_providers(settings), store, policy, NOW)
        write_scan_outputs(store, result, settings.out, settings.formats)
        return Scanned(result, verdicts(store, result.scan_id), state, logs)


def test_the_us_region_fails_eu_residency_and_jurisdiction(scanned: Scanned) -> None:
    verdict = scanned.verdicts
    assert verdict["SOV-RES-01", "ohio-app"] == "fail"
    assert verdict["SOV-RES-01", "osc-test-ohio-exports"] == "fail"
    assert verdict["SOV-RES-01", "web"] == "pass"
    assert verdict["SOV-RES-01", "gouv-app"] == "pass"
    assert verdict["SOV-JUR-01", "ohio-app"] == "fail"  # sensitive data, OUTSCALE, Inc.
    assert verdict["SOV-JUR-01", "db"] == "pass"  # restricted data, 3DS OUTSCALE SAS


def test_restricted_data_must_sit_in_the_secnumcloud_region(scanned: Scanned) -> None:
    verdict = scanned.verdicts
    assert verdict["SOV-CRT-01", "gouv-app"] == "pass"  # cloudgouv-eu-west-1
    assert verdict["SOV-CRT-01", "gouv-data"] == "pass"
    assert verdict["SOV-CRT-01", "db"] == "fail"  # eu-west-2 is not SecNumCloud
    assert verdict["SOV-CRT-01", "db-data"] == "fail"
    assert verdict["SOV-CRT-01", "osc-test-paris-private"] == "fail"
    assert verdict["SOV-CRT-01", "ohio-app"] == "fail"
    assert ("SOV-CRT-01", "web") not in verdict  # no classification: not concerned


def test_the_account_region_is_its_guardrail(scanned: Scanned) -> None:
    verdict = scanned.verdicts
    # the API log of each account is its audit trail, on and covering its one Region
    assert verdict["BASE-LOG-01", "Ministry"] == "pass"
    assert verdict["BASE-LOG-01", "Ministry US"] == "pass"
    assert verdict["SOV-GRD-01", "Ministry"] == "pass"  # eu-west-2
    assert verdict["SOV-GRD-01", "Ministry (SecNumCloud)"] == "pass"
    assert verdict["SOV-GRD-01", "Ministry US"] == "fail"  # us-east-2 not allowed


def test_exposure_and_key_age_verdicts(scanned: Scanned) -> None:
    verdict = scanned.verdicts
    assert verdict["BASE-EXP-05", "web"] == "fail"
    assert verdict["BASE-EXP-05", "db"] == "pass"
    assert verdict["BASE-EXP-02", "admin"] == "fail"  # SSH from anywhere
    assert verdict["BASE-EXP-02", "closed"] == "pass"
    assert verdict["BASE-EXP-01", "osc-test-paris-public"] == "fail"
    assert verdict["BASE-EXP-01", "osc-test-paris-private"] == "pass"
    assert verdict["BASE-IAM-03", "AKOLDROOTKEY00000001"] == "fail"
    assert verdict["BASE-IAM-03", "AKEXPIREDKEY00000001"] == "pass"  # no longer active
    assert verdict["BASE-ENC-01", "db-data"] == "fail"  # encryption unknown


def test_the_scan_is_partial_and_names_the_broken_profiles(scanned: Scanned) -> None:
    result = scanned.result
    assert result.status is ScanStatus.PARTIAL
    failed = {e.account: e for e in result.coverage if e.status is CoverageStatus.FAILED}
    assert set(failed) == {"profile:denied", "profile:ghost"}
    assert {e.error_kind for e in failed.values()} == {ErrorKind.ACCESS_DENIED}


def test_no_secret_key_is_anywhere(scanned: Scanned, estate: OscEstate) -> None:
    texts = [*scanned.logs, *(e.model_dump_json() for e in scanned.result.coverage)]
    assert any("ReadVms" in t for t in scanned.logs)  # DEBUG was on
    files = [p for p in scanned.state.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} >= {".sqlite", ".jsonl", ".csv", ".sarif"}
    for secret in [*estate.secrets, EIM_SECRET_KEY]:
        assert not [t for t in texts if secret in t]
        assert not [p for p in files if secret.encode() in p.read_bytes()]
