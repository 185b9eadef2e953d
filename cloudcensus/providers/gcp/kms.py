"""Cloud KMS crypto keys -> `security.key`.

Every Cloud KMS key is the customer's (`key_management: customer`); Google's own
default encryption keys are not resources. `rotation_enabled` is true when the key has a
`rotationPeriod` (automatic rotation). `state` is the primary version's (asymmetric keys
have no primary: unknown). `protection_level` (a GCP extra: `software`, `hsm`,
`external`, `external_vpc`) says where the key material lives; `external*` is Cloud
External Key Manager: the key never leaves the customer's key manager. A key in a
multi-region (`europe`, `global`, ...) is `multi_region`; it has no separate replicas.
"""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.gcp.fields import opt_map, opt_str
from cloudcensus.providers.gcp.resource import asset_data, gcp_resource, labels
from cloudcensus.providers.gcp.spec import AssetModel, GcpContext, Payload
from cloudcensus.scanner.inventory import Resource

__all__ = ["MODELS"]

_WHERE = "resource.data"
_USAGE = {
    "ENCRYPT_DECRYPT": "encrypt_decrypt",
    "RAW_ENCRYPT_DECRYPT": "encrypt_decrypt",
    "ASYMMETRIC_DECRYPT": "encrypt_decrypt",
    "ASYMMETRIC_SIGN": "sign_verify",
    "MAC": "generate_verify_mac",
    "KEY_ENCAPSULATION": "key_agreement",
}
_SYMMETRIC = frozenset({"ENCRYPT_DECRYPT", "RAW_ENCRYPT_DECRYPT", "MAC"})
_STATES = {"DESTROY_SCHEDULED": "pending_deletion"}


def _location_of(name: str | None) -> str | None:
    """'projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k' -> 'europe-west1'."""
    if not name or "/locations/" not in name:
        return None
    return name.split("/locations/", 1)[1].split("/", 1)[0]


def normalise_key(payload: Payload, ctx: GcpContext) -> Resource:
    data = asset_data(payload)
    purpose = (opt_str(data, "purpose", _WHERE) or "").upper()
    template = opt_map(data, "versionTemplate", _WHERE) or {}
    primary = opt_map(data, "primary", _WHERE) or {}
    state = opt_str(primary, "state", f"{_WHERE}.primary")
    level = opt_str(template, "protectionLevel", f"{_WHERE}.versionTemplate") or opt_str(
        primary, "protectionLevel", f"{_WHERE}.primary"
    )
    name = opt_str(data, "name", _WHERE)
    location = opt_str(payload["asset"].get("resource") or {}, "location") or _location_of(name)
    place = ctx.locator.place(location)
    properties: dict[str, Any] = {
        "key_management": "customer",
        "state": _STATES.get(state, state.lower()) if state else None,
        "usage": _USAGE.get(purpose, purpose.lower() or None),
        "symmetric": (purpose in _SYMMETRIC) if purpose else None,
        "key_spec": opt_str(template, "algorithm", f"{_WHERE}.versionTemplate"),
        "rotation_enabled": opt_str(data, "rotationPeriod", _WHERE) is not None,
        "multi_region": place.spans_regions,
        "replicas": [],
        "protection_level": level.lower() if level else None,
    }
    return gcp_resource(
        payload,
        ctx,
        type_="security.key",
        properties=properties,
        name=name.rsplit("/", 1)[-1] if name else None,
        created=opt_str(data, "createTime", _WHERE),
        tags=labels(data),
        location=location,
    )


MODELS = (AssetModel("kms.key", "cloudkms.googleapis.com/CryptoKey", normalise_key),)
