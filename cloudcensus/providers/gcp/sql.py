"""Cloud SQL instances -> `database.instance`.

- `public`: the instance has a public IPv4 address (`settings.ipConfiguration.ipv4Enabled`).
  Who may connect to it is in `raw.data.settings.ipConfiguration.authorizedNetworks`,
  read by BASE-GCP-02 (no network authorised from 0.0.0.0/0).
- Encryption: always on; CMEK from `diskEncryptionConfiguration.kmsKeyName`.
- Backups: `settings.backupConfiguration.enabled`. Cloud SQL keeps a number of backups,
  not a number of days, so `backup_retention_days` is null.
- `multi_az`: `settings.availabilityType == "REGIONAL"` (a standby in another zone).
- `replicas`: the read replicas (`replicaNames`), located through their own assets in the
  same listing; a replica not found there (another project) has an unknown region.
  Instances are therefore normalised once the listing is complete (`deferred`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudcensus.providers.gcp.fields import opt_bool, opt_list, opt_map, opt_str
from cloudcensus.providers.gcp.resource import asset_data, encryption, gcp_resource, labels, strings
from cloudcensus.providers.gcp.spec import AssetModel, GcpContext, Payload, Relations
from cloudcensus.scanner.inventory import Location, Resource

__all__ = ["MODELS", "engine_of"]

_WHERE = "resource.data"
_SETTINGS = f"{_WHERE}.settings"
_ENGINES = {"POSTGRES": "postgres", "MYSQL": "mysql", "SQLSERVER": "sqlserver"}


def engine_of(version: str | None) -> tuple[str | None, str | None]:
    """'POSTGRES_15' -> ('postgres', '15'); 'MYSQL_8_0' -> ('mysql', '8.0');
    'SQLSERVER_2019_STANDARD' -> ('sqlserver', '2019_STANDARD')."""
    if not version:
        return None, None
    family, _, rest = version.partition("_")
    engine = _ENGINES.get(family.upper(), family.lower())
    if engine in ("postgres", "mysql"):
        rest = rest.replace("_", ".")
    return engine, rest or None


def relate_instance(asset: Mapping[str, Any], relations: Relations) -> None:
    """Record the instance's region under its name, for its primary's `replicas`."""
    data = (asset.get("resource") or {}).get("data") or {}
    if isinstance(data, dict) and isinstance(data.get("name"), str):
        region = data.get("region") or (asset.get("resource") or {}).get("location")
        relations.setdefault(("sql.region", data["name"]), []).append(region)


def _replicas(data: dict[str, Any], payload: Payload, ctx: GcpContext) -> list[dict[str, Any]]:
    relations = payload["relations"] or {}
    replicas = []
    for name in strings(opt_list(data, "replicaNames", _WHERE) or [], f"{_WHERE}.replicaNames"):
        regions = relations.get(("sql.region", name)) or [None]
        region = ctx.locator.region(regions[0]) if regions[0] else None
        where = ctx.locator.location(region) if region else Location()
        replicas.append(
            {
                "id": name,
                "region": region,
                "country": where.country,
                "eu": where.eu,
                "eea": where.eea,
            }
        )
    return replicas


def normalise_instance(payload: Payload, ctx: GcpContext) -> Resource:
    data = asset_data(payload)
    settings = opt_map(data, "settings", _WHERE) or {}
    ip = opt_map(settings, "ipConfiguration", _SETTINGS) or {}
    backup = opt_map(settings, "backupConfiguration", _SETTINGS) or {}
    disk_key = opt_map(data, "diskEncryptionConfiguration", _WHERE) or {}
    engine, version = engine_of(opt_str(data, "databaseVersion", _WHERE))
    availability = opt_str(settings, "availabilityType", _SETTINGS)
    properties = {
        "engine": engine,
        "engine_version": version,
        "public": opt_bool(ip, "ipv4Enabled", f"{_SETTINGS}.ipConfiguration"),
        **encryption(opt_str(disk_key, "kmsKeyName", f"{_WHERE}.diskEncryptionConfiguration")),
        "backup_retention_days": None,
        "backup_enabled": opt_bool(backup, "enabled", f"{_SETTINGS}.backupConfiguration"),
        "multi_az": None if availability is None else availability.upper() == "REGIONAL",
        "replicas": _replicas(data, payload, ctx),
    }
    return gcp_resource(
        payload,
        ctx,
        type_="database.instance",
        properties=properties,
        name=opt_str(data, "name", _WHERE),
        created=opt_str(data, "createTime", _WHERE),
        tags=labels(settings, "userLabels", _SETTINGS),
        location=opt_str(data, "region", _WHERE),
    )


MODELS = (
    AssetModel(
        "sql.instance",
        "sqladmin.googleapis.com/Instance",
        normalise_instance,
        relate=relate_instance,
        deferred=True,
    ),
)
