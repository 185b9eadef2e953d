"""S3 bucket collector: one global listing per account, each bucket read in its region.

A bucket's exposure is spread over many calls (ACL, policy, policy status, bucket and
account Public Access Block) and any of them may be refused on one bucket by its own
policy. Missing configuration (`NoSuch...`) means "not set"; a refused sub-call is kept
visible: its value is None and `Errors` in the raw payload names the call and the code,
so the normalised property becomes null (unknown), never a silent false. Any other error
fails the collector, where the engine records it.

Raw payload: `Name, CreationDate, Region` from the listing, then one key per call
(`Acl, PolicyStatus, Policy, PublicAccessBlock, Encryption, Versioning, Replication,
Tags`), `AccountPublicAccessBlock` (s3control, read once per account), `KeyManager` of
the default-encryption KMS key, `ReplicaRegions` {destination ARN: region} and `Errors`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from cloudcensus.providers.aws.errors import error_code, is_access_denied
from cloudcensus.providers.aws.resource import (
    aws_resource,
    encryption,
    key_managers,
    replica,
    tag_dict,
)
from cloudcensus.providers.aws.spec import AwsCollector, AwsContext, ClientFactory
from cloudcensus.scanner.inventory import GLOBAL_REGION, Resource

__all__ = ["COLLECTORS", "fetch_buckets", "normalise_bucket"]

Raw = dict[str, Any]

_PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
_PAB_KEYS = {
    "block_public_acls": "BlockPublicAcls",
    "ignore_public_acls": "IgnorePublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "restrict_public_buckets": "RestrictPublicBuckets",
}


class _BucketGone(Exception):
    """The bucket was deleted between the listing and its reads: not an inventory item."""


def _read(errors: dict[str, str], name: str, call: Callable[[], Any], not_set: str = "") -> Any:
    """One sub-call: its answer, None when `not_set`, None + `errors[name]` when refused."""
    try:
        return call()
    except ClientError as exc:
        code = error_code(exc)
        if code == "NoSuchBucket":
            raise _BucketGone from exc
        if not_set and code == not_set:
            return None
        if is_access_denied(code):
            errors[name] = code or "AccessDenied"
            return None
        raise


def _region_of(s3: Any, bucket: str, errors: dict[str, str]) -> str | None:
    answer = _read(errors, "Location", lambda: s3.get_bucket_location(Bucket=bucket))
    if answer is None:
        return None
    constraint: str | None = answer.get("LocationConstraint")
    if not constraint:
        return "us-east-1"  # S3's original region answers with an empty constraint
    return "eu-west-1" if constraint == "EU" else constraint


def _account_public_access_block(clients: ClientFactory, ctx: AwsContext) -> tuple[Any, Raw]:
    errors: dict[str, str] = {}
    control = clients("s3control", ctx.home_region)
    answer = _read(
        errors,
        "AccountPublicAccessBlock",
        lambda: control.get_public_access_block(AccountId=ctx.account),
        not_set="NoSuchPublicAccessBlockConfiguration",
    )
    return (answer or {}).get("PublicAccessBlockConfiguration"), errors


def _bucket_details(s3: Any, name: str, errors: dict[str, str]) -> Raw:
    def get(label: str, method: str, not_set: str = "") -> Any:
        return _read(errors, label, lambda: getattr(s3, method)(Bucket=name), not_set)

    acl = get("Acl", "get_bucket_acl")
    status = get("PolicyStatus", "get_bucket_policy_status", "NoSuchBucketPolicy")
    policy = get("Policy", "get_bucket_policy", "NoSuchBucketPolicy")
    pab = get(
        "PublicAccessBlock", "get_public_access_block", "NoSuchPublicAccessBlockConfiguration"
    )
    sse = get(
        "Encryption", "get_bucket_encryption", "ServerSideEncryptionConfigurationNotFoundError"
    )
    versioning = get("Versioning", "get_bucket_versioning")
    replication = get(
        "Replication", "get_bucket_replication", "ReplicationConfigurationNotFoundError"
    )
    tags = get("Tags", "get_bucket_tagging", "NoSuchTagSet")
    return {
        "Acl": None if acl is None else {k: acl.get(k) for k in ("Owner", "Grants")},
        "PolicyStatus": None if status is None else status.get("PolicyStatus"),
        "Policy": None if policy is None else json.loads(policy["Policy"]),
        "PublicAccessBlock": None if pab is None else pab.get("PublicAccessBlockConfiguration"),
        "Encryption": None if sse is None else sse.get("ServerSideEncryptionConfiguration"),
        "Versioning": None
        if versioning is None
        else {k: versioning[k] for k in ("Status", "MFADelete") if k in versioning},
        "Replication": None if replication is None else replication.get("ReplicationConfiguration"),
        "Tags": None if tags is None else tags.get("TagSet", []),
    }


def _default_key(details: Raw) -> str | None:
    rules = (details.get("Encryption") or {}).get("Rules") or [{}]
    return (rules[0].get("ApplyServerSideEncryptionByDefault") or {}).get("KMSMasterKeyID")


def _destinations(details: Raw) -> list[str]:
    rules = (details.get("Replication") or {}).get("Rules", [])
    found = [r["Destination"]["Bucket"] for r in rules if r.get("Status") == "Enabled"]
    return list(dict.fromkeys(found))


class _Regions:
    """Bucket -> region, from the listing, then GetBucketLocation; shared by the
    account's buckets and their replication destinations (often in the same account)."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3
        self._known: dict[str, str | None] = {}

    def add(self, bucket: Raw, errors: dict[str, str]) -> str | None:
        name = bucket["Name"]
        if name not in self._known:
            listed = bucket.get("BucketRegion")
            self._known[name] = listed or self._locate(name, errors)
        return self._known[name]

    def of(self, name: str) -> str | None:
        """A destination's region; None when it is gone or not ours to read."""
        if name not in self._known:
            self._known[name] = self._locate(name, {})
        return self._known[name]

    def _locate(self, name: str, errors: dict[str, str]) -> str | None:
        try:
            return _region_of(self._s3, name, errors)
        except _BucketGone:
            return None


