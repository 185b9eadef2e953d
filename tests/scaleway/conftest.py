"""Scaleway test fixtures: the fake Scaleway API on loopback (moto behind its Object
Storage), the seeded organisation, an environment where the SDK reads only the fake's
credentials, and a scan through the real collection engine.

The fake and its estate are built once per session; a test that arms faults uses
`armed`, which restores the estate's own faults afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from cloudcensus.providers.scaleway import ScalewayProvider
from cloudcensus.providers.scaleway.fake import FakeScaleway, ScalewayFakeServer
from cloudcensus.providers.scaleway.settings import ScalewaySettings
from cloudcensus.providers.scaleway.spec import ScalewayCollector
from tests.scaleway.estate import ACCESS_KEY, ORG, SECRET_KEY, build_estate
from tests.support.collecting import Collected, collect_into
from tests.support.faults import faults_restored
from tests.support.moto import moto_endpoint as moto_endpoint

REGIONS = ["fr-par", "nl-ams", "pl-waw"]
ZONES = ["fr-par-1", "fr-par-2", "pl-waw-1"]

Scan = Callable[..., Collected]


@pytest.fixture(scope="session")
def fake(moto_endpoint: str) -> Iterator[ScalewayFakeServer]:
    state = FakeScaleway(ORG)
    with ScalewayFakeServer(state, s3_backend=moto_endpoint) as server:
        build_estate(state, server.url)
        yield server


@pytest.fixture
def armed(fake: ScalewayFakeServer) -> Iterator[FakeScaleway]:
    """The fake's state for a test that arms faults; the estate's faults come back after."""
    with faults_restored(fake.state):
        yield fake.state


@contextmanager
def scaleway_environment(fake: ScalewayFakeServer, scratch: Path) -> Iterator[None]:
    """The SDK reads the fake's URL and key from SCW_* variables, and no real config."""
    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "SCW_PROFILE",
            "SCW_DEFAULT_PROJECT_ID",
            "SCW_DEFAULT_REGION",
            "SCW_DEFAULT_ZONE",
        ):
            patch.delenv(name, raising=False)
        patch.setenv("SCW_API_URL", fake.url)
        patch.setenv("SCW_ACCESS_KEY", ACCESS_KEY)
        patch.setenv("SCW_SECRET_KEY", SECRET_KEY)
        patch.setenv("SCW_DEFAULT_ORGANIZATION_ID", ORG)
        patch.setenv("SCW_CONFIG_PATH", str(scratch / "no-config.yaml"))
        yield


@pytest.fixture
def scw_env(fake: ScalewayFakeServer, tmp_path: Path) -> Iterator[None]:
    with scaleway_environment(fake, tmp_path):
        yield


def settings(fake: ScalewayFakeServer, **overrides: Any) -> ScalewaySettings:
    """Settings that scan the test regions and zones, with short retry waits."""
    values: dict[str, Any] = {
        "regions": REGIONS,
        "zones": ZONES,
        "object_storage_endpoint": fake.url,
        "page_size": 10,
        "max_retry_wait_s": 0.05,
        **overrides,
    }
    return ScalewaySettings.model_validate(values)


def run_collection(
    fake: ScalewayFakeServer,
    collectors: Sequence[ScalewayCollector] | None = None,
    **overrides: Any,
) -> Collected:
    """Collect with the real provider and engine (the SCW_* environment set already)."""
    provider = ScalewayProvider(settings(fake, **overrides), collectors=collectors)
    try:
        return collect_into([provider], workers=6)
    finally:
        provider.close()


@pytest.fixture
def scan(fake: ScalewayFakeServer, scw_env: None) -> Scan:
    """`scan(collectors=..., **settings)`: one collection of the fake's organisation."""

    def run(collectors: Sequence[ScalewayCollector] | None = None, **overrides: Any) -> Collected:
        return run_collection(fake, collectors, **overrides)

    return run


@pytest.fixture(scope="module")
def inventory(fake: ScalewayFakeServer, tmp_path_factory: pytest.TempPathFactory) -> Collected:
    """One full collection of the estate, shared by a module's read-only assertions."""
    with scaleway_environment(fake, tmp_path_factory.mktemp("scw")):
        return run_collection(fake)
