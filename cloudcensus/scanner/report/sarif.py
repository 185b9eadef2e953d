"""`findings.sarif`: SARIF 2.1.0 for code-scanning dashboards and SARIF viewers.

One run; `tool.driver.rules` holds one descriptor per rule seen. Only deviations are
results: fail (level by severity) and explained (level `note`, with an `external`
suppression whose justification names the explanation). Passes are not results, as in
every SARIF producer. A rule that could not be evaluated is not a result either: it is a
tool execution notification (level `error`) on the invocation, one per rule with the
count and a few of the resources it failed on, so a viewer shows the gap instead of a
clean run. Cloud resources have no file: locations are logical, named by resource id.

Results are streamed; only the per-rule descriptors and error tallies are kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path
from typing import Any, TextIO

from pydantic_core import to_json, to_jsonable_python

from cloudcensus import __version__
from cloudcensus.policies.findings import Finding, Severity, Status
from cloudcensus.scanner.report.atomic import atomic_text_writer

__all__ = ["SARIF_SCHEMA_URI", "SARIF_VERSION", "write_findings_sarif"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"

#: GitHub's convention: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
_SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.INFO: "0.0",
    Severity.LOW: "2.0",
    Severity.MEDIUM: "5.5",
    Severity.HIGH: "8.0",
    Severity.CRITICAL: "9.5",
}

_LEVEL: dict[Severity, str] = {
    Severity.INFO: "note",
    Severity.LOW: "warning",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "error",
    Severity.CRITICAL: "error",
}

_ERROR_SAMPLE = 5  # resources named per rule in an error notification


@dataclass
class _RuleErrors:
    count: int = 0
    sample: list[Finding] = field(default_factory=list)


@dataclass
class _RunState:
    """What must outlive the streamed results: rule descriptors and error tallies."""

    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    indices: dict[str, int] = field(default_factory=dict)
    errors: dict[str, _RuleErrors] = field(default_factory=dict)

    def rule_index(self, finding: Finding) -> int:
        """Index of the finding's rule in `tool.driver.rules`, registering it when new."""
        index = self.indices.get(finding.rule_id)
        if index is None:
            index = self.indices[finding.rule_id] = len(self.rules)
            self.rules[finding.rule_id] = _rule_descriptor(finding)
        return index


def _rule_descriptor(finding: Finding) -> dict[str, Any]:
    frameworks = sorted(finding.controls)
    descriptor: dict[str, Any] = {
        "id": finding.rule_id,
        "shortDescription": {"text": finding.rule_title},
        "defaultConfiguration": {"level": _LEVEL[finding.severity]},
        "properties": {
            "security-severity": _SECURITY_SEVERITY[finding.severity],
            "severity": finding.severity.value,
            "version": finding.rule_version,
            "pack": finding.pack,
            "controls": {fw: list(finding.controls[fw]) for fw in frameworks},
            "tags": ["security", "compliance", finding.pack, *frameworks],
        },
    }
    if finding.remediation:
        descriptor["help"] = {"text": finding.remediation}
    return descriptor


def _location(finding: Finding) -> dict[str, Any]:
    logical = {
        "fullyQualifiedName": finding.resource_id,
        "name": finding.resource_name or finding.resource_id,
        "kind": "resource",
    }
    return {"logicalLocations": [logical]}


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    explained = finding.status is Status.EXPLAINED
    text = finding.message
    if finding.explanation_note and not explained:
        text = f"{text} ({finding.explanation_note})"
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": "note" if explained else _LEVEL[finding.severity],
        "message": {"text": text},
        "locations": [_location(finding)],
        "partialFingerprints": {"cloudcensusFindingUid/v1": finding.uid},
        "properties": {
            "status": finding.status.value,
            "severity": finding.severity.value,
            "provider": finding.provider,
            "account": finding.account,
            "region": finding.region,
            "resourceType": finding.resource_type,
            "evidence": to_jsonable_python(finding.evidence),
        },
    }
    if explained:
        note = f": {finding.explanation_note}" if finding.explanation_note else ""
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"Explained by {finding.explanation_id}{note}",
            }
        ]
    return result


def _notification(rule_id: str, index: int, errors: _RuleErrors) -> dict[str, Any]:
    first = errors.sample[0]
    return {
        "level": "error",
        "message": {
            "text": f"Rule {rule_id} could not be evaluated on {errors.count} resource(s): "
            f"{first.message}"
        },
        "associatedRule": {"id": rule_id, "index": index},
        "locations": [_location(f) for f in errors.sample],
    }


def _driver(rules: list[dict[str, Any]], tool_version: str) -> dict[str, Any]:
    driver: dict[str, Any] = {"name": "cloudcensus", "version": tool_version, "rules": rules}
    uri = _information_uri()
    if uri is not None:
        driver["informationUri"] = uri
    return driver


def _information_uri() -> str | None:
    """The project's home page from the installed distribution's metadata, if declared."""
    try:
        urls = metadata("cloudcensus").get_all("Project-URL") or []
    except PackageNotFoundError:
        return None
    for entry in urls:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in {"homepage", "home", "source", "repository"}:
            return str(url).strip()
    return None


def _stream_results(findings: Iterable[Finding], out: TextIO, state: _RunState) -> int:
    written = 0
    for finding in findings:
        index = state.rule_index(finding)
        if finding.status is Status.ERROR:
            errors = state.errors.setdefault(finding.rule_id, _RuleErrors())
            errors.count += 1
            if len(errors.sample) < _ERROR_SAMPLE:
                errors.sample.append(finding)
            continue
        if finding.status is Status.PASS:
            continue
        out.write(",\n" if written else "\n")
        out.write(to_json(_result(finding, index)).decode())
        written += 1
    return written


def write_findings_sarif(
    findings: Iterable[Finding], path: Path, *, tool_version: str = __version__
) -> int:
    """Write one SARIF 2.1.0 run to `path`; return the number of results written."""
    state = _RunState()
    with atomic_text_writer(path) as out:
        head = {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION}
        out.write(json.dumps(head)[:-1] + ', "runs": [{"results": [')
        written = _stream_results(findings, out, state)
        invocation = {
            "executionSuccessful": True,
            "toolExecutionNotifications": [
                _notification(rule_id, state.indices[rule_id], errors)
                for rule_id, errors in state.errors.items()
            ],
        }
        tail = {
            "tool": {"driver": _driver(list(state.rules.values()), tool_version)},
            "invocations": [invocation],
        }
        out.write("\n], " + json.dumps(tail, ensure_ascii=False)[1:] + "]}\n")
    return written
