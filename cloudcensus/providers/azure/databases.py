"""PostgreSQL and MySQL flexible servers: one `database.instance` each.

Storage is always encrypted; `dataEncryption.type` says whose key (`SystemManaged` or a
Key Vault key). Automated backups are always on, kept `backupRetentionDays`; with
geo-redundant backup a copy sits in the paired region, which is a replica of the data
(SOV-RES-03), as are the read replicas `fetch` found in the same subscription (rows
whose `sourceServerResourceId` points here, added as `cloudcensus.replicas`).
"""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.azure.resource import AzureContext, Raw, azure_resource, enrichment
from cloudcensus.scanner.inventory import Resource

__all__ = ["ENGINES", "NATIVE_TYPES", "normalise_flexible_server"]

ENGINES = {
    "microsoft.dbforpostgresql/flexibleservers": (
        "postgres",
        "Microsoft.DBforPostgreSQL/flexibleServers",
    ),
    "microsoft.dbformysql/flexibleservers": ("mysql", "Microsoft.DBforMySQL/flexibleServers"),
}
NATIVE_TYPES = tuple(native for _, native in ENGINES.values())


def _encryption(props: dict[str, Any]) -> dict[str, Any]:
    data = props.get("dataEncryption") or {}
    if str(data.get("type") or "").lower() == "azurekeyvault":
        key = data.get("primaryKeyURI") or data.get("primaryKeyUri")
        return {"encrypted": True, "key_id": key, "key_management": "customer"}
    return {"encrypted": True, "key_id": None, "key_management": "provider"}


def normalise_flexible_server(raw: Raw, ctx: AzureContext) -> Resource:
    engine, native = ENGINES[str(raw["type"]).lower()]
    props = raw.get("properties") or {}
    region = ctx.region(raw.get("location"))
    network = props.get("network") or {}
    access = str(network.get("publicNetworkAccess") or "").lower()
    backup = props.get("backup") or {}
    days = backup.get("backupRetentionDays")
    mode = str((props.get("highAvailability") or {}).get("mode") or "").lower()
    replicas = [
        ctx.replica(str(r["id"]), ctx.region(r.get("location")))
        for r in enrichment(raw).get("replicas") or []
    ]
    if str(backup.get("geoRedundantBackup") or "").lower() == "enabled":
        paired = ctx.paired.get(region)
        replicas.append(ctx.replica(f"{raw['id']}#geo-backup", paired))
    return azure_resource(
        ctx,
        raw,
        type_="database.instance",
        native_type=native,
        region=region,
        properties={
            "engine": engine,
            "engine_version": props.get("version"),
            "public": access == "enabled" if access in ("enabled", "disabled") else None,
            **_encryption(props),
            "backup_retention_days": days if isinstance(days, int) else None,
            "backup_enabled": days > 0 if isinstance(days, int) else None,
            "multi_az": mode == "zoneredundant" if mode else None,
            "replicas": replicas,
        },
    )
