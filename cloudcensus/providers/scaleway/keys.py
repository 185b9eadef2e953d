"""Secret Manager secrets -> `security.secret`, Key Manager keys -> `security.key` (per
region).

Secrets: only metadata is listed, never a version's payload, and cloudcensus never asks
for one. A secret another Scaleway product created and manages (`managed`) is the
provider's; the others are the customer's. A secret's expiry is a duration after access
(`ephemeral_policy`), not a date: `expires` is null.

Keys: Key Manager keys are the customer's. A symmetric key (`usage.symmetric_encryption`)
encrypts and decrypts; asymmetric keys encrypt or sign. A key rotates automatically when
it has a `rotation_policy`. Keys live in their region only (no replicas).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.scaleway.resource import scw_id, scw_resource, tag_dict
from cloudcensus.providers.scaleway.spec import ScalewayClients, ScalewayCollector, ScalewayContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "normalise_key", "normalise_secret"]

Raw = dict[str, Any]
#: Key Manager usage field -> (normalised usage, symmetric)
_USAGES = {
    "symmetric_encryption": ("encrypt_decrypt", True),
    "asymmetric_encryption": ("encrypt_decrypt", False),
    "asymmetric_signing": ("sign_verify", False),
}


def fetch_secrets(clients: ScalewayClients, ctx: ScalewayContext) -> Iterator[Raw]:
    path = f"/secret-manager/v1beta1/regions/{ctx.location}/secrets"
    yield from clients.api.pages(path, "secrets", {"project_id": ctx.project})


def normalise_secret(raw: Raw, ctx: ScalewayContext) -> Resource:
    status = raw.get("status")
    return scw_resource(
        ctx,
        type_="security.secret",
        native_type="secret_manager.secret",
        id_=scw_id(ctx.location, "secret", raw["id"]),
        raw=raw,
        tags=tag_dict(raw.get("tags")),
        name=raw.get("name"),
        created=raw.get("created_at"),
        properties={
            "state": str(status).lower() if status else None,
            "expires": None,
            "key_management": "provider" if raw.get("managed") else "customer",
        },
    )


def fetch_keys(clients: ScalewayClients, ctx: ScalewayContext) -> Iterator[Raw]:
    path = f"/key-manager/v1alpha1/regions/{ctx.location}/keys"
    yield from clients.api.pages(path, "keys", {"project_id": ctx.project})


def normalise_key(raw: Raw, ctx: ScalewayContext) -> Resource:
    usage = raw.get("usage") if isinstance(raw.get("usage"), dict) else None
    field = next((k for k in _USAGES if usage and usage.get(k)), None)
    normalised, symmetric = _USAGES[field] if field else (None, None)
    state = raw.get("state")
    return scw_resource(
        ctx,
        type_="security.key",
        native_type="key_manager.key",
        id_=scw_id(ctx.location, "key", raw["id"]),
        raw=raw,
        tags=tag_dict(raw.get("tags")),
        name=raw.get("name"),
        created=raw.get("created_at"),
        properties={
            "key_management": "customer",
            "state": str(state).lower() if state else None,
            "usage": normalised,
            "symmetric": symmetric,
            "key_spec": str(usage[field]) if usage and field else None,
            "rotation_enabled": bool(raw.get("rotation_policy")),
            "multi_region": False,
            "replicas": [],
        },
    )


COLLECTORS: tuple[ScalewayCollector, ...] = (
    ScalewayCollector("secret_manager.secrets", "region", fetch_secrets, normalise_secret),
    ScalewayCollector("key_manager.keys", "region", fetch_keys, normalise_key),
)
