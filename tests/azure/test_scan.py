"""End to end: the fake tenant scanned by the real AzureProvider through `run_scan`
(collection engine, SQLite store, the built-in packs with the be-federal profile).

Production is EU-only, guarded by an "Allowed locations" assignment and exports its
Activity Log; Research keeps sensitive data in the US; Finance may not be read. The
existing cross-cloud rules give Azure the verdicts they give AWS for the same facts,
and the denied subscription is a coverage gap, not an empty, compliant inventory.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cloudcensus.providers.azure import (
    AzureProvider,
    compute,
    databases,
    keyvault,
    network,
    sql,
    storage,
    subscription,
)
from cloudcensus.providers.azure.fake import FakeAzure
from cloudcensus.providers.azure.fake.estates import DENIED, PRODUCTION, RESEARCH
from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.coverage import ANY, ErrorKind
from cloudcensus.scanner.pipeline import load_policy, run_scan
from cloudcensus.scanner.store import ScanStatus, Store

from .collecting import collect_azure
from .conftest import SECRET, azure_settings

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_a_tenant_scan_gives_cross_cloud_verdicts_and_names_the_denied_subscription(
    fake: FakeAzure, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    azure = azure_settings(fake)
    settings = AgentSettings(
        state_dir=tmp_path,
        workers=4,
        providers={"azure": azure.model_dump(mode="json")},
        rules=["sovereignty", "baseline"],
        profile="be-federal",
    )
    policy = load_policy(settings, NOW.date())
    with Store.open(tmp_path / "cloudcensus.sqlite") as store:
        result = run_scan(settings, [AzureProvider(azure)], store, policy, NOW)
        findings = list(store.findings(result.scan_id))
        resources = {r.name: r for r in store.resources(result.scan_id)}

    assert result.status is ScanStatus.PARTIAL
    [gap] = [e for e in result.coverage if e.status.value != "complete"]
    assert (gap.account, gap.region, gap.collector) == (DENIED, ANY, ANY)
    assert gap.error_kind is ErrorKind.ACCESS_DENIED
    assert "AuthorizationFailed" in (gap.message or "")
    assert {e.account for e in result.coverage} == {PRODUCTION, RESEARCH, DENIED}

    assert resources["vm-web"].location.country == "NL"
    assert resources["stlabbe"].location.country == "BE"
    assert resources["example.eu"].region == "global"
    assert resources["example.eu"].location.country is None
    assert resources["Production"].jurisdiction is not None
    assert resources["Production"].jurisdiction.non_eu_law is True

    verdicts = {(f.rule_id, f.resource_name): f.status.value for f in findings}
    expected = {
        ("BASE-EXP-01", "stpublicsite"): "fail",
        ("BASE-EXP-01", "stprodarchive"): "pass",
        ("BASE-EXP-04", "stprodarchive"): "pass",
        ("BASE-EXP-02", "nsg-admin"): "fail",
        ("BASE-EXP-02", "nsg-web"): "pass",  # its SSH-from-anywhere rule is shadowed by a deny
        ("BASE-EXP-05", "vm-web"): "fail",
        ("BASE-EXP-05", "vm-app"): "pass",
        ("BASE-EXP-03", "orders"): "fail",  # its server has public network access
        ("BASE-EXP-03", "pg-prod"): "pass",
        ("BASE-ENC-01", "data-cmk"): "pass",
        ("BASE-ENC-03", "orders"): "pass",
        ("SOV-RES-01", "stlabus"): "fail",
        ("SOV-RES-01", "stlabbe"): "pass",
        ("SOV-RES-03", "stprodarchive"): "pass",  # GRS copy in North Europe (IE)
        ("SOV-RES-03", "kv-lab"): None,
        ("SOV-JUR-01", "stlabbe"): "fail",  # Microsoft: US law reaches it
        ("SOV-KEY-01", "stlabbe"): "fail",
        ("SOV-GRD-01", "Production"): "pass",
        ("SOV-GRD-01", "Research"): "fail",
        ("BASE-LOG-01", "Production"): "pass",
        ("BASE-LOG-01", "Research"): "fail",
        ("BASE-AZ-01", "stprodarchive"): "pass",
        ("BASE-AZ-02", "sql-prod"): "fail",
        ("BASE-AZ-03", "kv-prod"): "pass",
        ("BASE-AZ-03", "kv-lab"): "fail",
        ("BASE-AZ-04", "cmk-storage"): "pass",
        ("BASE-AZ-04", "cmk-legacy"): "fail",
    }
    assert {key: verdicts.get(key) for key in expected} == expected
    assert not [f for f in findings if f.status.value == "error"]

    with (tmp_path / "cloudcensus.sqlite").open("rb") as db:
        assert SECRET.encode() not in db.read()
    assert SECRET not in caplog.text
    tokens = fake.issued_tokens
    assert tokens
    assert not [t for t in tokens if t in caplog.text]


def test_every_modelled_azure_type_is_served_by_the_fake_and_normalised(fake: FakeAzure) -> None:
    """The fake's estate is the fixture of every collector: a type the provider models
    but the fake never serves would go untested."""
    modelled = {
        *compute.NATIVE_TYPES,
        *network.NATIVE_TYPES,
        *databases.NATIVE_TYPES,
        sql.SERVER,
        sql.DATABASE,
        storage.ACCOUNT,
        keyvault.KEY,
        keyvault.VAULT,
        subscription.SUBSCRIPTION,
        subscription.DIAGNOSTIC_SETTING,
    }
    collected = collect_azure(azure_settings(fake))
    served = {r.native_type for r in collected.resources}
    assert modelled <= served, modelled - served
    for resource in collected.resources:
        if resource.native_type in modelled - {keyvault.VAULT} and resource.name != "master":
            assert resource.type != "other", resource.id
