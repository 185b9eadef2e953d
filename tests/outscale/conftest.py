"""OUTSCALE test fixtures: the fake OUTSCALE API on loopback (moto behind OOS), the
seeded accounts and their OSC config file, an environment where osc-sdk-python reads
only that file, and a scan through the real collection engine.

The fake and its estate are built once per session; a test that arms faults uses
`armed`, which restores the estate's own faults afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from cloudcensus.providers.outscale import OutscaleProvider
from cloudcensus.providers.outscale.fake import FakeOutscale, OutscaleFakeServer
from cloudcensus.providers.outscale.settings import OutscaleSettings
from cloudcensus.providers.outscale.spec import OutscaleCollector
from tests.outscale.estate import OscEstate, build_estate
from tests.support.collecting import Collected, collect_into
from tests.support.faults import faults_restored
from tests.support.moto import moto_endpoint as moto_endpoint

PROFILES = ["paris", "gouv", "ohio", "denied", "ghost"]

Scan = Callable[..., Collected]


@pytest.fixture(scope="session")
def fake(moto_endpoint: str) -> Iterator[OutscaleFakeServer]:
    with OutscaleFakeServer(FakeOutscale(), s3_backend=moto_endpoint) as server:
        yield server


@pytest.fixture(scope="session")
def estate(fake: OutscaleFakeServer, tmp_path_factory: pytest.TempPathFactory) -> OscEstate:
    config = tmp_path_factory.mktemp("osc") / "config.json"
    return build_estate(fake.state, config, fake.api_endpoint, fake.url)


@pytest.fixture
def armed(fake: OutscaleFakeServer, estate: OscEstate) -> Iterator[FakeOutscale]:
    """The fake's state for a test that arms faults; the estate's faults come back after."""
    with faults_restored(fake.state):
        yield fake.state


@contextmanager
def outscale_environment() -> Iterator[None]:
    """osc-sdk-python reads only the test's config file: no OSC_* of this machine."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("OSC_")]:
            patch.delenv(name)
        yield


def settings(estate: OscEstate, **overrides: Any) -> OutscaleSettings:
    """Every test profile, fast: no client-side rate limit, no backoff."""
    values: dict[str, Any] = {
        "profiles": PROFILES,
        "config_file": estate.config,
        "results_per_page": 5,
        "requests_per_second": 100,
        "retry_backoff_factor": 0.0,
        "retry_backoff_jitter": 0.0,
        **overrides,
    }
    return OutscaleSettings.model_validate(values)


def run_collection(
    estate: OscEstate, collectors: Sequence[OutscaleCollector] | None = None, **overrides: Any
) -> Collected:
    provider = OutscaleProvider(settings(estate, **overrides), collectors=collectors)
    try:
        return collect_into([provider], workers=6)
    finally:
        provider.close()


@pytest.fixture
def scan(estate: OscEstate) -> Iterator[Scan]:
    """`scan(collectors=..., **settings)`: one collection of the test profiles."""

    def run(collectors: Sequence[OutscaleCollector] | None = None, **overrides: Any) -> Collected:
        return run_collection(estate, collectors, **overrides)

    with outscale_environment():
        yield run


@pytest.fixture(scope="module")
def inventory(estate: OscEstate) -> Collected:
    """One full collection of the test profiles, shared by a module's assertions."""
    with outscale_environment():
        return run_collection(estate)
