"""Service accounts -> `identity.user`; their user-managed keys -> `identity.access_key`.

A service account cannot sign in to the console (`console_access: false`, `mfa: false`).
Its `access_keys` are its user-managed keys (Google-managed keys rotate on their own and
are kept as `other`). A key is `inactive` when it is disabled, expired
(`validBeforeTime` before the listing's `readTime`) or its account is disabled; it was
created at `validAfterTime`. When a key was last used is not in Cloud Asset Inventory
(null). Keys and accounts are related while the listing streams and normalised once it
is complete (`deferred`); key material (`privateKeyData`) never reaches `raw`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudcensus.providers.gcp.fields import opt_bool, opt_str, parse_time
from cloudcensus.providers.gcp.resource import asset_data, gcp_resource, redacted_raw
from cloudcensus.providers.gcp.spec import AssetModel, GcpContext, Payload, Relations
from cloudcensus.scanner.inventory import GLOBAL_REGION, Resource

__all__ = ["MODELS"]

_WHERE = "resource.data"
_KEYS = "iam.keys"  # relation: account id or email -> key summaries
_DISABLED = "iam.disabled"  # relation: account id or email -> [disabled]


def _account_part(name: str | None) -> str | None:
    """'.../serviceAccounts/<email or unique id>/keys/<key>' -> the account part."""
    if not name or "/serviceAccounts/" not in name:
        return None
    return name.split("/serviceAccounts/", 1)[1].split("/", 1)[0]


def _data(asset: Mapping[str, Any]) -> dict[str, Any]:
    data = (asset.get("resource") or {}).get("data")
    return data if isinstance(data, dict) else {}


def relate_key(asset: Mapping[str, Any], relations: Relations) -> None:
    data = _data(asset)
    summary = {
        "id": str(data.get("name") or asset.get("name") or "").rsplit("/", 1)[-1],
        "keyType": data.get("keyType"),
        "disabled": data.get("disabled"),
        "validAfterTime": data.get("validAfterTime"),
        "validBeforeTime": data.get("validBeforeTime"),
    }
    owners = {_account_part(str(asset.get("name") or "")), _account_part(data.get("name"))}
    for owner in owners - {None}:
        relations.setdefault((_KEYS, str(owner)), []).append(summary)


def relate_account(asset: Mapping[str, Any], relations: Relations) -> None:
    data = _data(asset)
    names = {data.get("email"), data.get("uniqueId"), _account_part(str(asset.get("name") or ""))}
    for name in names - {None, ""}:
        relations.setdefault((_DISABLED, str(name)), []).append(bool(data.get("disabled")))


def _status(key: Mapping[str, Any], read_time: str | None, account_disabled: bool) -> str:
    expires = key.get("validBeforeTime")
    expired = False
    if expires and read_time:
        where = f"{_WHERE}.validBeforeTime"
        expired = parse_time(str(expires), where) < parse_time(read_time, "readTime")
    return "inactive" if key.get("disabled") or expired or account_disabled else "active"


def _account_disabled(relations: Relations | None, owner: str | None) -> bool:
    return bool(owner and any((relations or {}).get((_DISABLED, owner), [])))


def normalise_account(payload: Payload, ctx: GcpContext) -> Resource:
    data = asset_data(payload)
    email = opt_str(data, "email", _WHERE)
    ids = {email, opt_str(data, "uniqueId", _WHERE), _account_part(payload["name"])} - {None}
    relations = payload["relations"] or {}
    disabled = bool(opt_bool(data, "disabled", _WHERE))
    keys: dict[str, dict[str, Any]] = {}
    for owner in sorted(i for i in ids if i):
        for key in relations.get((_KEYS, owner), []):
            if key.get("keyType") == "USER_MANAGED" and key["id"] not in keys:
                keys[key["id"]] = {
                    "id": key["id"],
                    "status": _status(key, payload["read_time"], disabled),
                    "created": key.get("validAfterTime"),
                    "last_used": None,
                }
    properties = {
        "console_access": False,
        "mfa": False,
        "access_keys": [keys[k] for k in sorted(keys)],
        "last_login": None,
    }
    return gcp_resource(
        payload,
        ctx,
        type_="identity.user",
        properties=properties,
        name=email or opt_str(data, "displayName", _WHERE),
        location=GLOBAL_REGION,
    )


def normalise_key(payload: Payload, ctx: GcpContext) -> Resource:
    data = asset_data(payload)
    name = opt_str(data, "name", _WHERE) or payload["name"]
    owner = _account_part(name)
    raw = redacted_raw(payload, secrets=True)
    if opt_str(data, "keyType", _WHERE) != "USER_MANAGED":
        return gcp_resource(
            payload,
            ctx,
            type_="other",
            properties={},
            name=name.rsplit("/", 1)[-1],
            location=GLOBAL_REGION,
            raw=raw,
        )
    disabled = _account_disabled(payload["relations"], owner) or _account_disabled(
        payload["relations"], _account_part(payload["name"])
    )
    key = {
        "disabled": opt_bool(data, "disabled", _WHERE),
        "validBeforeTime": opt_str(data, "validBeforeTime", _WHERE),
    }
    properties = {
        "status": _status(key, payload["read_time"], disabled),
        "owner": owner,
        "last_used": None,
    }
    return gcp_resource(
        payload,
        ctx,
        type_="identity.access_key",
        properties=properties,
        name=name.rsplit("/", 1)[-1],
        created=opt_str(data, "validAfterTime", _WHERE),
        location=GLOBAL_REGION,
        raw=raw,
    )


MODELS = (
    AssetModel(
        "iam.service_account",
        "iam.googleapis.com/ServiceAccount",
        normalise_account,
        relate=relate_account,
        deferred=True,
    ),
    AssetModel(
        "iam.key",
        "iam.googleapis.com/ServiceAccountKey",
        normalise_key,
        relate=relate_key,
        deferred=True,
    ),
)
