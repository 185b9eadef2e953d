"""Shared pieces of Azure `Resource` records: the context, tags, regions, encryption.

Resource Graph rows are ARM resources (`id, name, type, location, tags, properties,
subscriptionId, ...`); every normaliser starts from `azure_resource`, which reads the
common fields the same way. What `fetch` adds to a row for its `normalise` (a VM's
public IPs, a SQL server's firewall rules, a sub-call that was refused) lives under
the row's `cloudcensus` key, so the rest of `raw` stays exactly what Azure answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from cloudcensus.providers.catalogue import Catalogue
from cloudcensus.providers.records import located_resource, replica
from cloudcensus.scanner.inventory import GLOBAL_REGION, Jurisdiction, Location, Resource

__all__ = [
    "ENRICHMENT",
    "AzureContext",
    "Raw",
    "azure_resource",
    "enrichment",
    "flag",
    "parent_id",
    "tags_of",
]

Raw = dict[str, Any]

#: The key under which `fetch` adds what it read beyond the row itself.
ENRICHMENT = "cloudcensus"


@dataclass(frozen=True)
class AzureContext:
    """What a normaliser knows about where it runs. Pure data; no clients."""

    subscription: str
    offering: str  # catalogue offering of the cloud (azure, azure-us-gov, bleu, ...)
    catalogue: Catalogue
    tenant: str | None = None
    # location name -> its paired region (list_locations metadata.pairedRegion)
    paired: Mapping[str, str] = field(default_factory=dict)
    # display name ("West Europe") and name -> name ("westeurope")
    names: Mapping[str, str] = field(default_factory=dict)
    # physical regions the subscription may use (list_locations, regionType Physical)
    regions: tuple[str, ...] = ()
    # policy definition ids read as the "allowed locations" region guardrail
    location_policies: tuple[str, ...] = ()

    def region(self, value: Any) -> str:
        """A location as ARM writes it ('westeurope', 'West Europe', 'global') -> code."""
        if not isinstance(value, str) or not value.strip():
            return GLOBAL_REGION
        key = value.strip().lower()
        return self.names.get(key) or key.replace(" ", "")

    def location(self, region: str) -> Location:
        return self.catalogue.location(region)

    @cached_property
    def jurisdiction(self) -> Jurisdiction:
        """The offering's jurisdiction, built once per context (it is immutable)."""
        return self.catalogue.jurisdiction(self.offering)

    def replica(self, replica_id: str, region: str | None) -> dict[str, Any]:
        """A copy of the data elsewhere, located through the region catalogue."""
        return replica(replica_id, region, self.location)


def enrichment(raw: Mapping[str, Any]) -> dict[str, Any]:
    """What fetch added to the row (empty when nothing)."""
    value = raw.get(ENRICHMENT)
    return value if isinstance(value, dict) else {}


def tags_of(raw: Mapping[str, Any]) -> dict[str, str]:
    """ARM tags (`{name: value}`, or null) as `str -> str`."""
    tags = raw.get("tags")
    if not isinstance(tags, Mapping):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in tags.items()}


def flag(value: Any, on: str = "enabled") -> bool | None:
    """'Enabled'/'Disabled' (or a bool) -> bool; anything else -> None (unknown)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value:
        return value.lower() == on
    return None


def parent_id(child_id: str, levels: int = 1) -> str:
    """The id of a resource `levels` child segments up ('.../nics/a/ipConfigurations/b')."""
    parts = child_id.split("/")
    return "/".join(parts[: len(parts) - 2 * levels])


def _created(raw: Mapping[str, Any], properties: Mapping[str, Any]) -> datetime | None:
    system = raw.get("systemData")
    value = (system.get("createdAt") if isinstance(system, Mapping) else None) or next(
        (
            properties[k]
            for k in ("timeCreated", "creationTime", "creationDate")
            if properties.get(k)
        ),
        None,
    )
    if not isinstance(value, str):
        return None
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def azure_resource(
    ctx: AzureContext,
    raw: Raw,
    *,
    type_: str,
    native_type: str,
    properties: dict[str, Any],
    id_: str | None = None,
    region: str | None = None,
    created: datetime | None = None,
) -> Resource:
    """A `Resource` of this subscription from an ARM row (`id`, `name`, `location`, ...)."""
    where = region or ctx.region(raw.get("location"))
    props = raw.get("properties")
    return located_resource(
        "azure",
        ctx.subscription,
        where,
        id_ or str(raw["id"]),
        location=ctx.location(where),
        jurisdiction=ctx.jurisdiction,
        created=created or _created(raw, props if isinstance(props, Mapping) else {}),
        type_=type_,
        native_type=native_type,
        raw=raw,
        properties=properties,
        tags=tags_of(raw),
        name=raw.get("name"),
    )
