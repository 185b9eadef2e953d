"""The demo's Scaleway project, served by the project's fake Scaleway API on loopback.

Starts the fake (`cloudcensus.providers.scaleway.fake`) with Object Storage behind it (a
moto server in this process, when moto is installed), seeds one organisation whose
default project holds compliant and violating resources in fr-par and nl-ams, and points
the real Scaleway provider at it through the SDK's own variables (`SCW_API_URL`, fake
`SCW_ACCESS_KEY`/`SCW_SECRET_KEY`). Nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from cloudcensus.demo.clouds import ServedDemoCloud, scratch_dir, start_moto
from cloudcensus.providers.scaleway.fake import FakeScaleway, ScalewayFakeServer
from cloudcensus.providers.scaleway.fake.estate import (
    DEMO_ACCESS_KEY,
    DEMO_ORGANIZATION,
    DEMO_SECRET_KEY,
    seed_demo,
)
from cloudcensus.providers.scaleway.fake.items import server, uid

__all__ = ["ScalewayDemoCloud"]

_REGIONS = ["fr-par", "nl-ams"]
_ZONES = ["fr-par-1", "nl-ams-1"]


class ScalewayDemoCloud(ServedDemoCloud):
    """A Scaleway organisation with one project, for `cloudcensus demo`."""

    provider = "scaleway"
    _server: ScalewayFakeServer
    _dir: Path
    _object_storage = False

    def __init__(self) -> None:
        self.description = "Scaleway project (fake API, not started)"
        self.state = FakeScaleway(DEMO_ORGANIZATION)

    def _start(self, stack: ExitStack) -> None:
        self._dir = scratch_dir(stack, "cloudcensus-scaleway-")
        backend = start_moto(stack)
        self._object_storage = backend is not None
        self._server = stack.enter_context(ScalewayFakeServer(self.state, s3_backend=backend))
        seed_demo(self.state, self._server.url if backend else None)
        self.description = f"Scaleway project 'default' (fake API) on {self._server.url}"

    @property
    def url(self) -> str:
        self._running()
        return self._server.url

    def provider_settings(self) -> Mapping[str, Any]:
        """Scan the demo organisation's regions and zones, Object Storage on the fake."""
        return {
            "organization_id": DEMO_ORGANIZATION,
            "regions": _REGIONS,
            "zones": _ZONES,
            "object_storage": self._object_storage,
            "object_storage_endpoint": self.url,
            "max_retry_wait_s": 1.0,
        }

    def environment(self) -> Mapping[str, str]:
        """The SDK's variables: the fake's URL and its fake key (no scw config file)."""
        return {
            "SCW_API_URL": self.url,
            "SCW_ACCESS_KEY": DEMO_ACCESS_KEY,
            "SCW_SECRET_KEY": DEMO_SECRET_KEY,
            "SCW_DEFAULT_ORGANIZATION_ID": DEMO_ORGANIZATION,
            "SCW_CONFIG_PATH": str(self._dir / "no-scw-config.yaml"),
        }

    def change(self) -> None:
        """Between the scans: a new public server, a snapshot deleted, a database fixed."""
        org, zone = DEMO_ORGANIZATION, "nl-ams-1"
        self.state.add(
            "servers",
            zone,
            server("web-2", org, zone, public_ip="51.158.0.42", tags={"owner": "web@example.org"}),
        )
        self.state.remove("block_snapshots", "fr-par-1", uid("web-1-data-nightly"))
        self.state.update(
            "rdb_instances",
            "fr-par",
            uid("legacy-db"),
            encryption={"enabled": True},
            backup_schedule={"frequency": 24, "retention": 7, "disabled": False},
        )
