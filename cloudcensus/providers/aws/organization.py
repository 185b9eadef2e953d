"""AWS Organizations: the accounts to scan and each account's SCP region guardrail.

Read with the caller's (management or delegated administrator) credentials, never with
a member account's role. The guardrail is the preventive control sovereignty rules ask
for: a service control policy that denies requests outside a list of regions
(`Deny` + `StringNotEquals`/`StringNotLike` on `aws:RequestedRegion`), attached to the
account, to one of its parent OUs or to the root.

Caching is per organisation structure (OUs, the root, policy documents), never per
account, so memory does not grow with the number of accounts.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from botocore.exceptions import ClientError

from cloudcensus.providers.aws.errors import error_code, is_access_denied

__all__ = [
    "GuardrailReader",
    "OrgAccount",
    "describe_organization",
    "list_accounts",
    "regions_allowed_by_policy",
]

_SCP = "SERVICE_CONTROL_POLICY"
_REGION_KEY = "aws:requestedregion"
_NOT_OPERATORS = ("stringnotequals", "stringnotlike")


@dataclass(frozen=True)
class OrgAccount:
    id: str
    name: str | None


def describe_organization(org: Any) -> dict[str, Any] | None:
    """The organisation of the caller, or None when the account is not in one."""
    try:
        organization: dict[str, Any] = org.describe_organization()["Organization"]
    except ClientError as exc:
        if error_code(exc) == "AWSOrganizationsNotInUseException":
            return None
        raise
    return organization


def list_accounts(org: Any) -> Iterator[OrgAccount]:
    """Every ACTIVE account of the organisation, streamed page by page."""
    for page in org.get_paginator("list_accounts").paginate():
        for account in page["Accounts"]:
            state = account.get("State") or account.get("Status")
            if state == "ACTIVE":
                yield OrgAccount(id=account["Id"], name=account.get("Name") or None)


def _statements(document: Any) -> list[dict[str, Any]]:
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    return [s for s in statements if isinstance(s, dict)]


def regions_allowed_by_policy(content: str | dict[str, Any]) -> list[str] | None:
    """Regions a policy leaves open, from its Deny-unless-region statements; None if none.

    Several such statements all apply (denies add up), so the result is their
    intersection; region patterns (`eu-*`) are kept as written.
    """
    document = json.loads(content) if isinstance(content, str) else content
    found: list[list[str]] = []
    for statement in _statements(document):
        if statement.get("Effect") != "Deny":
            continue
        for operator, conditions in (statement.get("Condition") or {}).items():
            base = operator.lower().split(":")[-1].removesuffix("ifexists")
            if base not in _NOT_OPERATORS or not isinstance(conditions, dict):
                continue
            for key, values in conditions.items():
                if key.lower() == _REGION_KEY:
                    found.append([values] if isinstance(values, str) else list(values))
    return intersect_region_sets(found) if found else None


def intersect_region_sets(sets: list[list[str]]) -> list[str]:
    """Regions (or patterns) allowed by every set; a value survives when each set has a
    literal or pattern that matches it."""
    candidates = sorted({value for values in sets for value in values})
    return [
        value
        for value in candidates
        if all(any(fnmatchcase(value, allowed) for allowed in values) for values in sets)
    ]


class GuardrailReader:
    """Reads the region guardrail of accounts, caching the organisation's shared parts."""

    def __init__(self, org: Any) -> None:
        self._org = org
        self._lock = threading.Lock()
        self._parents: dict[str, str | None] = {}  # OU id -> parent id (None above root)
        self._attached: dict[str, list[str]] = {}  # OU/root id -> SCP ids
        self._allowed: dict[str, list[str] | None] = {}  # SCP id -> allowed regions

    def read(self, account_id: str) -> dict[str, Any]:
        """`{"region_guardrail": {...}|None, "region_guardrail_readable": bool}`.

        Not readable (AccessDenied) is reported, not raised: a member account's own
        credentials usually cannot read SCPs, and that must not fail the scan.
        """
        try:
            targets = self._targets(account_id)
            policy_ids = [p for target in targets for p in self._policies(target)]
            allowed = {p: self._allowed_regions(p) for p in dict.fromkeys(policy_ids)}
        except ClientError as exc:
            code = error_code(exc)
            if code == "PolicyTypeNotEnabledException":
                return {"region_guardrail": None, "region_guardrail_readable": True}
            if is_access_denied(code):
                return {"region_guardrail": None, "region_guardrail_readable": False}
            raise
        guarding = {p: regions for p, regions in allowed.items() if regions is not None}
        if not guarding:
            return {"region_guardrail": None, "region_guardrail_readable": True}
        regions = intersect_region_sets(list(guarding.values()))
        guardrail = {"allowed_regions": regions, "policy_ids": sorted(guarding)}
        return {"region_guardrail": guardrail, "region_guardrail_readable": True}

    def _targets(self, account_id: str) -> list[str]:
        """The account, then each parent OU, up to and including the root."""
        targets = [account_id]
        parent = self._parent_of(account_id, cache=False)
        while parent is not None:
            targets.append(parent)
            parent = self._parent_of(parent, cache=True)
        return targets

    def _parent_of(self, child: str, cache: bool) -> str | None:
        if child.startswith("r-"):
            return None
        with self._lock:
            if cache and child in self._parents:
                return self._parents[child]
        parents = self._org.list_parents(ChildId=child)["Parents"]
        parent: str | None = parents[0]["Id"] if parents else None
        if cache:
            with self._lock:
                self._parents[child] = parent
        return parent

    def _policies(self, target: str) -> list[str]:
        shared = not target.isdigit()  # OUs and the root are shared, accounts are not
        with self._lock:
            if shared and target in self._attached:
                return self._attached[target]
        paginator = self._org.get_paginator("list_policies_for_target")
        ids = [
            policy["Id"]
            for page in paginator.paginate(TargetId=target, Filter=_SCP)
            for policy in page["Policies"]
        ]
        if shared:
            with self._lock:
                self._attached[target] = ids
        return ids

    def _allowed_regions(self, policy_id: str) -> list[str] | None:
        with self._lock:
            if policy_id in self._allowed:
                return self._allowed[policy_id]
        policy = self._org.describe_policy(PolicyId=policy_id)["Policy"]
        allowed = regions_allowed_by_policy(policy.get("Content") or "{}")
        with self._lock:
            self._allowed[policy_id] = allowed
        return allowed
