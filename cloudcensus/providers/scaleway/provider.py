"""The Scaleway provider: projects as scopes, (collector x zone or region) as tasks.

Scopes are the organisation's projects (Account API), streamed, or the configured ones.
For one project, `tasks` returns one task per zoned collector and zone, per regional
collector and region, one for the project record, and, in the organisation's default
project (whose id is the organisation id), the organisation-wide collectors (IAM).
Every call goes through one `ScalewayApi` (credentials from the SDK's chain, paging,
retries) and, for Object Storage, boto3 clients on the S3-compatible endpoints.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import ClassVar

from pydantic import BaseModel
from scaleway_core.bridge.region import ALL_REGIONS
from scaleway_core.bridge.zone import ALL_ZONES

from cloudcensus.providers.base import CollectionTask, ProviderError, Scope
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.providers.scaleway.api import ScalewayApi, ScalewayApiError, load_client
from cloudcensus.providers.scaleway.collectors import build_collectors
from cloudcensus.providers.scaleway.errors import classify_error
from cloudcensus.providers.scaleway.objectstorage import ObjectStorageClients
from cloudcensus.providers.scaleway.settings import ScalewaySettings
from cloudcensus.providers.scaleway.spec import (
    OFFERING,
    ScalewayClients,
    ScalewayCollector,
    ScalewayContext,
    region_of_zone,
)
from cloudcensus.providers.tasks import bind_task
from cloudcensus.scanner.coverage import ErrorKind
from cloudcensus.scanner.inventory import GLOBAL_REGION

__all__ = ["ScalewayProvider"]

_log = logging.getLogger(__name__)
_NAME = "scaleway"


class ScalewayProvider:
    """Scans the projects of a Scaleway organisation."""

    name: ClassVar[str] = _NAME
    settings_model: ClassVar[type[BaseModel]] = ScalewaySettings

    def __init__(
        self,
        settings: ScalewaySettings,
        *,
        collectors: Sequence[ScalewayCollector] | None = None,
    ) -> None:
        """`collectors` narrows the collection (tests, the demo)."""
        self.settings = settings
        self._collectors = tuple(
            build_collectors(object_storage=settings.object_storage)
            if collectors is None
            else collectors
        )
        self._catalogue = load_catalogue("cloudcensus.providers.scaleway")
        self._lock = threading.Lock()
        self._clients: ScalewayClients | None = None
        self._organization: str | None = None
        self._default_project: str | None = None

    # -- clients ----------------------------------------------------------------------

    def clients(self) -> ScalewayClients:
        """The API and Object Storage clients, built once from the SDK's credentials."""
        with self._lock:
            if self._clients is None:
                client = load_client(self.settings)
                api = ScalewayApi(client, self.settings)
                storage = ObjectStorageClients(api.access_key, api.secret, self.settings)
                self._organization = self.settings.organization_id or (
                    client.default_organization_id or None
                )
                self._default_project = client.default_project_id or None
                self._clients = ScalewayClients(api=api, object_storage=storage)
            return self._clients

    def organization(self) -> str:
        """The organisation scanned; raises when neither the settings nor the profile say."""
        self.clients()
        if not self._organization:
            raise ProviderError(
                ErrorKind.ACCESS_DENIED,
                "no Scaleway organisation id: set providers.scaleway.organization_id or "
                "SCW_DEFAULT_ORGANIZATION_ID",
            )
        return self._organization

    def close(self) -> None:
        """Close the HTTP connections (the provider is done)."""
        with self._lock:
            if self._clients is not None:
                self._clients.api.close()
                self._clients = None

    # -- scopes -----------------------------------------------------------------------

    def scopes(self) -> Iterator[Scope]:
        """The projects to scan, streamed. Raises (classified) when none can be listed."""
        organization = self.organization()
        excluded = set(self.settings.exclude_projects)
        details = {"organization": organization}
        for project, name in self._projects(organization):
            if project not in excluded:
                yield Scope(_NAME, project, OFFERING, name=name, details=details)

    def _projects(self, organization: str) -> Iterator[tuple[str, str | None]]:
        if self.settings.projects is not None:
            for project in self.settings.projects:
                yield project, None
            return
        listed = 0
        try:
            listing = self.clients().api.pages(
                "/account/v3/projects", "projects", {"organization_id": organization}
            )
            for project in listing:
                listed += 1
                yield str(project["id"]), project.get("name")
        except ScalewayApiError as exc:
            fallback = self._default_project
            if not (exc.status in (401, 403) and listed == 0 and fallback):
                raise
            _log.info("may not list the organisation's projects: scanning %s alone", fallback)
            yield fallback, None

    # -- tasks ------------------------------------------------------------------------

    def regions(self) -> list[str]:
        """Configured regions, else every region the SDK knows."""
        return sorted(set(self.settings.regions or ALL_REGIONS))

    def zones(self, regions: Sequence[str]) -> list[str]:
        """Configured zones, else every zone the SDK knows, within `regions`."""
        zones = self.settings.zones or ALL_ZONES
        return sorted({z for z in zones if region_of_zone(z) in regions})

    def tasks(self, scope: Scope) -> list[CollectionTask]:
        """Every collection task of one project."""
        clients = self.clients()
        organization = scope.details.get("organization") or self.organization()
        regions = self.regions()
        base = ScalewayContext(
            organization=organization,
            project=scope.account,
            location=GLOBAL_REGION,
            catalogue=self._catalogue,
            regions=tuple(regions),
        )
        locations = {
            "zone": self.zones(regions),
            "region": regions,
            "project": [GLOBAL_REGION],
            "organization": [GLOBAL_REGION] if scope.account == organization else [],
        }
        return [
            _task(collector, clients, replace(base, location=location))
            for collector in self._collectors
            for location in locations[collector.level]
        ]

    # -- errors -----------------------------------------------------------------------

    def classify(self, error: BaseException) -> tuple[ErrorKind, str]:
        """Kind and secret-free message of any error raised by this provider's code."""
        clients = self._clients
        secrets = [clients.api.secret, clients.api.access_key] if clients else []
        return classify_error(error, secrets)


def _task(
    collector: ScalewayCollector, clients: ScalewayClients, ctx: ScalewayContext
) -> CollectionTask:
    """Bind one collector to the clients and one zone's or region's context."""
    return bind_task(
        collector, clients, ctx, provider=_NAME, account=ctx.project, region=ctx.location
    )
