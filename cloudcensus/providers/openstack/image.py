"""Glance images the project owns -> `other` (kept so the inventory is complete).

Only the project's own images (`owner=<project>`): the cloud's public catalogue images
belong to the operator. `raw.visibility` says whether an image is shared or public.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.openstack.resource import created_at, openstack_resource, tag_dict
from cloudcensus.providers.openstack.spec import Apis, OpenStackCollector, OpenStackContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_images", "normalise_image"]

Raw = dict[str, Any]


def fetch_images(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
    yield from apis("image").glance("/images", {"owner": ctx.project})


def normalise_image(raw: Raw, ctx: OpenStackContext) -> Resource | None:
    if raw.get("owner") not in (None, ctx.project):
        return None
    return openstack_resource(
        ctx,
        type_="other",
        native_type="OS::Glance::Image",
        kind="image",
        native_id=str(raw["id"]),
        raw=raw,
        tags=tag_dict(None, raw.get("tags")),
        name=raw.get("name"),
        created=created_at(raw.get("created_at")),
        properties={},
    )


COLLECTORS = (
    OpenStackCollector(
        "glance.images", "image", fetch_images, normalise_image, ("OS::Glance::Image",)
    ),
)
