"""Shared pieces of GCP `Resource` records: labels, locations, encryption, IAM, raw.

Every GCP resource module reads an asset the same way (`resource.data`,
`resource.location`), reports labels as tags, encryption as the normalised triple
(docs/inventory.md) and public access from IAM bindings to `allUsers` /
`allAuthenticatedUsers`. `raw` is the asset flattened (`data`, `iamPolicy`, `ancestors`,
...) with secrets removed: key material and environment-variable values never reach the
store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cloudcensus.providers.gcp.fields import PayloadError, opt_list, opt_map, opt_str, req_str
from cloudcensus.providers.gcp.spec import GcpContext, Payload
from cloudcensus.scanner.inventory import Resource

__all__ = [
    "PUBLIC_MEMBERS",
    "asset_data",
    "encryption",
    "gcp_resource",
    "labels",
    "last_segment",
    "public_roles",
    "redacted_raw",
    "strings",
]

#: IAM members that mean "anyone on the internet".
PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
_REDACTED = "[redacted]"
# Fields that can hold secrets, dropped or masked wherever they appear in `data`.
_DROP = frozenset({"privateKeyData"})
_MASK_MAPS = frozenset({"environmentVariables", "buildEnvironmentVariables"})


def asset_data(payload: Payload) -> dict[str, Any]:
    """`resource.data` of the payload's asset (an object; raises naming the field)."""
    resource = opt_map(payload["asset"], "resource")
    if resource is None:
        raise PayloadError("resource: missing")
    data = opt_map(resource, "data", "resource")
    if data is None:
        raise PayloadError("resource.data: missing")
    return data


def last_segment(value: str | None) -> str | None:
    """'https://.../zones/europe-west1-b' -> 'europe-west1-b' (None stays None)."""
    return value.rstrip("/").rsplit("/", 1)[-1] if value else None


def labels(
    data: Mapping[str, Any], key: str = "labels", where: str = "resource.data"
) -> dict[str, str]:
    """GCP labels as tags (`str -> str`)."""
    found = opt_map(data, key, where)
    if not found:
        return {}
    return {str(k): "" if v is None else str(v) for k, v in found.items()}


def encryption(key_name: str | None) -> dict[str, Any]:
    """The normalised encryption triple. Google Cloud encrypts all data at rest; a Cloud
    KMS key (CMEK) makes the key the customer's."""
    return {
        "encrypted": True,
        "key_id": key_name,
        "key_management": "customer" if key_name else "provider",
    }


def public_roles(policy: Mapping[str, Any] | None, where: str = "iamPolicy") -> list[str]:
    """Roles an IAM policy grants to anyone on the internet (sorted, unique)."""
    if not policy:
        return []
    roles: set[str] = set()
    for number, binding in enumerate(opt_list(policy, "bindings", where) or []):
        here = f"{where}.bindings[{number}]"
        if not isinstance(binding, dict):
            raise PayloadError(f"{here}: expected an object")
        members = opt_list(binding, "members", here) or []
        if PUBLIC_MEMBERS.intersection(m for m in members if isinstance(m, str)):
            roles.add(req_str(binding, "role", here))
    return sorted(roles)


def _clean(value: Any) -> Any:
    """A copy of `value` without secret-bearing fields (only where they occur)."""
    if isinstance(value, dict):
        cleaned: dict[str, Any] = {}
        for key, item in value.items():
            if key in _DROP:
                continue
            if key in _MASK_MAPS and isinstance(item, dict):
                cleaned[key] = dict.fromkeys(item, _REDACTED)
            elif key == "env" and isinstance(item, list):
                cleaned[key] = [_masked_env(entry) for entry in item]
            else:
                cleaned[key] = _clean(item)
        return cleaned
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _masked_env(entry: Any) -> Any:
    if isinstance(entry, dict) and "value" in entry:
        return {**_clean(entry), "value": _REDACTED}
    return _clean(entry)


def redacted_raw(
    payload: Payload, extra: Mapping[str, Any] | None = None, *, secrets: bool = False
) -> dict[str, Any]:
    """The asset flattened for `Resource.raw`.

    `{name, assetType, location, ancestors, updateTime, data, iamPolicy}` (the IAM policy
    only for models that read one); `extra` adds normaliser-specific context. `secrets`:
    the type can carry secrets (key material, environment variables): they are removed.
    """
    asset = payload["asset"]
    resource = asset.get("resource") or {}
    data = resource.get("data") or {}
    raw: dict[str, Any] = {
        "name": asset.get("name"),
        "assetType": asset.get("assetType"),
        "location": resource.get("location"),
        "ancestors": asset.get("ancestors"),
        "updateTime": asset.get("updateTime"),
        "data": _clean(data) if secrets else data,
    }
    own = payload["policies"][0] if payload["policies"] else None
    if own is not None:
        raw["iamPolicy"] = own
    if extra:
        raw.update(extra)
    return raw


def gcp_resource(
    payload: Payload,
    ctx: GcpContext,
    *,
    type_: str,
    properties: dict[str, Any],
    name: str | None,
    created: str | None = None,
    tags: dict[str, str] | None = None,
    location: str | None = None,
    raw: dict[str, Any] | None = None,
    id_: str | None = None,
    native_type: str | None = None,
) -> Resource:
    """A `Resource` of this project. Its region is the asset's `resource.location` (or
    `location` when the model knows better), made canonical through the locator; its id
    and native type are the asset's name and type unless the model derives another
    resource from the asset (the project's audit configuration)."""
    asset = payload["asset"]
    where = location
    if where is None:
        where = opt_str(asset.get("resource") or {}, "location", "resource")
    place = ctx.locator.place(where)
    return Resource(
        provider="gcp",
        account=ctx.project,
        region=place.code,
        type=type_,
        native_type=native_type or str(asset.get("assetType")),
        id=id_ or payload["name"],
        name=name,
        tags=tags or {},
        created=created,  # RFC 3339 text, validated by pydantic
        location=place.location,
        jurisdiction=ctx.jurisdiction,
        properties=properties,
        raw=raw if raw is not None else redacted_raw(payload),
    )


def strings(values: Iterable[Any], where: str) -> list[str]:
    """A list that must hold strings only (raises naming the field)."""
    out: list[str] = []
    for number, value in enumerate(values):
        if not isinstance(value, str):
            raise PayloadError(f"{where}[{number}]: expected a string")
        out.append(value)
    return out