def fetch_buckets(clients: ClientFactory, ctx: AwsContext) -> Iterator[Raw]:
    """Every bucket of the account (ListBuckets once), each read in its own region."""
    home = clients("s3", ctx.home_region)
    account_pab, account_errors = _account_public_access_block(clients, ctx)
    paginator = home.get_paginator("list_buckets")
    listing = [b for page in paginator.paginate() for b in page.get("Buckets", [])]
    regions = _Regions(home)
    first_errors: dict[str, dict[str, str]] = {}
    for bucket in listing:
        regions.add(bucket, first_errors.setdefault(bucket["Name"], {}))
    for bucket in listing:
        errors = {**account_errors, **first_errors[bucket["Name"]]}
        payload = _bucket_payload(clients, ctx, bucket, regions, errors)
        if payload is not None:
            yield {**payload, "AccountPublicAccessBlock": account_pab, "Errors": errors}


def _bucket_payload(
    clients: ClientFactory, ctx: AwsContext, bucket: Raw, regions: _Regions, errors: dict[str, str]
) -> Raw | None:
    name = bucket["Name"]
    region = regions.add(bucket, errors)
    try:
        details = _bucket_details(clients("s3", region or ctx.home_region), name, errors)
    except _BucketGone:
        return None
    key = _default_key(details)
    managers = key_managers(clients("kms", region or ctx.home_region), [key]) if key else {}
    return {
        "Name": name,
        "CreationDate": bucket.get("CreationDate"),
        "Region": region,
        **details,
        "KeyManager": managers.get(key) if key else None,
        "ReplicaRegions": {arn: regions.of(arn.split(":::")[-1]) for arn in _destinations(details)},
    }


# -- normalise ---------------------------------------------------------------------------


def _pab(config: Raw | None) -> dict[str, bool] | None:
    if config is None:
        return None
    return {ours: bool(config.get(theirs)) for ours, theirs in _PAB_KEYS.items()}


