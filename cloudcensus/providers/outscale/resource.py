"""Shared pieces of OUTSCALE `Resource` records: tags, names, timestamps, encryption.

OSC resources tag with `[{Key, Value}]`; the `Name` tag is the name the Cockpit shows.
The OSC API exposes no encryption-at-rest setting for BSU volumes and snapshots: their
encryption is unknown (null), never assumed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from cloudcensus.providers.outscale.spec import OutscaleContext
from cloudcensus.scanner.inventory import GLOBAL_REGION, Resource

__all__ = ["UNKNOWN_ENCRYPTION", "osc_resource", "parse_time", "tag_dict"]

UNKNOWN_ENCRYPTION: dict[str, Any] = {"encrypted": None, "key_id": None, "key_management": None}


def tag_dict(tags: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """`[{"Key": k, "Value": v}]` -> `{k: v}`."""
    return {str(t["Key"]): str(t.get("Value") or "") for t in tags or () if "Key" in t}


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 timestamp of the OSC API (`2025-03-01T09:00:00.000Z`); None if absent."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def osc_resource(
    ctx: OutscaleContext,
    *,
    type_: str,
    native_type: str,
    id_: str,
    raw: dict[str, Any],
    properties: dict[str, Any],
    tags: dict[str, str] | None = None,
    name: str | None = None,
    created: Any = None,
    account_level: bool = False,
) -> Resource:
    """A `Resource` of this account; account-level records have region 'global'."""
    region = GLOBAL_REGION if account_level else ctx.region
    return Resource(
        provider="outscale",
        account=ctx.account,
        region=region,
        type=type_,
        native_type=native_type,
        id=id_,
        name=name,
        tags=tags or {},
        created=parse_time(created),
        location=ctx.located(region),
        jurisdiction=ctx.jurisdiction,
        properties=properties,
        raw=raw,
    )
