"""Shared pieces of OUTSCALE `Resource` records: tags, names, timestamps, encryption.

OSC resources tag with `[{Key, Value}]`; the `Name` tag is the name the Cockpit shows.
The OSC API exposes no encryption-at-rest setting for BSU volumes and snapshots: their
encryption is unknown (null), never assumed.
"""

from __future__ import annotations

from typing import Any, Unpack

from cloudcensus.providers.outscale.spec import OutscaleContext
from cloudcensus.providers.records import RecordFields, located_resource, parse_time
from cloudcensus.providers.records import key_value_tags as tag_dict
from cloudcensus.scanner.inventory import GLOBAL_REGION, Resource

__all__ = ["UNKNOWN_ENCRYPTION", "osc_resource", "parse_time", "tag_dict"]

UNKNOWN_ENCRYPTION: dict[str, Any] = {"encrypted": None, "key_id": None, "key_management": None}


def osc_resource(
    ctx: OutscaleContext,
    *,
    id_: str,
    created: Any = None,
    account_level: bool = False,
    **fields: Unpack[RecordFields],
) -> Resource:
    """A `Resource` of this account; account-level records have region 'global';
    `created` as the API writes it."""
    region = GLOBAL_REGION if account_level else ctx.region
    return located_resource(
        "outscale",
        ctx.account,
        region,
        id_,
        location=ctx.located(region),
        jurisdiction=ctx.jurisdiction,
        created=parse_time(created),
        **fields,
    )
