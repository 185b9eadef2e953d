"""The demo's OVHcloud project, served by the project's own fake OpenStack on loopback.

An OVHcloud-like Public Cloud project (`cloudcensus.providers.openstack.fake.estates`):
servers, volumes, a snapshot and a backup, networks, security groups (one open to SSH
from anywhere), a public Swift container, a load balancer and a Barbican secret in
Gravelines (GRA11, France), and one volume of sensitive data in Beauharnois (BHS5,
Canada) that the residency rules flag. The agent reaches it exactly as it reaches a
real cloud: a `clouds.yaml` with an application credential, written to a temporary
directory and named by `OS_CLIENT_CONFIG_FILE`.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import yaml

from cloudcensus.providers.openstack.fake import FakeOpenStack
from cloudcensus.providers.openstack.fake.estates import (
    DemoEstate,
    change_demo_estate,
    demo_estate,
)

__all__ = ["OpenStackDemoCloud"]

_CLOUD = "ovhcloud-demo"


class OpenStackDemoCloud:
    """A `cloudcensus.demo.clouds.DemoCloud`: the OVHcloud demo project."""

    provider = "openstack"

    def __init__(self) -> None:
        self._secret = secrets.token_urlsafe(24)
        self._estate: DemoEstate | None = None
        self._server: FakeOpenStack | None = None
        self._dir: Path | None = None
        self.description = "OVHcloud project (GRA11 + BHS5) on the fake OpenStack"

    @property
    def clouds_yaml(self) -> Path:
        if self._dir is None:
            raise RuntimeError("the OpenStack demo cloud is not started")
        return self._dir / "clouds.yaml"

    def __enter__(self) -> Self:
        estate = demo_estate(self._secret)
        server = FakeOpenStack(estate.cloud).start()
        self._estate, self._server = estate, server
        self._dir = Path(tempfile.mkdtemp(prefix="cloudcensus-openstack-demo-"))
        entry = {
            "auth_type": "v3applicationcredential",
            "auth": {
                "auth_url": server.auth_url,
                "application_credential_id": estate.credential.id,
                "application_credential_secret": self._secret,
            },
            "identity_api_version": 3,
            "interface": "public",
        }
        self.clouds_yaml.write_text(yaml.safe_dump({"clouds": {_CLOUD: entry}}))
        self.clouds_yaml.chmod(0o600)
        self.description = f"OVHcloud project (GRA11 + BHS5) on {server.url}"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def provider_settings(self) -> Mapping[str, Any]:
        """Scan the demo cloud as an OVHcloud Public Cloud (profile `ovhcloud`). Its S3
        object storage is left out: the demo project holds Swift containers only."""
        return {
            "clouds": [
                {
                    "cloud": _CLOUD,
                    "name": "ovh-demo",
                    "profile": "ovhcloud",
                    "retries": 1,
                    "s3": {"enabled": False},
                }
            ]
        }

    def environment(self) -> Mapping[str, str]:
        """openstacksdk reads the demo's clouds.yaml (and only it) while scanning."""
        return {"OS_CLIENT_CONFIG_FILE": str(self.clouds_yaml)}

    def change(self) -> None:
        if self._estate is None:
            raise RuntimeError("the OpenStack demo cloud is not started")
        change_demo_estate(self._estate)
