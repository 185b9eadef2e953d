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

`OcsfEncoder` writes the same events straight to JSON bytes, byte for byte what
`to_json(finding_to_ocsf(...))` gives, several times faster: about two thirds of an
event are the same for every finding of a rule with the same verdict (the class
header, metadata, compliance block, remediation), so it encodes those once per rule and
verdict and only the finding's own values (uid, time, message, resource, account,
evidence) per event. The registry pusher and `write_findings_ocsf` use it; a test
compares it with the plain mapping on the demo estate's findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from pydantic_core import to_json, to_jsonable_python

from cloudcensus import __version__
from cloudcensus.policies.findings import Finding, Severity, Status
from cloudcensus.scanner.report.atomic import atomic_text_writer

__all__ = [
    "OCSF_VERSION",
    "OcsfEncoder",
    "TagLookup",
    "finding_to_ocsf",
    "write_findings_ocsf",
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


def _str(value: str) -> bytes:
    """A JSON string, spelled as `to_json` spells it (UTF-8, minimal escapes)."""
    return encode_basestring(value).encode()


def _opt(value: str | None) -> bytes:
    return b"null" if value is None else _str(value)


def _json(value: Any) -> bytes:
    return to_json(value)


@dataclass(frozen=True)
class _RuleParts:
    """The encoded parts of an event shared by every finding of one rule and verdict,
    with the finding fields they were built from (checked on every use)."""

    rule_title: str
    pack: str
    controls: dict[str, list[str]]
    remediation: str
    after_time: bytes  # severity and workflow status, up to the message
    after_message: bytes  # metadata, up to the finding uid
    after_uid: bytes  # title, up to the description
    after_desc: bytes  # up to created_time
    after_created: bytes  # types and the compliance block, up to status_detail
    unmapped: bytes  # "unmapped" when the finding has no explanation id nor note
    tail: bytes  # remediation and the closing brace


class OcsfEncoder:
    """`finding_to_ocsf` straight to JSON bytes, with the per-rule parts encoded once.

    `encode(finding, tags)` equals `to_json(finding_to_ocsf(finding, tags=tags,
    product_version=...))` byte for byte (see the module doc). Not thread-safe: one
    encoder per thread.
    """

    _HEAD = (
        b'{"class_uid":%d,"class_name":"Compliance Finding","category_uid":%d,'
        b'"category_name":"Findings","activity_id":%d,"activity_name":"Create",'
        b'"type_uid":%d,"type_name":"Compliance Finding: Create","time":'
        % (_CLASS_UID, _CATEGORY_UID, _ACTIVITY_CREATE, _CLASS_UID * 100 + _ACTIVITY_CREATE)
    )

    def __init__(self, product_version: str = __version__) -> None:
        self.product_version = product_version
        self._metadata = _json(
            {
                "version": OCSF_VERSION,
                "profiles": ["cloud"],
                "product": {
                    "name": "cloudcensus",
                    "vendor_name": "cloudcensus",
                    "version": product_version,
                },
            }
        )
        self._rules: dict[tuple[str, int, Severity, Status], _RuleParts] = {}
        self._accounts: dict[str, bytes] = {}

    def _rule_parts(self, finding: Finding) -> _RuleParts:
        key = (finding.rule_id, finding.rule_version, finding.severity, finding.status)
        parts = self._rules.get(key)
        if (
            parts is None
            or parts.rule_title != finding.rule_title
            or parts.pack != finding.pack
            or parts.controls != finding.controls
            or parts.remediation != finding.remediation
        ):
            parts = self._rules[key] = self._build_rule_parts(finding)
        return parts

    def _build_rule_parts(self, finding: Finding) -> _RuleParts:
        severity_id, severity = _SEVERITY[finding.severity]
        explained = finding.status is Status.EXPLAINED
        status_id, status = _FINDING_STATUS_SUPPRESSED if explained else _FINDING_STATUS_NEW
        compliance = _json(_compliance(finding))
        # `_compliance` ends with status_detail, the one per-finding value: cut it off.
        cut = compliance.rindex(b',"status_detail":')
        remediation = (
            b',"remediation":{"desc":%s}' % _str(finding.remediation)
            if finding.remediation
            else b""
        )
        return _RuleParts(
            rule_title=finding.rule_title,
            pack=finding.pack,
            controls={k: list(v) for k, v in finding.controls.items()},
            remediation=finding.remediation,
            after_time=b',"severity_id":%d,"severity":%s,"status_id":%d,"status":%s,"message":'
            % (severity_id, _str(severity), status_id, _str(status)),
            after_message=b',"metadata":%s,"finding_info":{"uid":' % self._metadata,
            after_uid=b',"title":%s,"desc":' % _str(finding.rule_title),
            after_desc=b',"created_time":',
            after_created=b',"types":[%s]},"compliance":%s,"status_detail":'
            % (_str(f"cloudcensus/{finding.pack}"), compliance[:cut]),
            unmapped=_json(
                {
                    "cloudcensus": {
                        "status": finding.status.value,
                        "pack": finding.pack,
                        "rule_version": finding.rule_version,
                        "explanation_id": None,
                        "explanation_note": None,
                    }
                }
            ),
            tail=remediation + b"}",
        )

    def _account(self, provider: str) -> bytes:
        """`,"type_id":..,"type":..}}`: the end of `cloud` for one provider."""
        part = self._accounts.get(provider)
        if part is None:
            type_id, type_name = _ACCOUNT_TYPES.get(provider, (99, f"{provider} account"))
            part = self._accounts[provider] = b',"type_id":%d,"type":%s}}' % (
                type_id,
                _str(type_name),
            )
        return part

    def encode(self, finding: Finding, tags: Mapping[str, str] | None = None) -> bytes:
        """The finding's OCSF event as compact JSON (see the class doc)."""
        parts = self._rule_parts(finding)
        time_ms = b"%d" % _epoch_ms(finding)
        message = _str(finding.message)
        if finding.explanation_id is None and finding.explanation_note is None:
            unmapped = parts.unmapped
        else:
            unmapped = _json(_unmapped(finding))
        detail = (
            message
            if finding.status is not Status.EXPLAINED and not (finding.explanation_note)
            else _str(_status_detail(finding))
        )
        region = _str(finding.region)
        resource = [
            b'},"resources":[{"uid":',
            _str(finding.resource_id),
            b',"type":',
            _str(finding.resource_type),
            b',"region":',
            region,
            b',"data":{"native_type":',
            _str(finding.native_type),
            b"}",
        ]
        if finding.resource_name is not None:
            resource += [b',"name":', _str(finding.resource_name)]
        if tags:
            resource += [b',"tags":', _json([{"name": k, "value": v} for k, v in tags.items()])]
        chunks = [
            self._HEAD,
            time_ms,
            parts.after_time,
            message,
            parts.after_message,
            _str(finding.uid),
            parts.after_uid,
            message,
            parts.after_desc,
            time_ms,
            parts.after_created,
            detail,
            *resource,
            b'}],"cloud":{"provider":',
            _str(finding.provider),
            b',"region":',
            region,
            b',"account":{"uid":',
            _str(finding.account),
            self._account(finding.provider),
            b',"unmapped":',
            unmapped,
        ]
        if finding.evidence:
            chunks += [
                b',"evidences":[{"name":"condition inputs","data":',
                _json(finding.evidence),
                b"}]",
            ]
        chunks.append(parts.tail)
        return b"".join(chunks)


def write_findings_ocsf(
    findings: Iterable[Finding],
    path: Path,
    *,
    tags_for: TagLookup | None = None,
    product_version: str = __version__,
) -> int:
    """Write findings to `path` as a JSON array of OCSF events; return how many.

    The array is streamed: the opening bracket, one event per line, the closing bracket,
    so memory does not grow with the number of findings. `tags_for` (optional) joins the
    resource tags, e.g. `lambda rid: resources_by_id[rid].tags` or a store look-up.
    """
    count = 0
    encoder = OcsfEncoder(product_version)
    with atomic_text_writer(path) as out:
        out.write("[")
        for finding in findings:
            tags = tags_for(finding.resource_id) if tags_for is not None else None
            out.write(",\n" if count else "\n")
            out.write(encoder.encode(finding, tags).decode())
            count += 1
        out.write("\n]\n")
    return count
