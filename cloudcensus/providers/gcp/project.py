"""The project -> `account`, with its `gcp.resourceLocations` region guardrail.

The project is the scope's account. GCP has no project password policy, root user or
account-level public access block: those properties are null. `region_guardrail` is the
effective `gcp.resourceLocations` policy of the project, inherited from its folders and
organisation (`orgpolicy.py`); `region_guardrail_readable` is false when a policy that
decides it could not be read. Cloud Asset Inventory reads every location of a project
at once, so `regions` (regions scanned) is empty. The project is normalised once the
listing is complete, when its ancestors' policies have been read (`deferred`).
"""

from __future__ import annotations

from cloudcensus.providers.gcp.fields import PayloadError, opt_str
from cloudcensus.providers.gcp.orgpolicy import region_guardrail
from cloudcensus.providers.gcp.resource import asset_data, gcp_resource, labels, strings
from cloudcensus.providers.gcp.spec import AssetModel, GcpContext, Payload
from cloudcensus.providers.records import account_properties
from cloudcensus.scanner.inventory import GLOBAL_REGION, Resource

__all__ = ["MODELS"]

_WHERE = "resource.data"


def _organization(ancestors: list[str]) -> str | None:
    roots = [a.split("/", 1)[1] for a in ancestors if a.startswith("organizations/")]
    return roots[-1] if roots else None


def normalise_project(payload: Payload, ctx: GcpContext) -> Resource:
    data = asset_data(payload)
    ancestors = strings(payload["asset"].get("ancestors") or [], "ancestors")
    chain = payload["org_policies"]
    if chain is None:
        raise PayloadError("the project's organisation policies were not read")
    guardrail, readable = region_guardrail(chain, ctx.locator)
    properties = account_properties(
        regions=[],
        organization_id=_organization(ancestors),
        region_guardrail=guardrail,
        region_guardrail_readable=readable,
    )
    name = (
        opt_str(data, "displayName", _WHERE)
        or opt_str(data, "name", _WHERE)
        or opt_str(data, "projectId", _WHERE)
    )
    if name and name.startswith("projects/"):  # v3 `name` is the resource name
        name = opt_str(data, "projectId", _WHERE)
    return gcp_resource(
        payload,
        ctx,
        type_="account",
        properties=properties,
        name=name,
        created=opt_str(data, "createTime", _WHERE),
        tags=labels(data),
        location=GLOBAL_REGION,
    )


MODELS = (
    AssetModel(
        "project",
        "cloudresourcemanager.googleapis.com/Project",
        normalise_project,
        deferred=True,
        org_policies=True,
    ),
)
