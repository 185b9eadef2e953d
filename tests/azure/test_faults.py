"""What a scan of Azure survives: paging, throttling, refusals and malformed answers.

Each fault is served by the fake in Azure's own wire shapes; the real provider runs
through the real collection engine. The rest of the scan goes on, and the coverage says
what was missed and why.
"""

from __future__ import annotations

import json
import logging

import pytest

from cloudcensus.providers.azure import AzureProvider
from cloudcensus.providers.azure.fake import FakeAzure, Fault
from cloudcensus.providers.azure.fake.estates import DENIED, PRODUCTION, RESEARCH
from cloudcensus.providers.azure.fake.shapes import nsg, rule
from cloudcensus.providers.azure.fake.tenant import GraphQuota
from cloudcensus.scanner.coverage import ANY, CoverageStatus, ErrorKind

from .collecting import collect_azure
from .conftest import SECRET, azure_settings

_GRAPH = "/providers/Microsoft.ResourceGraph/resources"
_COLLECTORS = {
    "graph.resources",
    "storage.accounts",
    "sql",
    "keyvault.keys",
    "account",
    "monitor.activity_log",
}


def test_tiny_pages_everywhere_lose_nothing(fake: FakeAzure) -> None:
    whole = collect_azure(azure_settings(fake))
    fake.tenant.page_size = 1  # every ARM list: one item per page, absolute nextLink
    paged = collect_azure(azure_settings(fake, page_size=2, subscriptions_per_query=1))
    assert sorted(r.id for r in paged.resources) == sorted(r.id for r in whole.resources)
    assert len(whole.resources) > 30
    assert [g.account for g in paged.gaps] == [DENIED]


def test_small_subscriptions_share_one_resource_graph_query(fake: FakeAzure) -> None:
    provider = AzureProvider(azure_settings(fake))
    collected = collect_azure(provider.settings, provider)
    # one count, then one query per collector for both readable subscriptions together
    assert provider.batches.queries == 1 + 4
    assert {r.account for r in collected.resources} == {PRODUCTION, RESEARCH}
    alone = AzureProvider(azure_settings(fake, page_size=5))  # Production needs pages
    collect_azure(alone.settings, alone)
    assert alone.batches.queries > 1 + 4


def test_the_resource_graph_quota_is_waited_out_not_reported(fake: FakeAzure) -> None:
    fake.tenant.quota = GraphQuota(limit=3, window_s=1.0)
    provider = AzureProvider(azure_settings(fake, max_retries=8, subscriptions_per_query=1))
    collected = collect_azure(provider.settings, provider)
    assert [g.account for g in collected.gaps] == [DENIED]
    assert provider.clients.quota.waited_s > 0 or fake.tenant.quota.throttled > 0
    assert len({r.account for r in collected.resources}) == 2


def test_throttled_past_retries_fails_only_the_resource_graph_units(fake: FakeAzure) -> None:
    headers = {
        "Retry-After": "0",
        "x-ms-user-quota-remaining": "0",
        "x-ms-user-quota-resets-after": "00:00:00",
    }
    body = json.dumps({"error": {"code": "RateLimiting", "message": "throttled"}}).encode()
    fake.tenant.faults.add(Fault(_GRAPH, 429, body, headers, times=None))
    collected = collect_azure(azure_settings(fake))
    throttled = {
        (e.account, e.collector) for e in collected.gaps if e.error_kind is ErrorKind.THROTTLED
    }
    graph = {"graph.resources", "storage.accounts", "sql", "keyvault.keys"}
    assert throttled == {(sub, c) for sub in (PRODUCTION, RESEARCH) for c in graph}
    assert collected.entry(PRODUCTION, "account").status is CoverageStatus.COMPLETE
    assert collected.named("account", "Production").properties["region_guardrail"] is not None


def test_a_malformed_row_is_counted_and_the_others_are_kept(fake: FakeAzure) -> None:
    research = fake.tenant.subscriptions[RESEARCH]
    broken = nsg(research, "lab", "nsg-broken", "eastus", [rule("ssh", 100, "Allow", "ssh", "*")])
    collected = collect_azure(azure_settings(fake))
    unit = collected.entry(RESEARCH, "graph.resources")
    assert unit.status is CoverageStatus.PARTIAL
    assert unit.error_kind is ErrorKind.MALFORMED
    assert unit.errors == 1
    assert broken["id"] in (unit.message or "")
    assert collected.named("compute.instance", "vm-gpu").account == RESEARCH


def test_a_malformed_page_fails_its_units_with_a_named_kind(fake: FakeAzure) -> None:
    fake.tenant.faults.add(Fault(_GRAPH, 200, b"<html>gateway</html>", times=None))
    collected = collect_azure(azure_settings(fake))
    kinds = {e.error_kind for e in collected.gaps if e.collector != ANY}
    assert kinds == {ErrorKind.MALFORMED}
    assert collected.entry(RESEARCH, "monitor.activity_log").status is CoverageStatus.COMPLETE


def test_a_refused_detail_read_is_unknown_not_compliant(fake: FakeAzure) -> None:
    body = json.dumps({"error": {"code": "AuthorizationFailed", "message": "no"}}).encode()
    fake.tenant.faults.add(Fault("/firewallRules", 403, body, times=None))
    collected = collect_azure(azure_settings(fake))
    server = collected.named("database.server", "sql-prod")
    assert server.properties["firewall"] is None
    assert server.properties["open_to_internet"] is None
    assert server.raw["cloudcensus"]["errors"] == {"firewallRules": "AuthorizationFailed"}
    assert collected.entry(PRODUCTION, "sql").status is CoverageStatus.COMPLETE


def test_refused_policy_assignments_make_the_guardrail_unverifiable(fake: FakeAzure) -> None:
    body = json.dumps({"error": {"code": "AuthorizationFailed", "message": "no"}}).encode()
    fake.tenant.faults.add(Fault("/policyAssignments", 403, body, times=None))
    account = collect_azure(azure_settings(fake)).named("account", "Production")
    assert account.properties["region_guardrail"] is None
    assert account.properties["region_guardrail_readable"] is False


def test_a_wrong_client_secret_is_a_provider_gap_without_the_secret(
    fake: FakeAzure, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "Wr0ng~secret-value-that-must-stay-hidden-42"
    monkeypatch.setenv("AZURE_CLIENT_SECRET", wrong)
    collected = collect_azure(azure_settings(fake, max_retries=0))
    [gap] = collected.gaps
    assert (gap.account, gap.collector, gap.error_kind) == (ANY, ANY, ErrorKind.ACCESS_DENIED)
    assert "AADSTS7000215" in (gap.message or "")
    for text in (gap.message or "", caplog.text):
        assert wrong not in text
        assert SECRET not in text


def test_configured_subscriptions_outside_reach_are_gaps(fake: FakeAzure) -> None:
    unknown = "44444444-aaaa-4bbb-8ccc-000000000004"
    collected = collect_azure(azure_settings(fake, subscriptions=[RESEARCH, DENIED, unknown]))
    gaps = {e.account: e.error_kind for e in collected.gaps}
    assert gaps == {DENIED: ErrorKind.ACCESS_DENIED, unknown: ErrorKind.ACCESS_DENIED}
    assert {r.account for r in collected.resources} == {RESEARCH}


def test_a_management_group_scopes_its_subscriptions(fake: FakeAzure) -> None:
    collected = collect_azure(azure_settings(fake, management_group="fed"))
    assert {e.account for e in collected.coverage} == {PRODUCTION, RESEARCH}
    assert not collected.gaps
