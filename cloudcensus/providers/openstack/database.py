"""Trove database instances -> `database.instance`.

Exposure: since Trove's Wallaby release an instance says whether it is public in
`access.is_public` (with the `allowed_cidrs` that may reach it); where a cloud does not
send `access`, an instance is public when one of its addresses is typed `public` or is
globally routable. Trove has no API for encryption at rest, scheduled backups or
multi-AZ placement: those are null (unknown), never false. Replicas (`replicas`, listed
on the primary) live in the primary's region.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.openstack.compute import is_public_address
from cloudcensus.providers.openstack.resource import created_at, openstack_resource, owned
from cloudcensus.providers.openstack.spec import Apis, OpenStackCollector, OpenStackContext
from cloudcensus.providers.records import replica
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_instances", "normalise_instance"]

Raw = dict[str, Any]


def fetch_instances(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
    yield from apis("database").linked("/instances", "instances", links="links")


def is_public(raw: Raw) -> bool:
    """True when Trove says so, else when an address of the instance is public."""
    access = raw.get("access")
    if isinstance(access, dict) and isinstance(access.get("is_public"), bool):
        return bool(access["is_public"])
    addresses = [a for a in raw.get("addresses") or [] if isinstance(a, dict)]
    if any(a.get("type") == "public" for a in addresses):
        return True
    listed = [str(a.get("address") or "") for a in addresses]
    listed += [str(ip) for ip in raw.get("ip") or []]
    return any(is_public_address(address) for address in listed)


def normalise_instance(raw: Raw, ctx: OpenStackContext) -> Resource | None:
    if not owned(raw, ctx.project):
        return None
    datastore = raw.get("datastore")
    if not isinstance(datastore, dict):
        datastore = {}
    engine = datastore.get("type")
    return openstack_resource(
        ctx,
        type_="database.instance",
        native_type="OS::Trove::Instance",
        kind="database",
        native_id=str(raw["id"]),
        raw=raw,
        name=raw.get("name"),
        created=created_at(raw.get("created")),
        properties={
            "engine": str(engine).lower() if engine else None,
            "engine_version": datastore.get("version"),
            "public": is_public(raw),
            "encrypted": None,
            "key_id": None,
            "key_management": None,
            "backup_retention_days": None,
            "backup_enabled": None,
            "multi_az": None,
            "replicas": [
                replica(ctx.resource_id("database", str(r["id"])), ctx.region, ctx.location)
                for r in raw.get("replicas") or []
                if isinstance(r, dict) and r.get("id")
            ],
        },
    )


COLLECTORS = (
    OpenStackCollector(
        "trove.instances",
        "database",
        fetch_instances,
        normalise_instance,
        ("OS::Trove::Instance",),
    ),
)
