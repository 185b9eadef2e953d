"""Kubernetes Kapsule clusters (per region), with the ACL of their API server.

A Kapsule control plane answers on a public URL (`cluster_url`); its ACL rules say which
IP ranges may reach it. The shared shape: `public_endpoint` is true when the cluster has
a URL, `public_access_cidrs` lists the ACL's ranges (`scaleway_ranges` rules admit
Scaleway's own ranges and are listed as `scaleway`), and a cluster whose ACLs are not
available admits `0.0.0.0/0`. A refused ACL read is recorded in `Errors` and leaves the
ranges unknown (null) rather than failing the listing. Secret encryption (etcd) is not
exposed by the API: unknown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.scaleway.api import ScalewayApiError
from cloudcensus.providers.scaleway.resource import scw_id, scw_resource, tag_dict
from cloudcensus.providers.scaleway.spec import ScalewayClients, ScalewayCollector, ScalewayContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_clusters", "normalise_cluster"]

Raw = dict[str, Any]


def fetch_clusters(clients: ScalewayClients, ctx: ScalewayContext) -> Iterator[Raw]:
    base = f"/k8s/v1/regions/{ctx.region}/clusters"
    for cluster in clients.api.pages(base, "clusters", {"project_id": ctx.project}):
        if not isinstance(cluster, dict) or "id" not in cluster:
            yield cluster
            continue
        if cluster.get("acl_available") is False:
            yield {**cluster, "acls": None}
            continue
        try:
            acls = list(clients.api.pages(f"{base}/{cluster['id']}/acls", "rules"))
        except ScalewayApiError as exc:
            if exc.status not in (401, 403):
                raise
            yield {**cluster, "acls": None, "Errors": {"acls": exc.error_type or str(exc.status)}}
            continue
        yield {**cluster, "acls": acls}


def _cidrs(raw: Raw) -> list[str] | None:
    if "acls" in (raw.get("Errors") or {}):
        return None
    acls = raw.get("acls")
    if acls is None:
        return ["0.0.0.0/0"]
    cidrs = [a["ip"] for a in acls if a.get("ip")]
    cidrs += ["scaleway"] * any(a.get("scaleway_ranges") for a in acls)
    return cidrs


def normalise_cluster(raw: Raw, ctx: ScalewayContext) -> Resource:
    return scw_resource(
        ctx,
        type_="container.cluster",
        native_type="k8s.cluster",
        id_=scw_id(ctx.region, "k8s_cluster", raw["id"]),
        raw=raw,
        tags=tag_dict(raw.get("tags")),
        name=raw.get("name"),
        created=raw.get("created_at"),
        properties={
            "version": raw.get("version"),
            "public_endpoint": bool(raw.get("cluster_url")),
            "public_access_cidrs": _cidrs(raw),
            "secrets_encrypted": None,
            "key_id": None,
        },
    )


COLLECTORS: tuple[ScalewayCollector, ...] = (
    ScalewayCollector("k8s.clusters", "region", fetch_clusters, normalise_cluster),
)
