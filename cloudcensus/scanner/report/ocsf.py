"""`findings.ocsf.json`: findings as OCSF 1.5.0 Compliance Finding events (class 2003).

One pinned OCSF version, `OCSF_VERSION`; the file is a JSON array written one event at a
time. The mapping, for anyone reading the events in a SIEM or in the registry:

- `time`, `finding_info.created_time`: when the rule was evaluated (epoch milliseconds).
- `severity_id`: info 1, low 2, medium 3, high 4, critical 5.
- `compliance.status_id` (the verdict): pass -> 1 Pass, fail -> 3 Fail, error -> 2 Warning
  ("did not yield a result due to missing information": the rule could not be evaluated,
  which must never read as a pass), explained -> 3 Fail. An explained finding *is* a
  deviation; comply-or-explain accepts it, it does not make it compliant. So an explained
  finding keeps Fail, and the acceptance is carried by the finding workflow status:
- `status_id` (the workflow): 1 New, except explained -> 3 Suppressed ("reviewed ... and
  now suppressed"), with `compliance.status_detail` = "Explained by EXP-x: <note>".
- `compliance`: `control` = rule id, `standards` = framework names, `requirements` =
  "<framework> <control id>", `checks` = the rule (id, title, version, severity, verdict).
- `resources[0]`: uid (ARN / resource id), name, type (normalised type), region, tags
  (when the caller supplies them: a finding carries no tags), `data.native_type`.
  The owning account is `cloud.account.uid`: OCSF's resource `owner` is a user, and an
  account id is not one.
- `evidences[0].data`: the values the rule's condition read.
- `unmapped.cloudcensus`: what OCSF has no field for: our own status string, pack, rule
  version, explanation id and note.
- `remediation.desc`: the rule's remediation text.

The events are written by `OcsfEncoder` (`ocsfencoder.py`), byte for byte these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic_core import to_jsonable_python

from cloudcensus import __version__
from cloudcensus.policies.findings import Finding, Severity, Status

__all__ = [
    "OCSF_VERSION",
    "TagLookup",
    "finding_to_ocsf",
]

OCSF_VERSION = "1.5.0"

#: Returns the tags of a resource id, or None when unknown; lets the caller join tags
#: from the inventory without this module holding the inventory.
TagLookup = Callable[[str], Mapping[str, str] | None]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CLASS_UID = 2003
_CATEGORY_UID = 2
_ACTIVITY_CREATE = 1

_SEVERITY: dict[Severity, tuple[int, str]] = {
    Severity.INFO: (1, "Informational"),
    Severity.LOW: (2, "Low"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.HIGH: (4, "High"),
    Severity.CRITICAL: (5, "Critical"),
}

_COMPLIANCE_STATUS: dict[Status, tuple[int, str]] = {
    Status.PASS: (1, "Pass"),
    Status.ERROR: (2, "Warning"),
    Status.FAIL: (3, "Fail"),
    Status.EXPLAINED: (3, "Fail"),
}

_FINDING_STATUS_NEW = (1, "New")
_FINDING_STATUS_SUPPRESSED = (3, "Suppressed")

#: OCSF account type per provider (data, not branches); other providers get 99 Other.
_ACCOUNT_TYPES: dict[str, tuple[int, str]] = {
    "aws": (10, "AWS Account"),
    "gcp": (11, "GCP Project"),
    "azure": (13, "Azure Subscription"),
}


def _epoch_ms(finding: Finding) -> int:
    # Integer arithmetic: float `timestamp() * 1000` can round 123 ms down to 122.
    return (finding.evaluated_at - _EPOCH) // timedelta(milliseconds=1)


def _status_detail(finding: Finding) -> str:
    """The one sentence that says why the verdict is what it is."""
    if finding.status is Status.EXPLAINED:
        note = f": {finding.explanation_note}" if finding.explanation_note else ""
        return f"Explained by {finding.explanation_id}{note}"
    if finding.explanation_note:
        return f"{finding.message} ({finding.explanation_note})"
    return finding.message


def _compliance(finding: Finding) -> dict[str, Any]:
    status_id, status = _COMPLIANCE_STATUS[finding.status]
    severity_id, severity = _SEVERITY[finding.severity]
    standards = sorted(finding.controls)
    requirements = [
        f"{framework} {control}"
        for framework in standards
        for control in finding.controls[framework]
    ]
    check = {
        "uid": finding.rule_id,
        "name": finding.rule_title,
        "version": str(finding.rule_version),
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "standards": standards,
    }
    return {
        "control": finding.rule_id,
        "standards": standards,
        "requirements": requirements,
        "checks": [check],
        "status_id": status_id,
        "status": status,
        "status_detail": _status_detail(finding),
    }


def _resource(finding: Finding, tags: Mapping[str, str] | None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "uid": finding.resource_id,
        "type": finding.resource_type,
        "region": finding.region,
        "data": {"native_type": finding.native_type},
    }
    if finding.resource_name is not None:
        resource["name"] = finding.resource_name
    if tags:
        resource["tags"] = [{"name": key, "value": value} for key, value in tags.items()]
    return resource


def _cloud(finding: Finding) -> dict[str, Any]:
    type_id, type_name = _ACCOUNT_TYPES.get(finding.provider, (99, f"{finding.provider} account"))
    return {
        "provider": finding.provider,
        "region": finding.region,
        "account": {"uid": finding.account, "type_id": type_id, "type": type_name},
    }


def _unmapped(finding: Finding) -> dict[str, Any]:
    return {
        "cloudcensus": {
            "status": finding.status.value,
            "pack": finding.pack,
            "rule_version": finding.rule_version,
            "explanation_id": finding.explanation_id,
            "explanation_note": finding.explanation_note,
        }
    }


def finding_to_ocsf(
    finding: Finding, *, tags: Mapping[str, str] | None = None, product_version: str = __version__
) -> dict[str, Any]:
    """Map one finding to an OCSF 1.5.0 Compliance Finding event (a JSON-ready dict).

    Pure; the mapping is described in this module's docstring. The pusher should build
    its registry batches with it too, so the file and the wire carry the same event.
    """
    time_ms = _epoch_ms(finding)
    severity_id, severity = _SEVERITY[finding.severity]
    explained = finding.status is Status.EXPLAINED
    status_id, status = _FINDING_STATUS_SUPPRESSED if explained else _FINDING_STATUS_NEW
    event: dict[str, Any] = {
        "class_uid": _CLASS_UID,
        "class_name": "Compliance Finding",
        "category_uid": _CATEGORY_UID,
        "category_name": "Findings",
        "activity_id": _ACTIVITY_CREATE,
        "activity_name": "Create",
        "type_uid": _CLASS_UID * 100 + _ACTIVITY_CREATE,
        "type_name": "Compliance Finding: Create",
        "time": time_ms,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "message": finding.message,
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
            "product": {
                "name": "cloudcensus",
                "vendor_name": "cloudcensus",
                "version": product_version,
            },
        },
        "finding_info": {
            "uid": finding.uid,
            "title": finding.rule_title,
            "desc": finding.message,
            "created_time": time_ms,
            "types": [f"cloudcensus/{finding.pack}"],
        },
        "compliance": _compliance(finding),
        "resources": [_resource(finding, tags)],
        "cloud": _cloud(finding),
        "unmapped": _unmapped(finding),
    }
    if finding.evidence:
        # JSON mode turns datetimes, bytes and sets the condition read into JSON values.
        evidence = to_jsonable_python(finding.evidence)
        event["evidences"] = [{"name": "condition inputs", "data": evidence}]
    if finding.remediation:
        event["remediation"] = {"desc": finding.remediation}
    return event
