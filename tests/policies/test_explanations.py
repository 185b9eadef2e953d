"""Comply or explain: application states, matching, the usage report, refused files."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudcensus.policies.engine import Evaluator
from cloudcensus.policies.explanations import load_explanations
from cloudcensus.policies.findings import Finding, Status
from cloudcensus.policies.loader import load_rules
from cloudcensus.policies.rules import RuleSet
from cloudcensus.policies.source import ExplanationLoadError
from tests.policies.policy_helpers import RuleWriter, make_resource

TODAY = date(2026, 3, 1)
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ARN = "arn:aws:s3:::"


@pytest.fixture
def ruleset(write_rule: RuleWriter) -> RuleSet:
    write_rule("X-01", version=2)
    return load_rules([write_rule("X-02").parent])


def _record(ident: str, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": ident,
        "rule": "X-01",
        "resources": {"ids": [f"{ARN}public-*"]},
        "reason": "Static website",
        "category": "waiver",
        "requested_by": "ops@example.org",
        "approved_by": "ciso@example.org",
        "approved_on": date(2026, 1, 10),
        "expires": date(2026, 12, 31),
    }
    record.update(overrides)
    return {k: v for k, v in record.items() if v is not None}


def _write(tmp_path: Path, *records: dict[str, Any]) -> Path:
    path = tmp_path / "explanations.yaml"
    path.write_text(yaml.safe_dump({"explanations": list(records)}, sort_keys=False))
    return path


def _scan(ruleset: RuleSet, path: Path, *resources: Any) -> tuple[dict[str, Finding], Any]:
    explanations = load_explanations([path], ruleset, today=TODAY)
    evaluator = Evaluator(ruleset, explanations)
    findings = evaluator.evaluate_scope(list(resources), NOW)
    return {f"{f.rule_id}:{f.resource_id}": f for f in findings}, evaluator.explanation_report()


def _bucket(name: str, **fields: Any) -> Any:
    return make_resource(rid=f"{ARN}{name}", properties={"public": True}, **fields)


def test_valid_explanation_explains_only_matching_failures(
    ruleset: RuleSet, tmp_path: Path
) -> None:
    path = _write(tmp_path, _record("EXP-1"))
    found, report = _scan(ruleset, path, _bucket("public-site"), _bucket("private-data"))
    explained = found[f"X-01:{ARN}public-site"]
    assert explained.status is Status.EXPLAINED
    assert explained.explanation_id == "EXP-1"
    assert "waiver until 2026-12-31" in (explained.explanation_note or "")
    assert found[f"X-01:{ARN}private-data"].status is Status.FAIL  # glob does not match
    assert found[f"X-02:{ARN}public-site"].status is Status.FAIL  # another rule
    assert [entry["id"] for entry in report.valid] == ["EXP-1"]
    assert report.valid[0]["findings"] == 1
    assert report.stale == []


def test_expired_explanation_fails_and_says_so(ruleset: RuleSet, tmp_path: Path) -> None:
    path = _write(
        tmp_path, _record("EXP-2", approved_on=date(2025, 3, 1), expires=date(2026, 2, 1))
    )
    found, report = _scan(ruleset, path, _bucket("public-site"))
    finding = found[f"X-01:{ARN}public-site"]
    assert finding.status is Status.FAIL
    assert finding.explanation_note == "explanation EXP-2 expired on 2026-02-01"
    assert [entry["id"] for entry in report.expired] == ["EXP-2"]


def test_explanation_for_another_rule_version_no_longer_applies(
    ruleset: RuleSet, tmp_path: Path
) -> None:
    path = _write(tmp_path, _record("EXP-3", rule_version=1))
    found, report = _scan(ruleset, path, _bucket("public-site"))
    finding = found[f"X-01:{ARN}public-site"]
    assert finding.status is Status.FAIL
    assert "approved for version 1 of X-01, which is now at version 2" in (
        finding.explanation_note or ""
    )
    assert [entry["id"] for entry in report.wrong_version] == ["EXP-3"]


def test_stale_and_expiring_are_reported(ruleset: RuleSet, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _record("EXP-4", resources={"ids": [f"{ARN}gone"]}),
        _record("EXP-5", expires=date(2026, 3, 20)),
    )
    _, report = _scan(ruleset, path, _bucket("public-site"))
    assert [entry["id"] for entry in report.stale] == ["EXP-4"]
    assert [entry["id"] for entry in report.expiring] == ["EXP-5"]
    assert set(report.to_dict()) == {"valid", "expired", "stale", "expiring", "wrong_version"}


def test_passing_findings_do_not_use_explanations(ruleset: RuleSet, tmp_path: Path) -> None:
    path = _write(tmp_path, _record("EXP-6"))
    compliant = make_resource(rid=f"{ARN}public-ok", properties={"public": False})
    found, report = _scan(ruleset, path, compliant)
    assert found[f"X-01:{ARN}public-ok"].status is Status.PASS
    assert [entry["id"] for entry in report.stale] == ["EXP-6"]


@pytest.mark.parametrize(
    ("selector", "applies"),
    [
        ({"account": "111111111111", "region": "eu-west-1", "tags": {"app": "web"}}, True),
        ({"account": "222222222222"}, False),
        ({"region": "us-east-1"}, False),
        ({"tags": {"app": "db"}}, False),
        ({"tags": {"app": "web", "env": "prod"}}, False),
    ],
)
def test_selector_fields_must_all_match(
    ruleset: RuleSet, tmp_path: Path, selector: dict[str, Any], applies: bool
) -> None:
    path = _write(tmp_path, _record("EXP-7", resources={"selector": selector}))
    found, _ = _scan(ruleset, path, _bucket("any-name", tags={"app": "web"}))
    expected = Status.EXPLAINED if applies else Status.FAIL
    assert found[f"X-01:{ARN}any-name"].status is expected


def test_ids_and_selector_must_both_match(ruleset: RuleSet, tmp_path: Path) -> None:
    resources = {"ids": [f"{ARN}public-*"], "selector": {"tags": {"app": "web"}}}
    path = _write(tmp_path, _record("EXP-8", resources=resources))
    found, _ = _scan(ruleset, path, _bucket("public-a", tags={"app": "web"}), _bucket("public-b"))
    assert found[f"X-01:{ARN}public-a"].status is Status.EXPLAINED
    assert found[f"X-01:{ARN}public-b"].status is Status.FAIL


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"approved_by": "OPS@example.org"},
            "approved_by",
            "requester and approver must be different",
        ),
        ({"expires": None}, "- id", "missing field 'explanations.0.expires'"),
        ({"expires": date(2027, 6, 1)}, "expires", "more than 365 days after approval"),
        ({"expires": date(2025, 12, 1)}, "expires", "expires before approved_on"),
        ({"rule": "NOPE-01"}, "rule", "unknown rule 'NOPE-01'"),
        ({"resources": {"ids": []}}, "resources", "empty resource selector"),
        ({"category": "because"}, "category", "explanations.0.category: Input should be"),
        ({"approver": "x"}, "approver", "unknown field 'explanations.0.approver'"),
    ],
)
def test_invalid_explanations_are_refused_with_file_and_line(
    ruleset: RuleSet, tmp_path: Path, overrides: dict[str, Any], field: str, message: str
) -> None:
    path = _write(tmp_path, _record("EXP-9", **overrides))
    line = next(
        i
        for i, text in enumerate(path.read_text().splitlines(), 1)
        if text.strip().startswith(f"{field}:" if field != "- id" else field)
    )
    with pytest.raises(ExplanationLoadError) as caught:
        load_explanations([path], ruleset, today=TODAY)
    assert f"{path}:{line}: " in str(caught.value)
    assert message in str(caught.value)


def test_duplicate_ids_are_refused(ruleset: RuleSet, tmp_path: Path) -> None:
    path = _write(tmp_path, _record("EXP-10"), _record("EXP-10"))
    with pytest.raises(ExplanationLoadError, match="duplicate explanation id 'EXP-10'"):
        load_explanations([path], ruleset, today=TODAY)


def test_max_validity_is_configurable(ruleset: RuleSet, tmp_path: Path) -> None:
    path = _write(tmp_path, _record("EXP-11", expires=date(2026, 6, 1)))
    with pytest.raises(ExplanationLoadError, match="more than 90 days"):
        load_explanations([path], ruleset, today=TODAY, max_validity_days=90)
