"""The report files of one scan, written from the store into an output directory.

| format | files |
|---|---|
| `json` | `inventory.jsonl`, `findings.jsonl` |
| `ocsf` | `findings.ocsf.json` |
| `csv` | `findings.csv` |
| `sarif` | `findings.sarif` |
| (always) | `coverage.json`, `explanations.json` |

`table` is the terminal summary, not a file. Everything streams from the store, so the
writers' memory does not grow with the estate (the OCSF writer's tag look-up keeps the
tags of tagged resources only).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cloudcensus.policies.explanation_usage import ExplanationReport
from cloudcensus.scanner.coverage import CoverageEntry
from cloudcensus.scanner.inventory import Resource
from cloudcensus.scanner.report import (
    write_coverage_json,
    write_findings_csv,
    write_findings_jsonl,
    write_findings_ocsf,
    write_findings_sarif,
    write_inventory_jsonl,
)
from cloudcensus.scanner.report.atomic import atomic_text_writer
from cloudcensus.scanner.store.store import Store

if TYPE_CHECKING:
    from cloudcensus.scanner.pipeline import ScanResult

__all__ = [
    "COVERAGE_FILE",
    "EXPLANATIONS_FILE",
    "FINDINGS_CSV",
    "FINDINGS_JSONL",
    "FINDINGS_OCSF",
    "FINDINGS_SARIF",
    "INVENTORY_FILE",
    "write_outputs",
    "write_scan_outputs",
]

INVENTORY_FILE = "inventory.jsonl"
FINDINGS_JSONL = "findings.jsonl"
FINDINGS_OCSF = "findings.ocsf.json"
FINDINGS_CSV = "findings.csv"
FINDINGS_SARIF = "findings.sarif"
COVERAGE_FILE = "coverage.json"
EXPLANATIONS_FILE = "explanations.json"


def _inventory(store: Store, scan_id: int) -> Iterator[Resource]:
    """The scan's inventory: what it read, and the last known state of what it could
    not (stale); the same resources the findings were evaluated on."""
    yield from store.resources(scan_id, include_stale=True)


def write_outputs(
    store: Store,
    scan_id: int,
    out: Path,
    formats: Sequence[str],
    *,
    coverage: Sequence[CoverageEntry] | None = None,
    explanations: ExplanationReport | None = None,
) -> list[Path]:
    """Write the selected report files of `scan_id` into `out`; return their paths.

    `coverage` None: the scan's coverage from the store (an evaluation of a saved
    inventory has none of its own and passes an empty list).
    """
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def target(name: str) -> Path:
        written.append(out / name)
        return out / name

    if "json" in formats:
        write_inventory_jsonl(_inventory(store, scan_id), target(INVENTORY_FILE))
        write_findings_jsonl(store.findings(scan_id), target(FINDINGS_JSONL))
    if "ocsf" in formats:
        tags = {r.id: r.tags for r in _inventory(store, scan_id) if r.tags}
        write_findings_ocsf(store.findings(scan_id), target(FINDINGS_OCSF), tags_for=tags.get)
    if "csv" in formats:
        write_findings_csv(store.findings(scan_id), target(FINDINGS_CSV))
    if "sarif" in formats:
        write_findings_sarif(store.findings(scan_id), target(FINDINGS_SARIF))
    entries = store.coverage(scan_id) if coverage is None else coverage
    write_coverage_json(entries, target(COVERAGE_FILE))
    with atomic_text_writer(target(EXPLANATIONS_FILE)) as handle:
        document = explanations.to_dict() if explanations is not None else {}
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    return written


def write_scan_outputs(
    store: Store, result: ScanResult, out: Path | None, formats: Sequence[str]
) -> list[Path]:
    """The report files of a finished scan or evaluation (none when `out` is None)."""
    if out is None:
        return []
    return write_outputs(
        store,
        result.scan_id,
        out,
        formats,
        coverage=result.coverage,
        explanations=result.explanations,
    )
