"""The project itself, as the scope's `account` record (`/account/v3/projects/{id}`).

Scaleway has no account password policy, root MFA flag or public-access block of the
AWS kind, and no organisation policy that confines a project to regions: those
properties are null, and `region_guardrail` is null with `region_guardrail_readable`
true (there is nothing to read, and nothing found).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.records import account_properties
from cloudcensus.providers.scaleway.resource import scw_resource
from cloudcensus.providers.scaleway.spec import ScalewayClients, ScalewayCollector, ScalewayContext
from cloudcensus.scanner.inventory import GLOBAL_REGION, Resource

__all__ = ["COLLECTORS", "fetch_project", "normalise_project"]

Raw = dict[str, Any]


def fetch_project(clients: ScalewayClients, ctx: ScalewayContext) -> Iterator[Raw]:
    yield clients.api.get(f"/account/v3/projects/{ctx.project}").json()


def normalise_project(raw: Raw, ctx: ScalewayContext) -> Resource:
    return scw_resource(
        ctx,
        type_="account",
        native_type="account.project",
        id_=f"scaleway:project/{raw['id']}",
        raw=raw,
        name=raw.get("name"),
        created=raw.get("created_at"),
        region=GLOBAL_REGION,
        properties=account_properties(
            regions=list(ctx.regions),
            organization_id=raw.get("organization_id") or ctx.organization,
        ),
    )


COLLECTORS: tuple[ScalewayCollector, ...] = (
    ScalewayCollector("account.project", "project", fetch_project, normalise_project),
)
