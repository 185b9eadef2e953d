"""IAM users and roles: who can sign in, with which factors, and who may assume what.

IAM is global: both collectors run once per account (`ctx.region == 'global'`) with a
client in `ctx.home_region`. A user payload is composite because the facts rules need
(console password, MFA, access keys and their last use) live behind separate calls;
`fetch_users` gathers them so `normalise_user` stays pure.

A user that disappears between ListUsers and its detail calls (NoSuchEntity) is skipped:
it no longer exists, which is what the inventory must say.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from cloudcensus.providers.aws.errors import error_code
from cloudcensus.providers.aws.spec import AwsCollector, AwsContext, ClientFactory
from cloudcensus.scanner.inventory import GLOBAL_REGION, Resource

__all__ = [
    "COLLECTORS",
    "fetch_roles",
    "fetch_users",
    "normalise_role",
    "normalise_user",
    "trusted_principals",
]

_NO_SUCH_ENTITY = "NoSuchEntity"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _tags(items: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or []}


def _login_profile(iam: Any, user: str) -> dict[str, Any] | None:
    """The user's console password profile; None when the user has no console access."""
    try:
        profile: dict[str, Any] = iam.get_login_profile(UserName=user)["LoginProfile"]
    except ClientError as exc:
        if error_code(exc) == _NO_SUCH_ENTITY:
            return None
        raise
    return profile


def _access_keys(iam: Any, user: str) -> list[dict[str, Any]]:
    keys: list[dict[str, Any]] = []
    for page in iam.get_paginator("list_access_keys").paginate(UserName=user):
        for key in page["AccessKeyMetadata"]:
            last = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
            keys.append({**key, "LastUsed": last.get("AccessKeyLastUsed", {})})
    return keys


def _user_details(iam: Any, user: dict[str, Any]) -> dict[str, Any]:
    name = user["UserName"]
    mfa = [
        device
        for page in iam.get_paginator("list_mfa_devices").paginate(UserName=name)
        for device in page["MFADevices"]
    ]
    tags = [
        tag
        for page in iam.get_paginator("list_user_tags").paginate(UserName=name)
        for tag in page["Tags"]
    ]
    return {
        "User": {**user, "Tags": tags},
        "LoginProfile": _login_profile(iam, name),
        "MFADevices": mfa,
        "AccessKeys": _access_keys(iam, name),
    }


def fetch_users(client_factory: ClientFactory, ctx: AwsContext) -> Iterator[dict[str, Any]]:
    """Yield one composite payload per user: User (with Tags), LoginProfile, MFADevices,
    AccessKeys (each with its LastUsed)."""
    iam = client_factory("iam", ctx.home_region)
    for page in iam.get_paginator("list_users").paginate():
        for user in page["Users"]:
            try:
                details = _user_details(iam, user)
            except ClientError as exc:
                if error_code(exc) == _NO_SUCH_ENTITY:
                    continue
                raise
            yield details


def _access_key(key: dict[str, Any]) -> dict[str, Any]:
    last_used = key.get("LastUsed") or {}
    return {
        "id": key["AccessKeyId"],
        "status": str(key["Status"]).lower(),
        "created": _iso(key.get("CreateDate")),
        "last_used": _iso(last_used.get("LastUsedDate")),
    }


def normalise_user(raw: dict[str, Any], ctx: AwsContext) -> Resource:
    """An `identity.user`: console access, MFA, access keys and last console login."""
    user = raw["User"]
    return Resource(
        provider="aws",
        account=ctx.account,
        region=GLOBAL_REGION,
        type="identity.user",
        native_type="AWS::IAM::User",
        id=user["Arn"],
        name=user.get("UserName"),
        tags=_tags(user.get("Tags")),
        created=user.get("CreateDate"),
        location=ctx.location(GLOBAL_REGION),
        jurisdiction=ctx.jurisdiction,
        properties={
            "console_access": raw.get("LoginProfile") is not None,
            "mfa": bool(raw.get("MFADevices")),
            "access_keys": [_access_key(k) for k in raw.get("AccessKeys") or []],
            "last_login": _iso(user.get("PasswordLastUsed")),
        },
        raw=raw,
    )


def fetch_roles(client_factory: ClientFactory, ctx: AwsContext) -> Iterator[dict[str, Any]]:
    """Yield one payload per role: Role (ListRoles entry, trust policy decoded by botocore)
    with its Tags (ListRoles does not return them)."""
    iam = client_factory("iam", ctx.home_region)
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            try:
                tags = [
                    tag
                    for tag_page in iam.get_paginator("list_role_tags").paginate(
                        RoleName=role["RoleName"]
                    )
                    for tag in tag_page["Tags"]
                ]
            except ClientError as exc:
                if error_code(exc) == _NO_SUCH_ENTITY:
                    continue
                raise
            yield {"Role": {**role, "Tags": tags}}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def trusted_principals(document: Any) -> list[str]:
    """Every principal an Allow statement of a trust policy names, as written.

    `Principal: "*"` is returned as `*`; service and federated principals by their name.
    Deny statements grant nothing and are ignored.
    """
    if not isinstance(document, dict):
        return []
    found: list[str] = []
    for statement in _as_list(document.get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal == "*":
            found.append("*")
        elif isinstance(principal, dict):
            for values in principal.values():
                found.extend(str(v) for v in _as_list(values))
    return list(dict.fromkeys(found))


def _account_of(principal: str) -> str | None:
    if principal.isdigit() and len(principal) == 12:
        return principal
    parts = principal.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[4].isdigit():
        return parts[4]
    return None


def _external(principals: list[str], account: str) -> bool:
    """A principal of another account, or anyone (`*`), may assume the role.

    Service principals and unique ids of deleted principals name no account: not external.
    """
    for principal in principals:
        if principal == "*":
            return True
        other = _account_of(principal)
        if other is not None and other != account:
            return True
    return False


def normalise_role(raw: dict[str, Any], ctx: AwsContext) -> Resource:
    """An `identity.role`: who its trust policy lets assume it, and whether that reaches
    outside the account."""
    role = raw["Role"]
    principals = trusted_principals(role.get("AssumeRolePolicyDocument"))
    return Resource(
        provider="aws",
        account=ctx.account,
        region=GLOBAL_REGION,
        type="identity.role",
        native_type="AWS::IAM::Role",
        id=role["Arn"],
        name=role.get("RoleName"),
        tags=_tags(role.get("Tags")),
        created=role.get("CreateDate"),
        location=ctx.location(GLOBAL_REGION),
        jurisdiction=ctx.jurisdiction,
        properties={
            "trusted_principals": principals,
            "external_trust": _external(principals, ctx.account),
        },
        raw=raw,
    )


COLLECTORS: tuple[AwsCollector, ...] = (
    AwsCollector(
        name="iam.users",
        fetch=fetch_users,
        normalise=normalise_user,
        native_types=("AWS::IAM::User",),
        global_=True,
    ),
    AwsCollector(
        name="iam.roles",
        fetch=fetch_roles,
        normalise=normalise_role,
        native_types=("AWS::IAM::Role",),
        global_=True,
    ),
)
