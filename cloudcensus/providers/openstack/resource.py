"""Shared pieces of OpenStack `Resource` records: tags, timestamps, ownership, the record.

OpenStack has two kinds of labels: key/value `metadata` (Nova, Cinder, Swift's
`X-Container-Meta-*`) and plain string `tags` (Nova, Neutron, Octavia, Glance). Both
count as tags; a plain tag written `key=value` (the common convention for Neutron) gives
that key and value, any other tag becomes a key with an empty value.

Enrichments a `fetch` adds to a payload (what another call said about the item) live
under the one key `ENRICHED` (`"cloudcensus"`), so they never mix with the API's fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Unpack

from cloudcensus.providers.openstack.spec import OpenStackContext
from cloudcensus.providers.records import RecordFields, located_resource
from cloudcensus.scanner.inventory import Resource

__all__ = ["ENRICHED", "created_at", "enriched", "openstack_resource", "owned", "tag_dict"]

ENRICHED = "cloudcensus"


def tag_dict(
    metadata: Mapping[str, Any] | None = None, tags: Iterable[Any] | None = None
) -> dict[str, str]:
    """Metadata and plain tags as one `str -> str` map (see the module doc)."""
    merged: dict[str, str] = {}
    for tag in tags or ():
        key, sep, value = str(tag).partition("=")
        if key:
            merged[key] = value if sep else ""
    for key, value in (metadata or {}).items():
        merged[str(key)] = "" if value is None else str(value)
    return merged


def created_at(value: Any) -> datetime | None:
    """An OpenStack timestamp (with or without zone or fraction) as an aware datetime."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def owned(raw: Mapping[str, Any], project: str) -> bool:
    """True unless the payload names another owning project (shared and external
    networks of the operator are listed to every project but are not its resources)."""
    owner = raw.get("project_id") or raw.get("tenant_id")
    return owner in (None, "", project)


def enriched(raw: Mapping[str, Any]) -> dict[str, Any]:
    """What `fetch` added to a payload (empty when nothing)."""
    value = raw.get(ENRICHED)
    return dict(value) if isinstance(value, Mapping) else {}


def openstack_resource(
    ctx: OpenStackContext,
    *,
    kind: str,
    native_id: str,
    created: datetime | None = None,
    region: str | None = None,
    **fields: Unpack[RecordFields],
) -> Resource:
    """A `Resource` of this project, located by the cloud's profile."""
    where = region or ctx.region
    if not native_id:
        raise ValueError(f"{fields['native_type']} payload without an id")
    return located_resource(
        "openstack",
        ctx.project,
        where,
        ctx.resource_id(kind, native_id, where),
        location=ctx.location(where),
        jurisdiction=ctx.jurisdiction(where),
        created=created,
        **fields,
    )
