"""Shared pieces of Scaleway `Resource` records: ids, tags, timestamps, encryption.

Scaleway ids are UUIDs unique within their product and zone or region; the inventory id
`scaleway:<zone|region|global>:<kind>/<id>` makes them globally unique and readable.
Most Scaleway products tag with a list of strings; the convention `key=value` becomes a
tag `key: value`, and a bare string `label` becomes `label: ""`, so rules can ask for
`data-classification` on every cloud the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Unpack

from cloudcensus.providers.records import RecordFields, located_resource, parse_time
from cloudcensus.providers.scaleway.spec import ScalewayContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["encryption", "parse_time", "scw_id", "scw_resource", "tag_dict"]


def scw_id(location: str, kind: str, ident: str) -> str:
    """`scaleway:fr-par-1:instance_server/<uuid>`."""
    return f"scaleway:{location}:{kind}/{ident}"


def tag_dict(tags: Iterable[Any] | Mapping[str, Any] | None) -> dict[str, str]:
    """Scaleway tags (`["k=v", "label"]`, or an S3 `{k: v}` map) as `str -> str`."""
    if isinstance(tags, Mapping):
        return {str(k): "" if v is None else str(v) for k, v in tags.items()}
    result: dict[str, str] = {}
    for tag in tags or ():
        key, _, value = str(tag).partition("=")
        if key.strip():
            result[key.strip()] = value.strip()
    return result


def encryption(encrypted: bool | None, key_id: str | None = None) -> dict[str, Any]:
    """The normalised encryption triple. Scaleway encrypts with its own keys unless the
    product says a customer key (Key Manager) is used: `key_id` set means customer."""
    management: str | None = None
    if encrypted:
        management = "customer" if key_id else "provider"
    return {
        "encrypted": encrypted,
        "key_id": key_id if encrypted else None,
        "key_management": management,
    }


def scw_resource(
    ctx: ScalewayContext,
    *,
    id_: str,
    created: Any = None,
    region: str | None = None,
    **fields: Unpack[RecordFields],
) -> Resource:
    """A `Resource` of this project; `region` overrides the unit's (buckets); `created`
    as the API writes it."""
    where = region or ctx.region
    return located_resource(
        "scaleway",
        ctx.project,
        where,
        id_,
        location=ctx.located(where),
        jurisdiction=ctx.jurisdiction(where),
        created=parse_time(created),
        **fields,
    )
