"""Pieces every `cloudcensus` sub-command shares: exit codes, consoles, common options."""

from __future__ import annotations

import click
from rich.console import Console

from cloudcensus.policies.source import PolicyLoadError

__all__ = [
    "EXIT_FAIL_ON",
    "EXIT_PUSH_PENDING",
    "EXIT_SCAN_FAILED",
    "EXIT_USAGE",
    "UsageProblem",
    "policy_error",
    "rules_option",
    "stderr_console",
    "stdout_console",
]

EXIT_FAIL_ON = 1
EXIT_USAGE = 2
EXIT_SCAN_FAILED = 3
EXIT_PUSH_PENDING = 4


class UsageProblem(click.ClickException):
    """A configuration, policy or usage error: nothing was run (exit 2)."""

    exit_code = EXIT_USAGE


def stderr_console() -> Console:
    """Logs, progress and push status go to stderr."""
    return Console(stderr=True, highlight=False)


def stdout_console() -> Console:
    """Results go to stdout; text from the cloud is never read as rich markup by callers."""
    return Console(highlight=False, soft_wrap=True)


def policy_error(error: PolicyLoadError) -> UsageProblem:
    return UsageProblem(f"invalid rules or explanations:\n{error}")


rules_option = click.option(
    "--rules", multiple=True, help="Rule pack name, pack directory or rule file (repeatable)."
)
