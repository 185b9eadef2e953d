"""Applying explanations to findings, and what a scan learned about them.

The `Evaluator` owns one `ExplanationTracker` for a whole scan: `apply` is called for
every finding of every scope, and `report()` at the end tells which explanations are
valid and used, stale (matched no failing finding), expired, pinned to another rule
version, or expiring soon. The report is plain data the CLI prints and writes as JSON.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cloudcensus.policies.explanations import Explanation, ExplanationSet
from cloudcensus.policies.findings import Finding, Status
from cloudcensus.scanner.inventory import Resource

__all__ = ["EXPIRING_WITHIN_DAYS", "ExplanationReport", "ExplanationTracker"]

EXPIRING_WITHIN_DAYS = 30


@dataclass(frozen=True)
class ExplanationReport:
    """Explanation states after a scan; each entry is `Explanation.summary()` data."""

    valid: list[dict[str, Any]] = field(default_factory=list)  # not expired, + "findings"
    expired: list[dict[str, Any]] = field(default_factory=list)
    stale: list[dict[str, Any]] = field(default_factory=list)  # valid, matched nothing
    expiring: list[dict[str, Any]] = field(default_factory=list)  # valid, expires soon
    wrong_version: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "valid": self.valid,
            "expired": self.expired,
            "stale": self.stale,
            "expiring": self.expiring,
            "wrong_version": self.wrong_version,
        }


class ExplanationTracker:
    """Applies an `ExplanationSet` to failing findings and counts what matched."""

    def __init__(self, explanations: ExplanationSet) -> None:
        self.explanations = explanations
        self._explained: Counter[str] = Counter()
        self._matched: set[str] = set()
        self._version_refused: set[str] = set()

    def apply(self, finding: Finding, resource: Resource | None) -> Finding:
        """The finding, `explained` if a valid explanation covers it (only `fail` ones)."""
        if finding.status is not Status.FAIL:
            return finding
        candidates = [
            e for e in self.explanations.for_rule(finding.rule_id) if e.matches(finding, resource)
        ]
        if not candidates:
            return finding
        self._matched.update(e.id for e in candidates)
        notes = []
        for explanation in candidates:
            refusal = self._refusal(explanation, finding)
            if refusal is None:
                self._explained[explanation.id] += 1
                spec = explanation.spec
                note = f"{spec.category} until {spec.expires.isoformat()}: {spec.reason}"
                return finding.model_copy(
                    update={
                        "status": Status.EXPLAINED,
                        "explanation_id": explanation.id,
                        "explanation_note": note,
                    }
                )
            notes.append(refusal)
        return finding.model_copy(update={"explanation_note": "; ".join(notes)})

    def _refusal(self, explanation: Explanation, finding: Finding) -> str | None:
        spec = explanation.spec
        if self.explanations.is_expired(explanation):
            return f"explanation {spec.id} expired on {spec.expires.isoformat()}"
        if spec.rule_version is not None and spec.rule_version != finding.rule_version:
            self._version_refused.add(spec.id)
            return (
                f"explanation {spec.id} was approved for version {spec.rule_version} of "
                f"{finding.rule_id}, which is now at version {finding.rule_version}"
            )
        return None

    def report(self, expiring_within_days: int = EXPIRING_WITHIN_DAYS) -> ExplanationReport:
        """States of all explanations over every finding applied so far."""
        expiring_ids = {e.id for e in self.explanations.expiring(expiring_within_days)}
        report = ExplanationReport()
        for explanation in self.explanations.explanations:
            entry = explanation.summary()
            if self.explanations.is_expired(explanation):
                report.expired.append(entry)
                continue
            if explanation.id in self._version_refused and not self._explained[explanation.id]:
                report.wrong_version.append(entry)
                continue
            report.valid.append({**entry, "findings": self._explained[explanation.id]})
            if explanation.id not in self._matched:
                report.stale.append(entry)
            if explanation.id in expiring_ids:
                report.expiring.append(entry)
        return report
