"""`findings.ocsf.json`: every event valid OCSF 1.5.0 Compliance Finding, mapped as documented.

Two independent 1.5.0 validators, because each alone is lax where the other is strict:
- py-ocsf-models' `ComplianceFinding` JSON schema with `jsonschema` (Prowler's models);
- pydantic-ocsf's generated 1.5.0 models, which check every enum value against the
  1.5.0 dictionary; walking their `model_extra` catches attribute names that 1.5.0 does
  not define (both libraries accept unknown keys silently).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ocsf.v1_5_0.events import ComplianceFinding as StrictComplianceFinding
from ocsf.v1_5_0.objects import Cloud as StrictCloud
from py_ocsf_models import OCSF_VERSION as MODELS_OCSF_VERSION
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from pydantic import BaseModel

from cloudcensus.policies.findings import Finding
from cloudcensus.scanner.report import OCSF_VERSION, finding_to_ocsf, write_findings_ocsf


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = ComplianceFinding.model_json_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _undefined_attributes(model: Any, path: str = "$") -> Iterator[str]:
    """Paths of attributes the OCSF 1.5.0 models do not define (extension point excluded)."""
    if isinstance(model, BaseModel):
        for key in model.model_extra or {}:
            yield f"{path}.{key}"
        for name in type(model).model_fields:
            if name not in {"unmapped", "data"}:
                yield from _undefined_attributes(getattr(model, name), f"{path}.{name}")
    elif isinstance(model, list):
        for i, item in enumerate(model):
            yield from _undefined_attributes(item, f"{path}[{i}]")


def _events(tmp_path: Path, findings: list[Finding]) -> list[dict[str, Any]]:
    path = tmp_path / "findings.ocsf.json"
    tags = {findings[1].resource_id: {"owner": "ops"}}
    assert write_findings_ocsf(iter(findings), path, tags_for=tags.get) == 5
    events = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(events, list)
    return events


def test_pinned_version_is_the_validators_version() -> None:
    assert OCSF_VERSION == MODELS_OCSF_VERSION == "1.5.0"


def test_every_event_validates_against_ocsf_1_5_0(
    tmp_path: Path, findings: list[Finding], validator: jsonschema.protocols.Validator
) -> None:
    for event in _events(tmp_path, findings):
        errors = [e.message for e in validator.iter_errors(event)]
        assert errors == [], errors
        strict = StrictComplianceFinding.model_validate(event)
        # `cloud` is the cloud profile's attribute; the class model has no profiles.
        assert list(_undefined_attributes(strict)) == ["$.cloud"]
        assert list(_undefined_attributes(StrictCloud.model_validate(event["cloud"]))) == []


def test_strict_validator_catches_a_wrong_enum(findings: list[Finding]) -> None:
    """Guards the guard: an out-of-enum compliance status must not pass validation."""
    event = finding_to_ocsf(findings[1])
    event["compliance"]["status_id"] = 7
    with pytest.raises(ValueError, match="status_id"):
        StrictComplianceFinding.model_validate(event)


def test_event_identity_and_class(findings: list[Finding]) -> None:
    event = finding_to_ocsf(findings[1], product_version="9.9.9")
    assert (event["class_uid"], event["category_uid"], event["activity_id"]) == (2003, 2, 1)
    assert event["type_uid"] == 200301
    assert event["time"] == 1773480615123  # 2026-03-14T09:30:15.123Z in epoch ms
    assert event["finding_info"]["uid"] == findings[1].uid
    assert event["finding_info"]["title"] == "Title of BASE-EXP-01"
    assert event["metadata"]["version"] == "1.5.0"
    assert event["metadata"]["product"] == {
        "name": "cloudcensus",
        "vendor_name": "cloudcensus",
        "version": "9.9.9",
    }


@pytest.mark.parametrize(
    ("index", "severity_id", "compliance_status", "status_id"),
    [
        (0, 2, 1, 1),  # pass, low -> Pass, New
        (1, 4, 3, 1),  # fail, high -> Fail, New
        (2, 5, 3, 3),  # explained, critical -> Fail, Suppressed
        (3, 3, 2, 1),  # error, medium -> Warning (never Pass), New
    ],
)
def test_status_and_severity_mapping(
    findings: list[Finding], index: int, severity_id: int, compliance_status: int, status_id: int
) -> None:
    event = finding_to_ocsf(findings[index])
    assert event["severity_id"] == severity_id
    assert event["compliance"]["status_id"] == compliance_status
    assert event["status_id"] == status_id
    assert event["unmapped"]["cloudcensus"]["status"] == findings[index].status.value


def test_explained_finding_names_its_explanation(findings: list[Finding]) -> None:
    event = finding_to_ocsf(findings[2])
    assert event["compliance"]["status_detail"] == (
        "Explained by EXP-2026-014: bastion behind the VPN egress"
    )
    assert event["unmapped"]["cloudcensus"]["explanation_id"] == "EXP-2026-014"


def test_expired_explanation_note_reaches_status_detail(findings: list[Finding]) -> None:
    detail = finding_to_ocsf(findings[4])["compliance"]["status_detail"]
    assert "EXP-2025-003 expired on 2026-01-31" in detail


def test_compliance_resource_cloud_evidence_remediation(
    tmp_path: Path, findings: list[Finding]
) -> None:
    event = _events(tmp_path, findings)[1]
    compliance = event["compliance"]
    assert compliance["control"] == "BASE-EXP-01"
    assert compliance["standards"] == ["ISO27001", "NIS2"]
    assert compliance["requirements"] == ["ISO27001 A.8.24", "NIS2 Art. 21(2)(h)"]
    assert event["resources"] == [
        {
            "uid": findings[1].resource_id,
            "name": '=HYPERLINK("http://evil","click")',
            "type": "storage.bucket",
            "region": "eu-west-1",
            "data": {"native_type": "AWS::S3::Bucket"},
            "tags": [{"name": "owner", "value": "ops"}],
        }
    ]
    assert event["cloud"] == {
        "provider": "aws",
        "region": "eu-west-1",
        "account": {"uid": "111111111111", "type_id": 10, "type": "AWS Account"},
    }
    assert event["evidences"] == [{"name": "condition inputs", "data": findings[1].evidence}]
    assert event["remediation"] == {"desc": "+Turn on Block Public Access"}


def test_no_findings_is_an_empty_array(tmp_path: Path) -> None:
    path = tmp_path / "findings.ocsf.json"
    assert write_findings_ocsf([], path) == 0
    assert json.loads(path.read_text(encoding="utf-8")) == []
