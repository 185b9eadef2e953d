"""Magnum clusters -> `container.cluster`.

A Magnum cluster's API server is reachable from the internet when the cluster has a
floating IP (`floating_ip_enabled`) or its `api_address` is globally routable. The
ranges allowed to reach it are the `master_lb_allowed_cidrs` label (Octavia's allowed
CIDRs on the API load balancer); a public API without that label admits `0.0.0.0/0`.
Magnum does not say whether Kubernetes secrets are encrypted at rest: null.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from cloudcensus.providers.openstack.compute import is_public_address
from cloudcensus.providers.openstack.resource import created_at, openstack_resource, owned
from cloudcensus.providers.openstack.spec import Apis, OpenStackCollector, OpenStackContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_clusters", "normalise_cluster"]

Raw = dict[str, Any]


def fetch_clusters(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
    api = apis("container-infrastructure-management")
    yield from api.follow_next("/clusters/detail", "clusters")


def _public(raw: Raw) -> bool | None:
    host = urlsplit(str(raw.get("api_address") or "")).hostname
    if raw.get("floating_ip_enabled") is True or (host and is_public_address(host)):
        return True
    if raw.get("floating_ip_enabled") is False or host:
        return False
    return None


def _cidrs(raw: Raw, public: bool | None) -> list[str] | None:
    labels = raw.get("labels")
    if not isinstance(labels, dict):
        labels = {}
    allowed = str(labels.get("master_lb_allowed_cidrs") or "")
    if allowed and raw.get("master_lb_enabled") is not False:
        return [c.strip() for c in allowed.split(",") if c.strip()]
    if public is None:
        return None
    return ["0.0.0.0/0"] if public else []


def normalise_cluster(raw: Raw, ctx: OpenStackContext) -> Resource | None:
    if not owned(raw, ctx.project):
        return None
    public = _public(raw)
    return openstack_resource(
        ctx,
        type_="container.cluster",
        native_type="OS::Magnum::Cluster",
        kind="cluster",
        native_id=str(raw["uuid"]),
        raw=raw,
        name=raw.get("name"),
        created=created_at(raw.get("created_at")),
        properties={
            "version": raw.get("coe_version"),
            "public_endpoint": public,
            "public_access_cidrs": _cidrs(raw, public),
            "secrets_encrypted": None,
            "key_id": None,
        },
    )


COLLECTORS = (
    OpenStackCollector(
        "magnum.clusters",
        "container-infrastructure-management",
        fetch_clusters,
        normalise_cluster,
        ("OS::Magnum::Cluster",),
    ),
)
