"""Pieces every `cloudcensus` sub-command shares: exit codes, consoles, common options."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import click
from pydantic import ValidationError
from rich.console import Console

from cloudcensus.policies.source import PolicyLoadError
from cloudcensus.scanner.config import AgentSettings, ConfigError, load_settings, with_overrides
from cloudcensus.scanner.shard import RUN_ID_PATTERN, Shard

__all__ = [
    "EXIT_FAIL_ON",
    "EXIT_INTERRUPTED",
    "EXIT_PUSH_PENDING",
    "EXIT_SCAN_FAILED",
    "EXIT_USAGE",
    "UsageProblem",
    "config_option",
    "load_cli_settings",
    "policy_error",
    "rules_option",
    "run_id_option",
    "shard_option",
    "stderr_console",
    "stdout_console",
]

EXIT_FAIL_ON = 1
EXIT_USAGE = 2
EXIT_SCAN_FAILED = 3
EXIT_PUSH_PENDING = 4
EXIT_INTERRUPTED = 5


class UsageProblem(click.ClickException):
    """A configuration, policy or usage error: nothing was run (exit 2)."""

    exit_code = EXIT_USAGE


def stderr_console() -> Console:
    """Logs, progress and push status go to stderr."""
    return Console(stderr=True, highlight=False)


def stdout_console() -> Console:
    """Results go to stdout; text from the cloud is never read as rich markup by callers."""
    return Console(highlight=False, soft_wrap=True)


def load_cli_settings(
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


def policy_error(error: PolicyLoadError) -> UsageProblem:
    return UsageProblem(f"invalid rules or explanations:\n{error}")


rules_option = click.option(
    "--rules", multiple=True, help="Rule pack name, pack directory or rule file (repeatable)."
)

config_option = click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="YAML configuration file (default: ./cloudcensus.yaml when present).",
)


def _shard(ctx: click.Context, param: click.Parameter, value: str | None) -> Shard | None:
    if value is None:
        return None
    try:
        return Shard.parse(value)
    except ValidationError as error:
        message = error.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise click.BadParameter(f"{message} (got {value!r})") from None


def _run_id(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and re.match(RUN_ID_PATTERN, value) is None:
        raise click.BadParameter(
            "1-128 characters: letters, digits and . _ : + @ -, starting with a letter or digit"
        )
    return value


shard_option = click.option(
    "--shard",
    metavar="I/N",
    callback=_shard,
    help="Scan only shard I of N of the accounts/subscriptions/projects (default: shard).",
)

run_id_option = click.option(
    "--run-id",
    "run_id",
    callback=_run_id,
    help="The run the shards of one scan share, e.g. the Kubernetes Job name (default: run_id).",
)
