"""The shape of one Scaleway collector, shared by every resource module.

Scaleway products live at one of four levels: a zone (Instances, Block Storage), a
region (Managed Databases, Kapsule, VPC, Object Storage), the project (the project
itself) or the organisation (IAM). A collector names its level; the provider runs it once
per zone, region or project, and organisation-level collectors once, with the
organisation's default project (whose id is the organisation id). Each collector pairs a
`fetch` (API calls only, yields raw payloads) with a pure `normalise`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from cloudcensus.providers.catalogue import Catalogue
from cloudcensus.providers.scaleway.api import ScalewayApi
from cloudcensus.scanner.inventory import GLOBAL_REGION, Jurisdiction, Location, Resource

__all__ = [
    "OFFERING",
    "Level",
    "ObjectStorageFactory",
    "ScalewayClients",
    "ScalewayCollector",
    "ScalewayContext",
    "region_of_zone",
]

OFFERING = "scaleway"
Level = Literal["zone", "region", "project", "organization"]


def region_of_zone(zone: str) -> str:
    """`fr-par-2` -> `fr-par` (a zone's name is its region's plus a number)."""
    return zone.rsplit("-", 1)[0]


class ObjectStorageFactory(Protocol):
    """Returns a boto3 S3 client on the region's Object Storage endpoint, acting in the
    given project."""

    def __call__(self, region: str, project: str) -> Any: ...


@dataclass(frozen=True)
class ScalewayClients:
    """What a fetch may call: the REST API and Object Storage."""

    api: ScalewayApi
    object_storage: ObjectStorageFactory


@dataclass(frozen=True)
class ScalewayContext:
    """What a collector knows about where it runs. Pure data; no clients."""

    organization: str
    project: str
    location: str  # the zone, the region, or 'global'
    catalogue: Catalogue
    regions: tuple[str, ...] = ()  # every region scanned (the project's account record)

    @property
    def region(self) -> str:
        """The region of this unit: a zone's region, or the region, or 'global'."""
        if self.location == GLOBAL_REGION or self.location.count("-") == 1:
            return self.location
        return region_of_zone(self.location)

    def located(self, region: str | None = None) -> Location:
        return self.catalogue.location(region or self.region, OFFERING)

    def jurisdiction(self, region: str | None = None) -> Jurisdiction:
        """Scaleway SAS's jurisdiction, with the certifications of `region` (default:
        this unit's) when its catalogue row lists some."""
        return self.catalogue.jurisdiction(OFFERING, region or self.region)


@dataclass(frozen=True)
class ScalewayCollector:
    name: str  # coverage key, e.g. 'instance.servers'
    level: Level
    fetch: Callable[[ScalewayClients, ScalewayContext], Iterable[Any]]
    normalise: Callable[[Any, ScalewayContext], Resource | None]
