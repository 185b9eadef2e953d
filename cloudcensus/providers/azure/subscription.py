"""The subscription itself (`account`) and its Activity Log export (`logging.audit_trail`).

Region guardrail: the Azure Policy assignments that apply at the subscription (its own
and those inherited from management groups: `$filter=atScope()`) of an "allowed
locations" definition (`location_policies`, the built-in one by default), enforced
(`enforcementMode` not DoNotEnforce) with a Deny effect, not excluding the subscription
(`notScopes`), and assigned at the subscription or above (a resource group's assignment
guards only that group). Several such assignments allow what all of them allow. When
the assignments cannot be read, `region_guardrail_readable` is false.

Audit trail: each subscription diagnostic setting that exports the Activity Log (Azure
Monitor; Resource Graph does not hold them) is a `logging.audit_trail`. It is logging
when the `Administrative` category (control-plane writes) is enabled; it always covers
every region (the Activity Log is subscription-wide). Azure has no log-file validation
and no home region for it: null.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.azure.resource import AzureContext, Raw, azure_resource, enrichment
from cloudcensus.providers.azure.spec import AzureCollector, Sources, read_list
from cloudcensus.providers.records import account_properties
from cloudcensus.scanner.inventory import GLOBAL_REGION, Resource

__all__ = ["COLLECTORS", "region_guardrail"]

SUBSCRIPTION = "Microsoft.Resources/subscriptions"
DIAGNOSTIC_SETTING = "Microsoft.Insights/diagnosticSettings"
POLICY_API = "2023-04-01"
MONITOR_API = "2021-05-01-preview"
SUBSCRIPTION_API = "2022-12-01"
_AUDIT_CATEGORIES = frozenset({"administrative"})
_AUDIT_GROUPS = frozenset({"alllogs", "audit"})


def fetch_subscription(sources: Sources, ctx: AzureContext) -> Iterator[Raw]:
    """The subscription (ARM) with the policy assignments that apply to it."""
    scope = f"/subscriptions/{ctx.subscription}"
    row = sources.arm.get(scope, SUBSCRIPTION_API)
    path = f"{scope}/providers/Microsoft.Authorization/policyAssignments?$filter=atScope()"
    assignments = read_list(row, "policyAssignments", sources.arm, path, POLICY_API)
    row.setdefault("cloudcensus", {})["policyAssignments"] = assignments
    yield row


def _parameter(props: dict[str, Any], name: str) -> Any:
    value = (props.get("parameters") or {}).get(name)
    return value.get("value") if isinstance(value, dict) else None


def _applies(props: dict[str, Any], subscription: str) -> bool:
    scope = str(props.get("scope") or "").lower()
    if "/resourcegroups/" in scope:
        return False
    excluded = {str(s).lower().rstrip("/") for s in props.get("notScopes") or []}
    return f"/subscriptions/{subscription.lower()}" not in excluded


def region_guardrail(
    assignments: list[Raw], subscription: str, definitions: tuple[str, ...]
) -> dict[str, list[str]] | None:
    """The allowed locations every enforced deny assignment agrees on, or None."""
    wanted = {d.lower() for d in definitions}
    allowed: set[str] | None = None
    ids: list[str] = []
    for assignment in assignments:
        props = assignment.get("properties") or {}
        if str(props.get("policyDefinitionId") or "").lower() not in wanted:
            continue
        if str(props.get("enforcementMode") or "Default").lower() == "donotenforce":
            continue
        effect = _parameter(props, "effect")
        locations = _parameter(props, "listOfAllowedLocations")
        if (effect and str(effect).lower() != "deny") or not isinstance(locations, list):
            continue
        if not _applies(props, subscription):
            continue
        names = {str(loc).lower() for loc in locations}
        allowed = names if allowed is None else allowed & names
        ids.append(str(assignment.get("id")))
    if allowed is None:
        return None
    return {"allowed_regions": sorted(allowed), "policy_ids": ids}


def normalise_subscription(raw: Raw, ctx: AzureContext) -> Resource:
    assignments = enrichment(raw).get("policyAssignments")
    guardrail = (
        None
        if assignments is None
        else region_guardrail(assignments, ctx.subscription, ctx.location_policies)
    )
    return azure_resource(
        ctx,
        {**raw, "name": raw.get("displayName")},
        type_="account",
        native_type=SUBSCRIPTION,
        id_=f"/subscriptions/{ctx.subscription}",
        region=GLOBAL_REGION,
        # Entra ID, not the subscription, holds the sign-in policy.
        properties=account_properties(
            regions=list(ctx.regions),
            organization_id=raw.get("tenantId") or ctx.tenant,
            region_guardrail=guardrail,
            region_guardrail_readable=assignments is not None,
        ),
    )


def fetch_diagnostic_settings(sources: Sources, ctx: AzureContext) -> Iterator[Raw]:
    """The subscription's diagnostic settings (Activity Log export)."""
    path = f"/subscriptions/{ctx.subscription}/providers/Microsoft.Insights/diagnosticSettings"
    yield from sources.arm.list(path, MONITOR_API)


def _logging(props: dict[str, Any]) -> bool:
    for log in props.get("logs") or []:
        category = str(log.get("category") or "").lower()
        group = str(log.get("categoryGroup") or "").lower()
        if log.get("enabled") and (category in _AUDIT_CATEGORIES or group in _AUDIT_GROUPS):
            return True
    return False


def normalise_diagnostic_setting(raw: Raw, ctx: AzureContext) -> Resource:
    props = raw.get("properties") or {}
    targets = (
        "storageAccountId",
        "workspaceId",
        "eventHubAuthorizationRuleId",
        "marketplacePartnerId",
    )
    return azure_resource(
        ctx,
        raw,
        type_="logging.audit_trail",
        native_type=DIAGNOSTIC_SETTING,
        region=GLOBAL_REGION,
        properties={
            "logging": _logging(props),
            "multi_region": True,
            "home_region": None,
            "log_file_validation": None,
            "key_id": None,
            "destination": next((str(props[t]) for t in targets if props.get(t)), None),
        },
    )


COLLECTORS = (
    AzureCollector("account", fetch_subscription, normalise_subscription),
    AzureCollector("monitor.activity_log", fetch_diagnostic_settings, normalise_diagnostic_setting),
)
