"""Managed Databases for PostgreSQL and MySQL (per region): `/rdb/v1/regions/{region}/instances`.

Exposure: an endpoint with a `load_balancer` (or `direct_access`) block is reachable
from the internet; endpoints on a Private Network only are not. An instance listing no
endpoint detail at all (older payloads carry a single `endpoint` with an IP) is public
when that endpoint is not on a Private Network. Encryption at rest is the instance's
`encryption.enabled` (Scaleway-managed keys); backups are the automatic backup schedule.
Read replicas live in the instance's region.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.scaleway.resource import encryption, scw_id, scw_resource, tag_dict
from cloudcensus.providers.scaleway.spec import ScalewayClients, ScalewayCollector, ScalewayContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_instances", "normalise_instance", "public_endpoint"]

Raw = dict[str, Any]


def fetch_instances(clients: ScalewayClients, ctx: ScalewayContext) -> Iterator[Raw]:
    path = f"/rdb/v1/regions/{ctx.region}/instances"
    yield from clients.api.pages(path, "instances", {"project_id": ctx.project})


def public_endpoint(raw: Raw) -> bool:
    """True when any endpoint of the instance is reachable from the internet."""
    endpoints = list(raw.get("endpoints") or [])
    if not endpoints and raw.get("endpoint"):
        endpoints = [raw["endpoint"]]
    return any(
        ("load_balancer" in e or "direct_access" in e or not e.get("private_network"))
        for e in endpoints
        if isinstance(e, dict)
    )


def _engine(value: Any) -> tuple[str | None, str | None]:
    """`PostgreSQL-15` -> ('postgresql', '15')."""
    if not value:
        return None, None
    name, _, version = str(value).rpartition("-")
    return (name.lower(), version) if name else (str(value).lower(), None)


def _backups(raw: Raw) -> tuple[bool | None, int | None]:
    schedule = raw.get("backup_schedule")
    if not isinstance(schedule, dict) or "disabled" not in schedule:
        return None, None
    enabled = not schedule["disabled"]
    return enabled, (schedule.get("retention") if enabled else 0)


def _replica(ctx: ScalewayContext, replica: Raw) -> dict[str, Any]:
    region = replica.get("region") or ctx.region
    location = ctx.located(region)
    return {
        "id": scw_id(region, "rdb_read_replica", replica.get("id", "")),
        "region": region,
        "country": location.country,
        "eu": location.eu,
        "eea": location.eea,
    }


def normalise_instance(raw: Raw, ctx: ScalewayContext) -> Resource:
    engine, version = _engine(raw.get("engine"))
    backup_enabled, retention = _backups(raw)
    encrypted = (raw.get("encryption") or {}).get("enabled")
    return scw_resource(
        ctx,
        type_="database.instance",
        native_type="rdb.instance",
        id_=scw_id(ctx.region, "rdb_instance", raw["id"]),
        raw=raw,
        tags=tag_dict(raw.get("tags")),
        name=raw.get("name"),
        created=raw.get("created_at"),
        properties={
            "engine": engine,
            "engine_version": version,
            "public": public_endpoint(raw),
            **encryption(encrypted),
            "backup_retention_days": retention,
            "backup_enabled": backup_enabled,
            "multi_az": raw.get("is_ha_cluster"),
            "replicas": [_replica(ctx, r) for r in raw.get("read_replicas") or []],
        },
    )


COLLECTORS: tuple[ScalewayCollector, ...] = (
    ScalewayCollector("rdb.instances", "region", fetch_instances, normalise_instance),
)
