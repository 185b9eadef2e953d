"""`findings.csv`: one finding per row, for people who live in spreadsheets.

The columns are a contract (`FINDINGS_CSV_COLUMNS`): append new ones at the end, never
reorder. Structured values (evidence, controls) are compact JSON in one cell. Cell values
come from the cloud (resource names, tags echoed in evidence) and so from whoever can
create a resource: a value a spreadsheet would run as a formula is defused with a
leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cloudcensus.policies.findings import Finding
from cloudcensus.scanner.report.atomic import atomic_text_writer

__all__ = ["FINDINGS_CSV_COLUMNS", "defuse_formula", "write_findings_csv"]

FINDINGS_CSV_COLUMNS: tuple[str, ...] = (
    "uid",
    "status",
    "severity",
    "rule_id",
    "rule_version",
    "rule_title",
    "pack",
    "provider",
    "account",
    "region",
    "resource_type",
    "native_type",
    "resource_id",
    "resource_name",
    "message",
    "explanation_id",
    "explanation_note",
    "evidence",
    "controls",
    "remediation",
    "evaluated_at",
)

# Characters that make Excel, LibreOffice or Google Sheets treat a cell as a formula
# (tab and carriage return can smuggle one past a naive check of the first character).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(value: str) -> str:
    """Prefix `'` to a cell a spreadsheet would evaluate; other values are unchanged."""
    if value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _row(finding: Finding) -> list[str]:
    data = finding.model_dump(mode="json")
    cells: list[str] = []
    for column in FINDINGS_CSV_COLUMNS:
        value = data[column]
        if value is None:
            text = ""
        elif isinstance(value, dict | list):
            text = _compact_json(value)
        else:
            text = str(value)
        cells.append(defuse_formula(text))
    return cells


def write_findings_csv(findings: Iterable[Finding], path: Path) -> int:
    """Write a header and one row per finding to `path` (UTF-8, RFC 4180 quoting).

    Returns the number of findings written. Empty cells mean "none" (no explanation, no
    resource name). Newlines and commas inside values are quoted, never stripped.
    """
    count = 0
    with atomic_text_writer(path, newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(FINDINGS_CSV_COLUMNS)
        for finding in findings:
            writer.writerow(_row(finding))
            count += 1
    return count
