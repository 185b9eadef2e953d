"""OpenStack test fixtures: the fake OpenStack on loopback, clouds.yaml, one scan.

Every test gets a freshly seeded fake (faults armed by one test never leak into
another) and an environment where openstacksdk reads only the test's clouds.yaml: any
OS_* variable of the machine running the tests is removed first. The fake's S3 API is
backed by one moto server for the session (`moto_endpoint`), emptied by `s3_backend`
for each test that seeds buckets. A cloud configured through `provider`/`scan` without
an `s3` section reads no S3 (`NO_S3`): the tests about S3 say where it is, so no test
ever reaches a real provider's endpoint.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from moto.server import ThreadedMotoServer

from cloudcensus.providers.openstack import OpenStackProvider
from cloudcensus.providers.openstack.fake import FakeOpenStack
from cloudcensus.providers.openstack.settings import OpenStackSettings
from cloudcensus.providers.openstack.spec import OpenStackCollector
from cloudcensus.scanner.collect import UnitKey, collect
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus
from cloudcensus.scanner.inventory import Resource
from tests.openstack.estate import PASSWORD, TestEstate, build_estate


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
        return [
            r
            for r in self.resources
            if r.type == type_ and (account is None or r.account == account)
        ]

    @property
    def gaps(self) -> list[CoverageEntry]:
        return [e for e in self.coverage if e.status is not CoverageStatus.COMPLETE]


Scan = Callable[..., Collected]

#: the `s3` section of a cloud in a test that is not about S3
NO_S3 = {"enabled": False}


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """An S3 peer for the fake's S3 API: moto in this process, on loopback."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_backend(moto_endpoint: str) -> str:
    """The session's moto server, emptied for this test."""
    httpx.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    return moto_endpoint


@pytest.fixture(autouse=True)
def _only_the_test_clouds_yaml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "clouds.yaml"))
    monkeypatch.setenv("OS_CLIENT_SECURE_FILE", str(tmp_path / "secure.yaml"))


@pytest.fixture
def estate() -> TestEstate:
    return build_estate()


@pytest.fixture
def fake(estate: TestEstate, moto_endpoint: str) -> Iterator[FakeOpenStack]:
    with FakeOpenStack(estate.cloud, s3_backend=moto_endpoint) as server:
        yield server


@pytest.fixture
def write_clouds(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write the clouds of `clouds.yaml` (name -> entry) where openstacksdk looks."""

    def write(clouds: dict[str, Any]) -> Path:
        path = tmp_path / "clouds.yaml"
        path.write_text(yaml.safe_dump({"clouds": clouds}))
        return path

    return write


def password_cloud(fake: FakeOpenStack, **extra: Any) -> dict[str, Any]:
    """A clouds.yaml entry with the estate user's password, as OVHcloud's RC file gives."""
    auth = {
        "auth_url": fake.auth_url,
        "username": "cloudcensus-reader",
        "password": PASSWORD,
        "user_domain_name": "Default",
        **extra.pop("auth", {}),
    }
    return {"auth": auth, "identity_api_version": 3, **extra}


@pytest.fixture
def ovh_cloud(fake: FakeOpenStack, write_clouds: Callable[[dict[str, Any]], Path]) -> str:
    """clouds.yaml with the estate's cloud under the name 'ovh'."""
    write_clouds({"ovh": password_cloud(fake)})
    return "ovh"


def provider(
    clouds: list[dict[str, Any]], collectors: Sequence[OpenStackCollector] | None = None
) -> OpenStackProvider:
    """The provider for `clouds`; a cloud without an `s3` section reads no S3 (`NO_S3`)."""
    clouds = [{"s3": NO_S3, **cloud} for cloud in clouds]
    return OpenStackProvider(
        OpenStackSettings.model_validate({"clouds": clouds}), collectors=collectors
    )


@pytest.fixture
def scan() -> Scan:
    """Collect with the real engine: `scan([{cloud...}], collectors=...)`."""

    def run(
        clouds: list[dict[str, Any]],
        collectors: Sequence[OpenStackCollector] | None = None,
        workers: int = 6,
    ) -> Collected:
        collected = Collected()
        collect([provider(clouds, collectors)], collected, workers=workers, task_timeout_s=60)
        return collected

    return run
