"""Azure storage accounts: one `storage.bucket` each.

Exposure: an account with `allowBlobPublicAccess: false` can have no public container
(the account-level block, Azure's counterpart of S3 Block Public Access). Otherwise
`fetch` lists the blob containers (ARM, one call) and the account is public when one of
them allows anonymous reads (`publicAccess` Blob or Container); a refused listing leaves
`public` null. An unset `allowBlobPublicAccess` allows public containers (the default of
accounts created before November 2023), so it is not a block.

Storage is always encrypted; `encryption.keySource` says whose key (`Microsoft.Storage`
or `Microsoft.Keyvault` with the key's vault URI). Geo-redundant kinds (GRS, RA-GRS,
GZRS, RA-GZRS) keep a copy in the secondary region (`secondaryLocation`, else the paired
region): a replica for the residency rules. Blob versioning is a property of the blob
service, not read here: `versioning` is null.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.azure.graph import type_query
from cloudcensus.providers.azure.resource import AzureContext, Raw, azure_resource, enrichment
from cloudcensus.providers.azure.spec import AzureCollector, Sources, read_list
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "STORAGE_TYPES", "fetch_accounts", "normalise_account"]

ACCOUNT = "Microsoft.Storage/storageAccounts"
STORAGE_TYPES = (ACCOUNT.lower(),)
API = "2023-01-01"
QUERY = type_query(include=STORAGE_TYPES)
_GEO = frozenset({"grs", "ragrs", "gzrs", "ragzrs"})
_PUBLIC_LEVELS = frozenset({"blob", "container"})


def fetch_accounts(sources: Sources, ctx: AzureContext) -> Iterator[Raw]:
    """Every storage account; containers listed where public access is not blocked."""
    for row in sources.rows(QUERY):
        props = row.get("properties") or {}
        if props.get("allowBlobPublicAccess") is not False:
            path = f"{row['id']}/blobServices/default/containers"
            containers = read_list(row, "containers", sources.arm, path, API)
            row.setdefault("cloudcensus", {})["containers"] = (
                None
                if containers is None
                else [
                    {
                        "name": c.get("name"),
                        "publicAccess": (c.get("properties") or {}).get("publicAccess"),
                    }
                    for c in containers
                ]
            )
        yield row


def _public(props: dict[str, Any], extra: dict[str, Any]) -> tuple[bool | None, list[str]]:
    if props.get("allowBlobPublicAccess") is False:
        return False, []
    containers = extra.get("containers")
    if containers is None:
        return None, []
    public = any(str(c.get("publicAccess")).lower() in _PUBLIC_LEVELS for c in containers)
    return public, ["acl"] if public else []


def _encryption(props: dict[str, Any]) -> dict[str, Any]:
    settings = props.get("encryption")
    if not isinstance(settings, dict) or not settings.get("keySource"):
        return {"encrypted": None, "key_id": None, "key_management": None}
    if str(settings["keySource"]).lower() == "microsoft.keyvault":
        vault = settings.get("keyvaultproperties") or {}
        uri = str(vault.get("keyvaulturi") or "").rstrip("/")
        parts = [p for p in (uri, "keys", vault.get("keyname"), vault.get("keyversion")) if p]
        return {
            "encrypted": True,
            "key_id": "/".join(parts) if uri else None,
            "key_management": "customer",
        }
    return {"encrypted": True, "key_id": None, "key_management": "provider"}


def _replicas(raw: Raw, ctx: AzureContext, region: str) -> list[dict[str, Any]]:
    sku = str((raw.get("sku") or {}).get("name") or "")
    kind = sku.split("_", 1)[-1].lower()
    if kind not in _GEO:
        return []
    secondary = (raw.get("properties") or {}).get("secondaryLocation")
    where = ctx.region(secondary) if secondary else ctx.paired.get(region)
    return [ctx.replica(f"{raw['id']}#secondary", where)]


def normalise_account(raw: Raw, ctx: AzureContext) -> Resource:
    props = raw.get("properties") or {}
    region = ctx.region(raw.get("location"))
    public, via = _public(props, enrichment(raw))
    blocked = props.get("allowBlobPublicAccess") is False
    return azure_resource(
        ctx,
        raw,
        type_="storage.bucket",
        native_type=ACCOUNT,
        region=region,
        properties={
            "public": public,
            "public_via": via,
            "public_access_block": None,
            "account_public_access_block": None,
            "public_access_blocked": blocked,
            **_encryption(props),
            "encryption_algorithm": None,
            "versioning": None,
            "replicas": _replicas(raw, ctx, region),
        },
    )


COLLECTORS = (AzureCollector("storage.accounts", fetch_accounts, normalise_account),)
