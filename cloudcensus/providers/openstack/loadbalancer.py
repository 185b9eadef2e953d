"""Octavia load balancers -> `network.load_balancer`.

A load balancer is internet-facing when its VIP sits on an external network, when a
floating IP points at its VIP port, or when the VIP address itself is globally routable.
`fetch` reads the region's external networks and floating IPs once (Neutron) and adds
the answer under `cloudcensus`; when Neutron refuses, the address alone decides.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openstack.exceptions import EndpointNotFound, ForbiddenException

from cloudcensus.providers.openstack.compute import is_public_address
from cloudcensus.providers.openstack.resource import (
    ENRICHED,
    created_at,
    enriched,
    openstack_resource,
    owned,
    tag_dict,
)
from cloudcensus.providers.openstack.spec import Apis, OpenStackCollector, OpenStackContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_load_balancers", "normalise_load_balancer"]

Raw = dict[str, Any]


def _exposure(apis: Apis) -> tuple[set[str], set[str]]:
    """(external network ids, port ids that carry a floating IP); empty when unreadable."""
    try:
        network = apis("network")
        external = {
            str(n["id"])
            for n in network.linked("/networks", "networks", {"router:external": "true"})
        }
        floating = {
            str(f["port_id"])
            for f in network.linked("/floatingips", "floatingips")
            if f.get("port_id")
        }
    except (ForbiddenException, EndpointNotFound):
        return set(), set()
    return external, floating


def fetch_load_balancers(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
    external, floating = _exposure(apis)
    for balancer in apis("load-balancer").linked("/lbaas/loadbalancers", "loadbalancers"):
        extra = {
            "vip_on_external_network": str(balancer.get("vip_network_id")) in external,
            "vip_floating_ip": str(balancer.get("vip_port_id")) in floating,
        }
        yield {**balancer, ENRICHED: extra}


def normalise_load_balancer(raw: Raw, ctx: OpenStackContext) -> Resource | None:
    if not owned(raw, ctx.project):
        return None
    extra = enriched(raw)
    public = bool(
        extra.get("vip_on_external_network")
        or extra.get("vip_floating_ip")
        or is_public_address(str(raw.get("vip_address") or ""))
    )
    return openstack_resource(
        ctx,
        type_="network.load_balancer",
        native_type="OS::Octavia::LoadBalancer",
        kind="loadbalancer",
        native_id=str(raw["id"]),
        raw=raw,
        tags=tag_dict(None, raw.get("tags")),
        name=raw.get("name"),
        created=created_at(raw.get("created_at")),
        properties={
            "public": public,
            "scheme": "internet-facing" if public else "internal",
            "kind": raw.get("provider") or "octavia",  # the Octavia driver: amphora, ovn
            "security_groups": sorted(str(g) for g in raw.get("vip_sg_ids") or []),
        },
    )


COLLECTORS = (
    OpenStackCollector(
        "octavia.load_balancers",
        "load-balancer",
        fetch_load_balancers,
        normalise_load_balancer,
        ("OS::Octavia::LoadBalancer",),
    ),
)
