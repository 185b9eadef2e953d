"""Buckets of an S3-compatible object storage, shared by every provider that has one.

Scaleway Object Storage, OUTSCALE OOS and the S3 endpoints of OpenStack clouds (OVHcloud,
Infomaniak, Cleura) speak the S3 API with their own endpoint and keys; the provider
builds the boto3 client (endpoint, keys, retries) and hands it here.

`fetch_buckets` lists the buckets at one region's endpoint and reads each one's ACL,
policy, tags, default encryption, versioning and replication (`read_bucket`, also used
alone where the S3 API is another door to containers listed elsewhere). A bucket whose
location is another region is left to that region's endpoint. Configuration that is
not set (`NoSuch...`) is None; a sub-call the service refuses or does not implement is
recorded in `Errors` ({call: code}) and its value stays None, so the normalised property
becomes null (unknown), never a silent false. A bucket deleted meanwhile is skipped; any
other error fails the collector, where the engine records it.

`bucket_properties` is pure: the `storage.bucket` properties of docs/inventory.md. Public
means readable by anyone through an ACL grant to AllUsers or AuthenticatedUsers, or a
policy statement allowing principal `*`. These services have no Block Public Access, so
`public_access_blocked` is false and the block settings are null.

botocore is imported by the calls that need it, not with the module: a provider whose
extra does not install boto3 can still import this module and normalise.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from typing import Any

from cloudcensus.scanner.inventory import Location

__all__ = ["bucket_properties", "bucket_tags", "fetch_buckets", "read_bucket"]

Raw = dict[str, Any]

_PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
_NOT_SET = {
    "Policy": "NoSuchBucketPolicy",
    "Tags": "NoSuchTagSet",
    "Encryption": "ServerSideEncryptionConfigurationNotFoundError",
    "Replication": "ReplicationConfigurationNotFoundError",
}
_UNKNOWN = frozenset(
    {"AccessDenied", "AllAccessDisabled", "NotImplemented", "MethodNotAllowed", "NotSupported"}
)
_CALLS = {
    "Acl": "get_bucket_acl",
    "Policy": "get_bucket_policy",
    "Tags": "get_bucket_tagging",
    "Encryption": "get_bucket_encryption",
    "Versioning": "get_bucket_versioning",
    "Replication": "get_bucket_replication",
}


class _BucketGone(Exception):
    """The bucket was deleted between the listing and its reads."""


def _read(s3: Any, name: str, call: str, errors: dict[str, str]) -> Any:
    from botocore.exceptions import ClientError

    try:
        return getattr(s3, _CALLS[call])(Bucket=name)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code") or "")
        if code == "NoSuchBucket":
            raise _BucketGone from exc
        if code == _NOT_SET.get(call):
            return None
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _UNKNOWN or status in (403, 405, 501):
            errors[call] = code or str(status)
            return None
        raise


def _location(s3: Any, name: str, errors: dict[str, str]) -> str | None:
    from botocore.exceptions import ClientError

    try:
        answer = s3.get_bucket_location(Bucket=name)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code") or "")
        if code == "NoSuchBucket":
            raise _BucketGone from exc
        if code in _UNKNOWN:
            errors["Location"] = code
            return None
        raise
    return answer.get("LocationConstraint") or None


def _details(s3: Any, name: str, errors: dict[str, str]) -> Raw:
    acl = _read(s3, name, "Acl", errors)
    policy = _read(s3, name, "Policy", errors)
    tags = _read(s3, name, "Tags", errors)
    sse = _read(s3, name, "Encryption", errors)
    versioning = _read(s3, name, "Versioning", errors)
    replication = _read(s3, name, "Replication", errors)
    return {
        "Acl": None if acl is None else {k: acl.get(k) for k in ("Owner", "Grants")},
        "Policy": None if policy is None else json.loads(policy["Policy"]),
        "Tags": None if tags is None else tags.get("TagSet", []),
        "Encryption": None if sse is None else sse.get("ServerSideEncryptionConfiguration"),
        "Versioning": None
        if versioning is None
        else {k: versioning[k] for k in ("Status", "MFADelete") if k in versioning},
        "Replication": None if replication is None else replication.get("ReplicationConfiguration"),
    }


def read_bucket(s3: Any, name: str) -> Raw | None:
    """What one bucket's sub-calls say (`Acl`, `Policy`, ..., `Errors`), or None when it
    does not exist (any more)."""
    errors: dict[str, str] = {}
    try:
        details = _details(s3, name, errors)
    except _BucketGone:
        return None
    return {**details, "Errors": errors}


def fetch_buckets(
    s3: Any, region: str, read_elsewhere: Collection[str] | None = None
) -> Iterator[Raw]:
    """Every bucket of `region` listed by the S3 client `s3` (bound to that region).

    A bucket located in another region is left to that region's endpoint: any other
    region when `read_elsewhere` is None, else only those it names (the regions the scan
    reads), so a bucket in a location the scan does not read is kept here rather than
    lost. Locations compare without case (`GRA` is `gra`).
    """
    elsewhere = None if read_elsewhere is None else {r.lower() for r in read_elsewhere}
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        errors: dict[str, str] = {}
        try:
            location = _location(s3, name, errors)
            moved = location is not None and location.lower() != region.lower()
            if moved and (elsewhere is None or str(location).lower() in elsewhere):
                continue  # read at its own region's endpoint
            details = _details(s3, name, errors)
        except _BucketGone:
            continue
        yield {
            "Name": name,
            "CreationDate": bucket.get("CreationDate"),
            "Region": region,
            "Location": location,
            **details,
            "Errors": errors,
        }


# -- normalise ---------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any("*" in _as_list(v) for v in principal.values())
    return False


def _policy_public(policy: Raw) -> bool:
    statements = policy.get("Statement", [])
    return any(
        s.get("Effect") == "Allow" and _anyone(s.get("Principal"))
        for s in _as_list(statements)
        if isinstance(s, dict)
    )


def _exposure(raw: Raw) -> dict[str, bool | None]:
    errors = raw.get("Errors") or {}
    acl = raw.get("Acl")
    grants = (acl or {}).get("Grants") or []
    by_acl = (
        None
        if "Acl" in errors or acl is None
        else any((g.get("Grantee") or {}).get("URI") in _PUBLIC_GROUPS for g in grants)
    )
    policy = raw.get("Policy")
    by_policy = None if "Policy" in errors else (policy is not None and _policy_public(policy))
    return {"acl": by_acl, "policy": by_policy}


def _encryption(raw: Raw) -> dict[str, Any]:
    if "Encryption" in (raw.get("Errors") or {}):
        unknown: dict[str, Any] = {"encrypted": None, "key_id": None, "key_management": None}
        return {**unknown, "encryption_algorithm": None}
    rules = (raw.get("Encryption") or {}).get("Rules") or [{}]
    default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
    algorithm = default.get("SSEAlgorithm")
    key = default.get("KMSMasterKeyID")
    management = None
    if algorithm:
        management = "customer" if key else "provider"
    return {
        "encrypted": bool(algorithm),
        "key_id": key if algorithm else None,
        "key_management": management,
        "encryption_algorithm": algorithm,
    }


def _replicas(raw: Raw) -> list[dict[str, Any]] | None:
    """Replication destinations; their region is not in the configuration: unknown."""
    if "Replication" in (raw.get("Errors") or {}):
        code = raw["Errors"]["Replication"]
        return [] if code in ("NotImplemented", "NotSupported") else None
    rules = (raw.get("Replication") or {}).get("Rules") or []
    replicas = []
    for rule in rules:
        if rule.get("Status") != "Enabled":
            continue
        destination = str((rule.get("Destination") or {}).get("Bucket") or "")
        location = Location()
        replicas.append({"id": destination, "region": None, **location.model_dump()})
    return replicas


def bucket_tags(raw: Raw) -> dict[str, str]:
    """`TagSet` as `str -> str`."""
    return {
        str(t["Key"]): str(t.get("Value") or "")
        for t in raw.get("Tags") or []
        if isinstance(t, dict) and "Key" in t
    }


def bucket_properties(raw: Raw) -> dict[str, Any]:
    """The normalised `storage.bucket` properties of one fetched bucket (pure)."""
    via = _exposure(raw)
    values = list(via.values())
    public = True if True in values else (None if None in values else False)
    versioning = raw.get("Versioning")
    unknown_versioning = versioning is None and "Versioning" in (raw.get("Errors") or {})
    return {
        "public": public,
        "public_via": [name for name, value in via.items() if value],
        "public_access_block": None,
        "account_public_access_block": None,
        "public_access_blocked": False,
        **_encryption(raw),
        "versioning": None if unknown_versioning else (versioning or {}).get("Status") == "Enabled",
        "replicas": _replicas(raw),
    }
