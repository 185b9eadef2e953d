"""The shape of one OpenStack collector, shared by every service module.

A service module (`compute.py`, `network.py`, ...) exports `COLLECTORS`. Each collector
names the catalog service it needs (its tasks exist only in regions whose catalog offers
it; `S3`: once per S3 region of the cloud's S3-compatible storage), and pairs a `fetch`
(raw JSON through `ServiceApi`, or the S3 client, only) with a pure `normalise`.
Adding a resource type touches one module, one line in `collectors.py` and one fixture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cloudcensus.providers.openstack.pages import ServiceApi
from cloudcensus.providers.openstack.profiles import CloudProfile
from cloudcensus.scanner.inventory import GLOBAL_REGION, Jurisdiction, Location, Resource

__all__ = ["S3", "Apis", "OpenStackCollector", "OpenStackContext", "S3Endpoint"]

#: the pseudo service type of collectors that read the S3-compatible object storage
S3 = "s3"


class Apis(Protocol):
    """Returns the raw JSON API of a catalog service in the context's region."""

    def __call__(self, service_type: str) -> ServiceApi: ...

    def s3(self) -> S3Endpoint:
        """The project's S3 endpoint serving the context's region; raises
        `ProviderError` when the cloud offers none or the keys cannot be had."""
        ...


@dataclass(frozen=True)
class S3Endpoint:
    """One S3 region's boto3 client, and the project's claim on buckets whose location
    does not say which region's task reads them (the first claim of a name wins)."""

    client: Any
    claim: Callable[[str], bool]


@dataclass(frozen=True)
class OpenStackContext:
    """What a collector knows about where it runs. Pure data; no clients."""

    cloud: str  # the configured cloud's label
    project: str  # project id: the account
    region: str  # the region collected, or 'global'
    regions: tuple[str, ...]  # every region scanned in this project
    profile: CloudProfile
    project_name: str | None = None
    #: what the scope listing knew about the project (domain_id, description, tags)
    project_info: Mapping[str, Any] = field(default_factory=dict)
    #: the S3 regions this project's catalog has object storage in (see profiles.S3Offer)
    s3_regions: tuple[str, ...] = ()

    def location(self, region: str | None = None) -> Location:
        return self.profile.location(region or self.region)

    def jurisdiction(self, region: str | None = None) -> Jurisdiction:
        """The offering's jurisdiction, with the certifications of `region` (default:
        the context's) when the catalogue gives that region some."""
        return self.profile.jurisdiction_in(region or self.region)

    def resource_id(self, kind: str, native_id: str, region: str | None = None) -> str:
        """`openstack:<cloud>:<region>:<project>:<kind>/<id>`; an empty region is global."""
        where = self.region if region is None else region
        where = "" if where == GLOBAL_REGION else where
        return f"openstack:{self.cloud}:{where}:{self.project}:{kind}/{native_id}"


@dataclass(frozen=True)
class OpenStackCollector:
    name: str  # coverage key, e.g. 'nova.servers'
    service: str  # catalog service type it reads, e.g. 'compute'; `S3` for S3 buckets
    fetch: Callable[[Apis, OpenStackContext], Iterable[Any]]
    normalise: Callable[[Any, OpenStackContext], Resource | None]
    native_types: tuple[str, ...]
    global_: bool = False  # collected once per project (the project itself)
