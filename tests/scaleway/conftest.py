"""Scaleway test fixtures: the fake Scaleway API on loopback (moto behind its Object
Storage), the seeded organisation, an environment where the SDK reads only the fake's
credentials, and a scan through the real collection engine.

The fake and its estate are built once per session; a test that arms faults uses
`armed`, which restores the estate's own faults afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from cloudcensus.providers.scaleway import ScalewayProvider
from cloudcensus.providers.scaleway.fake import FakeScaleway, ScalewayFakeServer
from cloudcensus.providers.scaleway.settings import ScalewaySettings
from cloudcensus.providers.scaleway.spec import ScalewayCollector
from cloudcensus.scanner.collect import UnitKey, collect
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus
from cloudcensus.scanner.inventory import Resource
from tests.scaleway.estate import ACCESS_KEY, ORG, SECRET_KEY, build_estate

REGIONS = ["fr-par", "nl-ams", "pl-waw"]
ZONES = ["fr-par-1", "fr-par-2", "pl-waw-1"]


@dataclass
class Collected:
    """What one collection read: resources and coverage, with lookups for assertions."""

    resources: list[Resource] = field(default_factory=list)
    coverage: list[CoverageEntry] = field(default_factory=list)

    def add(self, key: UnitKey, resources: Sequence[Resource]) -> None:
        self.resources.extend(resources)

    def add_coverage(self, entries: Sequence[CoverageEntry]) -> None:
        self.coverage.extend(entries)

    def named(self, type_: str, name: str) -> Resource:
        found = [r for r in self.resources if r.type == type_ and r.name == name]
        assert len(found) == 1, f"{type_} {name}: {[r.id for r in found]}"
        return found[0]

    def of_type(self, type_: str, account: str | None = None) -> list[Resource]:
        return [r for r in self.resources if r.type == type_ and account in (None, r.account)]

    @property
    def gaps(self) -> list[CoverageEntry]:
        return [e for e in self.coverage if e.status is not CoverageStatus.COMPLETE]


Scan = Callable[..., Collected]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """An S3-compatible peer for Object Storage: moto in this process, on loopback."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def fake(moto_endpoint: str) -> Iterator[ScalewayFakeServer]:
    state = FakeScaleway(ORG)
    with ScalewayFakeServer(state, s3_backend=moto_endpoint) as server:
        build_estate(state, server.url)
        yield server


@pytest.fixture
def armed(fake: ScalewayFakeServer) -> Iterator[FakeScaleway]:
    """The fake's state for a test that arms faults; the estate's faults come back after."""
    state = fake.state
    saved = list(state.faults)
    state.requests.clear()
    yield state
    with state.lock:
        state.faults[:] = saved


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
    sink = Collected()
    try:
        collect([provider], sink, workers=6)
    finally:
        provider.close()
    return sink


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
