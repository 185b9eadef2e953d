"""The terminal summary: rich renderables built from counts and small records.

Every function returns a renderable and prints nothing, so the CLI decides where it goes
and tests render it to a recording console. Inputs are plain records, not the engine's
or the store's objects, so those can change without touching this module. Strings that
come from the cloud or from rule files are wrapped in `Text`, never parsed as rich
markup: a resource named "[red]x" must print as written, not restyle or crash the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from cloudcensus.policies.findings import Severity, Status
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus
from cloudcensus.scanner.report.coverage import order_gaps_first
from cloudcensus.scanner.report.tally import FindingTally

__all__ = [
    "DriftCounts",
    "ExplanationNotice",
    "print_summary",
    "render_coverage_gaps",
    "render_drift",
    "render_explanations",
    "render_failing_rules",
    "render_findings_table",
]

_SEVERITIES_DESC = sorted(Severity, key=lambda s: s.rank, reverse=True)
_STATUS_STYLE = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.EXPLAINED: "yellow",
    Status.ERROR: "magenta",
}
_SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


@dataclass(frozen=True)
class ExplanationNotice:
    """An explanation worth a person's attention: expiring soon, or matching nothing."""

    id: str
    rule: str
    expires: date


@dataclass(frozen=True)
class DriftCounts:
    """Resources added, removed and changed since the previous complete scan."""

    added: int
    removed: int
    changed: int


def render_findings_table(tally: FindingTally) -> Table:
    """Findings by status (rows) and severity (columns), with totals."""
    table = Table(title="Findings", title_justify="left")
    table.add_column("status")
    for severity in _SEVERITIES_DESC:
        table.add_column(severity.value, justify="right")
    table.add_column("total", justify="right", style="bold")
    for status in Status:
        counts = [tally.count(status, severity) for severity in _SEVERITIES_DESC]
        table.add_row(
            Text(status.value, style=_STATUS_STYLE[status]),
            *(str(n) if n else "-" for n in counts),
            str(sum(counts)),
        )
    table.add_section()
    table.add_row("total", *("" for _ in _SEVERITIES_DESC), str(tally.total))
    return table


def render_failing_rules(tally: FindingTally, *, limit: int = 20) -> RenderableType:
    """The failing rules, most severe first; says so when there are none."""
    rules = tally.failing_rules()
    if not rules:
        return Text("No failing rules.", style="green")
    table = Table(title="Failing rules", title_justify="left")
    table.add_column("rule")
    table.add_column("severity")
    table.add_column("failing", justify="right")
    table.add_column("title")
    for rule in rules[:limit]:
        table.add_row(
            Text(rule.rule_id),
            Text(rule.severity.value, style=_SEVERITY_STYLE[rule.severity]),
            str(rule.count),
            Text(rule.title),
        )
    if len(rules) > limit:
        table.caption = f"{len(rules) - limit} more failing rules in the report files"
    return table


def render_coverage_gaps(entries: Iterable[CoverageEntry]) -> RenderableType:
    """Every collection unit that did not complete; the scope a verdict could not see."""
    gaps = [e for e in order_gaps_first(entries) if e.status is not CoverageStatus.COMPLETE]
    if not gaps:
        return Text("Coverage: every scope was read completely.", style="green")
    table = Table(title=f"Coverage gaps ({len(gaps)})", title_justify="left")
    for column in ("provider", "account", "region", "collector", "status", "kind", "message"):
        table.add_column(column, overflow="fold")
    for gap in gaps:
        table.add_row(
            Text(gap.provider),
            Text(gap.account),
            Text(gap.region),
            Text(gap.collector),
            Text(
                gap.status.value, style="red" if gap.status is CoverageStatus.FAILED else "yellow"
            ),
            Text(gap.error_kind.value if gap.error_kind else "-"),
            Text(gap.message or "-"),
        )
    return table


def render_explanations(
    expiring: Sequence[ExplanationNotice], stale: Sequence[ExplanationNotice]
) -> RenderableType | None:
    """Explanations expiring soon and stale ones (matching nothing); None when neither."""
    if not expiring and not stale:
        return None
    table = Table(title="Explanations needing attention", title_justify="left")
    for column in ("explanation", "rule", "expires", "state"):
        table.add_column(column)
    for notice in sorted(expiring, key=lambda n: (n.expires, n.id)):
        table.add_row(
            Text(notice.id),
            Text(notice.rule),
            notice.expires.isoformat(),
            Text("expiring", "yellow"),
        )
    for notice in sorted(stale, key=lambda n: n.id):
        table.add_row(
            Text(notice.id), Text(notice.rule), notice.expires.isoformat(), Text("stale", "dim")
        )
    return table


def render_drift(drift: DriftCounts) -> Table:
    title = "Changes since the previous scan"
    table = Table(title=title, title_justify="left", min_width=len(title))
    for column in ("added", "removed", "changed"):
        table.add_column(column, justify="right")
    table.add_row(str(drift.added), str(drift.removed), str(drift.changed))
    return table


def print_summary(
    console: Console,
    tally: FindingTally,
    *,
    coverage: Iterable[CoverageEntry] = (),
    expiring: Sequence[ExplanationNotice] = (),
    stale: Sequence[ExplanationNotice] = (),
    drift: DriftCounts | None = None,
    rule_limit: int = 20,
) -> None:
    """Print the end-of-scan summary: findings, failing rules, gaps, explanations, drift."""
    parts: list[RenderableType] = [
        render_findings_table(tally),
        render_failing_rules(tally, limit=rule_limit),
        render_coverage_gaps(coverage),
    ]
    explanations = render_explanations(expiring, stale)
    if explanations is not None:
        parts.append(explanations)
    if drift is not None:
        parts.append(render_drift(drift))
    console.print(Group(*parts))
