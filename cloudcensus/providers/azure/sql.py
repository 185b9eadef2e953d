"""Azure SQL: logical servers (`database.server`) and their databases (`database.instance`).

Resource Graph lists servers and databases; their security settings are ARM children
it does not hold, read per resource by `fetch`: a server's firewall rules and
encryption protector, a database's transparent data encryption and replication links.
A refused read leaves the property null (unknown). The `master` database exists on
every server and holds no customer data: it stays in the inventory as `other`.

A database is public when its server's public network access is on (as an RDS
instance with a public endpoint is, whatever its security groups say); automated
backups are always on for Azure SQL Database and cannot be turned off.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.azure.graph import type_query
from cloudcensus.providers.azure.resource import (
    AzureContext,
    Raw,
    azure_resource,
    enrichment,
    flag,
    parent_id,
)
from cloudcensus.providers.azure.spec import AzureCollector, Sources, read_list
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "SQL_TYPES", "fetch_sql", "normalise_sql"]

SERVER = "Microsoft.Sql/servers"
DATABASE = "Microsoft.Sql/servers/databases"
SQL_TYPES = (SERVER.lower(), DATABASE.lower())
API = "2021-11-01"
QUERY = type_query(include=SQL_TYPES)
_EVERYONE = ("0.0.0.0", "255.255.255.255")  # noqa: S104 - a firewall range, not a bind


def _server_details(sources: Sources, row: Raw) -> None:
    server = str(row["id"])
    rules = read_list(row, "firewallRules", sources.arm, f"{server}/firewallRules", API)
    protectors = read_list(
        row, "encryptionProtector", sources.arm, f"{server}/encryptionProtector", API
    )
    row.setdefault("cloudcensus", {}).update(
        {
            "firewallRules": rules,
            "encryptionProtector": protectors[0] if protectors else None,
        }
    )


def _database_details(sources: Sources, row: Raw, server: Raw | None) -> None:
    db = str(row["id"])
    tde = read_list(
        row, "transparentDataEncryption", sources.arm, f"{db}/transparentDataEncryption", API
    )
    links = read_list(row, "replicationLinks", sources.arm, f"{db}/replicationLinks", API)
    extra = enrichment(server) if server else {}
    server_props = (server or {}).get("properties") or {}
    row.setdefault("cloudcensus", {}).update(
        {
            "transparentDataEncryption": tde,
            "replicationLinks": links,
            "server": {
                "publicNetworkAccess": server_props.get("publicNetworkAccess"),
                "version": server_props.get("version"),
                "encryptionProtector": extra.get("encryptionProtector"),
                "protectorReadable": "encryptionProtector" not in (extra.get("errors") or {})
                and server is not None,
            },
        }
    )


def fetch_sql(sources: Sources, ctx: AzureContext) -> Iterator[Raw]:
    """Servers first (with firewall and protector), then each database with its server's."""
    rows = list(sources.rows(QUERY))
    servers = {str(r["id"]).lower(): r for r in rows if str(r["type"]).lower() == SQL_TYPES[0]}
    for row in servers.values():
        _server_details(sources, row)
        yield row
    for row in rows:
        if str(row["type"]).lower() != SQL_TYPES[1]:
            continue
        if str(row.get("name")).lower() != "master":
            _database_details(sources, row, servers.get(parent_id(str(row["id"])).lower()))
        yield row


def _firewall(rules: list[Raw] | None) -> tuple[list[dict[str, Any]] | None, bool | None]:
    if rules is None:
        return None, None
    firewall = [
        {
            "name": r.get("name"),
            "start": (r.get("properties") or {}).get("startIpAddress"),
            "end": (r.get("properties") or {}).get("endIpAddress"),
        }
        for r in rules
    ]
    everyone = any((r["start"], r["end"]) == _EVERYONE for r in firewall)
    return firewall, everyone


def _normalise_server(raw: Raw, ctx: AzureContext) -> Resource:
    props = raw.get("properties") or {}
    firewall, everyone = _firewall(enrichment(raw).get("firewallRules"))
    return azure_resource(
        ctx,
        raw,
        type_="database.server",
        native_type=SERVER,
        properties={
            "engine": "sqlserver",
            "public": flag(props.get("publicNetworkAccess")),
            "firewall": firewall,
            "open_to_internet": everyone,
        },
    )


def _protector_encryption(server: dict[str, Any]) -> tuple[str | None, str | None]:
    protector = server.get("encryptionProtector")
    if not server.get("protectorReadable") or not isinstance(protector, dict):
        return None, None
    props = protector.get("properties") or {}
    if str(props.get("serverKeyType") or "").lower() == "azurekeyvault":
        return props.get("uri") or props.get("serverKeyName"), "customer"
    return None, "provider"


def _primary(link: Raw) -> bool:
    """This database is the primary of the link: the partner is a copy of its data."""
    return str((link.get("properties") or {}).get("role")).lower() == "primary"


def _partner(ctx: AzureContext, link: Raw) -> dict[str, Any]:
    props = link.get("properties") or {}
    name = f"{props.get('partnerServer')}/{props.get('partnerDatabase')}"
    return ctx.replica(name, ctx.region(props.get("partnerLocation")))


def _normalise_database(raw: Raw, ctx: AzureContext) -> Resource:
    props = raw.get("properties") or {}
    extra = enrichment(raw)
    server = extra.get("server") or {}
    tde = extra.get("transparentDataEncryption")
    encrypted = (
        None
        if tde is None
        else any(str((t.get("properties") or {}).get("state")).lower() == "enabled" for t in tde)
    )
    key_id, management = _protector_encryption(server) if encrypted else (None, None)
    links = extra.get("replicationLinks")
    replicas = None if links is None else [_partner(ctx, link) for link in links if _primary(link)]
    zone = props.get("zoneRedundant")
    return azure_resource(
        ctx,
        raw,
        type_="database.instance",
        native_type=DATABASE,
        properties={
            "engine": "sqlserver",
            "engine_version": server.get("version"),
            "public": flag(server.get("publicNetworkAccess")),
            "encrypted": encrypted,
            "key_id": key_id,
            "key_management": management,
            "backup_retention_days": None,
            "backup_enabled": True,
            "multi_az": zone if isinstance(zone, bool) else None,
            "replicas": replicas,
        },
    )


def normalise_sql(raw: Raw, ctx: AzureContext) -> Resource:
    kind = str(raw["type"]).lower()
    if kind == SQL_TYPES[0]:
        return _normalise_server(raw, ctx)
    if str(raw.get("name")).lower() == "master":
        return azure_resource(ctx, raw, type_="other", native_type=DATABASE, properties={})
    return _normalise_database(raw, ctx)


COLLECTORS = (AzureCollector("sql", fetch_sql, normalise_sql),)
