"""The Keystone project itself -> `account` (one per project, region `global`).

`GET /v3/projects/{id}` with the project's own token gives its name, domain and tags;
where the policy refuses it (or the catalog has no identity endpoint), what
`/v3/auth/projects` said when the scope was listed stands in. OpenStack has no password
policy, root user or organisation-wide region guardrail a project member can read: those
properties are `null`, and `regions` lists the regions scanned (those of the project's
catalog).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openstack.exceptions import EndpointNotFound, ForbiddenException

from cloudcensus.providers.openstack.resource import openstack_resource, tag_dict
from cloudcensus.providers.openstack.spec import Apis, OpenStackCollector, OpenStackContext
from cloudcensus.providers.records import account_properties
from cloudcensus.scanner.inventory import GLOBAL_REGION, Resource

__all__ = ["COLLECTORS", "fetch_project", "normalise_project"]

Raw = dict[str, Any]


def fetch_project(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
    try:
        yield dict(apis("identity").json(f"/projects/{ctx.project}")["project"])
    except (ForbiddenException, EndpointNotFound):
        yield {"id": ctx.project, "name": ctx.project_name, **ctx.project_info}


def normalise_project(raw: Raw, ctx: OpenStackContext) -> Resource:
    return openstack_resource(
        ctx,
        type_="account",
        native_type="OS::Keystone::Project",
        kind="project",
        native_id=str(raw["id"]),
        raw=raw,
        tags=tag_dict(None, raw.get("tags")),
        name=raw.get("name"),
        region=GLOBAL_REGION,
        properties=account_properties(
            regions=sorted(ctx.regions), organization_id=raw.get("domain_id")
        ),
    )


COLLECTORS = (
    OpenStackCollector(
        "keystone.project",
        "identity",
        fetch_project,
        normalise_project,
        ("OS::Keystone::Project",),
        global_=True,
    ),
)
