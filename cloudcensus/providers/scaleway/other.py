"""The `other` sweep: Scaleway products that hold a project's resources but have no
normalised type, kept as `other` so the inventory is complete.

One row per listing: Serverless Functions and Containers namespaces, Container Registry
namespaces (`raw.is_public` says whether anyone may pull), File Storage file systems,
Serverless Jobs definitions, Serverless SQL databases (regional); Managed Redis clusters,
Elastic Metal servers and Public Gateways (zoned).
Each is paged like the newer APIs (`page`/`page_size`, `total_count`) and filtered on
the project. A product not offered in a region or zone answers 404 there: nothing of it
can exist, so the unit is complete and empty (any other error is a gap, as everywhere).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cloudcensus.providers.scaleway.api import ScalewayApiError
from cloudcensus.providers.scaleway.resource import scw_id, scw_resource, tag_dict
from cloudcensus.providers.scaleway.spec import (
    Level,
    ScalewayClients,
    ScalewayCollector,
    ScalewayContext,
)
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "SWEEPS", "Sweep", "not_offered"]

Raw = dict[str, Any]


def not_offered(clients: ScalewayClients, path: str, key: str, project: str) -> Iterator[Raw]:
    """The project's items of a listing; nothing where the product answers 404."""
    try:
        yield from clients.api.pages(path, key, {"project_id": project})
    except ScalewayApiError as exc:
        if exc.status != 404:
            raise


@dataclass(frozen=True)
class Sweep:
    """One unmodelled listing: `/<api>/<version>/<zones|regions>/{where}/<collection>`."""

    collector: str  # coverage key
    level: Level  # "zone" or "region"
    api: str  # path prefix, e.g. 'functions/v1beta1'
    collection: str  # the path's last segment; its items are under the same key
    native_type: str

    def path(self, where: str) -> str:
        places = "zones" if self.level == "zone" else "regions"
        return f"/{self.api}/{places}/{where}/{self.collection}"

    def fetch(self, clients: ScalewayClients, ctx: ScalewayContext) -> Iterator[Raw]:
        key = self.collection.replace("-", "_")
        yield from not_offered(clients, self.path(ctx.location), key, ctx.project)

    def normalise(self, raw: Raw, ctx: ScalewayContext) -> Resource:
        return scw_resource(
            ctx,
            type_="other",
            native_type=self.native_type,
            id_=scw_id(ctx.location, self.native_type.replace(".", "_"), raw["id"]),
            raw=raw,
            tags=tag_dict(raw.get("tags")),
            name=raw.get("name"),
            created=raw.get("created_at"),
            properties={},
        )

    def as_collector(self) -> ScalewayCollector:
        return ScalewayCollector(self.collector, self.level, self.fetch, self.normalise)


SWEEPS = (
    Sweep(
        "functions.namespaces", "region", "functions/v1beta1", "namespaces", "functions.namespace"
    ),
    Sweep(
        "containers.namespaces",
        "region",
        "containers/v1beta1",
        "namespaces",
        "containers.namespace",
    ),
    Sweep("registry.namespaces", "region", "registry/v1", "namespaces", "registry.namespace"),
    Sweep("file.filesystems", "region", "file/v1alpha1", "filesystems", "file.filesystem"),
    Sweep(
        "jobs.definitions",
        "region",
        "serverless-jobs/v1alpha1",
        "job-definitions",
        "jobs.job_definition",
    ),
    Sweep(
        "sqldb.databases",
        "region",
        "serverless-sqldb/v1alpha1",
        "databases",
        "serverless_sqldb.database",
    ),
    Sweep("redis.clusters", "zone", "redis/v1", "clusters", "redis.cluster"),
    Sweep("baremetal.servers", "zone", "baremetal/v1", "servers", "baremetal.server"),
    Sweep("vpcgw.gateways", "zone", "vpc-gw/v2", "gateways", "vpcgw.gateway"),
)

COLLECTORS: tuple[ScalewayCollector, ...] = tuple(sweep.as_collector() for sweep in SWEEPS)
