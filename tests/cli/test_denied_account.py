"""One member account denied on the next scan (its role cannot be assumed): the other
accounts complete, the coverage says which account and why, the drift marks nothing of
that account removed, and its findings stay, evaluated on the last known inventory.

The real pipeline (`run_scan`: AWS provider, collection engine, SQLite store, policy
engine) scans the demo organisation twice through the fault proxy, which refuses
`sts:AssumeRole` into the production account the second time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cloudcensus.demo.estate import DEMO_REGIONS, HOME_REGION, ROLE_NAME, Estate
from cloudcensus.demo.motoserver import FAKE_AWS_ENV, MotoServer
from cloudcensus.policies.findings import Finding
from cloudcensus.providers.aws import ec2, rds, s3
from cloudcensus.providers.aws.provider import AwsProvider
from cloudcensus.providers.aws.settings import AwsSettings
from cloudcensus.providers.base import Provider
from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.coverage import ANY, CoverageStatus, ErrorKind
from cloudcensus.scanner.pipeline import load_policy, run_scan
from cloudcensus.scanner.store import ScanStatus, Store, diff
from tests.aws.faultproxy import FaultProxy

FIRST = datetime.now(UTC)
SECOND = FIRST + timedelta(hours=1)


@pytest.fixture
def proxy(
    estate_server: tuple[MotoServer, Estate], monkeypatch: pytest.MonkeyPatch
) -> Iterator[FaultProxy]:
    """boto3 pointed at this package's emulator, every call through the fault proxy."""
    server, _ = estate_server
    with FaultProxy(server.endpoint) as faults:
        for name, value in {**FAKE_AWS_ENV, "AWS_ENDPOINT_URL": server.endpoint}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("HTTP_PROXY", faults.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        yield faults


def _providers(settings: AgentSettings) -> list[Provider]:
    """The AWS provider of a fresh agent run, narrowed to storage, compute and databases:
    most of the production account's data, and half the time of every collector."""
    aws = settings.providers["aws"]
    assert isinstance(aws, AwsSettings)
    return [AwsProvider(aws, collectors=(*s3.COLLECTORS, *ec2.COLLECTORS, *rds.COLLECTORS))]


def _settings(state: Path) -> AgentSettings:
    aws = {
        "mode": "organization",
        "home_region": HOME_REGION,
        "regions": list(DEMO_REGIONS),
        "max_attempts": 2,
        "resource_explorer": False,  # moto does not offer it
    }
    return AgentSettings(state_dir=state, workers=6, providers={"aws": aws})


def _verdicts(findings: Iterator[Finding]) -> set[tuple[str, str, str]]:
    return {(f.rule_id, f.resource_id, f.status.value) for f in findings}


def test_denied_account_keeps_its_inventory_and_findings(
    estate_server: tuple[MotoServer, Estate], proxy: FaultProxy, tmp_path: Path
) -> None:
    _, estate = estate_server
    denied, others = estate.production, {estate.management, estate.development}
    settings = _settings(tmp_path)
    policy = load_policy(settings, FIRST.date())
    with Store.open(tmp_path / "cloudcensus.sqlite") as store:
        first = run_scan(settings, _providers(settings), store, policy, FIRST)
        assert first.status is ScanStatus.COMPLETE, [e for e in first.coverage if e.message]
        proxy.denied_accounts.add(denied)
        second = run_scan(settings, _providers(settings), store, policy, SECOND)

        assert second.status is ScanStatus.PARTIAL
        [gap] = [e for e in second.coverage if e.status is not CoverageStatus.COMPLETE]
        assert (gap.account, gap.region, gap.collector) == (denied, ANY, ANY)
        assert gap.error_kind is ErrorKind.ACCESS_DENIED
        assert f"arn:aws:iam::{denied}:role/{ROLE_NAME}" in (gap.message or "")
        assert others <= {e.account for e in second.coverage if e.resources}

        before = {r.id for r in store.resources(first.scan_id, account=denied)}
        assert before, "the first scan read the production account"
        drift = diff(store, first.scan_id, second.scan_id)
        assert [r.id for r in drift.removed if r.account == denied] == []
        assert {r.id for r in drift.unverified} == before
        assert not list(store.resources(second.scan_id, account=denied))  # nothing fresh

        kept = _verdicts(store.findings(second.scan_id, account=denied))
        assert kept
        assert kept == _verdicts(store.findings(first.scan_id, account=denied))
