"""`cloudcensus rules list | validate PATH | test PATH`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from cloudcensus.policies.examples import run_examples
from cloudcensus.policies.loader import builtin_packs, load_rules
from cloudcensus.policies.source import PolicyLoadError
from cloudcensus.scanner.cliparts import policy_error, rules_option, stdout_console

__all__ = ["rules"]


@click.group()
def rules() -> None:
    """List, validate and test rule packs."""


@rules.command("list")
@rules_option
def rules_list(rules: Sequence[str]) -> None:
    """List the rules of the built-in packs (or of the given packs/files)."""
    try:
        ruleset = load_rules(list(rules) or builtin_packs())
    except PolicyLoadError as error:
        raise policy_error(error) from None
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
    stdout_console().print(table)


@rules.command("validate")
@click.argument("path", type=click.Path(path_type=Path, exists=True))
def rules_validate(path: Path) -> None:
    """Validate a rule pack directory or a rule file; exit 1 listing every problem."""
    try:
        ruleset = load_rules([path])
    except PolicyLoadError as error:
        stdout_console().print(Text(str(error)))
        sys.exit(1)
    stdout_console().print(Text(f"{path}: {len(ruleset)} rule(s) valid", "green"))


@rules.command("test")
@click.argument("path", type=click.Path(path_type=Path, exists=True))
def rules_test(path: Path) -> None:
    """Run the examples of every rule in PATH; exit 1 when one contradicts its rule."""
    try:
        results = run_examples(load_rules([path]))
    except PolicyLoadError as error:
        raise policy_error(error) from None
    console = stdout_console()
    failed = [r for r in results if not r.ok]
    for result in failed:
        console.print(Text(str(result), "red"))
    console.print(Text(f"{len(results) - len(failed)} of {len(results)} examples ok"))
    sys.exit(1 if failed else 0)
