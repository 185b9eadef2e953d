"""Sub-commands imported only when they are run.

`cloudcensus registry ...` needs the `registry` extra (FastAPI, SQLAlchemy, Alembic);
an agent installed without it must still start quickly and, when someone asks for the
registry, say which extra to install instead of failing at import.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import click

__all__ = ["LazyGroup"]


class LazyGroup(click.Group):
    """A click group whose `lazy_subcommands` ({name: (module:attribute, extra)}) load on use."""

    def __init__(
        self,
        *args: Any,
        lazy_subcommands: Mapping[str, tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = dict(lazy_subcommands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self._lazy:
            return super().get_command(ctx, cmd_name)
        target, extra = self._lazy[cmd_name]
        module_name, _, attribute = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            raise click.UsageError(
                f"'{cmd_name}' needs packages that are not installed ({error.name}): "
                f"pip install 'cloudcensus[{extra}]'"
            ) from None
        command = getattr(module, attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command
