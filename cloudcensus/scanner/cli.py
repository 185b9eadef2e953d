"""The `cloudcensus` command line (click + rich). Usage and exit codes: docs/cli.md.

With `agent/command.py` (the `agent` command), the one place that turns errors into
exit codes (and the only `sys.exit`, through click): 0 fine; 1 a `--fail-on` severity
was met, a validation found problems, or there is nothing to compare; 2 a
configuration, rule, explanation or usage error (nothing was scanned); 3 the scan
itself failed; 4 (`push`, `agent --once`) something is still pending delivery; 5
(`agent`) a signal cut a scan short, or the shutdown grace period ran out.
Settings are built here, once per command, and passed down. Logs go to stderr, results
to stdout.
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
from rich.text import Text

from cloudcensus import __version__
from cloudcensus.policies.findings import Severity
from cloudcensus.policies.source import PolicyLoadError
from cloudcensus.providers.registry import ProviderUnavailable
from cloudcensus.scanner.agent.command import agent
from cloudcensus.scanner.cliparts import (
    EXIT_FAIL_ON,
    EXIT_INTERRUPTED,
    EXIT_PUSH_PENDING,
    EXIT_SCAN_FAILED,
    EXIT_USAGE,
    UsageProblem,
    config_option,
    load_cli_settings,
    policy_error,
    rules_option,
    run_id_option,
    shard_option,
    stderr_console,
    stdout_console,
)
from cloudcensus.scanner.config import FORMATS, AgentSettings
from cloudcensus.scanner.lazycli import LazyGroup
from cloudcensus.scanner.outputs import write_scan_outputs
from cloudcensus.scanner.pipeline import (
    InventoryFileError,
    ScanResult,
    build_providers,
    load_policy,
    run_evaluate,
    run_scan,
)
from cloudcensus.scanner.push import PushConfigError, build_client
from cloudcensus.scanner.push.terminal import deliver, print_outbox, print_push
from cloudcensus.scanner.rulescli import rules
from cloudcensus.scanner.shard import Shard, check_store
from cloudcensus.scanner.store import ScanStatus, Store, StoreError, UnknownScan, diff, scan_pair
from cloudcensus.scanner.terminal import (
    ScanProgress,
    diff_document,
    print_diff,
    print_result,
    setup_logging,
)

__all__ = [
    "EXIT_FAIL_ON",
    "EXIT_INTERRUPTED",
    "EXIT_PUSH_PENDING",
    "EXIT_SCAN_FAILED",
    "EXIT_USAGE",
    "cli",
    "main",
]

_SEVERITIES = [s.value for s in Severity]
_LEVELS = ["debug", "info", "warning", "error"]


def _formats(value: str | None) -> list[str] | None:
    """`--format table,json`: a comma-separated subset of FORMATS (None: as configured)."""
    if value is None:
        return None
    chosen = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"choose from {', '.join(FORMATS)} (got {value!r})")
    return chosen


def _finish(console: Console, store: Store, result: ScanResult, settings: AgentSettings) -> int:
    """Write the report files, print the summary, and decide the exit code."""
    write_scan_outputs(store, result, settings.out, settings.formats)
    if "table" in settings.formats:
        print_result(console, result)
    if result.shard is not None:
        run = f", run {result.run}" if result.run else " (no run id: a scan of its own)"
        console.print(Text(f"Shard {result.shard} of the estate{run}"))
    if settings.out is not None:
        console.print(Text(f"Reports written to {settings.out}"))
    if result.status is ScanStatus.FAILED:
        console.print(Text("The scan failed: nothing could be read (see coverage).", "bold red"))
        return EXIT_SCAN_FAILED
    worst = result.tally.worst_failing_severity()
    if settings.fail_on is not None and worst is not None and worst.rank >= settings.fail_on.rank:
        return EXIT_FAIL_ON
    return 0


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


@click.group(
    cls=LazyGroup,
    lazy_subcommands={"registry": ("cloudcensus.registry.cli:registry", "registry")},
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="cloudcensus")
@click.option(
    "--log-level",
    type=click.Choice(_LEVELS, case_sensitive=False),
    default="warning",
    show_default=True,
    help="Log verbosity (logs go to stderr); `agent` defaults to its agent.log_level.",
)
def cli(log_level: str) -> None:
    """cloudcensus: multi-cloud inventory and comply-or-explain policy scanner."""
    setup_logging(log_level, stderr_console())


@cli.command()
@config_option
@click.option("--provider", "providers", multiple=True, help="Scan only this provider.")
@click.option("--region", "regions", multiple=True, help="Scan only this region.")
@rules_option
@_explanations_option
@_out_option
@_format_option
@_fail_on_option
@click.option("--no-push", is_flag=True, help="Queue the scan for the registry, do not push it.")
@shard_option
@run_id_option
def scan(
    config: Path | None,
    providers: Sequence[str],
    regions: Sequence[str],
    rules: Sequence[str],
    explanations: Sequence[Path],
    out: Path | None,
    formats: str | None,
    fail_on: str | None,
    no_push: bool,
    shard: Shard | None,
    run_id: str | None,
) -> None:
    """Scan the configured clouds now: inventory, findings, report files, push."""
    settings = load_cli_settings(
        config,
        providers=providers,
        regions=regions,
        rules=list(rules) or None,
        explanations=list(explanations) or None,
        out=out,
        formats=_formats(formats),
        fail_on=fail_on,
        shard=shard,
        run_id=run_id,
    )
    now = datetime.now(UTC)
    try:
        policy = load_policy(settings, now.date(), str(config or "configuration"))
        provider_objects = build_providers(settings)
        if settings.registry is not None and not no_push:
            build_client(settings.registry).close()  # a bad token file fails before the scan
        store = Store.open(settings.store_path, retention=settings.retention_scans)
        try:
            check_store(store, settings.shard)
        except StoreError:
            store.close()
            raise
    except PolicyLoadError as error:
        raise policy_error(error) from None
    except (ProviderUnavailable, StoreError, PushConfigError) as error:
        raise UsageProblem(str(error)) from None
    err = stderr_console()
    with store:
        with ScanProgress(err, enabled=err.is_terminal) as progress:
            result = run_scan(settings, provider_objects, store, policy, now, progress)
        code = _finish(stdout_console(), store, result, settings)
        if settings.registry is not None and not no_push:
            print_push(err, deliver(settings.registry, store), settings.registry.url)
    sys.exit(code)


@cli.command()
@click.option(
    "--inventory",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="inventory.jsonl written by a scan.",
)
@config_option
@rules_option
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
    settings = load_cli_settings(
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
        raise policy_error(error) from None
    with (
        tempfile.TemporaryDirectory(prefix="cloudcensus-evaluate-") as scratch,
        Store.open(Path(scratch) / "evaluate.sqlite") as store,
    ):
        try:
            result = run_evaluate(inventory, store, policy, now)
        except InventoryFileError as error:
            raise UsageProblem(str(error)) from None
        code = _finish(stdout_console(), store, result, settings)
    sys.exit(code)


@cli.group()
def inventory() -> None:
    """Inspect the inventory kept in the local store."""


@inventory.command("diff")
@config_option
@click.option("--old", "old", type=int, help="Older scan id (default: the previous scan).")
@click.option("--new", "new", type=int, help="Newer scan id (default: the latest scan).")
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON.")
def inventory_diff(config: Path | None, old: int | None, new: int | None, as_json: bool) -> None:
    """What was added, removed and changed between the last two finished scans."""
    settings = load_cli_settings(config)
    if not settings.store_path.exists():
        raise click.ClickException(f"no store at {settings.store_path}: run a scan first")
    try:
        with Store.open(settings.store_path, retention=settings.retention_scans) as store:
            old, new = scan_pair(store, old, new)
            drift = diff(store, old, new)
    except (UnknownScan, StoreError) as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(diff_document(drift), indent=2, default=str))
    else:
        print_diff(stdout_console(), drift)


@cli.command()
@config_option
@click.option("--status", "status_only", is_flag=True, help="Show the outbox, deliver nothing.")
def push(config: Path | None, status_only: bool) -> None:
    """Deliver the scans waiting in the outbox to the registry (exit 4: some still wait)."""
    settings = load_cli_settings(config)
    if settings.registry is None and not status_only:
        raise UsageProblem("no registry configured (the `registry` section): nothing to push to")
    try:
        with Store.open(settings.store_path, retention=settings.retention_scans) as store:
            if not status_only and settings.registry is not None:
                print_push(
                    stdout_console(), deliver(settings.registry, store), settings.registry.url
                )
            pending = print_outbox(stdout_console(), store)
    except (StoreError, PushConfigError) as error:
        raise UsageProblem(str(error)) from None
    sys.exit(EXIT_PUSH_PENDING if pending else 0)


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
        code = run_demo(stdout_console(), out=out, state_dir=state_dir)
    except DemoUnavailable as error:
        raise UsageProblem(str(error)) from None
    sys.exit(code)


cli.add_command(rules)
cli.add_command(agent)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="cloudcensus")
