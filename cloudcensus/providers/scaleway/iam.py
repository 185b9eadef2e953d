"""IAM API keys of the organisation: `/iam/v1alpha1/api-keys?organization_id=...`.

API keys are organisation-wide, so this collector runs once, with the organisation's
default project. A key is active until its `expires_at`; whether it has expired is
decided when it is listed (`fetch` adds `expired`, so `normalise` stays pure). The API
returns a key's secret only when the key is created; any `secret_key` field is dropped
from the payload anyway, so a secret can never reach the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from cloudcensus.providers.scaleway.resource import parse_time, scw_resource
from cloudcensus.providers.scaleway.spec import ScalewayClients, ScalewayCollector, ScalewayContext
from cloudcensus.scanner.inventory import GLOBAL_REGION, Resource

__all__ = ["COLLECTORS", "fetch_api_keys", "normalise_api_key"]

Raw = dict[str, Any]


def fetch_api_keys(
    clients: ScalewayClients,
    ctx: ScalewayContext,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Iterator[Raw]:
    listing = clients.api.pages(
        "/iam/v1alpha1/api-keys", "api_keys", {"organization_id": ctx.organization}
    )
    for key in listing:
        if not isinstance(key, dict):
            yield key
            continue
        item = {k: v for k, v in key.items() if k != "secret_key"}
        try:
            expires = parse_time(item.get("expires_at"))
            item["expired"] = expires is not None and expires <= now()
        except (TypeError, ValueError):
            item["expired"] = None
        yield item


def normalise_api_key(raw: Raw, ctx: ScalewayContext) -> Resource:
    expired = raw.get("expired")
    owner = raw.get("user_id") or raw.get("application_id")
    return scw_resource(
        ctx,
        type_="identity.access_key",
        native_type="iam.api_key",
        id_=f"scaleway:iam:api_key/{raw['access_key']}",
        raw=raw,
        name=raw.get("description") or raw["access_key"],
        created=raw.get("created_at"),
        region=GLOBAL_REGION,
        properties={
            "status": "inactive" if expired else "active",
            "owner": owner,
            "last_used": None,  # the IAM API does not say when a key was last used
        },
    )


COLLECTORS: tuple[ScalewayCollector, ...] = (
    ScalewayCollector("iam.api_keys", "organization", fetch_api_keys, normalise_api_key),
)
