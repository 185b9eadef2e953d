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
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import yaml

from cloudcensus.demo.clouds import ServedDemoCloud, scratch_dir
from cloudcensus.providers.openstack.fake import FakeOpenStack
from cloudcensus.providers.openstack.fake.estates import (
    DemoEstate,
    change_demo_estate,
    demo_estate,
)

__all__ = ["OpenStackDemoCloud"]

_CLOUD = "ovhcloud-demo"


class OpenStackDemoCloud(ServedDemoCloud):
    """A `cloudcensus.demo.clouds.DemoCloud`: the OVHcloud demo project."""

    provider = "openstack"
    _estate: DemoEstate
    _clouds_yaml: Path

    def __init__(self) -> None:
        self._secret = secrets.token_urlsafe(24)
        self.description = "OVHcloud project (GRA11 + BHS5) on the fake OpenStack"

    @property
    def clouds_yaml(self) -> Path:
        self._running()
        return self._clouds_yaml

    def _start(self, stack: ExitStack) -> None:
        estate = demo_estate(self._secret)
        server = stack.enter_context(FakeOpenStack(estate.cloud))
        self._estate = estate
        self._clouds_yaml = scratch_dir(stack, "cloudcensus-openstack-demo-") / "clouds.yaml"
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
        self._clouds_yaml.write_text(yaml.safe_dump({"clouds": {_CLOUD: entry}}))
        self._clouds_yaml.chmod(0o600)
        self.description = f"OVHcloud project (GRA11 + BHS5) on {server.url}"

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
        self._running()
        change_demo_estate(self._estate)
