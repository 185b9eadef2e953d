"""VPC API (per region): VPCs as networks, Private Networks kept as `other`.

A Scaleway VPC has no address range of its own; its Private Networks carry the subnets.
`fetch_vpcs` lists both and adds to each VPC the subnets of its Private Networks
(`private_network_subnets`), so a VPC's `cidr_blocks` are the ranges used inside it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.scaleway.resource import scw_id, scw_resource, tag_dict
from cloudcensus.providers.scaleway.spec import ScalewayClients, ScalewayCollector, ScalewayContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "normalise_private_network", "normalise_vpc"]

Raw = dict[str, Any]


def _private_networks(clients: ScalewayClients, ctx: ScalewayContext) -> Iterator[Any]:
    path = f"/vpc/v2/regions/{ctx.region}/private-networks"
    return clients.api.pages(path, "private_networks", {"project_id": ctx.project})


def fetch_vpcs(clients: ScalewayClients, ctx: ScalewayContext) -> Iterator[Raw]:
    subnets: dict[str, list[str]] = defaultdict(list)
    for network in _private_networks(clients, ctx):
        if isinstance(network, dict):
            for subnet in network.get("subnets") or []:
                if isinstance(subnet, dict) and subnet.get("subnet"):
                    subnets[str(network.get("vpc_id"))].append(subnet["subnet"])
    path = f"/vpc/v2/regions/{ctx.region}/vpcs"
    for vpc in clients.api.pages(path, "vpcs", {"project_id": ctx.project}):
        if isinstance(vpc, dict):
            vpc = {**vpc, "private_network_subnets": subnets.get(str(vpc.get("id")), [])}
        yield vpc


def normalise_vpc(raw: Raw, ctx: ScalewayContext) -> Resource:
    return scw_resource(
        ctx,
        type_="network.network",
        native_type="vpc.vpc",
        id_=scw_id(ctx.region, "vpc", raw["id"]),
        raw=raw,
        tags=tag_dict(raw.get("tags")),
        name=raw.get("name"),
        created=raw.get("created_at"),
        properties={
            "cidr_blocks": sorted(set(raw.get("private_network_subnets") or [])),
            "default": bool(raw.get("is_default")),
        },
    )


def normalise_private_network(raw: Raw, ctx: ScalewayContext) -> Resource:
    return scw_resource(
        ctx,
        type_="other",
        native_type="vpc.private_network",
        id_=scw_id(ctx.region, "private_network", raw["id"]),
        raw=raw,
        tags=tag_dict(raw.get("tags")),
        name=raw.get("name"),
        created=raw.get("created_at"),
        properties={},
    )


COLLECTORS: tuple[ScalewayCollector, ...] = (
    ScalewayCollector("vpc.vpcs", "region", fetch_vpcs, normalise_vpc),
    ScalewayCollector(
        "vpc.private_networks", "region", _private_networks, normalise_private_network
    ),
)
