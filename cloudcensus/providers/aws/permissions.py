"""The IAM actions behind the AWS provider's API calls (deploy/iam/aws is built from these).

An API operation and the IAM action that authorises it share their name in most
services; the exceptions are listed here, from the AWS Service Authorization Reference.
The least-privilege policy of `deploy/iam/aws/` is checked against the actions that a full
scan really calls (tests/aws/test_permissions.py), so the two cannot drift apart.
"""

from __future__ import annotations

__all__ = ["FREE_OPERATIONS", "iam_action"]

#: botocore service name -> IAM service prefix, where they differ.
_PREFIX: dict[str, str] = {
    "elbv2": "elasticloadbalancing",
    "resourcegroupstaggingapi": "tag",
    "s3control": "s3",
}

#: (botocore service, operation) -> IAM action, where the action has another name.
_RENAMED: dict[tuple[str, str], str] = {
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "GetBucketReplication"): "s3:GetReplicationConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
    ("lambda", "ListFunctions"): "lambda:ListFunctions",
    ("lambda", "GetFunctionUrlConfig"): "lambda:GetFunctionUrlConfig",
}

#: Operations every principal may call without a permission.
FREE_OPERATIONS: frozenset[tuple[str, str]] = frozenset({("sts", "GetCallerIdentity")})


def iam_action(service: str, operation: str) -> str | None:
    """The IAM action for one botocore call, or None when it needs no permission."""
    if (service, operation) in FREE_OPERATIONS:
        return None
    renamed = _RENAMED.get((service, operation))
    if renamed is not None:
        return renamed
    return f"{_PREFIX.get(service, service)}:{operation}"
