"""Builders of Azure payloads in their documented shapes: data, keys, apps, governance.

Storage accounts, SQL, flexible servers, Key Vault, AKS, App Service, the subscription's
diagnostic settings and policy assignments; ARM children that Resource Graph does not
hold (firewall rules, containers, keys, ...) are added at their ARM paths.
"""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.azure.fake.shapes import generic
from cloudcensus.providers.azure.fake.tenant import FakeSubscription, Row

__all__ = [
    "ALLOWED_LOCATIONS",
    "aks",
    "diagnostic_setting",
    "flexible_server",
    "key_vault",
    "policy_assignment",
    "sql_database",
    "sql_server",
    "storage_account",
    "web_app",
]

ALLOWED_LOCATIONS = (
    "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c"
)


def storage_account(
    sub: FakeSubscription,
    rg: str,
    name: str,
    where: str,
    *,
    allow_public: bool | None = False,
    sku: str = "Standard_LRS",
    secondary: str | None = None,
    key_uri: str | None = None,
    containers: dict[str, str] | None = None,
    **extra: Any,
) -> Row:
    encryption: Row = {
        "keySource": "Microsoft.Storage",
        "services": {"blob": {"enabled": True, "keyType": "Account"}},
    }
    if key_uri:
        vault, _, key = key_uri.partition("/keys/")
        encryption = {
            "keySource": "Microsoft.Keyvault",
            "keyvaultproperties": {"keyvaulturi": vault + "/", "keyname": key},
        }
    props: Row = {
        "minimumTlsVersion": "TLS1_2",
        "supportsHttpsTrafficOnly": True,
        "publicNetworkAccess": "Enabled",
        "encryption": encryption,
        "primaryLocation": where,
        "creationTime": "2026-01-15T08:00:00.0000000Z",
    }
    if allow_public is not None:
        props["allowBlobPublicAccess"] = allow_public
    if secondary:
        props["secondaryLocation"] = secondary
    row = generic(
        sub,
        rg,
        "Microsoft.Storage/storageAccounts",
        name,
        where,
        props,
        kind="StorageV2",
        sku={"name": sku, "tier": "Standard"},
        **extra,
    )
    sub.child(
        f"{row['id']}/blobServices/default/containers",
        [
            {
                "id": f"{row['id']}/blobServices/default/containers/{c}",
                "name": c,
                "properties": {"publicAccess": access},
            }
            for c, access in (containers or {}).items()
        ],
    )
    return row


def sql_server(
    sub: FakeSubscription,
    rg: str,
    name: str,
    where: str,
    *,
    public: bool = True,
    firewall: dict[str, tuple[str, str]] | None = None,
    key_uri: str | None = None,
    **extra: Any,
) -> Row:
    props = {
        "version": "12.0",
        "publicNetworkAccess": "Enabled" if public else "Disabled",
        "minimalTlsVersion": "1.2",
        "state": "Ready",
    }
    row = generic(sub, rg, "Microsoft.Sql/servers", name, where, props, kind="v12.0", **extra)
    sid = row["id"]
    sub.child(
        f"{sid}/firewallRules",
        [
            {
                "id": f"{sid}/firewallRules/{n}",
                "name": n,
                "properties": {"startIpAddress": start, "endIpAddress": end},
            }
            for n, (start, end) in (firewall or {}).items()
        ],
    )
    kind = (
        {"serverKeyType": "AzureKeyVault", "uri": key_uri}
        if key_uri
        else {"serverKeyType": "ServiceManaged", "serverKeyName": "ServiceManaged"}
    )
    sub.child(
        f"{sid}/encryptionProtector",
        [{"id": f"{sid}/encryptionProtector/current", "name": "current", "properties": kind}],
    )
    return row


def sql_database(
    sub: FakeSubscription,
    server: Row,
    name: str,
    *,
    tde: bool = True,
    geo_replica: tuple[str, str, str] | None = None,
    **extra: Any,
) -> Row:
    rg, where = server["resourceGroup"], server["location"]
    props = {
        "status": "Online",
        "zoneRedundant": False,
        "collation": "SQL_Latin1_General_CP1_CI_AS",
    }
    row = generic(
        sub,
        rg,
        "Microsoft.Sql/servers/databases",
        f"{server['name']}/{name}",
        where,
        props,
        kind="v12.0,user",
        **extra,
    )
    row["id"] = f"{server['id']}/databases/{name}"
    row["name"] = name
    sub.child(
        f"{row['id']}/transparentDataEncryption",
        [
            {
                "id": f"{row['id']}/transparentDataEncryption/current",
                "name": "current",
                "properties": {"state": "Enabled" if tde else "Disabled"},
            }
        ],
    )
    links = []
    if geo_replica:
        partner_server, partner_db, partner_location = geo_replica
        links.append(
            {
                "id": f"{row['id']}/replicationLinks/1",
                "name": "1",
                "properties": {
                    "partnerServer": partner_server,
                    "partnerDatabase": partner_db,
                    "partnerLocation": partner_location,
                    "role": "Primary",
                    "partnerRole": "Secondary",
                    "replicationMode": "ASYNC",
                },
            }
        )
    sub.child(f"{row['id']}/replicationLinks", links)
    return row


