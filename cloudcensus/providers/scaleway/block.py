"""Block Storage API collectors (per zone): SBS volumes and their snapshots.

Payloads are the items of `/block/v1alpha1/zones/{zone}/volumes` and `/snapshots`
(paged with `page`/`page_size`, `total_count` in the body). A volume's attachments are
its `references` to Instance servers. The API exposes no encryption setting: unknown.
Snapshots cannot be shared outside their project, so none is public.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cloudcensus.providers.scaleway.instance import gigabytes
from cloudcensus.providers.scaleway.resource import encryption, scw_id, scw_resource, tag_dict
from cloudcensus.providers.scaleway.spec import ScalewayClients, ScalewayCollector, ScalewayContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "normalise_snapshot", "normalise_volume"]

Raw = dict[str, Any]
Fetch = Callable[[ScalewayClients, ScalewayContext], Iterator[Raw]]


def _listing(kind: str) -> Fetch:
    def fetch(clients: ScalewayClients, ctx: ScalewayContext) -> Iterator[Raw]:
        path = f"/block/v1alpha1/zones/{ctx.location}/{kind}"
        yield from clients.api.pages(path, kind, {"project_id": ctx.project})

    return fetch


def normalise_volume(raw: Raw, ctx: ScalewayContext) -> Resource:
    servers = [
        ref["product_resource_id"]
        for ref in raw.get("references") or []
        if ref.get("product_resource_type") == "instance_server" and ref.get("product_resource_id")
    ]
    return scw_resource(
        ctx,
        type_="storage.volume",
        native_type="block.volume",
        id_=scw_id(ctx.location, "block_volume", raw["id"]),
        raw=raw,
        tags=tag_dict(raw.get("tags")),
        name=raw.get("name"),
        created=raw.get("created_at"),
        properties={
            **encryption(None),
            "size_gb": gigabytes(raw.get("size")),
            "state": raw.get("status"),
            "attached_to": servers,
        },
    )


def normalise_snapshot(raw: Raw, ctx: ScalewayContext) -> Resource:
    parent = raw.get("parent_volume") or {}
    return scw_resource(
        ctx,
        type_="storage.snapshot",
        native_type="block.snapshot",
        id_=scw_id(ctx.location, "block_snapshot", raw["id"]),
        raw=raw,
        tags=tag_dict(raw.get("tags")),
        name=raw.get("name"),
        created=raw.get("created_at"),
        properties={
            **encryption(None),
            "public": False,
            "source_volume": parent.get("id"),
        },
    )


COLLECTORS: tuple[ScalewayCollector, ...] = (
    ScalewayCollector("block.volumes", "zone", _listing("volumes"), normalise_volume),
    ScalewayCollector("block.snapshots", "zone", _listing("snapshots"), normalise_snapshot),
)
