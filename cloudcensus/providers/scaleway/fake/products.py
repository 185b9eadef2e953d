"""Builders of Scaleway API items of the products swept or typed since the first
release: Load Balancers (lb/v1), Secret Manager (secret-manager/v1beta1), Key Manager
(key-manager/v1alpha1), the listings kept as `other` (one generic shape: the fields
every newer product shares), and Audit Trail's product list (audit-trail/v1alpha1).

Same conventions as `items.py`: documented field names and types, stable ids from
readable names. `seed_products` puts one of each in a project's region and zone.
"""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.scaleway.fake.items import CREATED, Item, tag_list, uid
from cloudcensus.providers.scaleway.fake.state import FakeScaleway

__all__ = [
    "AUDIT_PRODUCTS",
    "SWEPT",
    "key",
    "load_balancer",
    "product_item",
    "secret",
    "seed_products",
]

#: (collection in the fake, level) of every listing the provider keeps as `other`
SWEPT: tuple[tuple[str, str], ...] = (
    ("functions/namespaces", "region"),
    ("containers/namespaces", "region"),
    ("registry/namespaces", "region"),
    ("file/filesystems", "region"),
    ("serverless-jobs/job-definitions", "region"),
    ("serverless-sqldb/databases", "region"),
    ("redis/clusters", "zone"),
    ("baremetal/servers", "zone"),
    ("vpc-gw/gateways", "zone"),
)
#: what Audit Trail lists as integrated products
AUDIT_PRODUCTS = ("secret-manager", "key-manager", "instance", "kubernetes", "iam")


def load_balancer(
    name: str,
    project_id: str,
    zone: str,
    *,
    public_ip: str | None,
    tags: dict[str, str] | None = None,
) -> Item:
    lb_id, region = uid(name), zone.rsplit("-", 1)[0]
    addresses = []
    if public_ip is not None:
        addresses.append(
            {
                "id": uid(f"{name}-ip"),
                "ip_address": public_ip,
                "organization_id": project_id,
                "project_id": project_id,
                "lb_id": lb_id,
                "reverse": f"{public_ip.replace('.', '-')}.lb.{region}.scw.cloud",
                "tags": [],
                "zone": zone,
            }
        )
    return {
        "id": lb_id,
        "name": name,
        "description": "",
        "status": "ready",
        "instances": [],
        "organization_id": project_id,
        "project_id": project_id,
        "ip": addresses,
        "tags": tag_list(tags),
        "frontend_count": 1,
        "backend_count": 1,
        "type": "LB-S",
        "ssl_compatibility_level": "ssl_compatibility_level_intermediate",
        "created_at": CREATED,
        "updated_at": CREATED,
        "private_network_count": 0 if public_ip else 1,
        "route_count": 0,
        "region": region,
        "zone": zone,
    }


def secret(name: str, project_id: str, region: str, *, managed: bool = False) -> Item:
    return {
        "id": uid(name),
        "project_id": project_id,
        "name": name,
        "status": "ready",
        "created_at": CREATED,
        "updated_at": CREATED,
        "tags": [],
        "version_count": 1,
        "description": None,
        "managed": managed,
        "protected": False,
        "type": "opaque",
        "path": "/",
        "ephemeral_policy": None,
        "used_by": ["rdb"] if managed else [],
        "deletion_requested_at": None,
        "key_id": None,
        "region": region,
    }


def key(name: str, project_id: str, region: str, *, usage: dict[str, str], rotation: bool) -> Item:
    policy = {"rotation_period": "7776000s", "next_rotation_at": "2026-06-01T00:00:00Z"}
    return {
        "id": uid(name),
        "project_id": project_id,
        "name": name,
        "state": "enabled",
        "rotation_count": 0,
        "usage": usage,
        "created_at": CREATED,
        "updated_at": CREATED,
        "protected": True,
        "locked": False,
        "description": None,
        "tags": [],
        "rotated_at": None,
        "rotation_policy": policy if rotation else None,
        "origin": "scaleway_kms",
        "deletion_requested_at": None,
        "region": region,
    }


def product_item(name: str, project_id: str, where: str, **fields: Any) -> Item:
    """An item of a listing kept as `other`: the fields the newer products share."""
    place = "zone" if where.count("-") == 2 else "region"
    return {
        "id": uid(name),
        "name": name,
        "project_id": project_id,
        "organization_id": project_id,
        "status": "ready",
        "tags": [],
        "created_at": CREATED,
        "updated_at": CREATED,
        place: where,
        **fields,
    }


def seed_products(state: FakeScaleway, project_id: str, region: str, zone: str) -> None:
    """One public load balancer, one secret, a rotated and an unrotated key, one item of
    every swept listing, and Audit Trail's products in every region of the organisation."""
    state.add("lb/lbs", zone, load_balancer("web-lb", project_id, zone, public_ip="51.159.26.10"))
    state.add("secret-manager/secrets", region, secret("db-password", project_id, region))
    symmetric = {"symmetric_encryption": "aes_256_gcm"}
    state.add(
        "key-manager/keys",
        region,
        key("backup-key", project_id, region, usage=symmetric, rotation=True),
        key("legacy-key", project_id, region, usage=symmetric, rotation=False),
    )
    for collection, level in SWEPT:
        where = zone if level == "zone" else region
        name = f"{collection.replace('/', '-')}-1"
        state.add(collection, where, product_item(name, project_id, where))
    products = [{"name": p, "services": []} for p in AUDIT_PRODUCTS]
    with state.lock:  # the organisation's, whichever project seeds it
        for audited in ("fr-par", "nl-ams", "pl-waw"):
            state.collections[("audit-trail/products", audited)] = list(products)
