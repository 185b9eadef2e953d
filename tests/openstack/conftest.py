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

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from cloudcensus.providers.openstack import OpenStackProvider
from cloudcensus.providers.openstack.fake import FakeOpenStack
from cloudcensus.providers.openstack.settings import OpenStackSettings
from cloudcensus.providers.openstack.spec import OpenStackCollector
from tests.openstack.estate import PASSWORD, TestEstate, build_estate
from tests.support.collecting import Collected, collect_into
from tests.support.moto import moto_endpoint as moto_endpoint

Scan = Callable[..., Collected]

#: the `s3` section of a cloud in a test that is not about S3
NO_S3 = {"enabled": False}


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
        return collect_into([provider(clouds, collectors)], workers=workers, task_timeout_s=60)

    return run
