"""OUTSCALE test fixtures: the fake OUTSCALE API on loopback (moto behind OOS), the
seeded accounts and their OSC config file, an environment where osc-sdk-python reads
only that file, and a scan through the real collection engine.

The fake and its estate are built once per session; a test that arms faults uses
`armed`, which restores the estate's own faults afterwards.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from cloudcensus.providers.outscale import OutscaleProvider
from cloudcensus.providers.outscale.fake import FakeOutscale, OutscaleFakeServer
from cloudcensus.providers.outscale.settings import OutscaleSettings
from cloudcensus.providers.outscale.spec import OutscaleCollector
from cloudcensus.scanner.collect import UnitKey, collect
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus
from cloudcensus.scanner.inventory import Resource
from tests.outscale.estate import OscEstate, build_estate

PROFILES = ["paris", "gouv", "ohio", "denied", "ghost"]


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

    def entry(self, account: str, collector: str) -> CoverageEntry:
        [found] = [e for e in self.coverage if (e.account, e.collector) == (account, collector)]
        return found

    @property
    def gaps(self) -> list[CoverageEntry]:
        return [e for e in self.coverage if e.status is not CoverageStatus.COMPLETE]


Scan = Callable[..., Collected]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """An S3-compatible peer for OOS: moto in this process, on loopback."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


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
    state = fake.state
    saved = list(state.faults)
    state.requests.clear()
    yield state
    with state.lock:
        state.faults[:] = saved


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
    sink = Collected()
    try:
        collect([provider], sink, workers=6)
    finally:
        provider.close()
    return sink


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
