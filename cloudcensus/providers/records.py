"""Building `Resource` records the same way for every provider.

Each provider names its records its own way (the account, the region of a unit, an id
that is globally unique) and locates them with its own catalogue (a region's country,
the offering's jurisdiction); `located_resource` then builds the record the same way
everywhere (no tags is `{}`). The per-provider builders (`aws_resource`,
`scw_resource`, ...) take the common fields as `RecordFields` and add what is theirs.

Payload shapes that several clouds share are read here once: `[{Key, Value}]` tags
(AWS, OUTSCALE), ISO-8601 timestamps (Scaleway, OUTSCALE) and a located copy of the
data in another region (AWS, Azure); so are the properties of an `account` record,
where a cloud without an account password policy, root user or public access block
says null (unknown), never false.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack

from cloudcensus.scanner.inventory import Jurisdiction, Location, Resource

__all__ = [
    "RecordFields",
    "account_properties",
    "key_value_tags",
    "located_resource",
    "parse_time",
    "replica",
]


class RecordFields(TypedDict):
    """What a normaliser says about every record, whatever the provider."""

    type_: str  # the normalised type, e.g. 'compute.instance'
    native_type: str  # the provider's own type name
    raw: dict[str, Any]  # the payload
    properties: dict[str, Any]
    tags: NotRequired[dict[str, str] | None]
    name: NotRequired[str | None]


def located_resource(
    provider: str,
    account: str,
    region: str,
    id_: str,
    *,
    location: Location,
    jurisdiction: Jurisdiction | None,
    created: datetime | None = None,
    **fields: Unpack[RecordFields],
) -> Resource:
    """A `Resource` of `account` in `region`, located by the provider's catalogue."""
    return Resource(
        provider=provider,
        account=account,
        region=region,
        type=fields["type_"],
        native_type=fields["native_type"],
        id=id_,
        name=fields.get("name"),
        tags=fields.get("tags") or {},
        created=created,
        location=location,
        jurisdiction=jurisdiction,
        properties=fields["properties"],
        raw=fields["raw"],
    )


def key_value_tags(tags: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """`[{"Key": k, "Value": v}]` -> `{k: v}` (an empty value stays an empty string)."""
    return {str(t["Key"]): str(t.get("Value") or "") for t in tags or () if "Key" in t}


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 timestamp (`...Z` or with an offset); None when absent."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def replica(
    replica_id: str, region: str | None, locate: Callable[[str], Location]
) -> dict[str, Any]:
    """A copy of the resource's data elsewhere, located through the region catalogue."""
    location = locate(region) if region else Location()
    return {
        "id": replica_id,
        "region": region,
        "country": location.country,
        "eu": location.eu,
        "eea": location.eea,
    }


def account_properties(
    *,
    regions: list[str],
    organization_id: str | None,
    region_guardrail: dict[str, Any] | None = None,
    region_guardrail_readable: bool = True,
) -> dict[str, Any]:
    """The properties of an `account` record (docs/inventory.md) of a cloud that has no
    account password policy, root user MFA or public access block (all null)."""
    return {
        "password_policy": None,
        "root_mfa": None,
        "public_access_block": None,
        "region_guardrail": region_guardrail,
        "region_guardrail_readable": region_guardrail_readable,
        "regions": regions,
        "organization_id": organization_id,
    }
