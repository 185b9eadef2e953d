"""Shared pieces of AWS `Resource` records: tags, names, encryption and key ownership.

Every AWS resource module reads tags the same way (`[{Key, Value}]`) and reports
encryption the same way (docs/inventory.md: `encrypted`, `key_id`, `key_management`).
Whether a KMS key is the customer's or AWS's own (`aws/ebs`, `aws/s3`, ...) is not in
the resource's payload, so `fetch` asks KMS once per distinct key (`key_managers`) and
stores the answer in the raw payload; `normalise` stays pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Unpack

from botocore.exceptions import ClientError

from cloudcensus.providers.aws.errors import error_code, is_access_denied
from cloudcensus.providers.aws.spec import AwsContext
from cloudcensus.providers.records import RecordFields, located_resource
from cloudcensus.providers.records import key_value_tags as tag_dict
from cloudcensus.providers.records import replica as located_replica
from cloudcensus.scanner.inventory import Resource

__all__ = ["aws_resource", "encryption", "key_managers", "name_tag", "replica", "tag_dict"]

_UNREADABLE_KEY = frozenset({"NotFoundException", "KMSInvalidStateException"})


def name_tag(tags: Mapping[str, str]) -> str | None:
    """The `Name` tag, the name AWS consoles show for resources that have no other."""
    return tags.get("Name") or None


def key_managers(
    kms: Any, key_ids: Iterable[str | None], known: dict[str, str | None] | None = None
) -> dict[str, str | None]:
    """KMS `KeyManager` ('AWS' or 'CUSTOMER') per distinct key id; None when unreadable.

    Keys already in `known` are not asked again; the result includes them. A key the
    caller may not describe (AccessDenied, e.g. another account's key) or that no longer
    exists is unknown, not an error of the whole collector.
    """
    managers: dict[str, str | None] = dict(known or {})
    for key_id in {k for k in key_ids if k and k not in managers and "alias/aws/" not in k}:
        try:
            managers[key_id] = kms.describe_key(KeyId=key_id)["KeyMetadata"].get("KeyManager")
        except ClientError as exc:
            code = error_code(exc)
            if not (is_access_denied(code) or code in _UNREADABLE_KEY):
                raise
            managers[key_id] = None
    return managers


def encryption(
    encrypted: bool | None, key_id: str | None, key_manager: str | None
) -> dict[str, Any]:
    """The normalised encryption triple.

    `key_management` is 'customer' for a customer-managed KMS key, 'provider' for AWS's
    own keys (an AWS-managed `aws/...` key, SSE-S3), None when unknown or unencrypted.
    """
    management: str | None = None
    if encrypted:
        if key_manager == "CUSTOMER":
            management = "customer"
        elif key_manager == "AWS" or (key_id is not None and "alias/aws/" in key_id):
            management = "provider"
    return {
        "encrypted": encrypted,
        "key_id": key_id if encrypted else None,
        "key_management": management,
    }


def replica(ctx: AwsContext, replica_id: str, region: str | None) -> dict[str, Any]:
    """A copy of the resource's data elsewhere, located through the region catalogue."""
    return located_replica(replica_id, region, ctx.location)


def aws_resource(
    ctx: AwsContext,
    *,
    id_: str,
    created: datetime | None = None,
    region: str | None = None,
    **fields: Unpack[RecordFields],
) -> Resource:
    """A `Resource` of this account; `region` overrides the context's (S3 buckets)."""
    where = region or ctx.region
    return located_resource(
        "aws",
        ctx.account,
        where,
        id_,
        location=ctx.location(where),
        jurisdiction=ctx.jurisdiction,
        created=created,
        **fields,
    )
