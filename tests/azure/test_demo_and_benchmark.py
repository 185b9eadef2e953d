"""The demo's Azure tenant and the Azure benchmark stay usable as documented."""

from __future__ import annotations

import pytest

from cloudcensus.demo.azurecloud import AzureDemoCloud
from cloudcensus.demo.clouds import DemoCloud
from cloudcensus.providers.azure.fake.estates import PRODUCTION, RESEARCH
from cloudcensus.providers.azure.settings import AzureSettings
from tests.support.benchmarks import run_benchmark

from .collecting import collect_azure


def test_the_demo_tenant_scans_and_changes_between_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    demo: DemoCloud = AzureDemoCloud()  # the runner's view of it (checked by mypy)
    with demo as cloud:
        assert cloud.provider == "azure"
        assert "2 subscriptions" in cloud.description
        for name, value in cloud.environment().items():
            monkeypatch.setenv(name, value)
        settings = AzureSettings.model_validate(dict(cloud.provider_settings()))
        first = collect_azure(settings)
        cloud.change()
        second = collect_azure(settings)
    assert not first.gaps
    assert not second.gaps
    before = {r.name: r for r in first.resources}
    after = {r.name: r for r in second.resources}
    assert {r.account for r in first.resources} == {PRODUCTION, RESEARCH}
    assert before["stlabus"].location.country == "US"  # data outside the EU
    assert "vm-app" in before
    assert "vm-app" not in after
    assert "pg-lab" in after
    assert before["stprodarchive"].properties["public_access_blocked"] is True
    assert after["stprodarchive"].properties["public_access_blocked"] is False


def test_azure_benchmark_runs_as_a_module() -> None:
    args = ["--resources", "300", "--subscriptions", "2"]
    stdout = run_benchmark("benchmarks.azure", *args, clear_env="AZURE_")
    for measure in ("(a) end to end", "(b) baseline", "(c) normalisation", "(d) the same", "ratio"):
        assert measure in stdout