def flexible_server(
    sub: FakeSubscription,
    rg: str,
    name: str,
    where: str,
    *,
    engine: str = "postgres",
    public: bool = False,
    geo_backup: bool = False,
    key_uri: str | None = None,
    source: str | None = None,
    **extra: Any,
) -> Row:
    kind = (
        "Microsoft.DBforPostgreSQL/flexibleServers"
        if engine == "postgres"
        else "Microsoft.DBforMySQL/flexibleServers"
    )
    props: Row = {
        "version": "16" if engine == "postgres" else "8.0.21",
        "state": "Ready",
        "network": {"publicNetworkAccess": "Enabled" if public else "Disabled"},
        "backup": {
            "backupRetentionDays": 7,
            "geoRedundantBackup": "Enabled" if geo_backup else "Disabled",
        },
        "highAvailability": {"mode": "ZoneRedundant"},
        "dataEncryption": {"type": "AzureKeyVault", "primaryKeyURI": key_uri}
        if key_uri
        else {"type": "SystemManaged"},
        "replicationRole": "Replica" if source else "Primary",
    }
    if source:
        props["sourceServerResourceId"] = source
    return generic(
        sub,
        rg,
        kind,
        name,
        where,
        props,
        sku={"name": "Standard_D2ds_v4", "tier": "GeneralPurpose"},
        **extra,
    )


def key_vault(
    sub: FakeSubscription,
    rg: str,
    name: str,
    where: str,
    *,
    purge_protection: bool = True,
    keys: dict[str, bool] | None = None,
    **extra: Any,
) -> Row:
    """A vault and its keys (`{key name: has a rotation policy}`)."""
    props: Row = {
        "tenantId": sub.tenant,
        "sku": {"family": "A", "name": "standard"},
        "enableSoftDelete": True,
        "softDeleteRetentionInDays": 90,
        "enableRbacAuthorization": True,
        "publicNetworkAccess": "Disabled",
        "vaultUri": f"https://{name}.vault.azure.net/",
    }
    if purge_protection:
        props["enablePurgeProtection"] = True
    row = generic(sub, rg, "Microsoft.KeyVault/vaults", name, where, props, **extra)
    items = []
    for key, rotates in (keys or {}).items():
        key_props: Row = {
            "attributes": {
                "enabled": True,
                "created": 1767225600,
                "updated": 1767225600,
                "recoveryLevel": "Recoverable",
            },
            "kty": "RSA",
            "keySize": 3072,
            "keyOps": ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
            "keyUri": f"https://{name}.vault.azure.net/keys/{key}",
        }
        if rotates:
            key_props["rotationPolicy"] = {
                "attributes": {"expiryTime": "P1Y"},
                "lifetimeActions": [
                    {"trigger": {"timeAfterCreate": "P90D"}, "action": {"type": "rotate"}}
                ],
            }
        items.append(
            {
                "id": f"{row['id']}/keys/{key}",
                "name": key,
                "location": where,
                "type": "Microsoft.KeyVault/vaults/keys",
                "tags": {},
                "properties": key_props,
            }
        )
    sub.child(f"{row['id']}/keys", items)
    return row


def aks(
    sub: FakeSubscription,
    rg: str,
    name: str,
    where: str,
    *,
    private: bool = False,
    ranges: list[str] | None = None,
    **extra: Any,
) -> Row:
    props: Row = {
        "kubernetesVersion": "1.31.2",
        "currentKubernetesVersion": "1.31.2",
        "apiServerAccessProfile": {
            "enablePrivateCluster": private,
            "authorizedIPRanges": ranges or [],
        },
    }
    return generic(
        sub, rg, "Microsoft.ContainerService/managedClusters", name, where, props, **extra
    )


def web_app(
    sub: FakeSubscription,
    rg: str,
    name: str,
    where: str,
    *,
    function: bool = False,
    https_only: bool = True,
    public: str | None = "Enabled",
    **extra: Any,
) -> Row:
    props: Row = {
        "httpsOnly": https_only,
        "state": "Running",
        "siteConfig": {"linuxFxVersion": "PYTHON|3.12", "minTlsVersion": "1.2"},
    }
    if public:
        props["publicNetworkAccess"] = public
    kind = "functionapp,linux" if function else "app,linux"
    return generic(sub, rg, "Microsoft.Web/sites", name, where, props, kind=kind, **extra)


def diagnostic_setting(sub: FakeSubscription, name: str, *, administrative: bool = True) -> Row:
    """A subscription diagnostic setting exporting the Activity Log to a workspace."""
    categories = ["Administrative", "Security", "Policy", "Alert"]
    setting = {
        "id": f"/subscriptions/{sub.id}/providers/microsoft.insights/diagnosticSettings/{name}",
        "name": name,
        "type": "Microsoft.Insights/diagnosticSettings",
        "properties": {
            "workspaceId": f"/subscriptions/{sub.id}/resourceGroups/logs/providers/"
            "Microsoft.OperationalInsights/workspaces/audit",
            "logs": [
                {"category": c, "enabled": administrative or c != "Administrative"}
                for c in categories
            ],
        },
    }
    path = f"/subscriptions/{sub.id}/providers/Microsoft.Insights/diagnosticSettings"
    current = sub.children.setdefault(path.lower(), [])
    current.append(setting)
    return setting


def policy_assignment(
    sub: FakeSubscription,
    name: str,
    locations: list[str],
    *,
    scope: str | None = None,
    effect: str | None = None,
) -> Row:
    """An "Allowed locations" assignment applying at the subscription (at `scope`)."""
    where = scope or f"/subscriptions/{sub.id}"
    params: Row = {"listOfAllowedLocations": {"value": locations}}
    if effect:
        params["effect"] = {"value": effect}
    assignment = {
        "id": f"{where}/providers/Microsoft.Authorization/policyAssignments/{name}",
        "name": name,
        "type": "Microsoft.Authorization/policyAssignments",
        "properties": {
            "displayName": "Allowed locations",
            "policyDefinitionId": ALLOWED_LOCATIONS,
            "scope": where,
            "notScopes": [],
            "parameters": params,
            "enforcementMode": "Default",
        },
    }
    path = f"/subscriptions/{sub.id}/providers/Microsoft.Authorization/policyAssignments"
    sub.children.setdefault(path.lower(), []).append(assignment)
    return assignment
