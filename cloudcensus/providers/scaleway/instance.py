"""Instance API collectors (per zone): servers, flexible IPs and Instance volumes.

Payloads are the Instance API's JSON items as listed (`/instance/v1/zones/{zone}/...`,
paged with `page`/`per_page` and `X-Total-Count`). Block Storage (SBS) volumes are
listed by the Block Storage API (`block.py`); the Instance API's own local volumes
(`l_ssd`) and legacy network volumes are kept here, SBS references skipped so no volume
is reported twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cloudcensus.providers.scaleway.resource import encryption, scw_id, scw_resource, tag_dict
from cloudcensus.providers.scaleway.spec import ScalewayClients, ScalewayCollector, ScalewayContext
from cloudcensus.scanner.inventory import Resource

__all__ = [
    "COLLECTORS",
    "gigabytes",
    "normalise_ip",
    "normalise_server",
    "normalise_volume",
]

Raw = dict[str, Any]
Fetch = Callable[[ScalewayClients, ScalewayContext], Iterator[Raw]]

#: Volume types the Block Storage API lists (and `block.py` reports).
_BLOCK_TYPES = frozenset({"sbs_volume", "sbs_5k", "sbs_15k"})


def gigabytes(size: Any) -> int | float | None:
    """Scaleway sizes are bytes (10^9 per GB); whole gigabytes stay integers."""
    if size is None:
        return None
    value = int(size)
    return value // 10**9 if value % 10**9 == 0 else round(value / 10**9, 3)


def _listing(kind: str) -> Fetch:
    def fetch(clients: ScalewayClients, ctx: ScalewayContext) -> Iterator[Raw]:
        path = f"/instance/v1/zones/{ctx.location}/{kind}"
        yield from clients.api.pages(path, kind, {"project": ctx.project}, style="per_page")

    return fetch


def _address(ip: Any) -> str | None:
    return ip.get("address") if isinstance(ip, dict) else None


def normalise_server(raw: Raw, ctx: ScalewayContext) -> Resource:
    addresses = [_address(ip) for ip in raw.get("public_ips") or []]
    addresses.append(_address(raw.get("public_ip")))
    public_ips = sorted({a for a in addresses if a})
    group = raw.get("security_group") or {}
    nics = raw.get("private_nics") or []
    return scw_resource(
        ctx,
        type_="compute.instance",
        native_type="instance.server",
        id_=scw_id(ctx.location, "instance_server", raw["id"]),
        raw=raw,
        tags=tag_dict(raw.get("tags")),
        name=raw.get("name"),
        created=raw.get("creation_date"),
        properties={
            "state": raw.get("state"),
            "instance_type": raw.get("commercial_type"),
            "image": (raw.get("image") or {}).get("id"),
            "public_ips": public_ips,
            "public": bool(public_ips),
            "security_groups": [group["id"]] if group.get("id") else [],
            "network": nics[0].get("private_network_id") if nics else None,
        },
    )


def normalise_ip(raw: Raw, ctx: ScalewayContext) -> Resource:
    server = raw.get("server") or {}
    return scw_resource(
        ctx,
        type_="network.public_ip",
        native_type="instance.ip",
        id_=scw_id(ctx.location, "instance_ip", raw["id"]),
        raw=raw,
        tags=tag_dict(raw.get("tags")),
        name=raw.get("address") or raw.get("prefix"),
        properties={
            "address": raw.get("address") or raw.get("prefix"),
            "attached_to": server.get("id"),
        },
    )


def normalise_volume(raw: Raw, ctx: ScalewayContext) -> Resource | None:
    if raw.get("volume_type") in _BLOCK_TYPES:
        return None  # the Block Storage API lists it
    server = raw.get("server") or {}
    return scw_resource(
        ctx,
        type_="storage.volume",
        native_type="instance.volume",
        id_=scw_id(ctx.location, "instance_volume", raw["id"]),
        raw=raw,
        tags=tag_dict(raw.get("tags")),
        name=raw.get("name"),
        created=raw.get("creation_date"),
        properties={
            # The Instance API says nothing about encryption at rest: unknown.
            **encryption(None),
            "size_gb": gigabytes(raw.get("size")),
            "state": raw.get("state"),
            "attached_to": [server["id"]] if server.get("id") else [],
        },
    )


COLLECTORS: tuple[ScalewayCollector, ...] = (
    ScalewayCollector("instance.servers", "zone", _listing("servers"), normalise_server),
    ScalewayCollector("instance.ips", "zone", _listing("ips"), normalise_ip),
    ScalewayCollector("instance.volumes", "zone", _listing("volumes"), normalise_volume),
)
