"""`cloudcensus registry ...`: serve, migrate, add institutions, create tokens.

The database comes from `--database-url`, `CLOUDCENSUS_REGISTRY_DATABASE_URL`, or a file
named by `--database-url-file` / `CLOUDCENSUS_REGISTRY_DATABASE_URL_FILE` (a mounted secret:
the URL holds the password); without any, a SQLite file in `--state-dir` (default: the XDG
state directory).
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from cloudcensus.registry.admin import add_institution
from cloudcensus.registry.db import create_db_engine, migrate, session_factory
from cloudcensus.registry.settings import RegistrySettings, default_state_dir
from cloudcensus.registry.tokens import Role, TokenError, issue_token

__all__ = ["registry"]

_URL_ENV = "CLOUDCENSUS_REGISTRY_DATABASE_URL"


def _url_from_file(path: Path | None) -> str | None:
    """The database URL in a secret file (first line, trimmed), or None without a file."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise click.BadParameter(
            f"cannot read {path}: {error.strerror}", param_hint="--database-url-file"
        ) from None
    if not text:
        raise click.BadParameter(f"{path} is empty", param_hint="--database-url-file")
    return text.splitlines()[0].strip()


class _RegistryGroup(click.Group):
    """Database failures become one readable line naming the database, password hidden."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ArgumentError:
            # Never echo the text: an unparsable URL may still hold a password.
            raise click.ClickException(
                "the database URL is not a SQLAlchemy URL "
                "(dialect+driver://user:password@host:port/database)"
            ) from None
        except SQLAlchemyError as error:
            settings = ctx.obj if isinstance(ctx.obj, RegistrySettings) else None
            where = _safe_url(settings.resolved_database_url()) if settings else "the database"
            cause = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            raise click.ClickException(f"database {where}: {cause}") from None


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparsable URL)"


@click.group(cls=_RegistryGroup)
@click.option("--database-url", envvar=_URL_ENV, help="SQLAlchemy URL (default: SQLite file)")
@click.option(
    "--database-url-file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=f"{_URL_ENV}_FILE",
    help="file holding the SQLAlchemy URL (a mounted secret)",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="CLOUDCENSUS_REGISTRY_STATE_DIR",
    help="where the SQLite database lives",
)
@click.pass_context
def registry(
    ctx: click.Context,
    database_url: str | None,
    database_url_file: Path | None,
    state_dir: Path | None,
) -> None:
    """The central registry: findings of every institution's agent."""
    if database_url and database_url_file:
        raise click.UsageError("give the database URL or a file holding it, not both")
    ctx.obj = RegistrySettings(
        database_url=database_url or _url_from_file(database_url_file),
        state_dir=state_dir or default_state_dir(),
    )


@registry.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.pass_obj
def serve(settings: RegistrySettings, host: str, port: int) -> None:
    """Run the registry (migrates the database first)."""
    import uvicorn

    from cloudcensus.registry.app import create_app

    app = create_app(settings)
    # What is loaded by now lives as long as the process: kept out of the cyclic garbage
    # collector's sight, it is no longer walked by each full collection that the objects
    # of finding batches trigger (benchmarks/README.md).
    gc.freeze()
    uvicorn.run(app, host=host, port=port, proxy_headers=True)


@registry.command("migrate")
@click.pass_obj
def migrate_command(settings: RegistrySettings) -> None:
    """Bring the database schema up to date."""
    migrate(create_db_engine(settings))
    click.echo("database schema is up to date")


@registry.command("check")
@click.option("--repair", is_flag=True, help="write the recomputed values")
@click.pass_obj
def check_command(settings: RegistrySettings, repair: bool) -> None:
    """Check the kept finding counts and batch references against the findings.

    Exit status 0: consistent (or repaired); 1: inconsistent (nothing written without
    --repair); 3: what cannot be repaired: findings whose event batch is missing (events
    lost), or finding rows pointing to no institution or scan.
    """
    from cloudcensus.registry.check import check

    engine = create_db_engine(settings)
    migrate(engine)
    with session_factory(engine)() as session:
        report = check(session, repair=repair)
        session.commit()
    for line in report.lines():
        click.echo(line)
    if report.missing_events or report.dangling:
        raise SystemExit(3)
    if report.consistent:
        click.echo("consistent: finding counts and event batch references match the findings")
    elif repair:
        click.echo("repaired: finding counts and event batch references rewritten")
    else:
        click.echo("inconsistent: run again with --repair to rewrite them")
        raise SystemExit(1)


@registry.group()
def institution() -> None:
    """Manage institutions."""


@institution.command("add")
@click.argument("name")
@click.pass_obj
def institution_add(settings: RegistrySettings, name: str) -> None:
    """Add an institution."""
    engine = create_db_engine(settings)
    migrate(engine)
    with session_factory(engine)() as session:
        try:
            add_institution(session, name)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        session.commit()
    click.echo(f"institution {name} added")


@registry.group()
def token() -> None:
    """Manage tokens."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--institution", "institutions", multiple=True, help="repeatable")
@click.option("--all", "all_institutions", is_flag=True, help="reader of every institution")
@click.option("--description", help="who or what uses the token")
@click.pass_obj
def token_create(
    settings: RegistrySettings,
    role: str,
    institutions: tuple[str, ...],
    all_institutions: bool,
    description: str | None,
) -> None:
    """Create a token and print it once: it is stored only as a hash."""
    engine = create_db_engine(settings)
    migrate(engine)
    with session_factory(engine)() as session:
        try:
            secret = issue_token(
                session,
                Role(role),
                list(institutions),
                all_institutions=all_institutions,
                description=description,
            )
        except TokenError as error:
            raise click.ClickException(str(error)) from error
        session.commit()
    click.echo(secret)