def _effective_pab(raw: Raw) -> dict[str, bool | None]:
    """Each setting is on when on at bucket or account level (AWS applies both)."""
    errors = raw.get("Errors") or {}
    levels = [
        (_pab(raw.get("PublicAccessBlock")), "PublicAccessBlock" in errors),
        (_pab(raw.get("AccountPublicAccessBlock")), "AccountPublicAccessBlock" in errors),
    ]
    result: dict[str, bool | None] = {}
    for key in _PAB_KEYS:
        values = [None if unknown else bool(pab and pab[key]) for pab, unknown in levels]
        result[key] = True if True in values else (None if None in values else False)
    return result


def _wildcard_allow(policy: Raw) -> bool:
    statements = policy.get("Statement", [])
    for statement in [statements] if isinstance(statements, dict) else statements:
        principal = statement.get("Principal")
        anyone = principal == "*" or (
            isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))
        )
        if statement.get("Effect") == "Allow" and anyone:
            return True
    return False


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _exposure(raw: Raw) -> tuple[bool | None, bool | None]:
    """(public through the ACL, public through the policy) before Public Access Block."""
    errors = raw.get("Errors") or {}
    acl = raw.get("Acl")
    acl_public = (
        None
        if acl is None
        else any(
            (g.get("Grantee") or {}).get("URI") in _PUBLIC_GROUPS for g in acl.get("Grants") or []
        )
    )
    policy_public: bool | None
    if "PolicyStatus" not in errors:
        policy_public = bool((raw.get("PolicyStatus") or {}).get("IsPublic"))
    elif "Policy" not in errors:
        policy_public = _wildcard_allow(raw.get("Policy") or {})
    else:
        policy_public = None
    return acl_public, policy_public


def _unless_blocked(exposed: bool | None, blocked: bool | None) -> bool | None:
    if exposed is False or blocked is True:
        return False
    if exposed is True and blocked is False:
        return True
    return None


def _public(raw: Raw, effective: dict[str, bool | None]) -> tuple[bool | None, list[str]]:
    acl_public, policy_public = _exposure(raw)
    via = {
        "acl": _unless_blocked(acl_public, effective["ignore_public_acls"]),
        "policy": _unless_blocked(policy_public, effective["restrict_public_buckets"]),
    }
    values = list(via.values())
    public = True if True in values else (None if None in values else False)
    return public, [name for name, value in via.items() if value]


def _encryption(raw: Raw) -> dict[str, Any]:
    if "Encryption" in (raw.get("Errors") or {}):
        return {**encryption(None, None, None), "encryption_algorithm": None}
    rules = (raw.get("Encryption") or {}).get("Rules") or [{}]
    default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
    algorithm = default.get("SSEAlgorithm")
    key = default.get("KMSMasterKeyID")
    manager = raw.get("KeyManager")
    if algorithm == "AES256" or (algorithm and key is None):
        manager = "AWS"  # SSE-S3, or SSE-KMS with the AWS managed key aws/s3
    return {**encryption(bool(algorithm), key, manager), "encryption_algorithm": algorithm}


def normalise_bucket(raw: Raw, ctx: AwsContext) -> Resource:
    effective = _effective_pab(raw)
    public, public_via = _public(raw, effective)
    all_on = list(effective.values())
    blocked = True if all(all_on) else (False if False in all_on else None)
    versioning = raw.get("Versioning")
    return aws_resource(
        ctx,
        type_="storage.bucket",
        native_type="AWS::S3::Bucket",
        id_=f"arn:{ctx.partition}:s3:::{raw['Name']}",
        raw=raw,
        tags=tag_dict(raw.get("Tags")),
        name=raw["Name"],
        created=raw.get("CreationDate"),
        region=raw.get("Region") or GLOBAL_REGION,
        properties={
            "public": public,
            "public_via": public_via,
            "public_access_block": _pab(raw.get("PublicAccessBlock")),
            "account_public_access_block": _pab(raw.get("AccountPublicAccessBlock")),
            "public_access_blocked": blocked,
            **_encryption(raw),
            "versioning": None if versioning is None else versioning.get("Status") == "Enabled",
            "replicas": [
                replica(ctx, arn, region)
                for arn, region in (raw.get("ReplicaRegions") or {}).items()
            ],
        },
    )


COLLECTORS: tuple[AwsCollector, ...] = (
    AwsCollector("s3.buckets", fetch_buckets, normalise_bucket, ("AWS::S3::Bucket",), global_=True),
)
