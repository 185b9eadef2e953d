"""What the Scaleway provider does when the API throttles, fails, or refuses: it waits as
told, retries a bounded number of times, and otherwise records a named gap in coverage
while the rest of the scan goes on.
"""

from __future__ import annotations

import time

import pytest

from cloudcensus.providers.scaleway import block, instance
from cloudcensus.providers.scaleway.fake import FakeScaleway, ScalewayFakeServer
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus, ErrorKind
from tests.scaleway.conftest import Scan
from tests.scaleway.estate import APPS, ORG, PAGED_SERVERS
from tests.support.collecting import Collected

SERVERS = [c for c in instance.COLLECTORS if c.name == "instance.servers"]
PAR1_SERVERS = "/instance/v1/zones/fr-par-1/servers"


def _entry(result: Collected, account: str, region: str, collector: str) -> CoverageEntry:
    entries = [
        e
        for e in result.coverage
        if (e.account, e.region, e.collector) == (account, region, collector)
    ]
    assert len(entries) == 1, entries
    return entries[0]


def test_throttling_is_waited_out_as_retry_after_says(scan: Scan, armed: FakeScaleway) -> None:
    armed.throttle(PAR1_SERVERS, times=2, retry_after="1")
    started = time.monotonic()
    result = scan(SERVERS, projects=[ORG], zones=["fr-par-1"], max_retry_wait_s=5)
    assert time.monotonic() - started >= 2.0  # two answers said "wait one second"
    entry = _entry(result, ORG, "fr-par-1", "instance.servers")
    assert entry.status is CoverageStatus.COMPLETE
    statuses = [r.status for r in armed.requests if r.path == PAR1_SERVERS]
    assert statuses == [429, 429, 200]
    assert {r.name for r in result.of_type("compute.instance")} == {"web-1", "batch-1", "db-1"}


def test_throttling_past_the_retries_is_a_throttled_gap(scan: Scan, armed: FakeScaleway) -> None:
    armed.throttle(PAR1_SERVERS, times=50, project=ORG)
    result = scan(SERVERS, projects=[ORG, APPS], zones=["fr-par-1", "pl-waw-1"], max_attempts=3)
    entry = _entry(result, ORG, "fr-par-1", "instance.servers")
    assert entry.status is CoverageStatus.FAILED
    assert entry.error_kind is ErrorKind.THROTTLED
    assert "too_many_requests" in (entry.message or "")
    throttled = [r for r in armed.requests if r.path == PAR1_SERVERS and r.status == 429]
    assert len(throttled) == 3  # max_attempts
    # The other project and zone were read completely meanwhile.
    assert len(result.of_type("compute.instance", APPS)) == PAGED_SERVERS


def test_a_transient_gateway_error_is_retried(scan: Scan, armed: FakeScaleway) -> None:
    armed.fail(PAR1_SERVERS, status=502, times=1)
    result = scan(SERVERS, projects=[ORG], zones=["fr-par-1"])
    entry = _entry(result, ORG, "fr-par-1", "instance.servers")
    assert entry.status is CoverageStatus.COMPLETE
    assert len(result.of_type("compute.instance")) == 3


def test_a_failing_listing_is_a_short_named_gap_and_the_rest_goes_on(
    scan: Scan, armed: FakeScaleway
) -> None:
    armed.fail("/block/v1alpha1/zones/fr-par-1/volumes", status=502, times=None)
    collectors = [*SERVERS, *block.COLLECTORS]
    result = scan(collectors, projects=[ORG], zones=["fr-par-1"], max_attempts=2)
    entry = _entry(result, ORG, "fr-par-1", "block.volumes")
    assert entry.status is CoverageStatus.FAILED
    assert entry.error_kind is ErrorKind.UNEXPECTED
    # One line naming the call and the gateway page's title, not the page.
    assert entry.message == (
        "GET /block/v1alpha1/zones/fr-par-1/volumes: HTTP 502: 502 Bad Gateway"
    )
    assert [r.name for r in result.of_type("storage.snapshot")] == ["web-1-data-nightly"]
    assert len(result.of_type("compute.instance")) == 3


def test_a_wrong_secret_is_a_provider_wide_access_denied(
    scan: Scan, fake: ScalewayFakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "11111111-2222-4333-8444-555555555555"
    monkeypatch.setenv("SCW_SECRET_KEY", wrong)
    result = scan(SERVERS)
    [entry] = result.coverage
    assert (entry.account, entry.region, entry.collector) == ("*", "*", "*")
    assert entry.error_kind is ErrorKind.ACCESS_DENIED
    assert "denied_authentication" in (entry.message or "")
    assert wrong not in (entry.message or "")


def test_a_key_that_may_not_list_projects_scans_its_default_project(
    scan: Scan, armed: FakeScaleway, monkeypatch: pytest.MonkeyPatch
) -> None:
    armed.deny("^/account/v3/projects$")
    monkeypatch.setenv("SCW_DEFAULT_PROJECT_ID", APPS)
    result = scan(SERVERS, zones=["pl-waw-1"])
    assert {e.account for e in result.coverage} == {APPS}
    assert len(result.of_type("compute.instance")) == PAGED_SERVERS
