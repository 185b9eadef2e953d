"""Every asset type without a model -> `other`, from SearchAllResources.

Discovery: SearchAllResources lists every searchable asset of a project with its
location, labels and creation time, whatever its service, so nothing the caller can see
is missing from the inventory even when no model reads its configuration. Types with a
model are skipped here (their `assets.resources` collector reads them in full).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from cloudcensus.providers.gcp.fields import opt_str, req_str
from cloudcensus.providers.gcp.resource import labels
from cloudcensus.providers.gcp.spec import GcpContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["READ_MASK", "other_normaliser"]

#: The search-result fields read (SearchAllResources `readMask`): less to transfer.
READ_MASK = (
    "name,assetType,location,labels,displayName,createTime,state,project,parentFullResourceName"
)


def other_normaliser(
    ctx: GcpContext, modelled: Collection[str]
) -> Callable[[Any], Resource | None]:
    """The `normalise` of the search collector: None for modelled types."""

    def normalise(result: Any) -> Resource | None:
        if not isinstance(result, dict):
            raise TypeError(f"search result: expected an object, got {type(result).__name__}")
        asset_type = req_str(result, "assetType")
        if asset_type in modelled:
            return None
        name = req_str(result, "name")
        place = ctx.locator.place(opt_str(result, "location"))
        return Resource(
            provider="gcp",
            account=ctx.project,
            region=place.code,
            type="other",
            native_type=asset_type,
            id=name,
            name=opt_str(result, "displayName") or name.rsplit("/", 1)[-1],
            tags=labels(result, where="result"),
            created=opt_str(result, "createTime"),  # RFC 3339 text, validated by pydantic
            location=place.location,
            jurisdiction=ctx.jurisdiction,
            properties={},
            raw=result,
        )

    return normalise
