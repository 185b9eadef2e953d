"""JSON Lines outputs: `inventory.jsonl` and `findings.jsonl`.

One record per line, each the model's own JSON form, so a line reads back with
`Resource.model_validate_json` / `Finding.model_validate_json`: that is what lets
`cloudcensus evaluate --inventory` re-evaluate a saved inventory elsewhere. Records are
written as they come; nothing is collected in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel

from cloudcensus.policies.findings import Finding
from cloudcensus.scanner.inventory import Resource
from cloudcensus.scanner.report.atomic import atomic_text_writer

__all__ = ["write_findings_jsonl", "write_inventory_jsonl"]


def _write_jsonl(records: Iterable[BaseModel], path: Path) -> int:
    count = 0
    with atomic_text_writer(path) as out:
        for record in records:
            # model_dump_json escapes nothing it need not, and never emits a raw newline
            # inside a value: one record is always exactly one line.
            out.write(record.model_dump_json())
            out.write("\n")
            count += 1
    return count


def write_inventory_jsonl(resources: Iterable[Resource], path: Path) -> int:
    """Write one normalised resource per line to `path`; return the number written."""
    return _write_jsonl(resources, path)


def write_findings_jsonl(findings: Iterable[Finding], path: Path) -> int:
    """Write one finding per line to `path`; return the number written.

    Each line carries the whole finding: rule (id, version, title, pack), resource id and
    type, status, severity, evidence, message, explanation id and note, controls.
    """
    return _write_jsonl(findings, path)
