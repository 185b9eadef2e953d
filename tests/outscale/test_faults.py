"""What the OUTSCALE provider does when the API throttles, fails or refuses, and when a
profile is wrong: bounded retries by the SDK, then a named gap in coverage while the
other collectors and accounts go on; and what a user reads about bad settings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudcensus.providers.outscale import apilogs, compute, eim, oos
from cloudcensus.providers.outscale.fake import FakeOutscale, OutscaleFakeServer
from cloudcensus.scanner.config import ConfigError, load_settings
from cloudcensus.scanner.coverage import CoverageStatus, ErrorKind
from tests.outscale.conftest import Scan
from tests.outscale.estate import EIM_SECRET_KEY, GOUV, PARIS, OscEstate

VMS = [c for c in compute.COLLECTORS if c.name == "osc.vms"]


def test_throttling_is_retried_until_the_call_passes(scan: Scan, armed: FakeOutscale) -> None:
    armed.throttle("ReadVms", times=2, account=PARIS)
    result = scan(VMS, profiles=["paris"])
    assert result.entry(PARIS, "osc.vms").resources == 2
    statuses = [r.status for r in armed.requests if r.action == "ReadVms"]
    assert statuses[:3] == [429, 429, 200]


def test_throttling_past_the_retries_is_a_throttled_gap(scan: Scan, armed: FakeOutscale) -> None:
    armed.throttle("ReadVms", times=50, account=PARIS)
    result = scan([*VMS, *compute.COLLECTORS[1:2]], profiles=["paris", "gouv"], max_retries=2)
    entry = result.entry(PARIS, "osc.vms")
    assert (entry.status, entry.error_kind) == (CoverageStatus.FAILED, ErrorKind.THROTTLED)
    assert entry.message == "ReadVms: HTTP 429 AccessDenied (code 24)"
    assert len([r for r in armed.requests if r.action == "ReadVms" and r.status == 429]) == 3
    assert result.entry(PARIS, "osc.volumes").status is CoverageStatus.COMPLETE
    assert result.named("compute.instance", "gouv-app")


def test_a_refused_api_log_is_a_gap_not_a_trail_that_is_off(
    scan: Scan, armed: FakeOutscale
) -> None:
    armed.deny("ReadApiLogs", account=PARIS)
    result = scan(apilogs.COLLECTORS, profiles=["paris", "gouv"])
    entry = result.entry(PARIS, "osc.api_logs")
    assert (entry.status, entry.error_kind) == (CoverageStatus.FAILED, ErrorKind.ACCESS_DENIED)
    assert "ReadApiLogs" in (entry.message or "")
    assert [r.account for r in result.of_type("logging.audit_trail")] == [GOUV]


def test_gateway_errors_are_retried_then_reported_in_one_line(
    scan: Scan, armed: FakeOutscale
) -> None:
    armed.fail("ReadVms", status=502, times=1, account=PARIS)
    armed.fail("ReadVolumes", status=502, times=None, account=PARIS)
    result = scan(compute.COLLECTORS[:2], profiles=["paris"], max_retries=1)
    assert result.entry(PARIS, "osc.vms").status is CoverageStatus.PARTIAL  # the bad VM only
    volumes = result.entry(PARIS, "osc.volumes")
    assert (volumes.status, volumes.error_kind) == (CoverageStatus.FAILED, ErrorKind.UNEXPECTED)
    assert volumes.message == "ReadVolumes: HTTP 502"


def test_an_eim_user_cannot_read_oos_and_the_gap_says_why(scan: Scan, armed: FakeOutscale) -> None:
    armed.deny("ReadUsers", account=PARIS)
    result = scan([*oos.COLLECTORS, *eim.COLLECTORS, *VMS], profiles=["paris-eim"])
    buckets = result.entry(PARIS, "oos.buckets")
    assert (buckets.status, buckets.error_kind) == (CoverageStatus.FAILED, ErrorKind.ACCESS_DENIED)
    assert "only the account's root access keys" in (buckets.message or "")
    keys = result.entry(PARIS, "osc.access_keys")
    assert (keys.status, keys.error_kind) == (CoverageStatus.FAILED, ErrorKind.ACCESS_DENIED)
    assert "ReadUsers" in (keys.message or "")
    # The key's own listing, read before the refusal, is kept.
    assert [r.name for r in result.of_type("identity.access_key")] == ["AKEIMAUDITOR00000001"]
    assert result.entry(PARIS, "osc.vms").resources == 2
    assert all(EIM_SECRET_KEY not in (e.message or "") for e in result.coverage)


def test_a_wrong_secret_is_an_account_wide_access_denied_without_the_secret(
    scan: Scan, estate: OscEstate, tmp_path: Path
) -> None:
    config = json.loads(estate.config.read_text())
    wrong = "wrong-secret-key-never-echo-000000000000"
    config["paris"]["secret_key"] = wrong
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    result = scan(VMS, profiles=["paris"], config_file=path)
    [entry] = result.coverage
    assert (entry.account, entry.error_kind) == ("profile:paris", ErrorKind.ACCESS_DENIED)
    assert "HTTP 401 AccessDenied (code 1)" in (entry.message or "")
    assert wrong not in (entry.message or "")


def test_a_profile_without_keys_or_endpoints_uses_the_environment(
    scan: Scan,
    estate: OscEstate,
    fake: OutscaleFakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paris = estate.profiles["paris"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"bare": {"region": "eu-west-2"}}))
    [entry] = scan(VMS, profiles=["bare"], config_file=path).coverage
    assert "no access key" in (entry.message or "")
    # The profile's Region, OSC_* variables for what it leaves out.
    monkeypatch.setenv("OSC_ACCESS_KEY", paris.key.access_key)
    monkeypatch.setenv("OSC_SECRET_KEY", paris.key.secret_key)
    monkeypatch.setenv("OSC_ENDPOINT_API", fake.api_endpoint)
    result = scan(VMS, profiles=["bare"], config_file=path)
    assert result.entry(PARIS, "osc.vms").resources == 2


def test_two_profiles_of_one_account_scan_it_once(scan: Scan) -> None:
    result = scan(VMS, profiles=["paris", "paris-eim"])
    assert [e.account for e in result.coverage] == [PARIS]
    assert len(result.of_type("compute.instance")) == 2


def test_bad_settings_are_refused_naming_the_field(tmp_path: Path) -> None:
    config = tmp_path / "cloudcensus.yaml"
    config.write_text(
        "providers:\n"
        "  outscale:\n"
        "    profiles: ['']\n"
        "    regions: [Paris]\n"
        "    results_per_page: 5000\n"
        "    secret_key: do-not-put-it-here\n"
    )
    with pytest.raises(ConfigError) as refused:
        load_settings(config)
    text = str(refused.value)
    for field in ("profiles.0", "regions.0", "results_per_page", "secret_key: unknown field"):
        assert f"providers.outscale.{field}" in text
    assert "do-not-put-it-here" not in text
