"""JSON Lines, CSV and coverage files: read back what a user or `evaluate` reads."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudcensus.policies.findings import Finding
from cloudcensus.scanner.coverage import CoverageEntry
from cloudcensus.scanner.inventory import Resource
from cloudcensus.scanner.report import (
    FINDINGS_CSV_COLUMNS,
    write_coverage_json,
    write_findings_csv,
    write_findings_jsonl,
    write_inventory_jsonl,
)
from cloudcensus.scanner.report.csvout import defuse_formula


def test_findings_jsonl_round_trips_one_finding_per_line(
    tmp_path: Path, findings: list[Finding]
) -> None:
    path = tmp_path / "findings.jsonl"
    assert write_findings_jsonl(iter(findings), path) == len(findings)
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""  # file ends with a newline
    assert [Finding.model_validate_json(line) for line in lines[:-1]] == findings
    fail = json.loads(lines[1])
    assert fail["rule_id"] == "BASE-EXP-01"
    assert fail["status"] == "fail"
    assert fail["evidence"]["note"] == "a,b\nc"
    assert json.loads(lines[2])["explanation_id"] == "EXP-2026-014"


def test_inventory_jsonl_round_trips_resources(tmp_path: Path, resources: list[Resource]) -> None:
    path = tmp_path / "inventory.jsonl"
    assert write_inventory_jsonl(resources, path) == 2
    with path.open(encoding="utf-8") as stream:
        read = [Resource.model_validate_json(line) for line in stream]
    assert read == resources
    assert read[0].tags["owner"] == "équipe-ops"


def _failing_after_one(findings: list[Finding]) -> Iterator[Finding]:
    yield findings[0]
    raise RuntimeError("engine crashed")


def test_crash_mid_stream_keeps_previous_file_and_leaves_no_temp(
    tmp_path: Path, findings: list[Finding]
) -> None:
    path = tmp_path / "findings.jsonl"
    path.write_text("previous complete report\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="engine crashed"):
        write_findings_jsonl(_failing_after_one(findings), path)
    assert path.read_text(encoding="utf-8") == "previous complete report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["findings.jsonl"]


def test_crash_mid_stream_creates_no_file(tmp_path: Path, findings: list[Finding]) -> None:
    path = tmp_path / "findings.csv"
    with pytest.raises(RuntimeError):
        write_findings_csv(_failing_after_one(findings), path)
    assert list(tmp_path.iterdir()) == []


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        assert tuple(reader.fieldnames or ()) == FINDINGS_CSV_COLUMNS
        return list(reader)


def test_csv_keeps_commas_newlines_unicode_and_json_cells(
    tmp_path: Path, findings: list[Finding]
) -> None:
    path = tmp_path / "findings.csv"
    assert write_findings_csv(findings, path) == len(findings)
    rows = _read_csv(path)
    assert [row["status"] for row in rows] == ["pass", "fail", "explained", "error", "fail"]
    fail = rows[1]
    assert fail["message"] == "Bucket is public, readable by anyone,\nincluding Brüssel — 東京"
    assert json.loads(fail["evidence"]) == findings[1].evidence
    assert json.loads(fail["controls"]) == {"ISO27001": ["A.8.24"], "NIS2": ["Art. 21(2)(h)"]}
    assert fail["explanation_id"] == ""  # none, not "None"
    assert rows[2]["explanation_id"] == "EXP-2026-014"
    assert rows[4]["explanation_note"] == "EXP-2025-003 expired on 2026-01-31"
    assert rows[0]["evaluated_at"] == "2026-03-14T09:30:15.123000Z"


def test_csv_defuses_formula_cells(tmp_path: Path, findings: list[Finding]) -> None:
    path = tmp_path / "findings.csv"
    write_findings_csv(findings, path)
    rows = _read_csv(path)
    assert rows[1]["resource_name"] == '\'=HYPERLINK("http://evil","click")'
    assert rows[1]["resource_id"].startswith("arn:aws:s3:::=")  # not at the start: unchanged
    assert rows[1]["remediation"] == "'+Turn on Block Public Access"
    assert rows[3]["message"] == "'-evaluation failed: no such key: location"
    assert rows[4]["resource_name"] == "'@jürgen"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_defuse_formula(cell: str, expected: str) -> None:
    assert defuse_formula(cell) == expected


def test_coverage_json_lists_gaps_first_with_summary(
    tmp_path: Path, coverage: list[CoverageEntry]
) -> None:
    path = tmp_path / "coverage.json"
    summary = write_coverage_json(coverage, path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["summary"] == {
        "complete": 1,
        "partial": 1,
        "failed": 1,
        "total": 3,
        "gaps": 2,
        "resources": 17,
        "errors": 3,
    }
    assert summary.gaps == 2
    assert [e["status"] for e in document["entries"]] == ["failed", "partial", "complete"]
    assert [CoverageEntry.model_validate(e) for e in document["entries"]] == [
        coverage[1],
        coverage[2],
        coverage[0],
    ]
