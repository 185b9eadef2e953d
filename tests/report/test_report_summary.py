"""The terminal summary and the tally behind it, rendered to a recording console."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest
from rich.console import Console

from cloudcensus.policies.findings import Finding, Severity, Status
from cloudcensus.scanner.coverage import CoverageEntry
from cloudcensus.scanner.report import (
    DriftCounts,
    ExplanationNotice,
    FindingTally,
    print_summary,
    render_explanations,
)


@pytest.fixture
def tally(findings: list[Finding]) -> FindingTally:
    tally = FindingTally()
    assert list(tally.track(iter(findings))) == findings  # passes findings through unchanged
    return tally


def _text(
    tally: FindingTally,
    *,
    coverage: Sequence[CoverageEntry] = (),
    expiring: Sequence[ExplanationNotice] = (),
    stale: Sequence[ExplanationNotice] = (),
    drift: DriftCounts | None = None,
) -> str:
    console = Console(record=True, width=200, color_system=None)
    print_summary(console, tally, coverage=coverage, expiring=expiring, stale=stale, drift=drift)
    return console.export_text()


def _cells(text: str, first: str) -> list[str]:
    """The cells of the first table row whose first cell is `first`."""
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.replace("┃", "│").split("│")[1:-1]]
        if cells and cells[0] == first:
            return cells[1:]
    raise AssertionError(f"no row starting with {first!r} in:\n{text}")


def test_tally_counts_by_status_and_severity(tally: FindingTally) -> None:
    assert tally.total == 5
    assert tally.count(Status.FAIL) == 2
    assert tally.count(Status.FAIL, Severity.HIGH) == 2
    assert tally.count(Status.EXPLAINED, Severity.CRITICAL) == 1
    assert tally.count(Status.ERROR) == 1
    assert tally.count(Status.PASS, Severity.HIGH) == 0
    # explained critical does not count as failing for --fail-on
    assert tally.worst_failing_severity() is Severity.HIGH
    assert [(r.rule_id, r.count) for r in tally.failing_rules()] == [
        ("BASE-EXP-01", 1),
        ("BASE-IAM-01", 1),
    ]
    assert [r.rule_id for r in tally.explained_rules()] == ["BASE-EXP-05"]


def test_empty_tally_has_no_failing_severity() -> None:
    assert FindingTally().worst_failing_severity() is None


def test_summary_shows_status_by_severity_and_failing_rules(tally: FindingTally) -> None:
    text = _text(tally)
    assert _cells(text, "status") == ["critical", "high", "medium", "low", "info", "total"]
    assert _cells(text, "pass") == ["-", "-", "-", "1", "-", "1"]
    assert _cells(text, "fail") == ["-", "2", "-", "-", "-", "2"]
    assert _cells(text, "explained") == ["1", "-", "-", "-", "-", "1"]
    assert _cells(text, "error") == ["-", "-", "1", "-", "-", "1"]
    assert _cells(text, "total")[-1] == "5"
    assert _cells(text, "BASE-EXP-01") == ["high", "1", "Title of BASE-EXP-01"]
    assert "Failing rules" in text
    assert "BASE-IAM-01" in text
    assert "Title of BASE-EXP-01" in text


def test_summary_lists_coverage_gaps_literally(
    tally: FindingTally, coverage: list[CoverageEntry]
) -> None:
    text = _text(tally, coverage=coverage)
    assert "Coverage gaps (2)" in text
    assert _cells(text, "aws")[:5] == ["333333333333", "*", "*", "failed", "access_denied"]
    # cloud-sourced text is printed as written, never interpreted as rich markup
    assert "AssumeRole denied for [red]OrganizationAccountAccessRole[/]" in text
    assert "access_denied" in text
    assert "2 instances could not be normalised" in text
    assert "s3.buckets" not in text  # complete entries are not gaps
    assert text.index("333333333333") < text.index("us-east-1")  # failed before partial


def test_summary_without_gaps_says_coverage_is_complete(tally: FindingTally) -> None:
    assert "every scope was read completely" in _text(tally)


def test_summary_lists_expiring_and_stale_explanations_and_drift(tally: FindingTally) -> None:
    text = _text(
        tally,
        expiring=[ExplanationNotice("EXP-2026-014", "BASE-EXP-05", date(2026, 4, 1))],
        stale=[ExplanationNotice("EXP-2026-002", "BASE-TAG-01", date(2026, 12, 31))],
        drift=DriftCounts(added=4, removed=1, changed=7),
    )
    assert _cells(text, "EXP-2026-014") == ["BASE-EXP-05", "2026-04-01", "expiring"]
    assert _cells(text, "EXP-2026-002") == ["BASE-TAG-01", "2026-12-31", "stale"]
    assert "Changes since the previous scan" in text
    assert _cells(text, "added") == ["removed", "changed"]
    assert _cells(text, "4") == ["1", "7"]


def test_no_explanation_table_when_nothing_needs_attention() -> None:
    assert render_explanations([], []) is None


def test_no_failing_rules_message(findings: list[Finding]) -> None:
    tally = FindingTally()
    tally.add(findings[0])
    text = _text(tally)
    assert "No failing rules." in text
