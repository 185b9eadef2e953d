"""The `gcp.resourceLocations` organisation policy: a project's preventive region guardrail.

`OrgPolicyReader` reads the organisation policies set on a project and on each of its
ancestors (folders, organisation), each ancestor once per scan. `region_guardrail` (pure)
evaluates the constraint down that chain as the Organization Policy Service does (v1
list policies, the form Cloud Asset Inventory returns):

- a node without a policy for the constraint inherits its parent's;
- `inheritFromParent: true` merges the node's values into the parent's effective policy
  (allowed and denied values are unions; denied wins); otherwise the node replaces it;
- `restoreDefault` resets to the default (every location allowed);
- `allValues: ALLOW` allows everything, `DENY` nothing.

The result is `{allowed_regions, policy_ids}` or None (no restriction). Value groups
(`in:eu-locations`) and zones are expanded to location codes with the catalogue
(`Locator.expand`). A policy that only denies locations allows every other one,
including locations this catalogue does not know yet: its allowed list ends with `*`.
A node whose policies could not be read makes the guardrail unreadable, unless a node
below it replaces its policy anyway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.api_core.exceptions import Forbidden

from cloudcensus.providers.gcp.fields import PayloadError, opt_bool, opt_list, opt_map, opt_str
from cloudcensus.providers.gcp.locations import Locator
from cloudcensus.providers.gcp.spec import OrgPolicyNode

__all__ = ["ANY_OTHER", "CONSTRAINT", "OrgPolicyReader", "region_guardrail"]

CONSTRAINT = "constraints/gcp.resourceLocations"
#: In `allowed_regions`: every location not listed is allowed too (a deny-only policy).
ANY_OTHER = "*"
_CRM = "//cloudresourcemanager.googleapis.com/"
_NODE_TYPES = {
    "projects": "cloudresourcemanager.googleapis.com/Project",
    "folders": "cloudresourcemanager.googleapis.com/Folder",
    "organizations": "cloudresourcemanager.googleapis.com/Organization",
}


@dataclass
class _Effective:
    all_values: str | None = None  # 'ALLOW' | 'DENY' | None
    allowed: set[str] = field(default_factory=set)
    denied: set[str] = field(default_factory=set)


def _constraint_policy(node: OrgPolicyNode) -> dict[str, Any] | None:
    for number, policy in enumerate(node["policies"]):
        if not isinstance(policy, dict):
            raise PayloadError(f"orgPolicy[{number}] of {node['node']}: expected an object")
        name = opt_str(policy, "constraint", f"orgPolicy[{number}]")
        if name in (CONSTRAINT, CONSTRAINT.removeprefix("constraints/")):
            return policy
    return None


def _values(policy: dict[str, Any], key: str) -> set[str]:
    values = opt_list(policy, key, f"orgPolicy.listPolicy.{key}") or []
    return {str(value) for value in values}


def _own(policy: dict[str, Any], node: str) -> tuple[_Effective | None, bool]:
    """(the node's own policy, whether it merges with its parent's); None = default."""
    if "restoreDefault" in policy:
        return None, False
    listed = opt_map(policy, "listPolicy", f"orgPolicy of {node}")
    if listed is None:
        raise PayloadError(f"orgPolicy of {node}: {CONSTRAINT} has no listPolicy")
    here = f"orgPolicy of {node}: listPolicy"
    all_values = opt_str(listed, "allValues", here)
    if all_values not in (None, "ALL_VALUES_UNSPECIFIED", "ALLOW", "DENY"):
        raise PayloadError(f"{here}.allValues: unknown value {all_values!r}")
    own = _Effective(
        all_values if all_values in ("ALLOW", "DENY") else None,
        _values(listed, "allowedValues"),
        _values(listed, "deniedValues"),
    )
    return own, bool(opt_bool(listed, "inheritFromParent", here))


def _merge(parent: _Effective | None, child: _Effective) -> _Effective:
    if parent is None:
        return child
    if "DENY" in (parent.all_values, child.all_values):
        return _Effective("DENY")
    if "ALLOW" in (parent.all_values, child.all_values):
        return _Effective("ALLOW", denied=parent.denied | child.denied)
    return _Effective(None, parent.allowed | child.allowed, parent.denied | child.denied)


def region_guardrail(
    chain: Sequence[OrgPolicyNode], locator: Locator
) -> tuple[dict[str, Any] | None, bool]:
    """(guardrail, readable) of a project; `chain` runs from the project to the root."""
    needed: list[tuple[str, dict[str, Any]]] = []
    for node in chain:
        if not node["readable"]:
            return None, False
        policy = _constraint_policy(node)
        if policy is None:
            continue
        needed.append((node["node"], policy))
        own, inherits = _own(policy, node["node"])
        if own is None or not inherits:
            break
    effective: _Effective | None = None
    contributing: list[str] = []
    for node, policy in reversed(needed):
        own, inherits = _own(policy, node)
        if own is None:
            effective, contributing = None, []
            continue
        effective = _merge(effective, own) if inherits else own
        contributing = [*contributing, node] if inherits else [node]
    return _guardrail(effective, contributing, locator), True


def _guardrail(
    effective: _Effective | None, nodes: list[str], locator: Locator
) -> dict[str, Any] | None:
    if effective is None or (effective.all_values == "ALLOW" and not effective.denied):
        return None
    ids = [f"{node}/policies/gcp.resourceLocations" for node in nodes]
    denied = set(locator.expand(effective.denied))
    if effective.all_values == "DENY":
        allowed: list[str] = []
    elif effective.allowed and effective.all_values is None:
        allowed = [code for code in locator.expand(effective.allowed) if code not in denied]
    elif effective.denied:
        others = [code for code in locator.offering_codes() if code not in denied]
        allowed = [*sorted(others), ANY_OTHER]
    else:
        return None
    return {"allowed_regions": allowed, "policy_ids": ids}


# -- reading ---------------------------------------------------------------------------

#: Lists assets: (parent, content type, asset types) -> assets. Raises on API errors.
ListAssets = Callable[[str, str, Sequence[str]], Iterable[Mapping[str, Any]]]


class OrgPolicyReader:
    """Reads the policy chain of projects; each ancestor's policies once per scan.

    For the project: its organisation policies (ORG_POLICY). For each folder and the
    organisation: their organisation policies and the `auditConfigs` of their IAM policy
    (IAM_POLICY), which the project inherits. A node the caller may not read (403) is
    recorded as unreadable, never as "no policy".
    """

    def __init__(self, list_assets: ListAssets) -> None:
        self._list = list_assets
        self._lock = threading.Lock()
        self._nodes: dict[str, OrgPolicyNode] = {}

    def _own_asset(self, node: str, content: str) -> Mapping[str, Any] | None:
        """The node's own asset in a listing of `content` (None: no policy set)."""
        kind = node.split("/", 1)[0]
        if kind not in _NODE_TYPES:
            raise PayloadError(f"ancestors: not a project, folder or organisation: {node!r}")
        for asset in self._list(node, content, [_NODE_TYPES[kind]]):
            if asset.get("name") == _CRM + node:
                return asset
        return None

    def _read(self, node: str, *, iam: bool) -> OrgPolicyNode:
        entry: OrgPolicyNode = {"node": node, "readable": True, "policies": [], "audit_configs": []}
        try:
            asset = self._own_asset(node, "ORG_POLICY") or {}
            found = asset.get("orgPolicy") or []
            entry["policies"] = [p for p in found if isinstance(p, dict)]
        except Forbidden:  # may not read this node: its policies are unknown, not absent
            entry["readable"] = False
        if iam:
            try:
                policy = (self._own_asset(node, "IAM_POLICY") or {}).get("iamPolicy") or {}
                configs = policy.get("auditConfigs") or [] if isinstance(policy, dict) else []
                entry["audit_configs"] = [c for c in configs if isinstance(c, dict)]
            except Forbidden:
                entry["audit_configs"] = None
        return entry

    def chain(self, ancestors: Sequence[str]) -> list[OrgPolicyNode]:
        """The policies of `ancestors` (project first, as Cloud Asset lists them): the
        project read now, every folder and organisation from the scan's cache."""
        chain: list[OrgPolicyNode] = []
        for number, node in enumerate(ancestors):
            if number == 0:
                chain.append(self._read(node, iam=False))
                continue
            with self._lock:
                cached = self._nodes.get(node)
            if cached is None:
                cached = self._read(node, iam=True)
                with self._lock:
                    cached = self._nodes.setdefault(node, cached)
            chain.append(cached)
        return chain
