"""The `cloudcensus` command line (click + rich). Usage and exit codes: docs/cli.md.

The one place that turns errors into exit codes (and the only `sys.exit`, through
click): 0 fine; 1 a `--fail-on` severity was met, a validation found problems, or there
is nothing to compare; 2 a configuration, rule, explanation or usage error (nothing was
scanned); 3 the scan itself failed. Settings are built here, once per command, and
passed down. Logs go to stderr, results to stdout.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cloudcensus import __version__
from cloudcensus.policies.examples import run_examples
from cloudcensus.policies.findings import Severity
from cloudcensus.policies.loader import builtin_packs, load_rules
from cloudcensus.policies.source import PolicyLoadError
from cloudcensus.providers.registry import ProviderUnavailable
from cloudcensus.scanner.config import (
    FORMATS,
    AgentSettings,
    ConfigError,
    load_settings,
    with_overrides,
)
from cloudcensus.scanner.outputs import write_outputs
from cloudcensus.scanner.pipeline import (
    InventoryFileError,
    ScanResult,
    build_providers,
    load_policy,
    run_evaluate,
    run_scan,
)
from cloudcensus.scanner.store import ScanStatus, Store, StoreError, UnknownScan, diff
from cloudcensus.scanner.terminal import (
    ScanProgress,
    diff_document,
    print_diff,
    print_result,
    setup_logging,
)

__all__ = ["EXIT_FAIL_ON", "EXIT_SCAN_FAILED", "EXIT_USAGE", "cli", "main"]

EXIT_FAIL_ON = 1
EXIT_USAGE = 2
EXIT_SCAN_FAILED = 3
_SEVERITIES = [s.value for s in Severity]
_LEVELS = ["debug", "info", "warning", "error"]


class UsageProblem(click.ClickException):
    """A configuration, policy or usage error: nothing was run (exit 2)."""

    exit_code = EXIT_USAGE


def _stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _stderr() -> Console:
    return Console(stderr=True, highlight=False)


def _formats(value: str | None) -> list[str] | None:
    """`--format table,json`: a comma-separated subset of FORMATS (None: as configured)."""
    if value is None:
        return None
    chosen = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"choose from {', '.join(FORMATS)} (got {value!r})")
    return chosen


def _settings(
    config: Path | None,
    *,
    providers: Sequence[str] = (),
    regions: Sequence[str] = (),
    **fields: object,
) -> AgentSettings:
    """Load the configuration and apply flags; any problem is exit 2, every field named."""
    try:
        return with_overrides(load_settings(config), providers=providers, regions=regions, **fields)
    except ConfigError as error:
        raise UsageProblem(f"invalid configuration:\n{error}") from None


def _policy_error(error: PolicyLoadError) -> UsageProblem:
    return UsageProblem(f"invalid rules or explanations:\n{error}")


def _finish(console: Console, store: Store, result: ScanResult, settings: AgentSettings) -> int:
    """Write the report files, print the summary, and decide the exit code."""
    if settings.out is not None:
        write_outputs(
            store,
            result.scan_id,
            settings.out,
            settings.formats,
            coverage=result.coverage,
            explanations=result.explanations,
        )
    if "table" in settings.formats:
        print_result(console, result)
    if settings.out is not None:
        console.print(Text(f"Reports written to {settings.out}"))
    if result.status is ScanStatus.FAILED:
        console.print(Text("The scan failed: nothing could be read (see coverage).", "bold red"))
        return EXIT_SCAN_FAILED
    worst = result.tally.worst_failing_severity()
    if settings.fail_on is not None and worst is not None and worst.rank >= settings.fail_on.rank:
        return EXIT_FAIL_ON
    return 0


_config_option = click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="YAML configuration file (default: ./cloudcensus.yaml when present).",
)
_rules_option = click.option(
    "--rules", multiple=True, help="Rule pack name, pack directory or rule file (repeatable)."
)
_explanations_option = click.option(
    "--explanations",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Explanations file (repeatable).",
)
_out_option = click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), help="Directory for report files."
)
_format_option = click.option(
    "--format", "formats", help=f"Comma-separated outputs: {','.join(FORMATS)}."
)
_fail_on_option = click.option(
    "--fail-on",
    type=click.Choice(_SEVERITIES, case_sensitive=False),
    help="Exit 1 when a failing finding has this severity or higher.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cloudcensus")
@click.option(
    "--log-level",
    type=click.Choice(_LEVELS, case_sensitive=False),
    default="warning",
    show_default=True,
    help="Log verbosity (logs go to stderr).",
)
def cli(log_level: str) -> None:
    """cloudcensus: multi-cloud inventory and comply-or-explain policy scanner."""
    setup_logging(log_level, _stderr())


@cli.command()
@_config_option
@click.option("--provider", "providers", multiple=True, help="Scan only this provider.")
@click.option("--region", "regions", multiple=True, help="Scan only this region.")
@_rules_option
@_explanations_option
@_out_option
@_format_option
@_fail_on_option
def scan(
    config: Path | None,
    providers: Sequence[str],
    regions: Sequence[str],
    rules: Sequence[str],
    explanations: Sequence[Path],
    out: Path | None,
    formats: str | None,
    fail_on: str | None,
) -> None:
    """Scan the configured clouds now: inventory, findings, report files."""
    settings = _settings(
        config,
        providers=providers,
        regions=regions,
        rules=list(rules) or None,
        explanations=list(explanations) or None,
        out=out,
        formats=_formats(formats),
        fail_on=fail_on,
    )
    now = datetime.now(UTC)
    try:
        policy = load_policy(settings, now.date(), str(config or "configuration"))
        provider_objects = build_providers(settings)
        store = Store.open(settings.store_path, retention=settings.retention_scans)
    except PolicyLoadError as error:
        raise _policy_error(error) from None
    except (ProviderUnavailable, StoreError) as error:
        raise UsageProblem(str(error)) from None
    err = _stderr()
    with store:
        with ScanProgress(err, enabled=err.is_terminal) as progress:
            result = run_scan(settings, provider_objects, store, policy, now, progress)
        code = _finish(_stdout(), store, result, settings)
    sys.exit(code)


@cli.command()
@click.option(
    "--inventory",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="inventory.jsonl written by a scan.",
)
@_config_option
@_rules_option
@_explanations_option
@_out_option
@_format_option
@_fail_on_option
def evaluate(
    inventory: Path,
    config: Path | None,
    rules: Sequence[str],
    explanations: Sequence[Path],
    out: Path | None,
    formats: str | None,
    fail_on: str | None,
) -> None:
    """Evaluate a saved inventory again (after a rule or explanation change)."""
    settings = _settings(
        config,
        rules=list(rules) or None,
        explanations=list(explanations) or None,
        out=out,
        formats=_formats(formats),
        fail_on=fail_on,
    )
    now = datetime.now(UTC)
    try:
        policy = load_policy(settings, now.date(), str(config or "configuration"))
    except PolicyLoadError as error:
        raise _policy_error(error) from None
    with (
        tempfile.TemporaryDirectory(prefix="cloudcensus-evaluate-") as scratch,
        Store.open(Path(scratch) / "evaluate.sqlite") as store,
    ):
        try:
            result = run_evaluate(inventory, store, policy, now)
        except InventoryFileError as error:
            raise UsageProblem(str(error)) from None
        code = _finish(_stdout(), store, result, settings)
    sys.exit(code)


@cli.group()
def rules() -> None:
    """List, validate and test rule packs."""


@rules.command("list")
@_rules_option
def rules_list(rules: Sequence[str]) -> None:
    """List the rules of the built-in packs (or of the given packs/files)."""
    try:
        ruleset = load_rules(list(rules) or builtin_packs())
    except PolicyLoadError as error:
        raise _policy_error(error) from None
    table = Table(title=f"{len(ruleset)} rules", title_justify="left")
    for column in ("id", "pack", "severity", "scope", "types", "title"):
        table.add_column(column)
    for rule in ruleset:
        table.add_row(
            Text(rule.id),
            Text(rule.pack),
            rule.severity.value,
            rule.scope,
            Text(", ".join(rule.types)),
            Text(rule.title),
        )
    _stdout().print(table)


@rules.command("validate")
@click.argument("path", type=click.Path(path_type=Path, exists=True))
def rules_validate(path: Path) -> None:
    """Validate a rule pack directory or a rule file; exit 1 listing every problem."""
    try:
        ruleset = load_rules([path])
    except PolicyLoadError as error:
        _stdout().print(Text(str(error)))
        sys.exit(1)
    _stdout().print(Text(f"{path}: {len(ruleset)} rule(s) valid", "green"))


@rules.command("test")
@click.argument("path", type=click.Path(path_type=Path, exists=True))
def rules_test(path: Path) -> None:
    """Run the examples of every rule in PATH; exit 1 when one contradicts its rule."""
    try:
        results = run_examples(load_rules([path]))
    except PolicyLoadError as error:
        raise _policy_error(error) from None
    console = _stdout()
    failed = [r for r in results if not r.ok]
    for result in failed:
        console.print(Text(str(result), "red"))
    console.print(Text(f"{len(results) - len(failed)} of {len(results)} examples ok"))
    sys.exit(1 if failed else 0)


@cli.group()
def inventory() -> None:
    """Inspect the inventory kept in the local store."""


def _scan_pair(store: Store, old: int | None, new: int | None) -> tuple[int, int]:
    """Scan ids to compare: as given, else the latest finished scan and the one before."""
    if new is None:
        latest = store.last_complete_scans(1)
        if not latest:
            raise click.ClickException("no finished scan in the store: run a scan first")
        new = latest[0].id
    if old is None:
        previous = store.previous_scan(new)
        if previous is None:
            raise click.ClickException(f"no finished scan before scan {new} to compare with")
        old = previous.id
    return old, new


@inventory.command("diff")
@_config_option
@click.option("--old", "old", type=int, help="Older scan id (default: the previous scan).")
@click.option("--new", "new", type=int, help="Newer scan id (default: the latest scan).")
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON.")
def inventory_diff(config: Path | None, old: int | None, new: int | None, as_json: bool) -> None:
    """What was added, removed and changed between the last two finished scans."""
    settings = _settings(config)
    if not settings.store_path.exists():
        raise click.ClickException(f"no store at {settings.store_path}: run a scan first")
    try:
        with Store.open(settings.store_path, retention=settings.retention_scans) as store:
            old, new = _scan_pair(store, old, new)
            drift = diff(store, old, new)
    except (UnknownScan, StoreError) as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(diff_document(drift), indent=2, default=str))
    else:
        print_diff(_stdout(), drift)


@cli.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="Report files.")
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Store of the demo (default: a temporary directory, removed afterwards).",
)
def demo(out: Path | None, state_dir: Path | None) -> None:
    """Build an AWS organisation in a local emulator, scan it twice, show the results."""
    from cloudcensus.demo.runner import DemoUnavailable, run_demo

    try:
        code = run_demo(_stdout(), out=out, state_dir=state_dir)
    except DemoUnavailable as error:
        raise UsageProblem(str(error)) from None
    sys.exit(code)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="cloudcensus")
