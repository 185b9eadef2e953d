"""KMS keys: who manages them, whether they rotate, and where their copies live.

Sovereignty rules need the key's manager (a customer key vs the provider's default key)
and every Region a multi-Region key is replicated to; baseline rules need rotation.
GetKeyRotationStatus is asked only where rotation can apply (enabled, customer-managed,
symmetric, AWS_KMS origin): elsewhere it fails by design, and `rotation_enabled` stays
unknown (`None`). Aliases are listed once per Region and joined to their keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from cloudcensus.providers.aws.errors import error_code
from cloudcensus.providers.aws.spec import AwsCollector, AwsContext, ClientFactory
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_keys", "normalise_key", "rotation_applies"]

_MANAGEMENT = {"CUSTOMER": "customer", "AWS": "provider"}


def rotation_applies(metadata: dict[str, Any]) -> bool:
    """True when automatic rotation is a meaningful question for this key."""
    return (
        metadata.get("KeyManager") == "CUSTOMER"
        and metadata.get("KeyState") == "Enabled"
        and metadata.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
        and metadata.get("Origin", "AWS_KMS") == "AWS_KMS"
    )


def _aliases(kms: Any) -> dict[str, list[str]]:
    by_key: dict[str, list[str]] = {}
    for page in kms.get_paginator("list_aliases").paginate():
        for alias in page["Aliases"]:
            target = alias.get("TargetKeyId")
            if target:
                by_key.setdefault(target, []).append(alias["AliasName"])
    return by_key


def _key_payload(kms: Any, key_id: str, aliases: list[str]) -> dict[str, Any]:
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    payload: dict[str, Any] = {"KeyMetadata": metadata, "Aliases": sorted(aliases)}
    if metadata.get("KeyManager") == "CUSTOMER":
        payload["Tags"] = [
            tag
            for page in kms.get_paginator("list_resource_tags").paginate(KeyId=key_id)
            for tag in page["Tags"]
        ]
    if rotation_applies(metadata):
        status = kms.get_key_rotation_status(KeyId=key_id)
        payload["KeyRotationEnabled"] = status.get("KeyRotationEnabled")
    return payload


def fetch_keys(client_factory: ClientFactory, ctx: AwsContext) -> Iterator[dict[str, Any]]:
    """Yield one payload per key: KeyMetadata, Aliases, Tags (customer keys only) and
    KeyRotationEnabled (only where rotation applies)."""
    kms = client_factory("kms", ctx.region)
    aliases = _aliases(kms)
    for page in kms.get_paginator("list_keys").paginate():
        for key in page["Keys"]:
            try:
                payload = _key_payload(kms, key["KeyId"], aliases.get(key["KeyId"], []))
            except ClientError as exc:
                if error_code(exc) == "NotFoundException":
                    continue  # deleted since ListKeys: it no longer exists
                raise
            yield payload


def _replicas(metadata: dict[str, Any], ctx: AwsContext) -> list[dict[str, Any]]:
    """The other copies of a multi-Region key: the primary and replicas, minus itself."""
    config = metadata.get("MultiRegionConfiguration") or {}
    copies = [config.get("PrimaryKey") or {}, *(config.get("ReplicaKeys") or [])]
    replicas: list[dict[str, Any]] = []
    for copy in copies:
        arn, region = copy.get("Arn"), copy.get("Region")
        if not arn or not region or arn == metadata.get("Arn"):
            continue
        location = ctx.location(region)
        replicas.append(
            {
                "id": arn,
                "region": region,
                "country": location.country,
                "eu": location.eu,
                "eea": location.eea,
            }
        )
    return replicas


def _snake(value: str | None) -> str | None:
    """`PendingDeletion` -> `pending_deletion`, `ENCRYPT_DECRYPT` -> `encrypt_decrypt`."""
    if value is None:
        return None
    if value.isupper() or "_" in value:
        return value.lower()
    return re.sub(r"(?<!^)(?=[A-Z])", "_", value).lower()


def _symmetric(key_spec: str | None) -> bool | None:
    return None if key_spec is None else key_spec == "SYMMETRIC_DEFAULT"


def normalise_key(raw: dict[str, Any], ctx: AwsContext) -> Resource:
    """A `security.key`; its name is its first alias in alphabetical order."""
    metadata = raw["KeyMetadata"]
    aliases: list[str] = raw.get("Aliases") or []
    rotation = raw.get("KeyRotationEnabled")
    return Resource(
        provider="aws",
        account=ctx.account,
        region=ctx.region,
        type="security.key",
        native_type="AWS::KMS::Key",
        id=metadata["Arn"],
        name=aliases[0] if aliases else None,
        tags={t["TagKey"]: t["TagValue"] for t in raw.get("Tags") or []},
        created=metadata.get("CreationDate"),
        location=ctx.location(),
        jurisdiction=ctx.jurisdiction,
        properties={
            "key_management": _MANAGEMENT.get(str(metadata.get("KeyManager"))),
            "state": _snake(metadata.get("KeyState")),
            "usage": _snake(metadata.get("KeyUsage")),
            "key_spec": metadata.get("KeySpec"),
            "symmetric": _symmetric(metadata.get("KeySpec")),
            "rotation_enabled": bool(rotation) if rotation is not None else None,
            "multi_region": bool(metadata.get("MultiRegion")),
            "replicas": _replicas(metadata, ctx),
        },
        raw=raw,
    )


COLLECTORS: tuple[AwsCollector, ...] = (
    AwsCollector(
        name="kms.keys",
        fetch=fetch_keys,
        normalise=normalise_key,
        native_types=("AWS::KMS::Key",),
    ),
)
