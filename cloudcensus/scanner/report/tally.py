"""Counts of findings for the terminal summary, built while the findings stream past.

The summary needs totals, not findings: a scan of 100k resources x 40 rules must not keep
four million findings in memory just to print a table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from cloudcensus.policies.findings import Finding, Severity, Status

__all__ = ["FindingTally", "RuleCount"]


@dataclass(frozen=True)
class RuleCount:
    """How many deviations one rule produced (fail, or explained)."""

    rule_id: str
    title: str
    severity: Severity
    count: int


@dataclass
class FindingTally:
    """Incremental aggregate of findings: by status x severity, and failures per rule."""

    by_status_severity: Counter[tuple[Status, Severity]] = field(default_factory=Counter)
    _failed: Counter[str] = field(default_factory=Counter)
    _explained: Counter[str] = field(default_factory=Counter)
    _rules: dict[str, tuple[str, Severity]] = field(default_factory=dict)

    def add(self, finding: Finding) -> None:
        self.by_status_severity[finding.status, finding.severity] += 1
        self._rules.setdefault(finding.rule_id, (finding.rule_title, finding.severity))
        if finding.status is Status.FAIL:
            self._failed[finding.rule_id] += 1
        elif finding.status is Status.EXPLAINED:
            self._explained[finding.rule_id] += 1

    def track(self, findings: Iterable[Finding]) -> Iterator[Finding]:
        """Yield `findings` unchanged while counting them: tally while a writer streams."""
        for finding in findings:
            self.add(finding)
            yield finding

    @property
    def total(self) -> int:
        return self.by_status_severity.total()

    def count(self, status: Status, severity: Severity | None = None) -> int:
        if severity is not None:
            return self.by_status_severity[status, severity]
        return sum(self.by_status_severity[status, s] for s in Severity)

    def worst_failing_severity(self) -> Severity | None:
        """Highest severity with a failing finding (what `--fail-on` compares), or None."""
        failing = [s for s in Severity if self.by_status_severity[Status.FAIL, s]]
        return max(failing, key=lambda s: s.rank) if failing else None

    def failing_rules(self) -> list[RuleCount]:
        """Rules with failing findings, most severe first, then most frequent, then id."""
        return self._rule_counts(self._failed)

    def explained_rules(self) -> list[RuleCount]:
        return self._rule_counts(self._explained)

    def _rule_counts(self, counter: Counter[str]) -> list[RuleCount]:
        counts = []
        for rule_id, n in counter.items():
            title, severity = self._rules[rule_id]
            counts.append(RuleCount(rule_id=rule_id, title=title, severity=severity, count=n))
        return sorted(counts, key=lambda r: (-r.severity.rank, -r.count, r.rule_id))
