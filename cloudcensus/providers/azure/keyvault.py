"""Azure Key Vault: each vault (`other`) and its keys (one `security.key` each).

Resource Graph lists the vaults (kept as `other`, with purge protection and soft delete
in `raw.properties`, for BASE-AZ-03); the keys are ARM children it does not hold,
listed per vault by `fetch` (management plane: no data-plane access needed, and the
vault's firewall does not apply). Each key row carries its vault's location and settings
under `cloudcensus.vault`.

Keys in a customer's vault are customer-managed. Key Vault keys are RSA or EC (Managed
HSM also `oct`), so `symmetric` is mostly false and BASE-KEY-01 (written for symmetric
KMS keys) skips them: BASE-AZ-04 checks their rotation policy instead. Key Vault
replicates its contents to the paired region where the vault's region has one: a
replica for the residency rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from cloudcensus.providers.azure.graph import type_query
from cloudcensus.providers.azure.resource import AzureContext, Raw, azure_resource, enrichment
from cloudcensus.providers.azure.spec import AzureCollector, Sources
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "VAULT_TYPES", "fetch_keys", "normalise_key"]

VAULT = "Microsoft.KeyVault/vaults"
KEY = "Microsoft.KeyVault/vaults/keys"
VAULT_TYPES = (VAULT.lower(),)
API = "2023-07-01"
QUERY = type_query(include=VAULT_TYPES)
_VAULT_SETTINGS = ("enablePurgeProtection", "enableSoftDelete", "publicNetworkAccess", "sku")
_ENCRYPT_OPS = frozenset({"encrypt", "decrypt", "wrapkey", "unwrapkey"})
_SIGN_OPS = frozenset({"sign", "verify"})


def fetch_keys(sources: Sources, ctx: AzureContext) -> Iterator[Raw]:
    """Every vault of the subscription, each followed by its keys (ARM list per vault)."""
    for vault in sources.rows(QUERY):
        yield vault
        props = vault.get("properties") or {}
        settings = {k: props.get(k) for k in _VAULT_SETTINGS}
        summary = {"id": vault["id"], "location": vault.get("location"), **settings}
        for key in sources.arm.list(f"{vault['id']}/keys", API):
            key.setdefault("cloudcensus", {})["vault"] = summary
            yield key


def _usage(ops: Any) -> str | None:
    if not isinstance(ops, list):
        return None
    names = {str(op).lower() for op in ops}
    if names & _ENCRYPT_OPS:
        return "encrypt_decrypt"
    if names & _SIGN_OPS:
        return "sign_verify"
    return None


def _rotation(props: dict[str, Any]) -> bool | None:
    policy = props.get("rotationPolicy")
    if not isinstance(policy, dict):
        return None
    actions = policy.get("lifetimeActions") or []
    return any(str((a.get("action") or {}).get("type")).lower() == "rotate" for a in actions)


def _created(attributes: dict[str, Any]) -> datetime | None:
    value = attributes.get("created")
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int | float) else None


def normalise_key(raw: Raw, ctx: AzureContext) -> Resource:
    """A vault (kept as `other`, its settings in `raw`) or one of its keys."""
    if str(raw.get("type", "")).lower() == VAULT_TYPES[0]:
        return azure_resource(ctx, raw, type_="other", native_type=VAULT, properties={})
    props = raw.get("properties") or {}
    vault = enrichment(raw).get("vault") or {}
    region = ctx.region(vault.get("location") or raw.get("location"))
    attributes = props.get("attributes") or {}
    kty = props.get("kty")
    enabled = attributes.get("enabled")
    spec = [str(p) for p in (kty, props.get("keySize"), props.get("curveName")) if p]
    paired = ctx.paired.get(region)
    return azure_resource(
        ctx,
        raw,
        type_="security.key",
        native_type=KEY,
        region=region,
        created=_created(attributes),
        properties={
            "key_management": "customer",
            "state": None if enabled is None else ("enabled" if enabled else "disabled"),
            "usage": _usage(props.get("keyOps")),
            "symmetric": None if kty is None else str(kty).lower().startswith("oct"),
            "key_spec": "-".join(spec) or None,
            "rotation_enabled": _rotation(props),
            "multi_region": False,
            "replicas": [ctx.replica(f"{raw['id']}#paired", paired)] if paired else [],
        },
    )


COLLECTORS = (AzureCollector("keyvault.keys", fetch_keys, normalise_key),)
