"""Fixtures: the sharding organisation in a moto process of this package's own (other
packages reset theirs), and real scans of it through the AWS provider."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cloudcensus.demo.motoserver import MotoServer, aws_env
from cloudcensus.scanner.config import AgentSettings, load_settings, with_overrides
from cloudcensus.scanner.pipeline import ScanResult, build_providers, load_policy, run_scan
from cloudcensus.scanner.store import Store
from tests.registry.conftest import postgres_url, registry  # noqa: F401 - for test_registry

from .estate import CONFIG, Organisation, build_organisation


@pytest.fixture(scope="package")
def organisation() -> Iterator[tuple[MotoServer, Organisation]]:
    with MotoServer() as server, aws_env(server.endpoint):
        yield server, build_organisation(server.endpoint)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "cloudcensus.yaml"
    path.write_text(CONFIG)
    return path


def settings_for(config: Path, state: Path, **flags: Any) -> AgentSettings:
    """The test configuration with its own state directory and the given flags."""
    return with_overrides(load_settings(config), state_dir=state, **flags)


def scan(settings: AgentSettings, run: str | None = None) -> tuple[ScanResult, Store]:
    """One real scan with `settings`; returns its result and the (open) store."""
    now = datetime.now(UTC)
    store = Store.open(settings.store_path)
    policy = load_policy(settings, now.date())
    result = run_scan(settings, build_providers(settings), store, policy, now, run=run)
    return result, store
