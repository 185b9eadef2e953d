"""The `other` sweep: catalog services that hold the project's resources but have no
normalised type, kept as `other` so the inventory is complete.

One row per service: Designate DNS zones, Heat stacks, Manila shares (a Manila share
holds data, but the inventory has no file-share type: `raw.is_public`,
`raw.share_proto` and the share's location say what a reader needs), each read as raw
JSON pages in the service's own paging style. Every record carries the location and
jurisdiction of its region, so the sovereignty rules see it. Glance images are swept in
`image.py`, Trove instances (`database.py`) and Magnum clusters (`containerinfra.py`)
have normalised types; `catalog.py` names the catalog services nobody reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cloudcensus.providers.openstack.pages import ServiceApi
from cloudcensus.providers.openstack.resource import created_at, openstack_resource, owned, tag_dict
from cloudcensus.providers.openstack.spec import Apis, OpenStackCollector, OpenStackContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "SWEEPS", "Sweep"]

Raw = dict[str, Any]


@dataclass(frozen=True)
class Sweep:
    """One unmodelled resource list of one catalog service."""

    collector: str  # coverage key
    service: str  # catalog service type
    native_type: str
    kind: str  # the id's `<kind>/` part
    list_items: Callable[[ServiceApi], Iterator[Raw]]
    name_key: str = "name"
    created_key: str = "created_at"

    def fetch(self, apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
        yield from self.list_items(apis(self.service))

    def normalise(self, raw: Raw, ctx: OpenStackContext) -> Resource | None:
        if not owned(raw, ctx.project):
            return None
        metadata = raw.get("metadata")
        return openstack_resource(
            ctx,
            type_="other",
            native_type=self.native_type,
            kind=self.kind,
            native_id=str(raw["id"]),
            raw=raw,
            tags=tag_dict(metadata if isinstance(metadata, dict) else None, raw.get("tags")),
            name=raw.get(self.name_key),
            created=created_at(raw.get(self.created_key)),
            properties={},
        )

    def as_collector(self) -> OpenStackCollector:
        return OpenStackCollector(
            self.collector, self.service, self.fetch, self.normalise, (self.native_type,)
        )


SWEEPS = (
    # Designate v2: `links: {"self", "next"}` with a marker in the next href
    Sweep(
        "designate.zones",
        "dns",
        "OS::Designate::Zone",
        "zone",
        lambda api: api.linked("/zones", "zones", links="links"),
    ),
    # Heat: `limit`/`marker` on the last id until an empty page; the name is `stack_name`
    Sweep(
        "heat.stacks",
        "orchestration",
        "OS::Heat::Stack",
        "stack",
        lambda api: api.marked("/stacks", "stacks"),
        name_key="stack_name",
        created_key="creation_time",
    ),
    # Manila v2: `limit`/`offset` until an empty page
    Sweep(
        "manila.shares",
        "shared-file-system",
        "OS::Manila::Share",
        "share",
        lambda api: api.offset("/shares/detail", "shares", until_empty=True),
    ),
)

COLLECTORS = tuple(sweep.as_collector() for sweep in SWEEPS)
