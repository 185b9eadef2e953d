"""Azure compute: virtual machines, managed disks and snapshots, AKS, web and function apps.

A VM's public IPs are not on the VM: they hang off its NICs. `fetch` joins them (NIC ->
public IP) and adds `publicIps`, `securityGroups` and `network` under the row's
`cloudcensus` key; `public` is true when the VM has a public IP of its own.

Managed disks are always encrypted at rest; the key is the platform's
(`EncryptionAtRestWithPlatformKey`) or the customer's (a disk encryption set, or Azure
Disk Encryption with a Key Vault key).
"""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.azure.resource import AzureContext, Raw, azure_resource, enrichment
from cloudcensus.scanner.inventory import Resource

__all__ = [
    "NATIVE_TYPES",
    "disk_encryption",
    "normalise_app",
    "normalise_cluster",
    "normalise_disk",
    "normalise_snapshot",
    "normalise_vm",
]

VM = "Microsoft.Compute/virtualMachines"
DISK = "Microsoft.Compute/disks"
SNAPSHOT = "Microsoft.Compute/snapshots"
AKS = "Microsoft.ContainerService/managedClusters"
SITE = "Microsoft.Web/sites"
NATIVE_TYPES = (VM, DISK, SNAPSHOT, AKS, SITE)

_CUSTOMER_KEY_TYPES = frozenset(
    {"encryptionatrestwithcustomerkey", "encryptionatrestwithplatformandcustomerkeys"}
)


def _image(storage: dict[str, Any]) -> str | None:
    ref = storage.get("imageReference") or {}
    if ref.get("id"):
        return str(ref["id"])
    parts = [ref.get(k) for k in ("publisher", "offer", "sku", "version")]
    return ":".join(str(p) for p in parts) if all(parts) else None


def normalise_vm(raw: Raw, ctx: AzureContext) -> Resource:
    props = raw.get("properties") or {}
    joined = enrichment(raw)
    power = ((props.get("extended") or {}).get("instanceView") or {}).get("powerState") or {}
    code = power.get("code")
    public_ips = list(joined.get("publicIps") or [])
    return azure_resource(
        ctx,
        raw,
        type_="compute.instance",
        native_type=VM,
        properties={
            "state": code.split("/", 1)[-1].lower() if isinstance(code, str) else None,
            "instance_type": (props.get("hardwareProfile") or {}).get("vmSize"),
            "image": _image(props.get("storageProfile") or {}),
            "public_ips": public_ips,
            "public": bool(public_ips),
            "security_groups": list(joined.get("securityGroups") or []),
            "network": joined.get("network"),
        },
    )


def disk_encryption(props: dict[str, Any]) -> dict[str, Any]:
    """Encryption of a managed disk or snapshot: always on; whose key is the question."""
    settings = props.get("encryption") or {}
    kind = str(settings.get("type") or "").lower()
    ade = props.get("encryptionSettingsCollection") or {}
    if kind in _CUSTOMER_KEY_TYPES:
        return {
            "encrypted": True,
            "key_id": settings.get("diskEncryptionSetId"),
            "key_management": "customer",
        }
    if ade.get("enabled"):
        keys = [
            s.get("keyEncryptionKey") or s.get("diskEncryptionKey") or {}
            for s in ade.get("encryptionSettings") or []
        ]
        key = next((k.get("keyUrl") or k.get("secretUrl") for k in keys if k), None)
        return {"encrypted": True, "key_id": key, "key_management": "customer"}
    if kind == "encryptionatrestwithplatformkey" or not kind:
        # Azure encrypts every managed disk; without an explicit type it is the platform key.
        return {"encrypted": True, "key_id": None, "key_management": "provider"}
    return {"encrypted": None, "key_id": None, "key_management": None}


def normalise_disk(raw: Raw, ctx: AzureContext) -> Resource:
    props = raw.get("properties") or {}
    state = props.get("diskState")
    return azure_resource(
        ctx,
        raw,
        type_="storage.volume",
        native_type=DISK,
        properties={
            **disk_encryption(props),
            "size_gb": props.get("diskSizeGB"),
            "state": state.lower() if isinstance(state, str) else None,
            "attached_to": [raw["managedBy"]] if raw.get("managedBy") else [],
        },
    )


def normalise_snapshot(raw: Raw, ctx: AzureContext) -> Resource:
    props = raw.get("properties") or {}
    return azure_resource(
        ctx,
        raw,
        type_="storage.snapshot",
        native_type=SNAPSHOT,
        properties={
            **disk_encryption(props),
            # An Azure snapshot cannot be shared with everyone: a download needs a SAS
            # granted by someone with rights on it.
            "public": False,
            "source_volume": (props.get("creationData") or {}).get("sourceResourceId"),
        },
    )


def normalise_cluster(raw: Raw, ctx: AzureContext) -> Resource:
    props = raw.get("properties") or {}
    access = props.get("apiServerAccessProfile") or {}
    private = bool(access.get("enablePrivateCluster"))
    ranges = list(access.get("authorizedIPRanges") or [])
    kms = (props.get("securityProfile") or {}).get("azureKeyVaultKms") or {}
    return azure_resource(
        ctx,
        raw,
        type_="container.cluster",
        native_type=AKS,
        properties={
            "version": props.get("currentKubernetesVersion") or props.get("kubernetesVersion"),
            "public_endpoint": not private,
            # No authorised ranges on a public API server: anyone may reach it.
            "public_access_cidrs": [] if private else (ranges or ["0.0.0.0/0"]),
            "secrets_encrypted": bool(kms.get("enabled")),
            "key_id": kms.get("keyId") if kms.get("enabled") else None,
        },
    )


def _site_public(props: dict[str, Any]) -> bool | None:
    access = str(props.get("publicNetworkAccess") or "").lower()
    if access in ("enabled", "disabled"):
        return access == "enabled"
    # Unset: public, unless a private endpoint turned the default off.
    return None if props.get("privateEndpointConnections") else True


def _runtime(config: dict[str, Any]) -> str | None:
    for key in ("linuxFxVersion", "windowsFxVersion"):
        if config.get(key):
            return str(config[key])
    return None


def _identity(raw: Raw) -> str | None:
    identity = raw.get("identity") or {}
    assigned = list((identity.get("userAssignedIdentities") or {}).keys())
    return assigned[0] if assigned else identity.get("principalId")


def normalise_app(raw: Raw, ctx: AzureContext) -> Resource:
    """A web app (`compute.app`) or a function app (`compute.function`, kind functionapp)."""
    props = raw.get("properties") or {}
    config = props.get("siteConfig") or {}
    if "functionapp" in str(raw.get("kind") or "").lower():
        access = str(props.get("publicNetworkAccess") or "").lower()
        return azure_resource(
            ctx,
            raw,
            type_="compute.function",
            native_type=SITE,
            properties={
                "runtime": _runtime(config),
                # Reachable, but whether a function needs a key is per function: unknown.
                "public": False if access == "disabled" else None,
                "role": _identity(raw),
            },
        )
    return azure_resource(
        ctx,
        raw,
        type_="compute.app",
        native_type=SITE,
        properties={
            "public": _site_public(props),
            "https_only": props.get("httpsOnly")
            if isinstance(props.get("httpsOnly"), bool)
            else None,
            "min_tls": config.get("minTlsVersion"),
            "runtime": _runtime(config),
        },
    )
