"""The organisation's Audit Trail, as each project's `logging.audit_trail` record.

Scaleway's Audit Trail records, per region, the API calls made on the resources of the
organisation's integrated products, and serves them for reading
(`/audit-trail/v1alpha1/regions/{region}/...`, with the organisation-scoped
`AuditTrailReadOnly` permission set); the API has no setting that turns it off. So a
project's trail is the Audit Trail of its organisation in every region scanned: `fetch`
asks each region which products it records (`/products`); a region where the API
answers 404 does not offer Audit Trail. The record is logging when at least one region
offers it, and covers every region (`multi_region`) only when all scanned regions do
(`raw.not_offered` names the others). A refused call is a gap (access denied), not a
trail that is off. Audit Trail keeps the events at Scaleway (exports are not read): no
destination, no key, and no log-file integrity digest is documented (null).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.scaleway.api import ScalewayApiError
from cloudcensus.providers.scaleway.resource import scw_resource
from cloudcensus.providers.scaleway.spec import ScalewayClients, ScalewayCollector, ScalewayContext
from cloudcensus.scanner.inventory import GLOBAL_REGION, Resource

__all__ = ["COLLECTORS", "fetch_audit_trail", "normalise_audit_trail"]

Raw = dict[str, Any]


def fetch_audit_trail(clients: ScalewayClients, ctx: ScalewayContext) -> Iterator[Raw]:
    offered: dict[str, list[str]] = {}
    not_offered: list[str] = []
    for region in ctx.regions:
        path = f"/audit-trail/v1alpha1/regions/{region}/products"
        try:
            body = clients.api.get(path, {"organization_id": ctx.organization}).json()
        except ScalewayApiError as exc:
            if exc.status != 404:
                raise
            not_offered.append(region)
            continue
        products = body.get("products") if isinstance(body, dict) else None
        if not isinstance(products, list):
            raise ScalewayApiError(200, "malformed", "no 'products' list", path)
        offered[region] = sorted(str(p.get("name")) for p in products if isinstance(p, dict))
    yield {
        "organization_id": ctx.organization,
        "project_id": ctx.project,
        "products": offered,
        "not_offered": not_offered,
    }


def normalise_audit_trail(raw: Raw, ctx: ScalewayContext) -> Resource:
    offered = raw["products"]
    return scw_resource(
        ctx,
        type_="logging.audit_trail",
        native_type="audit_trail.organization",
        id_=f"scaleway:project/{raw['project_id']}:audit_trail",
        raw=raw,
        name="Audit Trail",
        region=GLOBAL_REGION,
        properties={
            "logging": bool(offered),
            "multi_region": bool(offered) and not raw["not_offered"],
            "home_region": None,
            "log_file_validation": None,
            "key_id": None,
            "destination": None,
        },
    )


COLLECTORS: tuple[ScalewayCollector, ...] = (
    ScalewayCollector("audit_trail", "project", fetch_audit_trail, normalise_audit_trail),
)
