"""`coverage.json`: what the scan read completely, partly, or not at all.

A report that omits what it could not see reads as compliance. So the file leads with a
summary (counts per status) and lists the gaps (failed, then partial entries) before the
complete ones; a reader who stops at the top still sees every blind spot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus
from cloudcensus.scanner.report.atomic import atomic_text_writer

__all__ = ["CoverageSummary", "order_gaps_first", "summarise_coverage", "write_coverage_json"]

_STATUS_ORDER = {CoverageStatus.FAILED: 0, CoverageStatus.PARTIAL: 1, CoverageStatus.COMPLETE: 2}


@dataclass(frozen=True)
class CoverageSummary:
    """Counts of collection units by status, and what they collected."""

    complete: int = 0
    partial: int = 0
    failed: int = 0
    resources: int = 0
    errors: int = 0

    @property
    def total(self) -> int:
        return self.complete + self.partial + self.failed

    @property
    def gaps(self) -> int:
        return self.partial + self.failed


def order_gaps_first(entries: Iterable[CoverageEntry]) -> list[CoverageEntry]:
    """Failed entries, then partial, then complete; each group by provider/account/region."""
    return sorted(entries, key=lambda e: (_STATUS_ORDER[e.status], e.key))


def summarise_coverage(entries: Iterable[CoverageEntry]) -> CoverageSummary:
    counts = dict.fromkeys(CoverageStatus, 0)
    resources = errors = 0
    for entry in entries:
        counts[entry.status] += 1
        resources += entry.resources
        errors += entry.errors
    return CoverageSummary(
        complete=counts[CoverageStatus.COMPLETE],
        partial=counts[CoverageStatus.PARTIAL],
        failed=counts[CoverageStatus.FAILED],
        resources=resources,
        errors=errors,
    )


def write_coverage_json(entries: Iterable[CoverageEntry], path: Path) -> CoverageSummary:
    """Write `{"summary": {...}, "entries": [gaps first ...]}` to `path`; return the summary.

    Coverage has one entry per provider x account x region x collector, a few thousand at
    most, so it is sorted in memory (unlike findings, which stream).
    """
    ordered = order_gaps_first(entries)
    summary = summarise_coverage(ordered)
    document = {
        "summary": {**asdict(summary), "total": summary.total, "gaps": summary.gaps},
        "entries": [entry.model_dump(mode="json") for entry in ordered],
    }
    with atomic_text_writer(path) as out:
        json.dump(document, out, ensure_ascii=False, indent=2)
        out.write("\n")
    return summary
