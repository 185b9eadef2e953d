"""Neutron networks, subnets, ports, routers and floating IPs -> `network.*`.

Neutron lists the operator's shared and external networks (OVHcloud's `Ext-Net`) to
every project; they are not the project's resources, so `normalise` returns `None` for
any payload owned by another project. A network's CIDRs come from its subnets, read once
per region by `fetch_networks`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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

__all__ = [
    "COLLECTORS",
    "fetch_networks",
    "normalise_floating_ip",
    "normalise_network",
    "normalise_port",
    "normalise_router",
    "normalise_subnet",
]

Raw = dict[str, Any]


def _list(path: str, key: str) -> Any:
    def fetch(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
        yield from apis("network").linked(path, key)

    fetch.__name__ = f"fetch_{key}"
    fetch.__doc__ = f"Every item of Neutron's {path}, raw."
    return fetch


def _common(raw: Raw, ctx: OpenStackContext) -> dict[str, Any]:
    return {
        "raw": raw,
        "native_id": str(raw["id"]),
        "tags": tag_dict(None, raw.get("tags")),
        "name": raw.get("name"),
        "created": created_at(raw.get("created_at")),
    }


def fetch_networks(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
    api = apis("network")
    cidrs: dict[str, list[str]] = {}
    fields = {"fields": ["id", "network_id", "cidr"]}
    for subnet in api.linked("/subnets", "subnets", fields):
        cidrs.setdefault(str(subnet.get("network_id")), []).append(str(subnet.get("cidr")))
    for network in api.linked("/networks", "networks"):
        yield {**network, ENRICHED: {"cidr_blocks": sorted(cidrs.get(str(network.get("id")), []))}}


def normalise_network(raw: Raw, ctx: OpenStackContext) -> Resource | None:
    if not owned(raw, ctx.project):
        return None
    return openstack_resource(
        ctx,
        type_="network.network",
        native_type="OS::Neutron::Net",
        kind="network",
        properties={
            "cidr_blocks": list(enriched(raw).get("cidr_blocks") or []),
            "default": bool(raw.get("is_default")),
        },
        **_common(raw, ctx),
    )


def normalise_subnet(raw: Raw, ctx: OpenStackContext) -> Resource | None:
    if not owned(raw, ctx.project):
        return None
    return openstack_resource(
        ctx,
        type_="network.subnet",
        native_type="OS::Neutron::Subnet",
        kind="subnet",
        properties={
            "cidr": raw["cidr"],
            "network": raw.get("network_id"),
            "ip_version": int(raw["ip_version"]),
        },
        **_common(raw, ctx),
    )


def normalise_port(raw: Raw, ctx: OpenStackContext) -> Resource | None:
    if not owned(raw, ctx.project):
        return None
    return openstack_resource(
        ctx,
        type_="network.interface",
        native_type="OS::Neutron::Port",
        kind="port",
        properties={
            "network": raw.get("network_id"),
            "addresses": [str(ip["ip_address"]) for ip in raw.get("fixed_ips") or []],
            "attached_to": raw.get("device_id") or None,
            "security_groups": sorted(str(g) for g in raw.get("security_groups") or []),
        },
        **_common(raw, ctx),
    )


def normalise_router(raw: Raw, ctx: OpenStackContext) -> Resource | None:
    if not owned(raw, ctx.project):
        return None
    gateway = raw.get("external_gateway_info") or {}
    return openstack_resource(
        ctx,
        type_="network.router",
        native_type="OS::Neutron::Router",
        kind="router",
        properties={
            "external_gateway": bool(gateway.get("network_id")),
            "external_network": gateway.get("network_id"),
        },
        **_common(raw, ctx),
    )


def normalise_floating_ip(raw: Raw, ctx: OpenStackContext) -> Resource | None:
    if not owned(raw, ctx.project):
        return None
    device = (raw.get("port_details") or {}).get("device_id")
    return openstack_resource(
        ctx,
        type_="network.public_ip",
        native_type="OS::Neutron::FloatingIP",
        kind="floatingip",
        properties={
            "address": raw["floating_ip_address"],
            "attached_to": device or raw.get("port_id") or None,
        },
        **_common(raw, ctx),
    )


COLLECTORS = (
    OpenStackCollector(
        "neutron.networks", "network", fetch_networks, normalise_network, ("OS::Neutron::Net",)
    ),
    OpenStackCollector(
        "neutron.subnets",
        "network",
        _list("/subnets", "subnets"),
        normalise_subnet,
        ("OS::Neutron::Subnet",),
    ),
    OpenStackCollector(
        "neutron.ports", "network", _list("/ports", "ports"), normalise_port, ("OS::Neutron::Port",)
    ),
    OpenStackCollector(
        "neutron.routers",
        "network",
        _list("/routers", "routers"),
        normalise_router,
        ("OS::Neutron::Router",),
    ),
    OpenStackCollector(
        "neutron.floating_ips",
        "network",
        _list("/floatingips", "floatingips"),
        normalise_floating_ip,
        ("OS::Neutron::FloatingIP",),
    ),
)
