"""The account itself: password policy, root MFA, S3 account-level Block Public Access,
and the organisation's region guardrail.

One `account` resource per scanned account, collected once (global). Its id is
`arn:<partition>:iam::<account>:root`: stable, unique across partitions, and the ARN AWS
itself uses for "the account" as a principal. Its native type `AWS::Account` is not a
CloudFormation type (there is none for an account); it is cloudcensus's own name.

The guardrail comes from `ctx.organization`, which the provider reads with management
account credentials; outside an organisation (or when it could not be read) the
guardrail is `None` and `region_guardrail_readable` is false.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from botocore.exceptions import ClientError

from cloudcensus.providers.aws.errors import error_code
from cloudcensus.providers.aws.spec import AwsCollector, AwsContext, ClientFactory
from cloudcensus.scanner.inventory import GLOBAL_REGION, Resource

__all__ = ["COLLECTORS", "account_id", "fetch_account", "normalise_account"]

NATIVE_TYPE = "AWS::Account"

_PASSWORD_FIELDS = {
    "min_length": "MinimumPasswordLength",
    "require_symbols": "RequireSymbols",
    "require_numbers": "RequireNumbers",
    "require_uppercase": "RequireUppercaseCharacters",
    "require_lowercase": "RequireLowercaseCharacters",
    "max_age_days": "MaxPasswordAge",
    "reuse_prevention": "PasswordReusePrevention",
}
_PASSWORD_FLAGS = ("require_symbols", "require_numbers", "require_uppercase", "require_lowercase")
_PAB_FIELDS = {
    "block_public_acls": "BlockPublicAcls",
    "ignore_public_acls": "IgnorePublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "restrict_public_buckets": "RestrictPublicBuckets",
}


def account_id(partition: str, account: str) -> str:
    """The stable id of the `account` resource."""
    return f"arn:{partition}:iam::{account}:root"


def _or_none(call: Any, key: str, missing: str, **kwargs: Any) -> dict[str, Any] | None:
    """`call(**kwargs)[key]`, or None when AWS answers that nothing is configured."""
    try:
        value: dict[str, Any] = call(**kwargs)[key]
    except ClientError as exc:
        if error_code(exc) == missing:
            return None
        raise
    return value


def fetch_account(client_factory: ClientFactory, ctx: AwsContext) -> Iterator[dict[str, Any]]:
    """Yield one payload: PasswordPolicy (None when unset), SummaryMap, PublicAccessBlock
    (None when unset) and AccountAliases."""
    iam = client_factory("iam", ctx.home_region)
    s3control = client_factory("s3control", ctx.home_region)
    aliases = [
        alias
        for page in iam.get_paginator("list_account_aliases").paginate()
        for alias in page["AccountAliases"]
    ]
    yield {
        "PasswordPolicy": _or_none(
            iam.get_account_password_policy, "PasswordPolicy", "NoSuchEntity"
        ),
        "SummaryMap": iam.get_account_summary()["SummaryMap"],
        "PublicAccessBlock": _or_none(
            s3control.get_public_access_block,
            "PublicAccessBlockConfiguration",
            "NoSuchPublicAccessBlockConfiguration",
            AccountId=ctx.account,
        ),
        "AccountAliases": aliases,
    }


def _mapped(source: dict[str, Any] | None, fields: dict[str, str]) -> dict[str, Any] | None:
    if source is None:
        return None
    return {ours: source.get(theirs) for ours, theirs in fields.items()}


def _password_policy(policy: dict[str, Any] | None) -> dict[str, Any] | None:
    """Absent numeric settings stay None (no limit); absent flags are false."""
    mapped = _mapped(policy, _PASSWORD_FIELDS)
    if mapped is not None:
        for flag in _PASSWORD_FLAGS:
            mapped[flag] = bool(mapped[flag])
        mapped["max_age_days"] = mapped["max_age_days"] or None  # 0 = passwords never expire
    return mapped


def _guardrail(organization: Mapping[str, Any]) -> dict[str, list[str]] | None:
    guardrail = organization.get("region_guardrail")
    if not guardrail:
        return None
    return {
        "allowed_regions": list(guardrail.get("allowed_regions") or []),
        "policy_ids": list(guardrail.get("policy_ids") or []),
    }


def _root_mfa(summary: dict[str, Any]) -> bool | None:
    value = summary.get("AccountMFAEnabled")
    return value == 1 if value is not None else None


def normalise_account(raw: dict[str, Any], ctx: AwsContext) -> Resource:
    """The `account` resource of `ctx.account`."""
    organization = ctx.organization or {}
    aliases: list[str] = raw.get("AccountAliases") or []
    pab = _mapped(raw.get("PublicAccessBlock"), _PAB_FIELDS)
    return Resource(
        provider="aws",
        account=ctx.account,
        region=GLOBAL_REGION,
        type="account",
        native_type=NATIVE_TYPE,
        id=account_id(ctx.partition, ctx.account),
        name=aliases[0] if aliases else None,
        location=ctx.location(GLOBAL_REGION),
        jurisdiction=ctx.jurisdiction,
        properties={
            "password_policy": _password_policy(raw.get("PasswordPolicy")),
            "root_mfa": _root_mfa(raw.get("SummaryMap") or {}),
            "public_access_block": (
                {k: bool(v) for k, v in pab.items()} if pab is not None else None
            ),
            "region_guardrail": _guardrail(organization),
            "region_guardrail_readable": bool(organization.get("region_guardrail_readable")),
            "regions": list(ctx.regions),
            "organization_id": organization.get("organization_id"),
        },
        raw=raw,
    )


COLLECTORS: tuple[AwsCollector, ...] = (
    AwsCollector(
        name="account",
        fetch=fetch_account,
        normalise=normalise_account,
        native_types=(NATIVE_TYPE,),
        global_=True,
    ),
)
