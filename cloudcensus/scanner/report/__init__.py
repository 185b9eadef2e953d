"""Report outputs of a scan: files in `--out` and the terminal summary.

Writers take iterables and stream them to a file written atomically; renderers take
counts and small records and return rich renderables. None of them reads the store or
the configuration: the CLI adapts its objects and calls these.

| file | writer |
|---|---|
| `inventory.jsonl` | `write_inventory_jsonl` |
| `findings.jsonl` | `write_findings_jsonl` |
| `findings.csv` | `write_findings_csv` |
| `findings.ocsf.json` | `write_findings_ocsf` (OCSF 1.5.0 Compliance Finding) |
| `findings.sarif` | `write_findings_sarif` (SARIF 2.1.0) |
| `coverage.json` | `write_coverage_json` |
"""

from cloudcensus.scanner.report.coverage import (
    CoverageSummary,
    order_gaps_first,
    summarise_coverage,
    write_coverage_json,
)
from cloudcensus.scanner.report.csvout import FINDINGS_CSV_COLUMNS, write_findings_csv
from cloudcensus.scanner.report.jsonl import write_findings_jsonl, write_inventory_jsonl
from cloudcensus.scanner.report.ocsf import OCSF_VERSION, finding_to_ocsf
from cloudcensus.scanner.report.ocsfencoder import write_findings_ocsf
from cloudcensus.scanner.report.sarif import SARIF_VERSION, write_findings_sarif
from cloudcensus.scanner.report.table import (
    DriftCounts,
    ExplanationNotice,
    print_summary,
    render_coverage_gaps,
    render_drift,
    render_explanations,
    render_failing_rules,
    render_findings_table,
)
from cloudcensus.scanner.report.tally import FindingTally, RuleCount

__all__ = [
    "FINDINGS_CSV_COLUMNS",
    "OCSF_VERSION",
    "SARIF_VERSION",
    "CoverageSummary",
    "DriftCounts",
    "ExplanationNotice",
    "FindingTally",
    "RuleCount",
    "finding_to_ocsf",
    "order_gaps_first",
    "print_summary",
    "render_coverage_gaps",
    "render_drift",
    "render_explanations",
    "render_failing_rules",
    "render_findings_table",
    "summarise_coverage",
    "write_coverage_json",
    "write_findings_csv",
    "write_findings_jsonl",
    "write_findings_ocsf",
    "write_findings_sarif",
    "write_inventory_jsonl",
]
