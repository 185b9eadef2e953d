"""Load Balancers (per zone) -> `network.load_balancer`.

A Scaleway Load Balancer listens on the addresses in its `ip` list: a flexible IP makes
it reachable from the internet; one created without (`assign_flexible_ip: false`) has
none and answers only on its Private Networks. `public` is true when one of its
addresses is globally routable. Access is filtered by frontend ACLs, not security
groups: `security_groups` is empty. `kind` is the offer (`lb-s`, `lb-gp-m`, ...).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.scaleway.resource import scw_id, scw_resource, tag_dict
from cloudcensus.providers.scaleway.spec import ScalewayClients, ScalewayCollector, ScalewayContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_load_balancers", "normalise_load_balancer"]

Raw = dict[str, Any]


def fetch_load_balancers(clients: ScalewayClients, ctx: ScalewayContext) -> Iterator[Raw]:
    path = f"/lb/v1/zones/{ctx.location}/lbs"
    yield from clients.api.pages(path, "lbs", {"project_id": ctx.project})


def _routable(address: Any) -> bool:
    try:
        return ipaddress.ip_address(str(address)).is_global
    except ValueError:
        return False


def normalise_load_balancer(raw: Raw, ctx: ScalewayContext) -> Resource:
    addresses = [ip.get("ip_address") for ip in raw.get("ip") or [] if isinstance(ip, dict)]
    public = any(_routable(address) for address in addresses)
    offer = raw.get("type")
    return scw_resource(
        ctx,
        type_="network.load_balancer",
        native_type="lb.lb",
        id_=scw_id(ctx.location, "lb", raw["id"]),
        raw=raw,
        tags=tag_dict(raw.get("tags")),
        name=raw.get("name"),
        created=raw.get("created_at"),
        properties={
            "public": public,
            "scheme": "internet-facing" if public else "internal",
            "kind": str(offer).lower() if offer else None,
            "security_groups": [],
        },
    )


COLLECTORS: tuple[ScalewayCollector, ...] = (
    ScalewayCollector("lb.load_balancers", "zone", fetch_load_balancers, normalise_load_balancer),
)
