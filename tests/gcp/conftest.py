"""GCP test fixtures: the fake Cloud Asset API on loopback, serving tests/gcp/estate.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from cloudcensus.providers.gcp.fake import FakeAssetServer, FakeOrganization
from cloudcensus.providers.gcp.settings import GcpSettings
from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.pipeline import Policy, load_policy

from .estate import build_org


class Sleeps:
    """An injected `sleep` that records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


#: The day the GCP scans are evaluated on (the estate's keys are dated against it).
TODAY = date(2026, 6, 1)


@pytest.fixture(scope="session")
def policy() -> Policy:
    """The built-in packs with default parameters, compiled once for the GCP tests."""
    return load_policy(AgentSettings(), TODAY)


@pytest.fixture
def org() -> FakeOrganization:
    return build_org()


@pytest.fixture
def fake(org: FakeOrganization) -> Iterator[FakeAssetServer]:
    with FakeAssetServer(org) as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def settings_for(server: FakeAssetServer, **fields: Any) -> GcpSettings:
    """Settings pointing the provider at the fake (anonymous, loopback)."""
    base: dict[str, Any] = {"credentials": "anonymous", "api_endpoint": server.endpoint}
    return GcpSettings.model_validate(base | fields)
